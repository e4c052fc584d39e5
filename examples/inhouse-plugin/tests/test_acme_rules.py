"""ACME101 with sopframe's test kit: the ``sopframe_plugins`` and ``template_builder`` fixtures.

Run with the package installed (``pip install -e '.[test]'``): the fixtures
come from sopframe's pytest plugin, and ``sopframe_plugins("acme")`` loads
this package through its installed entry point, as sopframe itself would.
"""

from __future__ import annotations

import pytest

from sopframe.testing import TemplateBuilder, codes, validate


@pytest.fixture
def acme(sopframe_plugins):
    """sopframe's core rules plus this plugin, and no other installed plugin."""
    return sopframe_plugins("acme")


def change(template_builder) -> TemplateBuilder:
    return (template_builder("acme-test-change", kind="change")
            .role("requester", "Raises the change")
            .stage("request", owner="requester")
            .field("requester", type="user", role="requester", required=True)
            .field("summary", required=True))


def test_change_without_a_cab_role_is_reported(acme, template_builder) -> None:
    findings = validate(change(template_builder).stage("done", owner="requester"), plugins=acme)
    assert codes(findings) == ["ACME101"]
    assert findings[0].plugin == "acme"
    assert "defines no role 'cab'" in findings[0].message


def test_cab_role_without_a_signoff_is_reported(acme, template_builder) -> None:
    t = change(template_builder).role("cab", "Change advisory board").stage("approve", owner="cab")
    findings = validate(t, plugins=acme)
    assert codes(findings) == ["ACME101"]
    assert "no sign-off by role 'cab'" in findings[0].message


def test_change_with_a_cab_signoff_passes(acme, template_builder) -> None:
    t = (change(template_builder).role("cab", "Change advisory board")
         .stage("approve", owner="cab").signoff("cab_ok", role="cab", not_by="requester"))
    assert validate(t, plugins=acme) == []


def test_other_kinds_are_not_checked(acme, template_builder) -> None:
    t = template_builder("acme-incident", kind="incident").role("responder").stage("triage", owner="responder")
    assert "ACME101" not in codes(validate(t, plugins=acme))
