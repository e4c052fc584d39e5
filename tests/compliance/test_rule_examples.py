"""The wrong and right examples of docs/compliance.md are true.

Every compliance rule shares a section with the other rules running its
check (``Rule.shared_docs``).  Each section's wrong example, completed with
the base the page documents, gives that rule's finding under the real
validator; its right example gives none; neither breaks a core rule.  And
``explain`` and SARIF show the section of the rule's check.
"""

from __future__ import annotations

import json
import re

import pytest

from sopframe.core.diagnostics import Rule, Severity
from sopframe.core.validate import validate_text
from sopframe.pluginmanager import Plugins, load_plugins
from sopframe.ruledocs import heading_section, rule_text, section
from sopframe_plugins.compliance import iso27001, pcidss, soc2

PAGE = "docs/compliance.md"
RULES = [r for m in (iso27001, soc2, pcidss) for r in m.RULES]


@pytest.fixture(scope="module")
def plugins() -> Plugins:
    return load_plugins(entry_points=lambda: [], extra=[("iso27001", iso27001), ("soc2", soc2), ("pcidss", pcidss)])


def _base() -> str:
    """The lines the page says complete every example: the first YAML block of "Checks explained"."""
    intro = heading_section(PAGE, "Checks explained")
    assert intro, f"{PAGE} has no section 'Checks explained'"
    base = re.search(r"```yaml\n(.*?)```", intro, flags=re.S)
    assert base and base.group(1).startswith("template: "), "the documented base comes first"
    return base.group(1)


def _examples(rule: Rule) -> tuple[str, str]:
    text = heading_section(PAGE, rule.shared_docs)
    assert text, f"{PAGE} has no section {rule.shared_docs!r} for {rule.code}"
    blocks = re.findall(r"\*\*(Wrong|Right)\*\*\s+```yaml\n(.*?)```", text, flags=re.S)
    assert [kind for kind, _ in blocks] == ["Wrong", "Right"], f"{rule.shared_docs}: one wrong, then one right example"
    wrong, right = blocks[0][1], blocks[1][1]
    for example in (wrong, right):
        assert example.startswith("kind: "), f"{rule.shared_docs}: examples start at `kind:` (the base comes before)"
    return wrong, right


def _findings(plugins: Plugins, example: str) -> list[tuple[str, str]]:
    result = validate_text(_base() + example, "example.yaml", plugins=plugins)
    return [(f.code, f.message) for f in result.findings]


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_wrong_example_fires_the_rule_and_right_example_does_not(plugins: Plugins, rule: Rule) -> None:
    wrong, right = _examples(rule)
    bad = _findings(plugins, wrong)
    assert not [f for f in bad if f[0].startswith("SOP")], f"the wrong example breaks a core rule: {bad}"
    assert rule.code in {code for code, _ in bad}, f"{rule.code} does not fire on its wrong example: {bad}"
    good = _findings(plugins, right)
    assert not [f for f in good if f[0].startswith("SOP")], f"the right example breaks a core rule: {good}"
    assert rule.code not in {code for code, _ in good}, f"{rule.code} fires on its right example: {good}"


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_rule_entry_names_its_check_section_and_the_section_lists_the_rule(rule: Rule) -> None:
    own = section(PAGE, rule.code, rule.slug)
    anchor = re.sub(r"[^\w\- ]", "", rule.shared_docs.lower()).replace(" ", "-")
    assert own and f"(#{anchor})" in own, f"{rule.code}'s entry links to its check's section"
    shared = heading_section(PAGE, rule.shared_docs)
    assert shared and f"`{rule.code}` {rule.severity} (" in shared, f"{rule.shared_docs} lists {rule.code}"


def test_every_check_section_is_used_by_a_rule() -> None:
    intro = heading_section(PAGE, "Checks explained") or ""
    headings = set(re.findall(r"^### (.+)$", intro, flags=re.M))
    assert headings == {r.shared_docs for r in RULES}


def _explain(capsys: pytest.CaptureFixture[str], code: str) -> str:
    from sopframe.__main__ import main

    capsys.readouterr()
    with pytest.raises(SystemExit) as info:
        main(["explain", code])
    out = capsys.readouterr().out
    assert not info.value.code, out
    return out


def test_explain_shows_the_section_of_the_rules_check(capsys: pytest.CaptureFixture[str]) -> None:
    lifecycle = _explain(capsys, "ISO103")
    assert lifecycle.startswith("ISO103 approver-not-author (error, plugin iso27001)\n")
    assert "ISO 27001 A.5.3, 7.5.2" in lifecycle
    assert "### approver-not-author\n" in lifecycle and "**Wrong**" in lifecycle and "**Right**" in lifecycle
    assert "kind: sop-lifecycle" in lifecycle and "kind: change" not in lifecycle
    changes = _explain(capsys, "ISO124")
    assert "### approver-not-author in changes and access" in changes and "kind: change" in changes
    assert "kind: sop-lifecycle" not in changes


def test_sarif_help_carries_the_check_section(plugins: Plugins) -> None:
    from sopframe.formats import render_sarif

    wrong, _ = _examples(next(r for r in RULES if r.code == "PCI118"))
    findings = validate_text(_base() + wrong, "example.yaml", plugins=plugins).findings
    sarif = json.loads(render_sarif(findings, 1, {}, plugins.rules(), colour=False))
    (help_,) = [r["help"]["markdown"] for r in sarif["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "PCI118"]
    assert "### patch-deadlines" in help_ and "**Wrong**" in help_ and "**Right**" in help_ and "sla: 30d" in help_


def test_a_rule_whose_page_is_not_installed_falls_back_to_its_own_text() -> None:
    """A third-party plugin documents its rules on its own page: summary and explanation, whatever it shares."""
    rule = Rule("ACME101", "change-needs-cab", Severity.ERROR, "A change names a CAB.", "Long text.",
                docs_page="https://acme.example/rules.md", shared_docs="change-record")
    assert rule_text(rule) == "A change names a CAB.\n\nLong text."
    installed_page_missing_heading = Rule("ACME102", "x", rule.severity, "Summary.", docs_page=PAGE,
                                          shared_docs="no such check")
    assert rule_text(installed_page_missing_heading) == "Summary."
