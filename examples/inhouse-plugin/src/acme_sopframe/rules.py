"""ACME's in-house policy rules.

ACME101 change-needs-cab: ACME's change policy says every change is approved
by the change advisory board, so a template of kind ``change`` must define
the role ``cab`` and have at least one sign-off by it.
"""

from __future__ import annotations

from typing import Iterator

from sopframe import Finding, Rule, Severity, TemplateGraph

CAB_ROLE = "cab"


def _change_needs_cab(tg: TemplateGraph) -> Iterator[Finding]:
    template = tg.template
    if template.kind != "change":
        return
    if CAB_ROLE not in template.roles:
        yield CHANGE_NEEDS_CAB.finding(
            f"change template {template.id!r} defines no role {CAB_ROLE!r}",
            at=template.at("roles"), template=template.id,
            hint=f"add `{CAB_ROLE}: Change advisory board member` under `roles:` and a sign-off by it",
        )
        return
    signed = [s for stage in template.all_stages() for s in stage.signoffs.values() if s.role == CAB_ROLE]
    if not signed:
        yield CHANGE_NEEDS_CAB.finding(
            f"change template {template.id!r} has no sign-off by role {CAB_ROLE!r}",
            at=template.roles[CAB_ROLE].loc, template=template.id,
            hint="add a sign-off with `role: cab` to the approval stage",
        )


CHANGE_NEEDS_CAB = Rule(
    code="ACME101",
    slug="change-needs-cab",
    severity=Severity.ERROR,
    summary="A change template must name a CAB role that signs off.",
    explanation=(
        "ACME's change management policy (CM-3) requires change advisory board approval for every "
        "change to production. A template of kind `change` must therefore define the role `cab` "
        "and include at least one sign-off by that role."
    ),
    check=_change_needs_cab,
    controls=("ISO 27001 A.8.32", "SOC 2 CC8.1", "PCI DSS 6.5.1"),
)

RULES = [CHANGE_NEEDS_CAB]
