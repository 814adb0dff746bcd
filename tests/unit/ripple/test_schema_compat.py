"""Fails when a contract change would break an existing consumer of the current topic version.

The published schemas live in ripple/schemas/ (written by `ripple contracts export`). A consumer of
``X.v1`` relies on every field it knows keeping its name, presence and type. Adding new fields is
allowed (consumers must ignore unknown fields, as the README says); removing, renaming, retyping or
making a field optional-in-output is a break that needs a new topic version.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ripple.contracts import json_schemas

PUBLISHED = Path(__file__).resolve().parents[3] / "ripple" / "schemas"


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if ref:
        name = ref.split("/")[-1]
        return _resolve(schema, schema["$defs"][name])
    return node


def _types(schema: dict[str, Any], node: dict[str, Any]) -> set[str]:
    node = _resolve(schema, node)
    if "anyOf" in node:
        return set().union(*(_types(schema, n) for n in node["anyOf"]))
    if "enum" in node:
        return {f"enum:{v}" for v in node["enum"]}
    if "const" in node:
        return {f"const:{node['const']}"}
    t = node.get("type", "any")
    if t == "array":
        return {"array"}
    return {f"{t}:{node.get('format', '')}"}


def breaking_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What a consumer of ``old`` would trip over in data shaped like ``new``."""
    problems = []
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    new_required = set(new.get("required", []))
    for name in old.get("required", []):
        if name not in new_props:
            problems.append(f"field {name!r} removed")
        elif name not in new_required:
            problems.append(f"field {name!r} no longer always present")
    for name, node in old_props.items():
        if name not in new_props:
            continue
        added = _types(new, new_props[name]) - _types(old, node)
        # A new enum value is a break too: a strict consumer's switch would not know it.
        if added:
            problems.append(f"field {name!r} gained types/values {sorted(added)}")
    return problems


def published() -> dict[str, dict[str, Any]]:
    return {p.name.removesuffix(".schema.json"): json.loads(p.read_text()) for p in PUBLISHED.glob("*.schema.json")}


def test_every_topic_has_a_published_schema() -> None:
    assert set(json_schemas()) <= set(published()), "run `ripple contracts export ripple/schemas` and commit"


@pytest.mark.parametrize("topic", sorted(published()))
def test_current_models_do_not_break_published_consumers(topic: str) -> None:
    current = json_schemas().get(topic)
    assert current is not None, f"topic {topic} disappeared"
    assert breaking_changes(published()[topic], current) == []


def test_the_checker_catches_a_removed_and_a_retyped_field() -> None:
    old = published()["feedback.raw.v1"]
    new = json.loads(json.dumps(old))
    del new["properties"]["text"]
    new["required"].remove("text")
    new["properties"]["stars"] = {"type": "string"}
    found = breaking_changes(old, new)
    assert any("'text' removed" in p for p in found)
    assert any("'stars' gained" in p for p in found)


def test_the_checker_allows_an_added_optional_field() -> None:
    old = published()["feedback.raw.v1"]
    new = json.loads(json.dumps(old))
    new["properties"]["loyalty_tier"] = {"type": "string"}
    assert breaking_changes(old, new) == []
