"""Control catalogues: the whole standards, every cited id present, titles in our own words."""

from __future__ import annotations

import re

import pytest

from sopframe.pluginmanager import load_plugins
from sopframe_plugins.compliance import iso27001, pcidss, soc2
from sopframe_plugins.compliance.catalogue import parse_catalogue

MODULES = (iso27001, soc2, pcidss)

#: a word the title of each cited control must contain: guards against ids that lost a
#: trailing zero (A.5.30 written A.5.3) or point at the wrong control
KEYWORDS = {
    "iso27001": {
        "7.2": "Competence", "7.3": "Awareness", "7.5.2": "Documents", "7.5.3": "Documents",
        "A.5.3": "Segregation", "A.5.5": "authorities", "A.5.16": "Identity", "A.5.18": "Access rights",
        "A.5.24": "Incident management", "A.5.25": "events", "A.5.26": "Response", "A.5.27": "Learning",
        "A.5.28": "evidence", "A.5.29": "disruption", "A.5.30": "continuity", "A.5.37": "procedures",
        "A.6.3": "training", "A.6.8": "report", "A.8.2": "Privileged", "A.8.8": "vulnerabilities",
        "A.8.13": "Backups", "A.8.15": "Logging", "A.8.16": "Monitoring", "A.8.32": "Change",
    },
    "soc2": {
        "CC1.3": "authority", "CC1.4": "competent", "CC2.2": "communication", "CC5.1": "segregation",
        "CC5.3": "procedures", "CC6.2": "users", "CC6.3": "access", "CC7.1": "vulnerabilities",
        "CC7.2": "Monitoring", "CC7.3": "security events", "CC7.4": "incidents", "CC7.5": "Recovering",
        "CC8.1": "Change", "CC9.1": "disruption", "A1.2": "Backup", "A1.3": "Recovery",
    },
    "pci-dss": {
        **{f"{n}.1.1": "procedures" for n in range(1, 12)},
        "6.3.1": "risk-ranked", "6.3.3": "patches", "6.5.1": "changes", "6.5.2": "significant change",
        "6.5.3": "Pre-production", "6.5.4": "roles", "6.5.5": "live card data", "6.5.6": "Test data",
        "7.2.3": "approved", "7.2.4": "reviewed", "8.2.4": "user IDs", "8.2.5": "terminated",
        "8.2.6": "Inactive", "10.4.1": "logs", "10.5.1": "log", "10.7.2": "Failures", "10.7.3": "failures",
        "11.3.1": "Internal", "11.3.2": "External", "12.6.3": "training", "12.10.1": "plan",
        "12.10.2": "tested", "12.10.3": "around the clock", "12.10.4": "trained", "12.10.5": "alerts",
        "12.10.6": "lessons", "12.10.7": "card data",
    },
}

ID_FORMAT = {
    "iso27001": re.compile(r"^(?:[4-9]|10)\.\d+(?:\.\d+)?$|^A\.[5-8]\.\d+$"),
    "soc2": re.compile(r"^(?:CC[1-9]\.\d|A1\.\d|C1\.\d|PI1\.\d|P[1-8]\.\d)$"),
    "pci-dss": re.compile(r"^(?:[1-9]|1[0-2])\.\d+(?:\.\d+)?$"),
}

#: the standards' own sizes
ANNEX_A = {"A.5": 37, "A.6": 8, "A.7": 14, "A.8": 34}
SOC2_CRITERIA = {"CC1": 5, "CC2": 3, "CC3": 4, "CC4": 2, "CC5": 3, "CC6": 8, "CC7": 5, "CC8": 1, "CC9": 2,
                 "A1": 3, "C1": 2, "PI1": 5, "P1": 1, "P2": 1, "P3": 2, "P4": 3, "P5": 2, "P6": 7, "P7": 1, "P8": 1}
PCI_SECOND_LEVEL = {1: 5, 2: 3, 3: 7, 4: 2, 5: 4, 6: 5, 7: 3, 8: 6, 9: 5, 10: 7, 11: 6, 12: 10}


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.FRAMEWORK.id)
def test_every_cited_control_is_in_the_catalogue(module) -> None:
    for rule in module.RULES:
        assert rule.controls, f"{rule.code} cites no control"
        for control in rule.controls:
            assert control in module.CATALOGUE, f"{rule.code} cites {control}, not in the catalogue"
            assert module.CATALOGUE[control].procedural, f"{rule.code} cites {control}, marked not evidenceable"
    for code, controls in module.FRAMEWORK.partial.items():
        rule = next(r for r in module.RULES if r.code == code)
        assert set(controls) <= set(rule.controls), code


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.FRAMEWORK.id)
def test_cited_ids_match_their_titles(module) -> None:
    expected = KEYWORDS[module.FRAMEWORK.id]
    cited = {c for r in module.RULES for c in r.controls}
    assert cited <= set(expected), f"add a title keyword for {sorted(cited - set(expected))}"
    for control, word in expected.items():
        assert word.lower() in module.CATALOGUE[control].title.lower(), f"{control}: {module.CATALOGUE[control]}"


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.FRAMEWORK.id)
def test_catalogue_ids_and_titles_are_well_formed(module) -> None:
    for control, entry in module.CATALOGUE.items():
        assert ID_FORMAT[module.FRAMEWORK.id].match(control), control
        assert entry.title and len(entry.title) <= 90, "titles are short, in our words"
    assert module.FRAMEWORK.controls == {c: e.title for c, e in module.CATALOGUE.items()}
    assert module.FRAMEWORK.evidenceable == {c for c, e in module.CATALOGUE.items() if e.procedural}


def test_iso_catalogue_is_the_whole_standard() -> None:
    ids = set(iso27001.CATALOGUE)
    for prefix, count in ANNEX_A.items():
        assert {f"{prefix}.{n}" for n in range(1, count + 1)} <= ids, prefix
    assert sum(1 for c in ids if c.startswith("A.")) == 93
    clauses = {c.split(".")[0] for c in ids if not c.startswith("A.")}
    assert clauses == {"4", "5", "6", "7", "8", "9", "10"}
    assert {"4.1", "5.2", "6.1.2", "7.5.2", "9.2", "9.3", "10.2"} <= ids


def test_soc2_catalogue_is_every_criterion() -> None:
    ids = set(soc2.CATALOGUE)
    expected = {f"{series}.{n}" for series, count in SOC2_CRITERIA.items() for n in range(1, count + 1)}
    assert ids == expected


def test_pci_catalogue_has_every_second_level_requirement() -> None:
    ids = set(pcidss.CATALOGUE)
    expected = {f"{r}.{n}" for r, count in PCI_SECOND_LEVEL.items() for n in range(1, count + 1)}
    assert {c for c in ids if c.count(".") == 1} == expected
    cited = {c for r in pcidss.RULES for c in r.controls}
    assert {c for c in ids if c.count(".") == 2} >= cited


# ISO/IEC 27001:2022 Annex A titles as the standard words them, for the controls the
# project's first catalogue copied: ours must not repeat them (a test fixture, not project text)
STANDARD_WORDING = [
    "Policies for information security", "Information security roles and responsibilities",
    "Segregation of duties", "Identity management", "Authentication information", "Access rights",
    "Information security incident management planning and preparation", "Collection of evidence",
    "Information security during disruption", "ICT readiness for business continuity",
    "Documented operating procedures", "Information security awareness, education and training",
    "Privileged access rights", "Management of technical vulnerabilities", "Information backup",
    "Logging", "Change management", "Competence", "Awareness", "Internal audit",
    "Control of documented information", "Nonconformity and corrective action",
]


def test_titles_are_not_the_standards_wording() -> None:
    ours = {e.title.lower() for e in iso27001.CATALOGUE.values()}
    assert not ours & {t.lower() for t in STANDARD_WORDING}


def test_a_malformed_catalogue_line_is_refused() -> None:
    with pytest.raises(ValueError):
        parse_catalogue("A.5.1 | Twice | y\nA.5.1 | Twice | y")
    with pytest.raises(ValueError):
        parse_catalogue("A.5.1 | No flag | maybe")


def test_rule_codes_have_a_prefix_per_plugin() -> None:
    prefixes = {}
    for module in MODULES:
        found = {re.match(r"[A-Z]+", r.code).group(0) for r in module.RULES}
        assert len(found) == 1 and "SOP" not in found
        prefixes[module.FRAMEWORK.id] = found.pop()
    assert len(set(prefixes.values())) == 3


def test_plugins_register_through_entry_points() -> None:
    plugins = load_plugins(only=["iso27001", "soc2", "pcidss"])
    assert {fw.id for fw in plugins.frameworks()} == {"iso27001", "soc2", "pci-dss"}
    codes = {r.code for r in plugins.rules()}
    assert {"ISO101", "SOC101", "PCI101"} <= codes
    assert not plugins.problems
    assert "compliance" in plugins.schema()["properties"]
    assert "logging" in plugins.schema()["$defs"]["kind"]["enum"]
