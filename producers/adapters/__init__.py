"""Channel adapters: native payloads (chat JSON, RFC 822 mail, review exports, IVR results) -> RawFeedback.

Every adapter returns errors as data (:class:`producers.adapters.base.RecordError`) instead of raising, so
one bad record never stops an import or a batch and is never silently dropped.
"""

from producers.adapters.base import AdapterContext, Outcome, RecordError

__all__ = ["AdapterContext", "Outcome", "RecordError"]
