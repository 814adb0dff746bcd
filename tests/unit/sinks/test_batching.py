"""Deterministic batch cutting: the same records give the same batches wherever a replay starts."""

from __future__ import annotations

from sinks.batching import Batcher


def _ranges(b: Batcher) -> list[tuple[str, int, int]]:
    return [(str(x.key), x.start, x.end) for x in b.ready]


def feed(b: Batcher, records: list[tuple[int, int]], key: str = "p0") -> None:
    for offset, ts in records:
        b.add(key, offset, ts, b"v%d" % offset)


def test_size_cuts_are_aligned_to_multiples_of_batch_rows_whatever_the_start() -> None:
    records = [(o, 1_000) for o in range(0, 25)]
    full = Batcher(batch_rows=10, batch_seconds=60, grace_seconds=0)
    feed(full, records)
    assert _ranges(full) == [("p0", 0, 10), ("p0", 10, 20)]
    replay = Batcher(batch_rows=10, batch_seconds=60, grace_seconds=0)
    feed(replay, records[13:])  # a replay from a committed offset inside a batch
    assert _ranges(replay) == [("p0", 13, 20)]
    assert replay.open["p0"].start == 20


def test_time_cuts_follow_record_timestamps_not_poll_timing() -> None:
    ts = [0, 100, 900, 1_000, 1_500, 2_100, 2_200]
    records = list(enumerate(ts))
    a = Batcher(batch_rows=1000, batch_seconds=1.0, grace_seconds=0)
    feed(a, records)
    # A batch spans [first, first + 1 s): 0..900 | 1000..1500 | 2100..
    assert _ranges(a) == [("p0", 0, 3), ("p0", 3, 5)]
    b = Batcher(batch_rows=1000, batch_seconds=1.0, grace_seconds=0)
    for r in records:  # one record per "poll", with time flushes in between: same cuts
        feed(b, [r])
        b.close_due(now_ms=r[1], caught_up={"p0": True})
    assert _ranges(b)[:2] == _ranges(a)


def test_open_batch_is_flushed_only_when_caught_up_and_past_span_plus_grace() -> None:
    b = Batcher(batch_rows=1000, batch_seconds=1.0, grace_seconds=0.5)
    feed(b, [(0, 10_000), (1, 10_200)])
    b.close_due(now_ms=11_600, caught_up={"p0": False})
    assert not b.ready  # more records may exist: the next one decides the cut
    b.close_due(now_ms=11_400, caught_up={"p0": True})
    assert not b.ready  # span + grace not over yet
    b.close_due(now_ms=11_500, caught_up={"p0": True})
    assert _ranges(b) == [("p0", 0, 2)]
    feed(b, [(2, 11_700)])  # produced after the flush: necessarily past the span, so a replay cuts here too
    replay = Batcher(batch_rows=1000, batch_seconds=1.0, grace_seconds=0.5)
    feed(replay, [(0, 10_000), (1, 10_200), (2, 11_700)])
    assert _ranges(replay) == [("p0", 0, 2)]


def test_partitions_are_batched_independently_and_revoked_ones_dropped() -> None:
    b = Batcher(batch_rows=4, batch_seconds=60, grace_seconds=0)
    feed(b, [(o, 0) for o in range(6)], key="p0")
    feed(b, [(o, 0) for o in range(3)], key="p1")
    assert _ranges(b) == [("p0", 0, 4)]
    assert b.pending() == 9
    assert b.drop({"p0"}) == 6
    assert b.pending() == 3 and not b.ready and set(b.open) == {"p1"}


def test_tokens_name_the_offset_range() -> None:
    b = Batcher(batch_rows=3, batch_seconds=60, grace_seconds=0)
    feed(b, [(o, 0) for o in range(3)])
    batch = b.ready[0]
    assert batch.token("t:topic:0") == "t:topic:0:0-3"
    assert batch.token("t:topic:0", 1, 2) == "t:topic:0:1-2"
    assert batch.values == [b"v0", b"v1", b"v2"]


def test_records_without_timestamps_are_cut_by_size_only() -> None:
    b = Batcher(batch_rows=5, batch_seconds=0.001, grace_seconds=0)
    for o in range(7):
        b.add("p", o, -1, b"x")
    assert _ranges(b) == [("p", 0, 5)]


def test_extend_cuts_exactly_like_add_record_by_record() -> None:
    """The writer's bulk path: random runs (gaps, missing and skewed timestamps) give add()'s batches."""
    import random

    rng = random.Random(11)
    for trial in range(300):
        rows, span = rng.choice([1, 2, 3, 7, 10]), rng.choice([0.001, 0.05, 1.0])
        one = Batcher(batch_rows=rows, batch_seconds=span, grace_seconds=0)
        bulk = Batcher(batch_rows=rows, batch_seconds=span, grace_seconds=0)
        offset, ts = rng.randrange(0, 30), rng.randrange(0, 1_000)
        for _ in range(rng.randrange(1, 6)):  # several polls
            run: list[tuple[int, int | None]] = []
            for _ in range(rng.randrange(0, 25)):
                offset += rng.choice([1, 1, 1, 2, 5])
                ts += rng.choice([0, 1, 10, 40, 300, -20])
                run.append((offset, rng.choice([ts, ts, ts, None, -1])))
            for o, t in run:
                one.add("p", o, t, b"%d" % o, None)
            bulk.extend("p", [o for o, _ in run], [t for _, t in run], [b"%d" % o for o, _ in run], [None] * len(run))
        assert _state(bulk) == _state(one), trial


def _state(b: Batcher) -> tuple[list[tuple[object, ...]], dict[object, tuple[object, ...]]]:
    return (
        [(x.start, x.end, x.offsets, x.values, x.first_ts) for x in b.ready],
        {k: (x.start, x.end, x.offsets, x.first_ts) for k, x in b.open.items()},
    )
