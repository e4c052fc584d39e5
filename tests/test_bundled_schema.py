"""templates/sopframe.schema.json, which the bundled templates point editors
at, is the schema ``sopframe schema`` prints with the bundled plugins."""

from __future__ import annotations

import json

from testsupport import ROOT


def test_editor_schema_beside_the_templates_is_current() -> None:
    from sopframe.pluginmanager import load_plugins

    saved = json.loads((ROOT / "templates" / "sopframe.schema.json").read_text("utf-8"))
    assert saved == load_plugins().schema(), "regenerate it: sopframe schema > templates/sopframe.schema.json"


def test_every_bundled_template_points_its_editor_at_it() -> None:
    for path in sorted((ROOT / "templates").rglob("*.yaml")):
        first = path.read_text("utf-8").splitlines()[0]
        assert first == "# yaml-language-server: $schema=../sopframe.schema.json", path


def _patterns(node: object) -> list[str]:
    if isinstance(node, dict):
        found = [node["pattern"]] if isinstance(node.get("pattern"), str) else []
        return found + [p for value in node.values() for p in _patterns(value)]
    if isinstance(node, list):
        return [p for value in node for p in _patterns(value)]
    return []


def test_schema_patterns_are_portable_regular_expressions() -> None:
    """JSON Schema patterns are ECMA-262 regular expressions: editors and
    check-jsonschema refuse Python's inline flags such as ``(?i:...)``."""
    import re

    from sopframe.pluginmanager import load_plugins

    patterns = _patterns(load_plugins().schema())
    assert patterns, "the schema has patterns to check"
    for pattern in patterns:
        groups = re.findall(r"(?<!\\)\(\?([^:=!<])", pattern)
        assert not groups, f"inline flag group (?{groups[0]}...) in {pattern!r}"
