"""Turning shared checks into one framework's rules.

A framework plugin lists :class:`RuleSpec` entries: its own rule code, the
shared check, the severity, the control ids the rule supports and the
template kinds it applies to.  :func:`build` makes the :class:`Rule` objects
and the :class:`Framework` (with its catalogue) the plugin registers.

A rule only runs on templates checked against its framework (what the
template claims under ``frameworks:``, or what ``--framework`` forces) and
of a kind it applies to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping, Sequence

from sopframe.core.diagnostics import Finding, Rule, Severity
from sopframe.core.frameworks import Framework, active_frameworks
from sopframe.core.graph import TemplateGraph
from sopframe.core.model import Template

from sopframe_plugins.compliance.checks import CHECKS
from sopframe_plugins.compliance.policy import DEFAULTS

__all__ = ["RuleSpec", "FrameworkRules", "build"]

ERROR = Severity.ERROR
WARNING = Severity.WARNING


@dataclass(frozen=True)
class RuleSpec:
    code: str
    check: str
    controls: tuple[str, ...]
    severity: Severity = ERROR
    #: template kinds the rule applies to; empty means all the check's kinds
    kinds: tuple[str, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)
    #: why the framework cares, in our words, for ``sopframe explain``
    why: str = ""


@dataclass(frozen=True)
class FrameworkRules:
    framework: Framework
    rules: tuple[Rule, ...]


def _limits_text(params: Mapping[str, Any]) -> str:
    limits = dict(params.get("limits", {}))
    if "limit" in params:
        limits[""] = params["limit"]
    out = []
    for level, limit in limits.items():
        what = f"The {level} limit" if level else "The limit"
        if limit.standard is not None:
            out.append(f"{what} is {limit.standard}, set by {limit.set_by}; exceeding it is an error.")
        else:
            default = DEFAULTS[limit.policy][0]
            out.append(f"{what} is organisation policy `{limit.policy}` (default {default}); exceeding it or "
                       "leaving it unset is a warning.")
    return " ".join(out)


def _rule(fw_id: str, short: str, plugin: str, spec: RuleSpec) -> tuple[Rule, tuple[str, ...]]:
    chk = CHECKS[spec.check]
    kinds = spec.kinds or chk.kinds
    cite = f"{short} {', '.join(spec.controls)}"
    holder: list[Rule] = []

    def run(tg: TemplateGraph) -> Iterator[Finding]:
        t = tg.template
        if fw_id not in active_frameworks(t) or t.kind not in kinds or not chk.applies(t):
            return
        rule = holder[0]
        for issue in chk.run(tg, spec.params):
            yield rule.finding(
                f"{issue.message} ({'policy; ' if issue.policy else ''}{cite})",
                at=issue.at or t.loc, hint=issue.hint,
                severity=Severity.WARNING if issue.policy else None,
                template=t.id, stage=issue.stage,
            )

    explanation = " ".join(part for part in (
        f"Applies to templates of kind {', '.join(kinds)} checked against {short} (controls "
        f"{', '.join(spec.controls)}): those that claim it under `frameworks:`, or all with --framework.",
        _limits_text(spec.params), spec.why,
        "The check reads what the template declares under `compliance:`; see docs/compliance.md.",
    ) if part)
    rule = Rule(spec.code, chk.key, spec.severity, f"{chk.summary} ({cite})", explanation, run,
                plugin=plugin, controls=spec.controls, docs_page="docs/compliance.md")
    holder.append(rule)
    return rule, kinds


def build(fw_id: str, title: str, short: str, plugin: str, catalogue: Mapping[str, str],
          specs: Sequence[RuleSpec]) -> FrameworkRules:
    """The framework (with the kinds each rule applies to) and its rules."""
    rules: list[Rule] = []
    kinds: dict[str, tuple[str, ...]] = {}
    for spec in specs:
        unknown = [c for c in spec.controls if c not in catalogue]
        if unknown:  # a programming error in the plugin, caught by its tests
            raise ValueError(f"{spec.code} cites controls not in the {short} catalogue: {unknown}")
        rule, rule_kinds = _rule(fw_id, short, plugin, spec)
        rules.append(rule)
        kinds[spec.code] = rule_kinds
    by_code = {spec.code: CHECKS[spec.check] for spec in specs}

    def rule_filter(code: str, template: Template) -> bool:
        chk = by_code.get(code)
        return chk is None or chk.applies(template)

    policy = {}
    for spec in specs:
        limits = [*dict(spec.params.get("limits", {})).values(), *([spec.params["limit"]] if "limit" in spec.params
                                                                   else [])]
        policy.update({lim.policy: DEFAULTS[lim.policy][0] for lim in limits if lim.policy})
    fw = Framework(fw_id, title, dict(catalogue), plugin=plugin, policy=policy, rule_kinds=kinds,
                   rule_filter=rule_filter)
    return FrameworkRules(fw, tuple(rules))
