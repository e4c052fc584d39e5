"""The bundled templates pass every framework, and cover the seven readiness points."""

from __future__ import annotations

from pathlib import Path

import pytest

from sopframe.core.frameworks import CheckContext
from sopframe.core.validate import validate_paths
from sopframe.pluginmanager import Plugins, load_plugins

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


@pytest.fixture(scope="module")
def plugins() -> Plugins:
    return load_plugins(only=["iso27001", "soc2", "pcidss"])


@pytest.mark.parametrize("framework", ["iso27001", "soc2", "pci-dss"])
def test_bundled_templates_are_clean_under_each_framework(plugins: Plugins, framework: str) -> None:
    report = validate_paths([str(TEMPLATES)], plugins=plugins, context=CheckContext.of([framework]))
    assert len(report.files) >= 8
    problems = [f"{f.file}:{f.line} {f.code} {f.message}" for f in report.findings]
    assert problems == []


def test_bundled_templates_claim_all_three_frameworks(plugins: Plugins) -> None:
    report = validate_paths([str(TEMPLATES)], plugins=plugins)
    kinds = set()
    for result in report.files:
        assert result.template is not None, result.path
        assert set(result.template.frameworks) == {"iso27001", "soc2", "pci-dss"}, result.path
        kinds.add(result.template.kind)
    assert kinds == {"sop-lifecycle", "incident", "change", "backup", "access", "vulnerability", "continuity", "logging"}
