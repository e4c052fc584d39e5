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
from sopframe.core.durations import parse_duration
from sopframe.core.graph import TemplateGraph
from sopframe.core.model import Stage, Template

from sopframe_plugins.compliance.extension import KEY, Declared, declared
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


# --------------------------------------------------------------------- helpers

#: yields the issues, then returns the stages found: ``stages = yield from _required(...)``
StagesOf = Generator[Issue, None, list[Stage]]


def _stages(d: Declared, name: str, hint: str = "") -> StagesOf:
    """The stages declared for a step; an issue for each stage id that is not defined."""
    stages, problems = d.steps(name)
    for problem in problems:
        yield Issue(problem, hint=hint, at=d.loc)
    return stages


def _required(d: Declared, name: str, hint: str) -> StagesOf:
    """The stages of a step the procedure must have; an issue if it is not declared or names no stage."""
    if not d.has_step(name):
        yield Issue(f"the template declares no `{name}` step",
                    hint=f"name the stage under `compliance.steps.{name}`; {hint}", at=d.loc)
        return []
    return (yield from _stages(d, name, "use the id of a stage of this template"))


def _at(st: Stage, message: str, hint: str) -> Issue:
    """An issue about one stage."""
    return Issue(message, hint=hint, at=st.loc, stage=st.node)


def _record(d: Declared, name: str, hint: str, types: tuple[str, ...] = ()) -> list[Issue]:
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


def _has_separated_signoff(st: Stage) -> bool:
    return any(so.not_by for so in st.signoffs.values())


def _exceeds(text: str, limit: Limit, what: str, at: Location, stage: str | None = None) -> Iterator[Issue]:
    """Compare a duration with a limit; standard limits are errors, policy limits warnings."""
    r = limit.resolve()
    if r.problem:
        yield Issue(r.problem, hint="fix the value in [tool.sopframe.policy] or sopframe.toml", at=at,
                    policy=True)
    try:
        value = parse_duration(text)
    except ValueError:
        return  # reported by the core rules
    if value.approx_days() > r.value.approx_days() + 1e-9:
        if r.standard:
            yield Issue(f"{what} is {text}, longer than the {r.text} that {r.source} sets",
                        hint=f"use {r.text} or less", at=at, stage=stage)
        else:
            yield Issue(f"{what} is {text}, longer than the organisation's policy of {r.text} ({r.source})",
                        hint=f"shorten it, or change the policy value {limit.policy!r} in the configuration",
                        at=at, stage=stage, policy=True)


def _missing_limit(limit: Limit, what: str, at: Location, hint: str, stage: str | None = None) -> Issue:
    r = limit.resolve()
    if r.standard:
        return Issue(f"{what} is not set; {r.source} requires {r.text} or less", hint=hint, at=at, stage=stage)
    return Issue(f"{what} is not set; the organisation's policy is {r.text} ({r.source})",
                 hint=hint, at=at, stage=stage, policy=True)


def _periodic(d: Declared, key: str, limit: Limit, what: str) -> Iterator[Issue]:
    text = d.value(key)
    hint = f"add `compliance.{key}: {limit.resolve().text}`"
    if text is None:
        yield _missing_limit(limit, what, d.loc, hint)
    else:
        yield from _exceeds(text, limit, what, d.loc)


def _after(tg: TemplateGraph, before: list[Stage], after: Stage) -> bool:
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


def _reached_early(tg: TemplateGraph, first: list[Stage], stages: list[Stage], what: str, early: str,
                   hint: str) -> Iterator[Issue]:
    """An issue for each of ``stages`` a path reaches without passing one of ``first`` (none if ``first`` is empty)."""
    if not first:
        return
    for st in stages:
        if not _after(tg, first, st):
            yield _at(st, f"{what} stage {st.node!r} can be reached {early}", hint)


# ------------------------------------------------------------- SOP lifecycle

@check("sop-published", ("sop-lifecycle",), "The finished SOP is published with its identity and audience.")
def _sop_published(tg: TemplateGraph, p: Params) -> Iterator[Issue]:
    pub = tg.template.publishes
    if pub is None:
        yield Issue("the SOP lifecycle does not say what it publishes: reference, version, effective date and "
                    "review interval", hint="add `publishes:` with ref, version, effective_date, review_every "
                    "and audience", at=tg.template.loc)
    elif "audience" not in pub.key_locs:
        yield Issue("`publishes` does not name the audience the SOP is made available to",
                    hint="add `audience:` naming the teams and where the SOP is published", at=pub.loc)


@check("sop-review-interval", ("sop-lifecycle",), "The SOP is reviewed at a set interval within the limit.")
def _sop_review(tg: TemplateGraph, p: Params) -> Iterator[Issue]:
    pub = tg.template.publishes
    limit: Limit = p["limit"]
    if pub is None or not pub.review_every:
        yield _missing_limit(limit, "the SOP's review interval", tg.template.loc,
                             "add `publishes.review_every`")
        return
    yield from _exceeds(pub.review_every, limit, "the SOP's review interval (`publishes.review_every`)",
                        pub.key_locs.get("review_every", pub.loc))


def _grants_or_not_access(data: Mapping[str, Any]) -> bool:
    # in an access template, only granting access needs an approver (a leaver or review template has none)
    return declares("joiner", "mover")(data) or not declares("leaver", "access_review")(data)


@check("approver-not-author", ("sop-lifecycle", "change", "access"),
       "The approval is signed by someone other than the person whose work it approves.",
       when=_grants_or_not_access)
def _approver(tg: TemplateGraph, p: Params) -> Iterator[Issue]:
    d = declared(tg)
    if tg.template.kind == "access" and not _grants_or_not_access(d.data):
        return
    stages = yield from _required(d, "approval", "the stage whose sign-off approves the work")
    for st in stages:
        if not st.signoffs:
            yield _at(st, f"approval stage {st.node!r} has no sign-off",
                      "add a sign-off by the approving role, with `not_by` naming the author or requester")
        elif not _has_separated_signoff(st):
            yield _at(st, f"no sign-off of approval stage {st.node!r} has to be by a different person than the "
                      "author or requester", "add `not_by: <author user field or sign-off>` to the approving sign-off")


@check("training-acknowledged", ("sop-lifecycle",), "A new SOP version is trained and acknowledged.")
def _training(tg: TemplateGraph, p: Params) -> Iterator[Issue]:
    d = declared(tg)
    stages = yield from _required(d, "training", "the stage that trains the audience")
    approvals, _ = d.steps("approval")
    yield from _reached_early(tg, approvals, stages, "training", "before the SOP is approved",
                              "route to training only after the approval stage")
    yield from _record(d, "acknowledgement", "the field in which staff acknowledge the SOP")


# -------------------------------------------------------------------- change

@check("change-record", ("change",),
       "A change records its reason, impact, test result and rollback plan, and is approved before it is made.")
def _change_record(tg: TemplateGraph, p: Params) -> Iterator[Issue]:
    d = declared(tg)
    for name, hint in (("reason", "why the change is needed"), ("impact", "its impact, security impact included"),
                       ("test_result", "the result of testing"), ("rollback_plan", "how it is backed out")):
        yield from _record(d, name, hint)
    approvals = yield from _required(d, "approval", "the stages that approve changes (normal and emergency)")
    impl = yield from _required(d, "implementation", "the stage that deploys the change")
    yield from _reached_early(tg, approvals, impl, "implementation", "without passing an approval stage",
                              "route every path (emergency ones too) through an approval stage first")


@check("change-follow-up", ("change",), "After a change, it is verified and the affected documents are updated.")
def _change_follow_up(tg: TemplateGraph, p: Params) -> Iterator[Issue]:
    d = declared(tg)
    impl, _ = d.steps("implementation")
    for name, hint in (("verification", "the stage that confirms controls still work after the change"),
                       ("documentation_update", "the stage that updates the affected documents")):
        stages = yield from _required(d, name, hint)
        yield from _reached_early(tg, impl, stages, name.replace("_", " "), "before implementation",
                                  "route to it after the implementation stage")


@check("deployer-separate", ("change",), "The person who deploys a change is not its developer.")
def _deployer(tg: TemplateGraph, p: Params) -> Iterator[Issue]:
    d = declared(tg)
    stages = yield from _required(d, "implementation", "the stage that deploys the change")
    for st in stages:
        if not _has_separated_signoff(st):
            yield _at(st, f"implementation stage {st.node!r} has no sign-off that must be by someone other than "
                      "the developer", "add a deployment sign-off with `not_by: <developer user field>`")


# ------------------------------------------------------------------ incident

@check("incident-triage", ("incident",), "Events are triaged and incidents ranked on a severity scale.")
def _triage(tg: TemplateGraph, p: Params) -> Iterator[Issue]:
    d = declared(tg)
    yield from _required(d, "triage", "the stage that decides whether an event is an incident")
    yield from _record(d, "severity", "a choice field with the severity scale", ("choice",))


@check("incident-response", ("incident",),
       "The response contains, eradicates, recovers and communicates.")
def _response(tg: TemplateGraph, p: Params) -> Iterator[Issue]:
    d = declared(tg)
    for name in ("containment", "eradication", "recovery", "communication"):
        yield from _required(d, name, "one stage may do several of these")


@check("lessons-learned", ("incident",), "A post-incident review records the root cause and lessons learned.")
def _lessons(tg: TemplateGraph, p: Params) -> Iterator[Issue]:
    d = declared(tg)
    yield from _required(d, "lessons_learned", "the post-incident review stage")
    yield from _record(d, "root_cause", "the field that records the root cause")


@check("incident-evidence", ("incident",), "Evidence is preserved with a chain of custody.")
def _evidence(tg: TemplateGraph, p: Params) -> Iterator[Issue]:
    d = declared(tg)
    stages = yield from _required(d, "evidence", "the stage that records evidence and its custody")
    for st in stages:
        if not any(f.required for f in st.fields.values()):
            yield _at(st, f"evidence stage {st.node!r} requires no field, so nothing about the evidence is "
                      "recorded", "add required fields for the evidence register and custody")


@check("reporting-channel", ("incident",), "The channel through which an event was reported is recorded.")
def _channel(tg: TemplateGraph, p: Params) -> Iterator[Issue]:
    yield from _record(declared(tg), "reporting_channel", "the field that records how the event was reported")


@check("plan-exercised", ("incident", "continuity"), "The plan is tested or drilled at a set interval.")
def _exercised(tg: TemplateGraph, p: Params) -> Iterator[Issue]:
    yield from _periodic(declared(tg), "exercised_every", p["limit"], "how often the plan is tested "
                         "(`compliance.exercised_every`)")


# -------------------------------------------------------------------- backup

@check("restoration-test", ("backup",), "Backups are proven by a restoration test whose result is recorded.")
def _restore(tg: TemplateGraph, p: Params) -> Iterator[Issue]:
    d = declared(tg)
    yield from _required(d, "restore_test", "the stage that restores the backup")
    yield from _record(d, "restore_result", "the field with the test's result")


@check("recovery-objectives", ("backup", "continuity"),
       "RTO and RPO are recorded and the recovery is compared with them.")
def _objectives(tg: TemplateGraph, p: Params) -> Iterator[Issue]:
    d = declared(tg)
    for name in ("rto", "rpo"):
        yield from _record(d, name, f"a duration field holding the {name.upper()}", ("duration",))
    for name in ("rto_met", "rpo_met"):
        yield from _record(d, name, f"the field that says whether the {name[:3].upper()} was met",
                           ("bool", "choice"))


@check("continuity-drill", ("continuity",), "The continuity plan is exercised by a drill.")
def _drill(tg: TemplateGraph, p: Params) -> Iterator[Issue]:
    yield from _required(declared(tg), "drill", "the stage that runs the drill")


# -------------------------------------------------------------------- access

_ACCESS_PARTS = ("joiner", "mover", "leaver", "access_review")


@check("access-authorised", ("access",), "Access is granted or changed only after an authorising sign-off.",
       when=_grants_or_not_access)
def _authorised(tg: TemplateGraph, p: Params) -> Iterator[Issue]:
    d = declared(tg)
    if not any(d.has_step(n) for n in _ACCESS_PARTS):
        yield Issue("the access procedure declares none of its parts: joiner, mover, leaver or access review",
                    hint="name the stages under `compliance.steps` (joiner, mover, leaver, access_review)", at=d.loc)
        return
    for name in ("joiner", "mover"):
        stages = yield from _stages(d, name)
        for st in stages:
            chain = [st.node, *tg.dominators(st.node)]
            if not any(tg.stage(n).signoffs for n in chain):
                yield _at(st, f"{name} stage {st.node!r} grants access without an authorising sign-off before it",
                          "add an approval stage with a sign-off that every path passes first")


@check("leaver-deadline", ("access",), "A leaver's access is revoked within the policy deadline.",
       when=declares("leaver"))
def _leaver_deadline(tg: TemplateGraph, p: Params) -> Iterator[Issue]:
    stages = yield from _stages(declared(tg), "leaver")
    limit: Limit = p["limit"]
    for st in stages:
        if st.sla is None or not st.sla.duration:
            yield _missing_limit(limit, f"the revocation deadline (SLA) of leaver stage {st.node!r}", st.loc,
                                 f"add `sla: {limit.resolve().text}` to the stage", st.node)
        else:
            yield from _exceeds(st.sla.duration, limit, f"the revocation deadline of leaver stage {st.node!r}",
                                st.at("sla"), st.node)


@check("leaver-no-wait", ("access",), "Revocation for a leaver does not wait for an approval.",
       when=declares("leaver"))
def _leaver_wait(tg: TemplateGraph, p: Params) -> Iterator[Issue]:
    stages = yield from _stages(declared(tg), "leaver")
    for st in stages:
        waits = [n for n in tg.dominators(st.node) if tg.stage(n).signoffs]
        if waits:
            yield _at(st, f"leaver stage {st.node!r} waits for sign-off in {', '.join(map(repr, waits))} before "
                      "access is revoked",
                      "let termination lead straight to revocation; approvals belong to joiners and movers")


@check("access-review", ("access",), "Accounts and privileges are reviewed periodically and signed off.",
       when=declares("access_review"))
def _review(tg: TemplateGraph, p: Params) -> Iterator[Issue]:
    d = declared(tg)
    if not d.has_step("access_review"):
        return
    stages = yield from _stages(d, "access_review")
    for st in stages:
        if not st.signoffs:
            yield _at(st, f"access review stage {st.node!r} has no sign-off acknowledging the review",
                      "add a sign-off by the manager or system owner")
    yield from _periodic(d, "runs_every", p["limit"], "how often access is reviewed (`compliance.runs_every`)")


@check("inactive-accounts", ("access",), "Inactive accounts are disabled after a set time.",
       when=declares("access_review"))
def _inactive(tg: TemplateGraph, p: Params) -> Iterator[Issue]:
    d = declared(tg)
    if not d.has_step("access_review"):
        return
    yield from _periodic(d, "inactive_after", p["limit"],
                         "the inactivity limit for accounts (`compliance.inactive_after`)")


# ------------------------------------------------------------- vulnerability

@check("severity-ranking", ("vulnerability",), "Vulnerabilities are ranked on a severity scale.")
def _ranking(tg: TemplateGraph, p: Params) -> Iterator[Issue]:
    d = declared(tg)
    issues = _record(d, "severity", "a choice field with the severity scale", ("choice",))
    if issues:
        yield from issues
        return
    st, f, _ = d.record("severity")
    assert f is not None and st is not None
    have = {str(o).lower() for o in f.options}
    missing = [o for o in p.get("options", ()) if o not in have]
    if missing:
        yield Issue(f"the severity scale {list(f.options)} lacks {', '.join(missing)}", at=f.loc, stage=st.node,
                    hint=f"add {', '.join(missing)} to the options of field {f.id!r}")


@check("patch-deadlines", ("vulnerability",), "Each severity has a remediation deadline within the limit.")
def _patch(tg: TemplateGraph, p: Params) -> Iterator[Issue]:
    d = declared(tg)
    stages = yield from _required(d, "patch", "the stage that remediates within the deadline")
    sst, sev, _ = d.record("severity")
    limits: Mapping[str, Limit] = p["limits"]
    for st in stages:
        sla = st.sla
        if sla is None or not sla.when:
            yield _at(st, f"patch stage {st.node!r} has no deadline by severity",
                      "add `sla:` with `when: <severity field>` and a duration per severity under `is:`")
            continue
        if sev is not None and sla.when.split(".")[-1] != sev.id:
            yield Issue(f"the deadline of patch stage {st.node!r} depends on {sla.when!r}, not on the severity "
                        f"record {sev.id!r}", at=sla.loc, stage=st.node,
                        hint="use the severity field declared under `compliance.records.severity`")
        cases = {str(k).lower(): k for k in sla.cases}
        for level, limit in limits.items():
            key = cases.get(level)
            text = sla.cases[key] if key is not None else sla.otherwise
            if text is None:
                yield _missing_limit(limit, f"the {level} deadline of patch stage {st.node!r}", sla.loc,
                                     f"add `{level}: <duration>` under `is:`", st.node)
            else:
                at = sla.value_locs.get(key, sla.value_locs.get("otherwise", sla.loc)) if key else \
                    sla.value_locs.get("otherwise", sla.loc)
                yield from _exceeds(text, limit, f"the {level} deadline of patch stage {st.node!r}", at, st.node)


@check("scan-and-rescan", ("vulnerability",), "Scans find vulnerabilities and a rescan confirms the fix.")
def _rescan(tg: TemplateGraph, p: Params) -> Iterator[Issue]:
    d = declared(tg)
    yield from _required(d, "scan", "the stage that runs or imports the scan")
    rescans = yield from _required(d, "rescan", "the stage that rescans after remediation")
    patches, _ = d.steps("patch")
    yield from _reached_early(tg, patches, rescans, "rescan", "before remediation",
                              "route to the rescan after the patch stage")


@check("scan-cadence", ("vulnerability",), "Scans run at a set interval within the limit.")
def _cadence(tg: TemplateGraph, p: Params) -> Iterator[Issue]:
    yield from _periodic(declared(tg), "runs_every", p["limit"], "how often scans run (`compliance.runs_every`)")
