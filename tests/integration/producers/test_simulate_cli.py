"""``ripple simulate`` and ``ripple gateway`` as a user runs them (subprocesses, real broker)."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from ripple.contracts import RawFeedback, parse
from ripple.dev.tansu import TansuBroker
from tests.integration.producers.test_import import read_topic, run_cli

pytestmark = pytest.mark.integration


def test_simulate_produces_with_truth_and_files_are_identical_per_seed(
    broker: TansuBroker, tmp_path: Path
) -> None:
    args = ["simulate", "-n", "400", "--seed", "9", "--mix", "en=1,hy=1", "--customers", "300"]
    a = run_cli(broker, tmp_path, *args, "--out", "a.jsonl", "--truth", "ta.jsonl")
    b = run_cli(broker, tmp_path, *args, "--out", "b.jsonl", "--truth", "tb.jsonl")
    assert a.returncode == 0 and b.returncode == 0, a.stderr + b.stderr
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    assert (tmp_path / "ta.jsonl").read_bytes() == (tmp_path / "tb.jsonl").read_bytes()
    truth = [orjson.loads(x) for x in (tmp_path / "ta.jsonl").read_bytes().splitlines()]
    customers = [orjson.loads(x) for x in (tmp_path / "ta.jsonl.customers.jsonl").read_bytes().splitlines()]
    assert len(truth) == 400 and {t["lang"] for t in truth} == {"en", "hy"}
    assert sum(c["events"] for c in customers) == 400

    live = run_cli(broker, tmp_path, *args, "--truth", "tc.jsonl")
    assert live.returncode == 0, live.stderr
    produced = {parse(RawFeedback, v).event_id for v in read_topic(broker.bootstrap, 400)}
    assert produced == {t["event_id"] for t in truth}


def test_simulate_rejects_a_bad_mix_in_one_line(broker: TansuBroker, tmp_path: Path) -> None:
    r = run_cli(broker, tmp_path, "simulate", "--mix", "en=1,xx=2", "--out", "x.jsonl")
    assert r.returncode != 0 and r.stderr.strip().count("\n") == 0 and "unknown language" in r.stderr


def test_gateway_refuses_to_start_without_api_keys(broker: TansuBroker, tmp_path: Path) -> None:
    r = run_cli(broker, tmp_path, "gateway", "--port", "0")
    assert r.returncode != 0 and "API key hashes" in r.stderr and r.stderr.strip().count("\n") == 0
