"""The checks the frameworks share, written once.

A :class:`Check` looks at a template of certain kinds and yields
:class:`Issue` objects.  It knows nothing of frameworks: each framework
plugin turns it into a rule with its own code, severity and cited controls
(:func:`sopframe_plugins.compliance.ruleset.framework_plugin`), passing
parameters such as a limit that a standard sets or a policy key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Generator, Iterator, Mapping

from sopframe.core.diagnostics import Location
from sopframe.core.durations import DurationError, calendar_hint, parse_duration, parse_interval, within
from sopframe.core.graph import TemplateGraph
from sopframe.core.model import Stage, Template

from sopframe_plugins.compliance.extension import KEY, Declared
from sopframe_plugins.compliance.policy import Limit

__all__ = ["Issue", "Check", "CHECKS", "check"]

Params = Mapping[str, Any]


@dataclass(frozen=True)
class Issue:
    """One thing a check found missing or wrong."""

    message: str
    hint: str = ""
    at: Location | None = None
    stage: str | None = None
    #: about an organisation-policy value: always reported as a warning
    policy: bool = False
    #: a value that cannot be read at all: always an error, whatever the rule's severity
    unreadable: bool = False


@dataclass(frozen=True)
class Check:
    """A framework-neutral check of templates of some kinds."""

    key: str
    kinds: tuple[str, ...]
    summary: str
    run: Callable[[TemplateGraph, Params], Iterator[Issue]]
    #: applies only to templates whose ``compliance:`` data passes this test
    when: Callable[[Mapping[str, Any]], bool] | None = None

    def applies(self, template: Template) -> bool:
        if template.kind not in self.kinds:
            return False
        if self.when is None:
            return True
        data = template.extra.get(KEY)
        return self.when(data if isinstance(data, Mapping) else {})


CHECKS: dict[str, Check] = {}


def check(key: str, kinds: tuple[str, ...], summary: str,
          when: Callable[[Mapping[str, Any]], bool] | None = None) -> Callable[[Callable[..., Iterator[Issue]]], Check]:
    def register(fn: Callable[[TemplateGraph, Params], Iterator[Issue]]) -> Check:
        c = Check(key, kinds, summary, fn, when)
        CHECKS[key] = c
        return c

    return register


def declares(*steps: str) -> Callable[[Mapping[str, Any]], bool]:
    """A ``when`` test: the template declares at least one of these steps."""
    def test(data: Mapping[str, Any]) -> bool:
        declared_steps = data.get("steps") or {}
        return isinstance(declared_steps, Mapping) and any(declared_steps.get(s) for s in steps)

    return test


def grants_or_not_access(data: Mapping[str, Any]) -> bool:
    # in an access template, only granting access needs an approver (a leaver or review template has none)
    return declares("joiner", "mover")(data) or not declares("leaver", "access_review")(data)


# --------------------------------------------------------------------- helpers

#: yields the issues, then returns the stages found: ``stages = yield from required_step(...)``
StagesOf = Generator[Issue, None, list[Stage]]


def stages_of(d: Declared, name: str, hint: str = "") -> StagesOf:
    """The stages declared for a step; an issue for each stage id that is not defined."""
    stages, problems = d.steps(name)
    for problem in problems:
        yield Issue(problem, hint=hint, at=d.loc)
    return stages


def required_step(d: Declared, name: str, hint: str) -> StagesOf:
    """The stages of a step the procedure must have; an issue if it is not declared or names no stage."""
    if not d.has_step(name):
        yield Issue(f"the template declares no `{name}` step",
                    hint=f"name the stage under `compliance.steps.{name}`; {hint}", at=d.loc)
        return []
    return (yield from stages_of(d, name, "use the id of a stage of this template"))


def issue_at(st: Stage, message: str, hint: str) -> Issue:
    """An issue about one stage."""
    return Issue(message, hint=hint, at=st.loc, stage=st.node)


def record_issues(d: Declared, name: str, hint: str, types: tuple[str, ...] = ()) -> list[Issue]:
    """Issues unless the record is declared, names a field, has a right type and is required."""
    st, f, problem = d.record(name)
    if problem:
        return [Issue(problem, hint="write it as stage.field", at=d.loc)]
    if f is None or st is None:
        return [Issue(f"the template declares no `{name}` record",
                      hint=f"name the field under `compliance.records.{name}` as stage.field; {hint}", at=d.loc)]
    if types and f.type not in types:
        return [Issue(f"record {name} is field {f.id!r} of type {f.type}; it must be {' or '.join(types)}",
                      hint=hint, at=f.loc, stage=st.node)]
    if not f.required:
        return [Issue(f"record {name} (field {f.id!r} of stage {st.node!r}) is not required, so a job can "
                      "finish without it", hint="add `required: yes` to the field", at=f.loc, stage=st.node)]
    return []


def separated_signoff(st: Stage) -> bool:
    return any(so.not_by for so in st.signoffs.values())


def exceeds(text: str, limit: Limit, what: str, at: Location, stage: str | None = None,
            interval: bool = False) -> Iterator[Issue]:
    """Compare a duration with a limit, calendar-true.

    A standard's number (or an enforced cap) is an error, a policy value a
    warning.  ``interval`` reads ``text`` as an interval (``m`` refused,
    words such as ``quarterly`` allowed); an unreadable value is an error.
    """
    r = limit.resolved()
    if r.problem:
        yield Issue(r.problem, hint="fix the value in [tool.sopframe.policy] or sopframe.toml", at=at,
                    policy=True)
    try:
        value = parse_interval(text) if interval else parse_duration(text)
    except DurationError as exc:
        if interval:  # an SLA's duration is reported by the core rules
            yield Issue(f"{what}: {exc}", hint=exc.hint, at=at, stage=stage, unreadable=True)
        return
    ok = within(r.value, value) if r.minimum else within(value, r.value)
    if ok:
        return
    word = "shorter" if r.minimum else "longer"
    fix = calendar_hint(r.value, value) if r.minimum else calendar_hint(value, r.value)
    if r.standard:
        basis = f" {r.basis}" if r.basis else ""
        yield Issue(f"{what} is {text}, {word} than the {r.text}{basis} that {r.source} sets",
                    hint=fix or f"use {r.text} or {'more' if r.minimum else 'less'}", at=at, stage=stage)
    else:
        yield Issue(f"{what} is {text}, {word} than the organisation's policy of {r.text} ({r.source})",
                    hint=fix or f"change it, or the policy value {limit.policy!r} in the configuration",
                    at=at, stage=stage, policy=True)


def missing_limit(limit: Limit, what: str, at: Location, hint: str, stage: str | None = None) -> Issue:
    r = limit.resolved()
    bound = "or more" if r.minimum else "or less"
    if r.standard:
        basis = f" {r.basis}" if r.basis else ""
        return Issue(f"{what} is not set; {r.source} requires {r.text} {bound}{basis}", hint=hint, at=at,
                     stage=stage)
    return Issue(f"{what} is not set; the organisation's policy is {r.text} {bound} ({r.source})",
                 hint=hint, at=at, stage=stage, policy=True)


def periodic(d: Declared, key: str, limit: Limit, what: str) -> Iterator[Issue]:
    """Check ``compliance.<key>`` (an interval or a retention period) against ``limit``."""
    text = d.value(key)
    hint = f"add `compliance.{key}: {limit.resolved().text}`"
    if text is None:
        yield missing_limit(limit, what, d.loc, hint)
    else:
        yield from exceeds(text, limit, what, d.loc, interval=True)


def passes_first(tg: TemplateGraph, before: list[Stage], after: Stage) -> bool:
    """Every path to ``after`` passes one of ``before`` first (or ``after`` is one of them)."""
    import networkx as nx

    if not tg.start or not tg.reachable(after.node):
        return False
    blocked = {s.node for s in before}
    if after.node in blocked:
        return True
    if tg.start in blocked:
        return True
    g = tg.graph.subgraph(n for n in tg.graph.nodes if n not in blocked)
    return not nx.has_path(g, tg.start, after.node)


def reached_early(tg: TemplateGraph, first: list[Stage], stages: list[Stage], what: str, early: str,
                   hint: str) -> Iterator[Issue]:
    """An issue for each of ``stages`` a path reaches without passing one of ``first`` (none if ``first`` is empty)."""
    if not first:
        return
    for st in stages:
        if not passes_first(tg, first, st):
            yield issue_at(st, f"{what} stage {st.node!r} can be reached {early}", hint)


# the checks register themselves in CHECKS when their modules are imported
from sopframe_plugins.compliance import checks_lifecycle, checks_logging, checks_operations  # noqa: E402,F401
