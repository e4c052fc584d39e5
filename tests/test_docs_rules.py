"""Every rule of sopframe and its bundled plugins is documented under the
anchor its findings link to (``Rule.docs``: page and anchor)."""

from __future__ import annotations

import re

import pytest

from testsupport import ROOT


def _anchors(text: str) -> set[str]:
    out = set()
    for heading in re.findall(r"^#{2,4} (.+)$", text, flags=re.M):
        out.add(re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-"))
    return out


def _bundled_rules():
    from sopframe.pluginmanager import load_plugins

    from sopframe.core.rules import plugin_problems

    plugins = load_plugins()
    assert not plugins.problems, plugins.problems
    return [*plugins.rules(), *plugin_problems.RULES]


@pytest.mark.parametrize("rule", _bundled_rules(), ids=lambda r: r.code)
def test_rule_is_documented_where_its_findings_link(rule) -> None:
    page, anchor = rule.docs.split("#", 1)
    path = ROOT / page
    assert path.is_file(), f"{rule.code} links to {page}, which does not exist"
    assert anchor in _anchors(path.read_text("utf-8")), f"{page} has no section for {rule.code} {rule.slug}"


def test_core_rules_link_to_the_rules_reference() -> None:
    from sopframe.core.rules import all_rules

    assert all(r.docs.startswith("docs/rules.md#") for r in all_rules())
