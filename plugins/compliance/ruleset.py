"""Turning shared checks into one framework's rules, and the plugin that registers them.

A framework plugin lists :class:`RuleSpec` entries: its own rule code, the
shared check, the severity, the control ids the rule supports and the
template kinds it applies to.  :func:`framework_plugin` makes the
:class:`Rule` objects, the :class:`Framework` (with its catalogue) and the
hook implementations that register them, so a framework module holds only
its data::

    PLUGIN = framework_plugin("iso27001", "ISO/IEC 27001:2022", "ISO 27001", "iso27001", CATALOGUE, SPECS)
    FRAMEWORK, RULES = PLUGIN.framework, PLUGIN.rules
    sopframe_rules, sopframe_frameworks, sopframe_schema_extensions = PLUGIN.hooks()

A rule only runs on templates checked against its framework (what the
template claims under ``frameworks:``, or what ``--framework`` forces) and
of a kind it applies to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping, Sequence

from sopframe.core.diagnostics import Finding, Rule, Severity
from sopframe.core.frameworks import CheckContext, Framework
from sopframe.core.graph import TemplateGraph
from sopframe.core.model import Template
from sopframe.core.schema import SchemaExtension
from sopframe.hookspecs import hookimpl

from sopframe_plugins.compliance.catalogue import Catalogue, evidenceable, titles
from sopframe_plugins.compliance.checks import CHECKS
from sopframe_plugins.compliance.extension import EXTENSION
from sopframe_plugins.compliance.policy import DEFAULTS, GAPS_POLICY_KEYS, Limit, bind_limits

__all__ = ["RuleSpec", "FrameworkPlugin", "framework_plugin", "ERROR", "WARNING"]

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
    #: control -> what of it the rule does not check: coverage shows it *partial*, never passed
    partial: Mapping[str, str] = field(default_factory=dict)
    #: the heading of the docs section explaining the check, with examples of the kinds this rule applies to;
    #: empty: the check's own section (headed by its key)
    docs: str = ""


@dataclass(frozen=True)
class FrameworkPlugin:
    """One framework's plugin: the framework, its rules, and the hooks that register them."""

    framework: Framework
    rules: tuple[Rule, ...]

    @hookimpl
    def sopframe_rules(self) -> Sequence[Rule]:
        return self.rules

    @hookimpl
    def sopframe_frameworks(self) -> Sequence[Framework]:
        return [self.framework]

    @hookimpl
    def sopframe_schema_extensions(self) -> Sequence[SchemaExtension]:
        return [EXTENSION]

    def hooks(self) -> tuple[Callable[[], Sequence[Rule]], Callable[[], Sequence[Framework]],
                             Callable[[], Sequence[SchemaExtension]]]:
        """``sopframe_rules``, ``sopframe_frameworks`` and ``sopframe_schema_extensions``, in that order.

        sopframe registers the module an entry point names, so the framework
        module binds these under the same names.
        """
        return self.sopframe_rules, self.sopframe_frameworks, self.sopframe_schema_extensions


def _limits(params: Mapping[str, Any]) -> dict[str, Limit]:
    """The limits a rule's parameters set, by level ("" for a single ``limit``)."""
    limits = dict(params.get("limits", {}))
    if "limit" in params:
        limits[""] = params["limit"]
    return limits


def _limits_text(params: Mapping[str, Any]) -> str:
    out = []
    for level, limit in _limits(params).items():
        what = f"The {level} limit" if level else "The limit"
        if limit.standard is not None:
            bound = "falling short of it" if limit.minimum else "exceeding it"
            basis = f" {limit.basis}" if limit.basis else ""
            out.append(f"{what} is {limit.standard}{basis}, set by {limit.set_by}; {bound} is an error.")
        elif limit.policy is not None:
            default = DEFAULTS[limit.policy][0]
            bound = "falling short of it" if limit.minimum else "exceeding it"
            if limit.enforced:
                out.append(f"{what} is organisation policy `{limit.policy}` (default {default}), the longest delay "
                           f"accepted for what {limit.set_by} asks to be immediate, which the configuration may "
                           f"shorten but not lengthen; {bound} or leaving it unset is an error.")
            else:
                out.append(f"{what} is organisation policy `{limit.policy}` (default {default}); {bound} or "
                           "leaving it unset is a warning.")
    return " ".join(out)




def _rule(fw_id: str, short: str, plugin: str, spec: RuleSpec, cited: str) -> tuple[Rule, tuple[str, ...]]:
    chk = CHECKS[spec.check]
    kinds = spec.kinds or chk.kinds
    cite = f"{short} {', '.join(spec.controls)}"
    holder: list[Rule] = []

    def run(tg: TemplateGraph, ctx: CheckContext) -> Iterator[Finding]:
        t = tg.template
        if fw_id not in ctx.active_frameworks(t) or t.kind not in kinds or not chk.applies(t):
            return
        rule = holder[0]
        for issue in chk.run(tg, bind_limits(spec.params, ctx.policy)):
            yield rule.finding(
                f"{issue.message} ({'policy; ' if issue.policy else ''}{cite})",
                at=issue.at or t.loc, hint=issue.hint,
                severity=Severity.ERROR if issue.unreadable else Severity.WARNING if issue.policy else None,
                template=t.id, stage=issue.stage,
            )

    explanation = " ".join(part for part in (
        f"Applies to templates of kind {', '.join(kinds)} checked against {short} ({cited} "
        f"{', '.join(spec.controls)}): those that claim it under `frameworks:`, or all with --framework.",
        _limits_text(spec.params), spec.why,
        *(f"Partial for {c}: {what}." for c, what in spec.partial.items()),
        "The check reads what the template declares under `compliance:`.",
    ) if part)
    rule = Rule(spec.code, chk.key, spec.severity, f"{chk.summary} ({cite})", explanation, run,
                plugin=plugin, controls=spec.controls, docs_page="docs/compliance.md",
                shared_docs=spec.docs or chk.key)
    holder.append(rule)
    return rule, kinds


def framework_plugin(fw_id: str, title: str, short: str, plugin: str, catalogue: Catalogue,
                     specs: Sequence[RuleSpec], cited: str = "controls") -> FrameworkPlugin:
    """The framework (with the kinds each rule applies to), its rules and its hooks.

    ``fw_id`` is the id templates claim under ``frameworks:``, ``short`` the
    name findings cite controls with, ``plugin`` the entry-point name,
    ``cited`` what the framework calls the ids it lists ("criteria" for SOC 2,
    which are not controls; "requirements" for PCI DSS).
    """
    rules: list[Rule] = []
    kinds: dict[str, tuple[str, ...]] = {}
    for spec in specs:
        unknown = [c for c in (*spec.controls, *spec.partial) if c not in catalogue]
        if unknown:  # a programming error in the plugin, caught by its tests
            raise ValueError(f"{spec.code} cites controls not in the {short} catalogue: {unknown}")
        rule, rule_kinds = _rule(fw_id, short, plugin, spec, cited)
        rules.append(rule)
        kinds[spec.code] = rule_kinds
    by_code = {spec.code: CHECKS[spec.check] for spec in specs}

    def rule_filter(code: str, template: Template) -> bool:
        chk = by_code.get(code)
        return chk is None or chk.applies(template)

    # the keys the framework's rules read, and those `sopframe gaps` reads (the plugins share one policy table)
    used = {lim.policy for spec in specs for lim in _limits(spec.params).values() if lim.policy}
    policy = {key: DEFAULTS[key][0] for key in (*sorted(used), *GAPS_POLICY_KEYS)}
    fw = Framework(fw_id, title, titles(catalogue), plugin=plugin, policy=policy, rule_kinds=kinds,
                   rule_filter=rule_filter, evidenceable=evidenceable(catalogue),
                   partial={spec.code: dict(spec.partial) for spec in specs if spec.partial}, cites=cited)
    return FrameworkPlugin(fw, tuple(rules))
