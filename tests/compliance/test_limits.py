"""Every numeric limit, probed with a template just inside and one just outside, in days, weeks,
months, years and words.  Limits compare calendar-true: 28 days fit "one month" from every start date,
29 do not; 365 days fit a year, 366 do not; `3m` is refused rather than read as minutes."""

from __future__ import annotations

import pytest

from compliance_samples import SAMPLES
from sopframe.core.diagnostics import Severity
from sopframe.core.frameworks import CheckContext
from sopframe.core.validate import validate_text
from sopframe.pluginmanager import Plugins, load_plugins
from sopframe_plugins.compliance import iso27001, pcidss, soc2


@pytest.fixture(scope="module")
def plugins() -> Plugins:
    return load_plugins(entry_points=lambda: [], extra=[("iso27001", iso27001), ("soc2", soc2), ("pcidss", pcidss)])


#: (rule, sample, text to replace, template for the new value, inside values, outside values)
LIMITS = [
    ("PCI118", "vulnerability", "        critical: 14d\n", "        critical: {}\n",
     ["28d", "4w", "1 month", "P28D"], ["29d", "30d", "5w", "2 months"]),
    ("PCI115", "access-review", "  runs_every: 6 months\n", "  runs_every: {}\n",
     ["6 months", "181d", "25w", "semiannually", "quarterly"], ["182d", "26w", "7 months", "1 year", "annually"]),
    ("PCI116", "access-review", "  inactive_after: 90d\n", "  inactive_after: {}\n",
     ["90d", "12w", "2 months"], ["91d", "13w", "3 months", "quarterly"]),
    ("PCI120", "vulnerability", "  runs_every: 3 months\n", "  runs_every: {}\n",
     ["3 months", "1 quarter", "quarterly", "89d", "12w", "P3M"], ["90d", "13w", "4 months", "semiannually"]),
    ("PCI109", "incident", "  exercised_every: 12 months\n", "  exercised_every: {}\n",
     ["12 months", "1 year", "annually", "yearly", "365d", "52w"], ["366d", "53w", "13 months", "2 years"]),
    ("PCI129", "logging", "  runs_every: daily\n", "  runs_every: {}\n",
     ["daily", "1d", "24h", "12 hours"], ["25h", "2d", "weekly", "1w"]),
    ("PCI130", "logging", "  retention: 12 months\n", "  retention: {}\n",
     ["12 months", "1 year", "annually", "366d", "2 years"], ["365d", "52w", "11 months", "semiannually"]),
    ("PCI114", "access", "    sla: 24h\n", "    sla: {}\n", ["24h", "1d", "8h", "90m"], ["25h", "2d", "1w", "30d"]),
    ("ISO102", "sop-lifecycle", "review_every: 12 months", "review_every: {}",
     ["12 months", "1y", "365d", "52w"], ["366d", "13 months", "2 years"]),
    ("ISO115", "continuity", "  exercised_every: 12 months\n", "  exercised_every: {}\n",
     ["1 year", "annually", "semiannually", "365d"], ["366d", "53w", "5 years"]),
    ("ISO121", "vulnerability", "        critical: 14d\n", "        critical: {}\n",
     ["1 month", "28d", "4w"], ["29d", "5w", "1 year"]),
    ("ISO117", "access", "    sla: 24h\n", "    sla: {}\n", ["24h", "1d"], ["25h", "3d"]),
]
CASES = [(rule, sample, old, new.format(v), v, inside)
         for rule, sample, old, new, ins, outs in LIMITS for inside, vals in ((True, ins), (False, outs)) for v in vals]


def findings(plugins: Plugins, text: str, framework: str):
    return validate_text(text, "sample.yaml", plugins=plugins, context=CheckContext.of([framework])).findings


@pytest.mark.parametrize(("rule", "sample", "old", "new", "value", "inside"), CASES,
                         ids=[f"{c[0]}-{c[4]}-{'inside' if c[5] else 'outside'}" for c in CASES])
def test_limit_just_inside_and_just_outside(plugins: Plugins, rule: str, sample: str, old: str, new: str,
                                            value: str, inside: bool) -> None:
    assert SAMPLES[sample].count(old) == 1
    framework = {"PCI": "pci-dss", "ISO": "iso27001", "SOC": "soc2"}[rule[:3]]
    found = findings(plugins, SAMPLES[sample].replace(old, new), framework)
    assert not [f for f in found if f.code.startswith("SOP")], [f.message for f in found]
    hits = [f for f in found if f.code == rule]
    if inside:
        assert hits == [], [f.message for f in hits]
    else:
        assert hits, f"{rule} let {value} through"
        expected = Severity.ERROR if rule.startswith("PCI") else Severity.WARNING
        assert {f.severity for f in hits} == {expected}
        if expected is Severity.WARNING:
            assert all("policy" in f.message for f in hits)


@pytest.mark.parametrize("value", ["3m", "12m", "6 M", "biweekly", "bimonthly", "biannually", "every 3 months",
                                   "0d", "soon", "3.5 months"])
def test_unreadable_intervals_are_errors_at_their_line(plugins: Plugins, value: str) -> None:
    text = SAMPLES["vulnerability"].replace("  runs_every: 3 months\n", f"  runs_every: {value}\n")
    found = findings(plugins, text, "pci-dss")
    bad = [f for f in found if f.severity is Severity.ERROR and f.code in ("SOP012", "PCI120")]
    assert bad, f"{value!r} passed silently"
    line = text.splitlines().index(f"  runs_every: {value}") + 1
    assert any(f.line == line for f in bad) or any("compliance" in f.message for f in bad)


def test_sop_review_interval_refuses_ambiguous_m(plugins: Plugins) -> None:
    # the core reads `3m` in publishes.review_every as minutes; the compliance check refuses it
    text = SAMPLES["sop-lifecycle"].replace("review_every: 12 months", "review_every: 3m")
    hits = [f for f in findings(plugins, text, "iso27001") if f.code == "ISO102"]
    assert hits and hits[0].severity is Severity.ERROR and "ambiguous" in hits[0].message
    assert "3 months" in hits[0].hint


def test_calendar_hint_says_write_months(plugins: Plugins) -> None:
    text = SAMPLES["vulnerability"].replace("        critical: 14d\n", "        critical: 30d\n")
    [hit] = [f for f in findings(plugins, text, "pci-dss") if f.code == "PCI118"]
    assert "write `1 month`" in hit.hint and "28 days" in hit.hint


def test_pci_leaver_cap_is_configurable(plugins: Plugins) -> None:
    text = SAMPLES["access"].replace("    sla: 24h\n", "    sla: 4h\n")
    context = CheckContext.of(["pci-dss"], {"pci-leaver-revocation": "2h"})
    found = validate_text(text, "sample.yaml", plugins=plugins, context=context).findings
    [hit] = [f for f in found if f.code == "PCI114"]
    assert hit.severity is Severity.ERROR and "8.2.5" in hit.message and "2h" in hit.message


@pytest.mark.parametrize("configured", ["3d", "1w", "25h"])
def test_pci_leaver_cap_cannot_be_relaxed_past_immediate(plugins: Plugins, configured: str) -> None:
    # PCI DSS 8.2.5 asks for revocation at once: a configuration may shorten the 24h accepted as immediate,
    # never lengthen it, so a leaver deadline of days still fails
    text = SAMPLES["access"].replace("    sla: 24h\n", f"    sla: {configured}\n")
    context = CheckContext.of(["pci-dss"], {"pci-leaver-revocation": configured})
    found = validate_text(text, "sample.yaml", plugins=plugins, context=context).findings
    hits = [f for f in found if f.code == "PCI114"]
    errors = [f for f in hits if f.severity is Severity.ERROR]
    assert errors and "24h" in errors[0].message and "8.2.5" in errors[0].message, [f.message for f in hits]
    assert any(f.severity is Severity.WARNING and "longer than the 24h" in f.message for f in hits)


def test_pci_leaver_cap_at_the_default_is_accepted(plugins: Plugins) -> None:
    context = CheckContext.of(["pci-dss"], {"pci-leaver-revocation": "1d"})
    found = validate_text(SAMPLES["access"], "sample.yaml", plugins=plugins, context=context).findings
    assert not [f for f in found if f.code == "PCI114"]
