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


def _examples(code: str) -> tuple[str, str]:
    from sopframe.ruledocs import section
    from sopframe.core.rules import all_rules

    (rule,) = [r for r in all_rules() if r.code == code] or [None]
    text = section("docs/rules.md", code, rule.slug) if rule else None
    assert text, f"docs/rules.md has no section for {code}"
    blocks = re.findall(r"\*\*(Wrong|Right)\*\*\s+```\w*\n(.*?)```", text, flags=re.S)
    assert [kind for kind, _ in blocks] == ["Wrong", "Right"], f"{code}: a wrong and a right example, in that order"
    return blocks[0][1], blocks[1][1]


@pytest.mark.parametrize("code", sorted({r.code for r in [*__import__("sopframe.core.rules",
                         fromlist=["all_rules"]).all_rules()]}))
def test_every_core_rule_shows_a_wrong_and_a_right_example(code: str) -> None:
    wrong, right = _examples(code)
    assert wrong.strip() and right.strip() and wrong != right


_HEAD = "template: example\ntitle: Example\nversion: 1.0.0\nkind: change\n"
_ROLES = "roles:\n  engineer: Does the work\n  approver: Approves the work\n"


@pytest.mark.parametrize("code", ["SOP101", "SOP102", "SOP103", "SOP106", "SOP107", "SOP112"])
def test_whole_examples_do_what_they_say(code: str) -> None:
    """Examples that are a whole template body: the wrong one gives the rule's finding, the right one not."""
    from sopframe.core.validate import validate_text
    from sopframe.pluginmanager import load_plugins

    plugins = load_plugins()
    wrong, right = _examples(code)

    def codes(body: str) -> set[str]:
        text = _HEAD + ("" if body.startswith("roles:") else _ROLES) + body
        return {f.code for f in validate_text(text, "example.yaml", plugins=plugins).findings if f.code != "SOP112" or code == "SOP112"}

    assert code in codes(wrong)
    assert codes(right) == set()
