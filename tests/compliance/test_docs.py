"""docs/compliance.md names every compliance rule and every policy key."""

from __future__ import annotations

from pathlib import Path

from sopframe_plugins.compliance import iso27001, pcidss, soc2
from sopframe_plugins.compliance.extension import RECORDS, STEPS
from sopframe_plugins.compliance.policy import DEFAULTS

DOC = Path(__file__).resolve().parents[2] / "docs" / "compliance.md"


def test_every_rule_policy_key_step_and_record_is_documented() -> None:
    text = DOC.read_text("utf-8")
    for module in (iso27001, soc2, pcidss):
        for rule in module.RULES:
            assert rule.code in text, rule.code
            assert f"`{rule.slug}`" in text, rule.slug
    for key, (default, _) in DEFAULTS.items():
        assert f"| `{key}` | {default} |" in text, key
    for name in (*STEPS, *RECORDS):
        assert f"`{name}`" in text, name
