import orjson
from typer.testing import CliRunner

from ripple.cli import cli


def test_eval_json_reports_ours_and_baseline() -> None:
    result = CliRunner().invoke(cli, ["eval", "--lang", "en", "--json"])
    assert result.exit_code == 0, result.output
    data = orjson.loads(result.output)
    en = data["languages"]["en"]
    assert en["n"] >= 150 and en["macro_f1"] > en["baseline_macro_f1"]
    assert set(en["confusion"]) == {"negative", "neutral", "positive"}
    assert {"tweets", "amazon"} <= set(data["gold"])


def test_eval_errors_are_one_line_and_nonzero() -> None:
    bad_lang = CliRunner().invoke(cli, ["eval", "--lang", "xx"])
    assert bad_lang.exit_code == 2 and "unknown language" in bad_lang.output
    missing = CliRunner().invoke(cli, ["eval", "--dev-dir", "/nonexistent/dev"])
    assert missing.exit_code == 2 and "not found" in missing.output
