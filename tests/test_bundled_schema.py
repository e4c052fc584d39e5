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
