"""``ripple import`` as a user runs it (a subprocess) against a real broker: 100k reviews, then again."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from kafka import KafkaConsumer, TopicPartition

from producers.sim.engine import Simulator
from ripple import topics
from ripple.contracts import Channel, RawFeedback, parse
from ripple.dev.procs import wait_until
from ripple.dev.tansu import TansuBroker
from tests.conftest import ROOT

pytestmark = pytest.mark.integration

DATA = Path(__file__).resolve().parents[2] / "data" / "producers"


def run_cli(broker: TansuBroker, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RIPPLE_")}
    env.update(
        RIPPLE_BROKERS=broker.bootstrap,
        RIPPLE_DATA_DIR=str(tmp_path / "data"),
        PYTHONPATH=str(ROOT),
        RIPPLE_CUSTOMER_ID_SECRET="import-test",
    )
    return subprocess.run(
        [sys.executable, "-m", "ripple", *args],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=240,
    )


def read_topic(bootstrap: str, at_least: int, timeout: float = 120) -> list[bytes]:
    """Every record on the raw topic: read until ``at_least`` arrived and then until a poll comes back empty,
    so extra (duplicate) records would be seen too. (Tansu's ListOffsets is not exact for batched
    produce, so end offsets cannot be used for counting.)"""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    parts = consumer.partitions_for_topic(topics.RAW) or set()
    tps = [TopicPartition(topics.RAW, p) for p in parts]
    consumer.assign(tps)
    consumer.seek_to_beginning(*tps)
    out: list[bytes] = []
    idle = [0]

    def settled() -> bool:
        got = [m.value for msgs in consumer.poll(timeout_ms=300, max_records=50_000).values() for m in msgs]
        out.extend(got)
        idle[0] = 0 if got else idle[0] + 1
        return len(out) >= at_least and idle[0] >= 2

    try:
        wait_until(settled, timeout, f">= {at_least} records on {topics.RAW}", interval=0)
    finally:
        consumer.close()
    return out


def write_reviews(path: Path, n: int, bad_every: int) -> int:
    """``n`` review rows with simulator texts (multilingual, quoted commas and newlines); returns bad rows."""
    sim = Simulator(seed=3, customers=2000, channels={Channel.REVIEW: 1.0}, incidents=[])
    texts = [(e.text, e.subject, e.stars, e.product) for e in sim.events(1500)]
    bad = 0
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["review_id", "rating", "title", "body", "product", "review_url", "author", "date"])
        for i in range(n):
            text, title, stars, product = texts[i % len(texts)]
            if i % 7 == 0:
                text = f"{text}, and another thing,\nsecond line"
            if i % bad_every == 0:
                stars, bad = 9, bad + 1
            w.writerow(
                [
                    f"r{i:07d}",
                    stars,
                    title,
                    text,
                    product,
                    f"https://reviews.example/r/{i}",
                    f"user{i % 30011}",
                    f"2026-01-{1 + i % 28:02d}T{i % 24:02d}:00:00Z",
                ]
            )
    return bad


def test_importing_100k_reviews_twice_adds_nothing_the_second_time(
    broker: TansuBroker, tmp_path: Path
) -> None:
    n = 100_000
    src = tmp_path / "exports" / "reviews.csv"
    src.parent.mkdir()
    bad = write_reviews(src, n, bad_every=5000)
    first = run_cli(
        broker,
        tmp_path,
        "import",
        "--channel",
        "review",
        str(src.parent),
        "--rejects",
        str(tmp_path / "rejects.jsonl"),
    )
    assert first.returncode == 0, first.stderr[-2000:]
    assert "import: 50000 records" in first.stderr  # progress was shown while it ran
    good = n - bad
    assert f"{n} records: {good} accepted, {bad} rejected" in first.stdout
    rejects = [orjson.loads(line) for line in (tmp_path / "rejects.jsonl").read_bytes().splitlines()]
    assert len(rejects) == bad and all(
        r["field"] == "stars" and r["source"].endswith("reviews.csv") for r in rejects
    )
    assert rejects[0]["record"] == 2  # row 0 is on line 2, under the header

    records = read_topic(broker.bootstrap, good)
    ids = {parse(RawFeedback, r).event_id for r in records}
    assert len(records) == good and len(ids) == good

    second = run_cli(
        broker,
        tmp_path,
        "import",
        "--channel",
        "review",
        str(src),
        "--rejects",
        str(tmp_path / "rejects2.jsonl"),
    )
    assert second.returncode == 0, second.stderr[-2000:]
    assert f"{n} records: 0 accepted, {bad} rejected, {good} already imported" in second.stdout
    again = read_topic(broker.bootstrap, good)
    assert len(again) == good and {parse(RawFeedback, r).event_id for r in again} == ids


def test_without_ledger_reimport_reuses_the_same_event_ids(broker: TansuBroker, tmp_path: Path) -> None:
    args = ["import", "--channel", "email", str(DATA), "--no-ledger", "--rejects", str(tmp_path / "r.jsonl")]
    first = run_cli(broker, tmp_path, *args)
    second = run_cli(broker, tmp_path, *args)
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    # 4 .eml + mbox (2 messages duplicating .eml files, 1 without a sender) -> 4 distinct events each run
    assert "7 records: 4 accepted, 1 rejected, 0 already imported, 2 duplicates in this run" in first.stdout
    records = read_topic(broker.bootstrap, 8)
    ids = [parse(RawFeedback, r).event_id for r in records]
    assert len(ids) == 8 and len(set(ids)) == 4  # downstream dedup by event_id leaves exactly 4


def test_cli_errors_are_one_line_and_non_zero(broker: TansuBroker, tmp_path: Path) -> None:
    bad_channel = run_cli(broker, tmp_path, "import", "--channel", "fax", str(DATA))
    assert bad_channel.returncode != 0 and bad_channel.stderr.strip().count("\n") == 0
    assert "unknown channel 'fax'" in bad_channel.stderr
    missing = run_cli(broker, tmp_path, "import", "--channel", "review", str(tmp_path / "nope.csv"))
    assert missing.returncode != 0 and "no such file" in missing.stderr
