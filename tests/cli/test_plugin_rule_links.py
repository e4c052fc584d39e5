"""Where findings of a plugin's rule send the reader: never to a page of sopframe's docs that lacks the rule."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import pytest
from cli_helpers import invoke

from sopframe.core.diagnostics import Rule, Severity
from sopframe.formats import render
from sopframe.hookspecs import hookimpl
from sopframe.pluginmanager import load_plugins

DOCS_URL = "https://sop.example.org/"
OWN_PAGE = "https://globex.example/sopframe-rules.md"
UNDOCUMENTED = Rule("GLX101", "change-needs-cab", Severity.ERROR, "A change names a CAB role.",
                    explanation="Globex's change policy.", plugin="globex")
SELF_DOCUMENTED = Rule("GLX102", "cab-signs", Severity.ERROR, "The CAB signs off.", plugin="globex",
                       docs_page=OWN_PAGE)
CORE = Rule("SOP107", "undefined-role", Severity.ERROR, "A role used but not defined.")


def _sarif_rules(rule: Rule, docs_url: str | None) -> dict[str, object]:
    doc = json.loads(render("sarif", [rule.finding("x")], 1, rules=[rule], docs_url=docs_url))
    return doc["runs"][0]["tool"]["driver"]["rules"][0]


def test_a_plugin_rule_on_no_page_of_its_own_is_not_linked_to_sopframes_rules_page() -> None:
    assert "helpUri" not in _sarif_rules(UNDOCUMENTED, DOCS_URL)
    text = render("text", [UNDOCUMENTED.finding("x")], 1, rules=[UNDOCUMENTED], docs_url=DOCS_URL)
    assert "  see: sopframe explain GLX101" in text.splitlines()


def test_a_plugin_rule_with_a_page_of_its_own_links_there_with_or_without_docs_url() -> None:
    for docs_url in (None, DOCS_URL):
        assert _sarif_rules(SELF_DOCUMENTED, docs_url)["helpUri"] == f"{OWN_PAGE}#glx102-cab-signs"
    text = render("text", [SELF_DOCUMENTED.finding("x")], 1, rules=[SELF_DOCUMENTED])
    assert f"  see: {OWN_PAGE}#glx102-cab-signs" in text.splitlines()


def test_a_core_rule_still_links_under_docs_url() -> None:
    assert _sarif_rules(CORE, DOCS_URL)["helpUri"] == f"{DOCS_URL}docs/rules.md#sop107-undefined-role"
    assert "helpUri" not in _sarif_rules(CORE, None)


def test_explain_of_a_plugin_rule_names_no_page_that_lacks_it(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    class Globex:
        @hookimpl
        def sopframe_rules(self) -> Sequence[Rule]:
            return [UNDOCUMENTED, SELF_DOCUMENTED]

    plugins = load_plugins(extra=[("globex", Globex())], only=())
    monkeypatch.setattr("sopframe.commands.inspect.plugins_for", lambda ctx: plugins)
    (tmp_path / "sopframe.toml").write_text(f'docs-url = "{DOCS_URL}"\n', "utf-8")
    monkeypatch.chdir(tmp_path)
    r = invoke(capsys, "explain", "GLX101")
    assert r.code == 0 and "Globex's change policy." in r.out and "Online:" not in r.out
    r = invoke(capsys, "explain", "GLX102")
    assert r.out.rstrip().endswith(f"Online: {OWN_PAGE}#glx102-cab-signs")
