"""The macro expander the preview and the tests share, checked against the plugin's definitions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dashboards.macros import ALL, MacroError, QueryContext, expand, interval_for, quote, variables_used

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
T1 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def ctx(**variables: list[str]) -> QueryContext:
    return QueryContext(T0, T1, 60, variables, {"channel": ["chat", "email"]})


def test_time_filter_and_bounds_follow_the_plugin() -> None:
    assert expand("WHERE $__timeFilter(event_time)", ctx()) == (
        f"WHERE event_time >= toDateTime({int(T0.timestamp())}) AND event_time <= toDateTime({int(T1.timestamp())})"
    )
    lo, hi = int(T0.timestamp()), int(T1.timestamp())
    assert expand("$__fromTime,$__toTime", ctx()) == f"toDateTime({lo}),toDateTime({hi})"


def test_time_interval_and_interval_seconds() -> None:
    expected = "toStartOfInterval(toDateTime(event_time), INTERVAL 60 second)"
    assert expand("$__timeInterval(event_time)", ctx()) == expected
    assert expand("intDiv(toUInt32(t), $__interval_s)", ctx()) == "intDiv(toUInt32(t), 60)"


def test_conditional_all_is_true_for_all_and_the_condition_otherwise() -> None:
    sql = "$__conditionalAll(channel IN (${channel:singlequote}), $channel)"
    assert expand(sql, ctx(channel=[ALL])) == "1=1"
    assert expand(sql, ctx(channel=[])) == "1=1"
    assert expand(sql, ctx(channel=["chat", "review"])) == "(channel IN ('chat','review'))"


def test_nested_parentheses_and_commas_inside_arguments() -> None:
    sql = "$__conditionalAll(hasAny(aspects, [${aspect:singlequote}]), $aspect)"
    assert expand(sql, ctx(aspect=["price", "delivery"])) == "(hasAny(aspects, ['price','delivery']))"


def test_all_outside_conditional_all_expands_to_every_option() -> None:
    assert expand("channel IN ($channel)", ctx(channel=[ALL])) == "channel IN ('chat','email')"


@pytest.mark.parametrize("value", ["x' OR 1=1 --", "a\\' OR 1", "$channel", "${channel}"])
def test_values_stay_inside_their_literal(value: str) -> None:
    out = expand("c IN (${channel:singlequote})", ctx(channel=[value]))
    assert out == f"c IN ({quote(value)})"
    assert out.count("'") - out.count("\\'") == 2  # exactly one unescaped literal


def test_quote_escapes_backslash_then_quote() -> None:
    assert quote("it's") == "'it\\'s'"
    assert quote("a\\b") == "'a\\\\b'"


def test_errors_are_precise() -> None:
    with pytest.raises(MacroError, match="1 argument"):
        expand("$__timeFilter(a, b)", ctx())
    with pytest.raises(MacroError, match="unbalanced"):
        expand("$__timeFilter(a", ctx())
    with pytest.raises(MacroError, match="unknown template variable"):
        expand("x = $nope", ctx())
    with pytest.raises(MacroError, match="variable as its second argument"):
        expand("$__conditionalAll(x = 1, channel)", ctx())


def test_interval_for_picks_a_nice_step() -> None:
    assert interval_for(T0, T1) == 30          # 1 h / 120 points
    assert interval_for(T0, T0) == 1
    assert interval_for(T0, T0.replace(day=9)) == 7200


def test_variables_used() -> None:
    assert variables_used("$__conditionalAll(a IN (${channel:singlequote}), $channel) AND $language") == {
        "channel", "language"}
