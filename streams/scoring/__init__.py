"""The scoring stage as pure functions: detect language -> redact PII -> sentiment -> ratings -> aspects/cues."""

from streams.scoring.pipeline import Failure, process_raw, score_event

__all__ = ["Failure", "process_raw", "score_event"]
