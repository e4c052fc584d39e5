"""Every compliance rule: a minimal failing template, and its passing fix."""

from __future__ import annotations

from typing import Iterable

import pytest

from compliance_samples import MUTATIONS, SAMPLES, kind_of, mutate
from sopframe.core.diagnostics import Finding, Rule, Severity
from sopframe.core.frameworks import CheckContext, Framework
from sopframe.core.validate import validate_text
from sopframe.pluginmanager import Plugins, load_plugins
from sopframe_plugins.compliance import iso27001, pcidss, soc2
from sopframe_plugins.compliance.checks import CHECKS

MODULES = (iso27001, soc2, pcidss)
FRAMEWORKS = {m.FRAMEWORK.id: m for m in MODULES}
ALL_RULES = [(m.FRAMEWORK, r) for m in MODULES for r in m.RULES]


@pytest.fixture(scope="module")
def plugins() -> Plugins:
    return load_plugins(entry_points=lambda: [], extra=[("iso27001", iso27001), ("soc2", soc2), ("pcidss", pcidss)])


def run(plugins: Plugins, text: str, frameworks: Iterable[str] | None = None,
        policy: dict[str, str] | None = None) -> list[Finding]:
    result = validate_text(text, "sample.yaml", plugins=plugins, context=CheckContext.of(frameworks, policy))
    return result.findings


def failing_variant(fw: Framework, rule: Rule) -> str:
    for sample, old, new in MUTATIONS[rule.slug]:
        if fw.applies(rule.code, kind_of(sample)):
            return mutate(sample, old, new)
    raise AssertionError(f"no failing sample for {rule.code} {rule.slug}")


def passing_sample(fw: Framework, rule: Rule) -> str:
    for sample, _, _ in MUTATIONS[rule.slug]:
        if fw.applies(rule.code, kind_of(sample)):
            return SAMPLES[sample]
    raise AssertionError(rule.code)


@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_samples_are_clean_under_every_framework(plugins: Plugins, sample: str) -> None:
    findings = run(plugins, SAMPLES[sample])
    assert findings == [], [f"{f.code} {f.message}" for f in findings]


@pytest.mark.parametrize(("fw", "rule"), ALL_RULES, ids=[r.code for _, r in ALL_RULES])
def test_rule_fails_then_passes(plugins: Plugins, fw: Framework, rule: Rule) -> None:
    findings = run(plugins, failing_variant(fw, rule), [fw.id])
    assert not [f for f in findings if f.code.startswith("SOP")], "the failing sample must be a valid template"
    bad = [f for f in findings if f.code == rule.code]
    assert bad, f"{rule.code} did not fire on its failing sample"
    for f in bad:
        assert f.hint, f"{rule.code} gave no hint"
        assert all(c in f.message for c in rule.controls), f"{rule.code} message does not cite its controls"
    good = [f for f in run(plugins, passing_sample(fw, rule), [fw.id]) if f.code == rule.code]
    assert good == []


@pytest.mark.parametrize(("fw", "rule"), ALL_RULES, ids=[r.code for _, r in ALL_RULES])
def test_rule_runs_only_for_frameworks_checked(plugins: Plugins, fw: Framework, rule: Rule) -> None:
    other = [f for f in FRAMEWORKS if f != fw.id]
    assert not [f for f in run(plugins, failing_variant(fw, rule), other) if f.code == rule.code]
    unclaimed = failing_variant(fw, rule).replace(f"  - {fw.id}\n", "")
    assert not [f for f in run(plugins, unclaimed) if f.code == rule.code]


def test_every_check_is_used_and_has_a_failing_sample() -> None:
    used = {r.slug for _, r in ALL_RULES}
    assert used == set(CHECKS) == set(MUTATIONS)


def test_kind_decides_not_names(plugins: Plugins) -> None:
    # the incident sample declared as a change template is checked as a change, not an incident
    text = SAMPLES["incident"].replace("kind: incident", "kind: change")
    codes = {f.code for f in run(plugins, text)}
    assert "ISO105" in codes and "ISO108" not in codes


@pytest.mark.parametrize(("code", "value", "severity"), [
    ("PCI102", "review_every: 13 months", Severity.WARNING),  # x.1.1 sets no number: 12 months is policy
    ("ISO102", "review_every: 13 months", Severity.WARNING),
    ("SOC102", "review_every: 13 months", Severity.WARNING),
])
def test_only_standard_numbers_are_errors(plugins: Plugins, code: str, value: str, severity: Severity) -> None:
    text = SAMPLES["sop-lifecycle"].replace("review_every: 12 months", value)
    found = [f for f in run(plugins, text) if f.code == code]
    assert [f.severity for f in found] == [severity]
    if severity is Severity.WARNING:
        assert "policy" in found[0].message


def test_pci_critical_patch_deadline_is_one_month(plugins: Plugins) -> None:
    month = SAMPLES["vulnerability"].replace("critical: 14d", "critical: 1 month")
    assert not [f for f in run(plugins, month, ["pci-dss"]) if f.severity is Severity.ERROR]
    late = SAMPLES["vulnerability"].replace("critical: 14d", "critical: 5w")
    errors = [f for f in run(plugins, late, ["pci-dss"]) if f.severity is Severity.ERROR]
    assert [f.code for f in errors] == ["PCI118"] and "6.3.3" in errors[0].message
    # the message says both clocks: what the template counts from, and 6.3.3's (the patch's release)
    assert errors[0].message == ("the critical deadline of patch stage 'patch' (counted from entering the stage) is "
                                 "5w, longer than the 1 month from the patch's release that PCI DSS 6.3.3 sets "
                                 "(PCI DSS 6.3.1, 6.3.3)")
    anchored = late.replace("      when: severity\n", "      from: triage.found_at\n      when: severity\n").replace(
        "          - low\n        required: yes\n",
        "          - low\n        required: yes\n      found_at:\n        type: date\n        required: yes\n", 1)
    errors = [f for f in run(plugins, anchored, ["pci-dss"]) if f.severity is Severity.ERROR]
    assert [f.code for f in errors] == ["PCI118"], errors
    assert "(counted from triage.found_at) is 5w" in errors[0].message


def test_pci_6_3_3_is_only_partly_covered_by_a_deadline_from_discovery() -> None:
    [rule] = [r for r in pcidss.RULES if r.code == "PCI118"]
    assert "6.3.3" in pcidss.FRAMEWORK.partial["PCI118"] and "release" in pcidss.FRAMEWORK.partial["PCI118"]["6.3.3"]
    assert "6.3.1" not in pcidss.FRAMEWORK.partial["PCI118"]
    assert "The critical limit is 1 month from the patch's release, set by PCI DSS 6.3.3" in rule.explanation


def test_pci_severity_scale_needs_critical_and_high(plugins: Plugins) -> None:
    text = SAMPLES["vulnerability"].replace("          - critical\n", "").replace("        critical: 14d\n", "")
    pci = [f for f in run(plugins, text, ["pci-dss"]) if f.code == "PCI117"]
    assert pci and "critical" in pci[0].message
    assert not [f for f in run(plugins, text, ["iso27001"]) if f.code == "ISO120"]


def test_policy_values_come_from_the_configuration(plugins: Plugins) -> None:
    text = SAMPLES["access"]
    assert not [f for f in run(plugins, text) if f.code == "ISO117"]
    strict = [f for f in run(plugins, text, policy={"leaver-revocation": "4h"}) if f.code == "ISO117"]
    assert strict and strict[0].severity is Severity.WARNING and "policy" in strict[0].message
    missing = SAMPLES["access"].replace("    sla: 24h\n", "")
    found = {f.code: f for f in run(plugins, missing) if f.code in ("ISO117", "SOC116", "PCI114")}
    assert set(found) == {"ISO117", "SOC116", "PCI114"}
    assert all(found[c].severity is Severity.WARNING and "policy" in found[c].message for c in ("ISO117", "SOC116"))
    # PCI DSS 8.2.5 asks for revocation at once: no deadline at all fails it
    assert found["PCI114"].severity is Severity.ERROR and "8.2.5" in found["PCI114"].message


def test_invalid_policy_value_is_reported_not_raised(plugins: Plugins) -> None:
    found = [f for f in run(plugins, SAMPLES["access"], policy={"leaver-revocation": "soon"}) if f.code == "ISO117"]
    assert found and "not a duration" in found[0].message


def test_declared_stage_that_does_not_exist(plugins: Plugins) -> None:
    text = SAMPLES["change"].replace("    implementation: implement\n", "    implementation: implemnt\n")
    found = [f for f in run(plugins, text, ["pci-dss"]) if f.code == "PCI106"]
    assert found and "did you mean 'implement'" in found[0].message


def test_unknown_compliance_key_is_a_schema_error(plugins: Plugins) -> None:
    text = SAMPLES["change"].replace("    approval: approval\n", "    aproval: approval\n")
    codes = {f.code for f in run(plugins, text)}
    assert "SOP012" in codes


def test_explanations_call_soc2_criteria_criteria() -> None:
    # SOC 2 lists criteria, not controls; PCI DSS lists requirements
    from sopframe_plugins.compliance import iso27001, pcidss, soc2

    assert all("(criteria CC" in r.explanation or "(criteria A1" in r.explanation for r in soc2.RULES)
    assert not any("controls" in r.explanation.split(":")[0] for r in soc2.RULES)
    assert all("(requirements " in r.explanation for r in pcidss.RULES)
    assert all("Annex A controls " in r.explanation for r in iso27001.RULES)
