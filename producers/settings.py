"""Producer-side settings: the kernel ``Settings`` plus the gateway and pseudonymisation knobs.

A subclass (same ``RIPPLE_`` prefix, same env file) rather than new fields in ``ripple/settings.py`` so the
producers stage can evolve its own knobs without touching the shared kernel; every field here is read from
``RIPPLE_<NAME>`` exactly like the kernel's.
"""

from __future__ import annotations

import hashlib

from pydantic import Field, SecretStr

from ripple.settings import Settings

DEV_SECRET = "ripple-dev-only-change-me"


class ProducerSettings(Settings):
    customer_id_secret: SecretStr = Field(
        default=SecretStr(DEV_SECRET),
        description="HMAC key that turns an e-mail address / phone number into a customer id. "
        "Set it in production: with the dev default anyone can recompute the mapping.",
    )
    gateway_host: str = "127.0.0.1"
    gateway_port: int = Field(default=8080, ge=0, le=65535)
    gateway_api_key_hashes: str = Field(
        default="",
        description="Comma-separated SHA-256 hex digests of the accepted API keys (never the keys). "
        "Empty = the gateway refuses to start unless --insecure-no-auth is given.",
    )
    gateway_max_body_bytes: int = Field(default=1_048_576, ge=1024, description="Larger requests get 413.")
    gateway_max_batch: int = Field(default=1000, ge=1, description="Records per batch request.")
    gateway_max_future_s: float = Field(
        default=86_400,
        ge=0,
        description="Event times further ahead than this are rejected (clock-skew guard).",
    )
    gateway_produce_timeout_s: float = Field(
        default=10.0, gt=0, description="How long to wait for the broker's ack before answering 503."
    )
    gateway_dedup_cache: int = Field(
        default=200_000,
        ge=0,
        description="Recently acknowledged event ids remembered to answer retries "
        "without producing again (Kafka-side duplicates are removed downstream by event_id).",
    )
    gateway_signing_secret: SecretStr | None = Field(
        default=None,
        description="When set, every ingest request must carry X-Ripple-Timestamp and "
        "X-Ripple-Signature: sha256=HMAC-SHA256(secret, f'{timestamp}.{raw body}') (see producers/gateway.py).",
    )
    gateway_signature_window_s: int = Field(
        default=300, ge=1, description="Signed requests older/newer than this many seconds are refused (stale)."
    )
    gateway_signature_cache: int = Field(
        default=100_000, ge=1, description="Signatures remembered (within the window) to refuse replays."
    )
    gateway_rate_per_s: float = Field(
        default=0.0, ge=0, description="Requests per second per API key (token bucket); 0 = no limit."
    )
    gateway_rate_burst: int = Field(
        default=50, ge=1, description="Bucket size: requests an API key may send at once before 429."
    )
    import_linger_ms: int = Field(default=50, ge=0, description="Producer linger for file import batches.")

    def api_key_hashes(self) -> frozenset[str]:
        return frozenset(h.strip().lower() for h in self.gateway_api_key_hashes.split(",") if h.strip())


def hash_api_key(key: str) -> str:
    """The value to put in ``RIPPLE_GATEWAY_API_KEY_HASHES`` for an API key."""
    return hashlib.sha256(key.encode()).hexdigest()
