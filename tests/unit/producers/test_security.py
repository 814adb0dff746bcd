"""Signature, replay and rate-limit rules with an injected clock (the HTTP side is in integration tests)."""

from __future__ import annotations

from producers.security import ReplayCache, SignatureVerifier, TokenBucket, sign

SECRET = b"unit-signing-secret"
BODY = b'{"a": 1}'


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def verifier(now: float = 1_700_000_000, window: float = 300, cache: int = 100) -> SignatureVerifier:
    return SignatureVerifier(SECRET, window, cache, clock=Clock(now))


def test_a_fresh_correct_signature_passes_once_then_is_a_replay() -> None:
    v = verifier()
    ts = "1700000000"
    assert v.check(ts, sign(SECRET, ts, BODY), BODY) is None
    again = v.check(ts, sign(SECRET, ts, BODY), BODY)
    assert again is not None and (again.status, again.reason) == (409, "replayed")
    # Re-signed with a new timestamp, the same body is fine.
    assert v.check("1700000001", sign(SECRET, "1700000001", BODY), BODY) is None


def test_missing_malformed_and_wrong_signatures_are_401_naming_the_header() -> None:
    v = verifier()
    ts = "1700000000"
    good = sign(SECRET, ts, BODY)
    cases = [
        ((None, good, BODY), "unsigned", "X-Ripple-Timestamp"),
        ((ts, None, BODY), "unsigned", "X-Ripple-Signature"),
        (("17e8", good, BODY), "bad_timestamp", "X-Ripple-Timestamp"),
        (("-5", good, BODY), "bad_timestamp", "X-Ripple-Timestamp"),
        ((ts, good[7:], BODY), "bad_signature", "X-Ripple-Signature"),
        ((ts, good, BODY + b" "), "bad_signature", "X-Ripple-Signature"),  # body tampered
        (("1700000001", good, BODY), "bad_signature", "X-Ripple-Signature"),  # timestamp moved
        ((ts, sign(b"other", ts, BODY), BODY), "bad_signature", "X-Ripple-Signature"),
        ((ts, "sha256=ü" + good[8:], BODY), "bad_signature", "X-Ripple-Signature"),  # non-ASCII: no crash
    ]
    for args, reason, field in cases:
        p = v.check(*args)
        assert p is not None and (p.status, p.reason, p.field) == (401, reason, field), (args, p)
    assert len(v.seen) == 0  # nothing unauthenticated is remembered


def test_timestamps_outside_the_window_are_stale_both_ways() -> None:
    v = verifier(now=1_700_000_000, window=300)
    for ts in ("1699999699", "1700000301"):
        p = v.check(ts, sign(SECRET, ts, BODY), BODY)
        assert p is not None and (p.status, p.reason) == (401, "stale"), ts
    for ts in ("1699999700", "1700000300"):
        assert v.check(ts, sign(SECRET, ts, BODY), BODY) is None, ts
    assert "unit-signing-secret" not in repr(v)


def test_replay_cache_is_bounded_and_forgets_only_what_left_the_window() -> None:
    cache = ReplayCache(capacity=3, window_s=10)
    assert all(cache.add_if_new(f"s{i}", 100, now=100) for i in range(3))
    assert not cache.add_if_new("s2", 100, now=105)
    assert cache.add_if_new("s3", 100, now=105) and len(cache) == 3  # oldest evicted for room
    # After the window, everything expires: memory goes back down.
    assert cache.add_if_new("late", 200, now=200) and len(cache) == 1


def test_token_bucket_allows_burst_then_refills_at_rate() -> None:
    clock = Clock(0.0)
    b = TokenBucket(rate=2.0, burst=3, clock=clock)
    assert [b.take("k") for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = b.take("k")
    assert wait == 0.5 and TokenBucket.retry_after(wait) == "1"
    assert b.take("other") == 0.0  # keys are independent
    clock.now = 0.5
    assert b.take("k") == 0.0 and b.take("k") > 0
    clock.now = 100.0
    assert [b.take("k") for _ in range(3)] == [0.0] * 3 and b.take("k") > 0  # capped at burst


def test_token_bucket_memory_is_bounded() -> None:
    b = TokenBucket(rate=1.0, burst=1, max_keys=5, clock=Clock(0.0))
    for i in range(50):
        b.take(f"k{i}")
    assert len(b) == 5
