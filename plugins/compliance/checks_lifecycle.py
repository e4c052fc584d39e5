"""Shared checks for the SOP lifecycle, changes and incidents."""

from __future__ import annotations

from typing import Iterator

from sopframe.core.graph import TemplateGraph

from sopframe_plugins.compliance.checks import (
    Issue, Params, check, exceeds, grants_or_not_access, issue_at, missing_limit, periodic, reached_early,
    record_issues, required_step, separated_signoff,
)
from sopframe_plugins.compliance.policy import Limit
from sopframe_plugins.compliance.extension import declared

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
        yield missing_limit(limit, "the SOP's review interval", tg.template.loc,
                             "add `publishes.review_every`")
        return
    yield from exceeds(pub.review_every, limit, "the SOP's review interval (`publishes.review_every`)",
                       pub.key_locs.get("review_every", pub.loc), interval=True)


@check("approver-not-author", ("sop-lifecycle", "change", "access"),
       "The approval is signed by someone other than the person whose work it approves.",
       when=grants_or_not_access)
def _approver(tg: TemplateGraph, p: Params) -> Iterator[Issue]:
    d = declared(tg)
    if tg.template.kind == "access" and not grants_or_not_access(d.data):
        return
    stages = yield from required_step(d, "approval", "the stage whose sign-off approves the work")
    for st in stages:
        if not st.signoffs:
            yield issue_at(st, f"approval stage {st.node!r} has no sign-off",
                      "add a sign-off by the approving role, with `not_by` naming the author or requester")
        elif not separated_signoff(st):
            yield issue_at(st, f"no sign-off of approval stage {st.node!r} has to be by a different person than the "
                      "author or requester", "add `not_by: <author user field or sign-off>` to the approving sign-off")


@check("training-acknowledged", ("sop-lifecycle",), "A new SOP version is trained and acknowledged.")
def _training(tg: TemplateGraph, p: Params) -> Iterator[Issue]:
    d = declared(tg)
    stages = yield from required_step(d, "training", "the stage that trains the audience")
    approvals, _ = d.steps("approval")
    yield from reached_early(tg, approvals, stages, "training", "before the SOP is approved",
                              "route to training only after the approval stage")
    yield from record_issues(d, "acknowledgement", "the field in which staff acknowledge the SOP")


# -------------------------------------------------------------------- change

@check("change-record", ("change",),
       "A change records its reason, impact, test result and rollback plan, and is approved before it is made.")
def _change_record(tg: TemplateGraph, p: Params) -> Iterator[Issue]:
    d = declared(tg)
    for name, hint in (("reason", "why the change is needed"), ("impact", "its impact, security impact included"),
                       ("test_result", "the result of testing"), ("rollback_plan", "how it is backed out")):
        yield from record_issues(d, name, hint)
    approvals = yield from required_step(d, "approval", "the stages that approve changes (normal and emergency)")
    impl = yield from required_step(d, "implementation", "the stage that deploys the change")
    yield from reached_early(tg, approvals, impl, "implementation", "without passing an approval stage",
                              "route every path (emergency ones too) through an approval stage first")


@check("change-follow-up", ("change",), "After a change, it is verified and the affected documents are updated.")
def _change_follow_up(tg: TemplateGraph, p: Params) -> Iterator[Issue]:
    d = declared(tg)
    impl, _ = d.steps("implementation")
    for name, hint in (("verification", "the stage that confirms controls still work after the change"),
                       ("documentation_update", "the stage that updates the affected documents")):
        stages = yield from required_step(d, name, hint)
        yield from reached_early(tg, impl, stages, name.replace("_", " "), "before implementation",
                                  "route to it after the implementation stage")


@check("deployer-separate", ("change",), "The person who deploys a change is not its developer.")
def _deployer(tg: TemplateGraph, p: Params) -> Iterator[Issue]:
    d = declared(tg)
    stages = yield from required_step(d, "implementation", "the stage that deploys the change")
    for st in stages:
        if not separated_signoff(st):
            yield issue_at(st, f"implementation stage {st.node!r} has no sign-off that must be by someone other than "
                      "the developer", "add a deployment sign-off with `not_by: <developer user field>`")


# ------------------------------------------------------------------ incident

@check("incident-triage", ("incident",), "Events are triaged and incidents ranked on a severity scale.")
def _triage(tg: TemplateGraph, p: Params) -> Iterator[Issue]:
    d = declared(tg)
    yield from required_step(d, "triage", "the stage that decides whether an event is an incident")
    yield from record_issues(d, "severity", "a choice field with the severity scale", ("choice",))


@check("incident-response", ("incident",),
       "The response contains, eradicates, recovers and communicates.")
def _response(tg: TemplateGraph, p: Params) -> Iterator[Issue]:
    d = declared(tg)
    for name in ("containment", "eradication", "recovery", "communication"):
        yield from required_step(d, name, "one stage may do several of these")


@check("lessons-learned", ("incident",), "A post-incident review records the root cause and lessons learned.")
def _lessons(tg: TemplateGraph, p: Params) -> Iterator[Issue]:
    d = declared(tg)
    yield from required_step(d, "lessons_learned", "the post-incident review stage")
    yield from record_issues(d, "root_cause", "the field that records the root cause")


@check("incident-evidence", ("incident",), "Evidence is preserved with a chain of custody.")
def _evidence(tg: TemplateGraph, p: Params) -> Iterator[Issue]:
    d = declared(tg)
    stages = yield from required_step(d, "evidence", "the stage that records evidence and its custody")
    for st in stages:
        if not any(f.required for f in st.fields.values()):
            yield issue_at(st, f"evidence stage {st.node!r} requires no field, so nothing about the evidence is "
                      "recorded", "add required fields for the evidence register and custody")


@check("reporting-channel", ("incident",), "The channel through which an event was reported is recorded.")
def _channel(tg: TemplateGraph, p: Params) -> Iterator[Issue]:
    yield from record_issues(declared(tg), "reporting_channel", "the field that records how the event was reported")


@check("plan-exercised", ("incident", "continuity"), "The plan is tested or drilled at a set interval.")
def _exercised(tg: TemplateGraph, p: Params) -> Iterator[Issue]:
    yield from periodic(declared(tg), "exercised_every", p["limit"], "how often the plan is tested "
                         "(`compliance.exercised_every`)")
