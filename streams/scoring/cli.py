"""``ripple eval``: the scoring stage's quality report (see streams.scoring.evaluate)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DEV = _ROOT / "tests" / "data" / "dev"
# shared/ sits beside the repository (CI: a clone of main with shared/ next to it; dev: /work/shared).
DEFAULT_GOLD = (
    next(
        (
            p
            for p in (_ROOT.parent / "shared", _ROOT.parent.parent / "shared")
            if (p / "data" / "vader_gold").is_dir()
        ),
        _ROOT.parent / "shared",
    )
    / "data"
    / "vader_gold"
)


def eval_cmd(
    dev_dir: Annotated[
        Path, typer.Option(help="Directory with {en,el,ru,hy,ta}.jsonl development sets.")
    ] = DEFAULT_DEV,
    gold_dir: Annotated[
        Path, typer.Option(help="VADER gold data directory (tweets, Amazon).")
    ] = DEFAULT_GOLD,
    lang: Annotated[
        list[str] | None, typer.Option("--lang", help="Only these languages (repeatable).")
    ] = None,
    errors: Annotated[int, typer.Option(help="Show up to N misclassified items per language.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Macro-F1, confusion matrices and cue precision/recall per language, beside plain vaderSentiment."""
    import orjson

    from ripple.cli import fail
    from streams.scoring.evaluate import LANGS, render, run

    if not dev_dir.is_dir():
        fail(f"development set directory not found: {dev_dir}")
        return
    langs = tuple(lang) if lang else LANGS
    unknown = [x for x in langs if x not in LANGS]
    if unknown:
        fail(f"unknown language(s) {', '.join(unknown)}; choose from {', '.join(LANGS)}")
        return
    try:
        results = run(dev_dir, gold_dir if gold_dir.is_dir() else None, langs)
    except (OSError, ValueError, KeyError) as exc:
        fail(f"cannot evaluate: {exc}")
        return
    if as_json:
        for r in results["languages"].values():
            if r is not None:
                r["errors"] = r["errors"][:errors] if errors else []
        typer.echo(orjson.dumps(results, option=orjson.OPT_INDENT_2).decode())
    else:
        typer.echo(render(results, errors))
