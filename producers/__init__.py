"""Producers: channel adapters, the ingest gateway, file import and the simulator -> feedback.raw.v1."""
