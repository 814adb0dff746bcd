"""Request signatures, replay protection and per-key rate limits for the gateway (pure logic, no HTTP).

Kept apart from ``producers/gateway.py`` so the rules can be unit-tested with an injected clock and so a
client library can import :func:`sign` to produce exactly what the gateway checks.

Signature scheme (optional; on when ``RIPPLE_GATEWAY_SIGNING_SECRET`` is set)::

    X-Ripple-Timestamp: <unix seconds, integer>
    X-Ripple-Signature: sha256=<hex HMAC-SHA256(secret, b"<timestamp>." + raw body)>

The timestamp is inside the MAC, so it cannot be moved; a request whose timestamp is further than the
window from the gateway's clock is refused as ``stale``; a valid signature seen before within the window
is refused as a replay (a retry must be signed again with a fresh timestamp).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

SIGNATURE_PREFIX = "sha256="


def sign(secret: bytes, timestamp: int | str, body: bytes) -> str:
    """The ``X-Ripple-Signature`` header value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret, str(timestamp).encode("ascii") + b"." + body, hashlib.sha256)
    return SIGNATURE_PREFIX + mac.hexdigest()


@dataclass(frozen=True, slots=True)
class SignatureProblem:
    """Why a signed request is refused: ``status`` (401/409), a fixed ``reason`` and the header at fault."""

    status: int
    reason: str
    field: str
    detail: str


class ReplayCache:
    """Signatures accepted within the window, bounded: expired ones are dropped, then the oldest.

    Memory is bounded by ``capacity``. Evicting a still-fresh signature would let it be replayed, which
    can only happen after more than ``capacity`` signed requests within one window; the rate limit keeps
    that out of reach for any one key, and the capacity is a setting.
    """

    def __init__(self, capacity: int, window_s: float) -> None:
        self.capacity = capacity
        self.window_s = window_s
        self._seen: OrderedDict[str, float] = OrderedDict()  # signature -> when it stops mattering
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._seen)

    def add_if_new(self, signature: str, timestamp: int, now: float) -> bool:
        """Remember ``signature``; ``False`` when it was already seen (a replay)."""
        # A signature matters until its timestamp leaves the window (+1 s: integer timestamps).
        expires = timestamp + self.window_s + 1
        with self._lock:
            while self._seen:
                oldest, until = next(iter(self._seen.items()))
                if until > now and len(self._seen) < self.capacity:
                    break
                del self._seen[oldest]
            if signature in self._seen:
                return False
            self._seen[signature] = expires
            return True


class SignatureVerifier:
    """Checks ``X-Ripple-Timestamp`` / ``X-Ripple-Signature`` against the raw body."""

    def __init__(
        self,
        secret: bytes,
        window_s: float,
        cache_size: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._secret = secret
        self.window_s = window_s
        self.clock = clock
        self.seen = ReplayCache(cache_size, window_s)

    def __repr__(self) -> str:  # never show the secret
        return f"SignatureVerifier(window_s={self.window_s})"

    def check(self, timestamp: str | None, signature: str | None, body: bytes) -> SignatureProblem | None:
        """``None`` when the request is authentic, fresh and not a replay; otherwise why not."""
        if not timestamp:
            return SignatureProblem(401, "unsigned", "X-Ripple-Timestamp", "missing timestamp header")
        if not signature:
            return SignatureProblem(401, "unsigned", "X-Ripple-Signature", "missing signature header")
        if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
            return SignatureProblem(
                401, "bad_timestamp", "X-Ripple-Timestamp", "timestamp must be integer unix seconds"
            )
        if not signature.startswith(SIGNATURE_PREFIX):
            return SignatureProblem(
                401, "bad_signature", "X-Ripple-Signature", "signature must look like sha256=<hex>"
            )
        expected = sign(self._secret, timestamp, body)
        # Compare as bytes: compare_digest on str refuses non-ASCII, which must be a 401, not a crash.
        if not hmac.compare_digest(expected.encode(), signature.strip().lower().encode("utf-8", "replace")):
            return SignatureProblem(
                401, "bad_signature", "X-Ripple-Signature", "signature does not match the body"
            )
        # Freshness only after the MAC: an unauthenticated timestamp says nothing.
        ts = int(timestamp)
        now = self.clock()
        if abs(now - ts) > self.window_s:
            return SignatureProblem(
                401,
                "stale",
                "X-Ripple-Timestamp",
                f"timestamp is {now - ts:+.0f} s from the gateway clock; the window is ±{self.window_s:g} s",
            )
        if not self.seen.add_if_new(expected, ts, now):
            return SignatureProblem(
                409, "replayed", "X-Ripple-Signature", "this signature was already used; sign the retry again"
            )
        return None


class TokenBucket:
    """Per-key token buckets: ``rate`` tokens/s up to ``burst``; each request takes one.

    Keys are the matched API key's hash, so the number of buckets is bounded by the configured keys (a
    ``max_keys`` cap guards against misuse with arbitrary keys anyway: the least recently used goes).
    """

    def __init__(
        self, rate: float, burst: int, max_keys: int = 10_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.burst = burst
        self.max_keys = max_keys
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key -> (tokens, at)
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, key: str) -> float:
        """Take a token; returns 0.0 when allowed, else the seconds until one will be available."""
        now = self.clock()
        with self._lock:
            tokens, at = self._buckets.pop(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - at) * self.rate)
            wait = 0.0
            if tokens >= 1.0:
                tokens -= 1.0
            else:
                wait = (1.0 - tokens) / self.rate
            self._buckets[key] = (tokens, now)
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
            return wait

    @staticmethod
    def retry_after(wait: float) -> str:
        """``Retry-After`` header value: whole seconds, rounded up, at least 1."""
        return str(max(1, math.ceil(wait)))
