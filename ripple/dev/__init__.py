"""Run real infrastructure locally without Docker: a Tansu broker and a private ClickHouse server.

Used by ``ripple demo`` and by the test fixtures, so what the tests exercise is what the demo runs.
"""
