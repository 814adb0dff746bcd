"""Sinks: where scored feedback, aggregates and alerts leave Kafka (ClickHouse)."""
