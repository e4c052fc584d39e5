"""Control catalogues: every cited id exists and is the control its title says."""

from __future__ import annotations

import re

import pytest

from sopframe.pluginmanager import load_plugins
from sopframe_plugins.compliance import iso27001, pcidss, soc2

MODULES = (iso27001, soc2, pcidss)

#: a word each control's title must contain: guards against ids that lost a
#: trailing zero (A.5.30 written A.5.3) or point at the wrong control
KEYWORDS = {
    "iso27001": {
        "7.2": "Competence", "7.3": "Awareness", "7.5.2": "documented information",
        "7.5.3": "documented information", "9.2": "audit", "10.2": "Nonconformity",
        "A.5.1": "Policies", "A.5.2": "roles", "A.5.3": "Segregation", "A.5.15": "Access control",
        "A.5.16": "Identity", "A.5.17": "Authentication", "A.5.18": "Access rights",
        "A.5.24": "Incident management", "A.5.25": "events", "A.5.26": "Response", "A.5.27": "Learning",
        "A.5.28": "evidence", "A.5.29": "disruption", "A.5.30": "continuity", "A.5.37": "operating procedures",
        "A.6.3": "training", "A.8.2": "Privileged", "A.8.8": "vulnerabilities", "A.8.13": "backup",
        "A.8.15": "Logging", "A.8.32": "Change",
    },
    "soc2": {
        "CC1.3": "authority", "CC1.4": "Competence", "CC2.2": "communication", "CC3.4": "significant changes",
        "CC5.1": "segregation", "CC5.3": "procedures", "CC6.2": "users", "CC6.3": "access",
        "CC7.1": "vulnerabilities", "CC7.2": "Monitoring", "CC7.3": "security events", "CC7.4": "incidents",
        "CC7.5": "Recovering", "CC8.1": "Change", "CC9.1": "disruption", "A1.2": "Backup", "A1.3": "recovery",
    },
    "pci-dss": {
        "6.3.1": "risk-ranked", "6.3.3": "patches", "6.5.1": "changes", "6.5.2": "significant change",
        "6.5.3": "Pre-production", "6.5.4": "roles", "6.5.5": "live card data", "6.5.6": "Test data",
        "7.2.1": "model", "7.2.2": "least privilege", "7.2.3": "approved", "7.2.4": "reviewed",
        "8.2.4": "user IDs", "8.2.5": "terminated", "8.2.6": "Inactive", "10.4.1": "logs", "10.5.1": "log",
        "11.3.1": "Internal", "11.3.2": "External", "12.1.1": "published", "12.1.2": "reviewed",
        "12.1.3": "roles", "12.4.2": "reviews", "12.6.3": "training", "12.10.1": "plan",
        "12.10.2": "tested", "12.10.3": "around the clock", "12.10.4": "trained", "12.10.5": "alerts",
        "12.10.6": "lessons", "12.10.7": "card data",
    },
}

ID_FORMAT = {
    "iso27001": re.compile(r"^(?:[4-9]|10)(?:\.\d+){1,2}$|^A\.[5-8]\.\d+$"),
    "soc2": re.compile(r"^(?:CC[1-9]\.\d+|A1\.\d)$"),
    "pci-dss": re.compile(r"^(?:[1-9]|1[0-2])\.\d+\.\d+$"),
}


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.FRAMEWORK.id)
def test_every_cited_control_is_in_the_catalogue(module) -> None:
    for rule in module.RULES:
        assert rule.controls, f"{rule.code} cites no control"
        for control in rule.controls:
            assert control in module.CATALOGUE, f"{rule.code} cites {control}, not in the catalogue"


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.FRAMEWORK.id)
def test_catalogue_ids_match_their_titles(module) -> None:
    expected = KEYWORDS[module.FRAMEWORK.id]
    assert set(module.CATALOGUE) == set(expected)
    for control, title in module.CATALOGUE.items():
        assert ID_FORMAT[module.FRAMEWORK.id].match(control), control
        assert expected[control].lower() in title.lower(), f"{control}: {title!r}"
        assert len(title) <= 80, "titles are short, in our words"


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
