"""Shared checks for logging and monitoring, and the finer incident and change checks.

Logging and monitoring (``kind: logging``): logs reviewed on a cadence by a
named reviewer, kept long enough with a recent part at hand, and failures
of security controls triaged and answered.  Incidents: responders on call
and trained, monitoring alerts part of the plan, card data found where it
should not be, authorities contacted.  Changes: tested apart from
production, without live card data, with test data removed before go-live.
"""

from __future__ import annotations

from typing import Iterator

from sopframe.core.graph import TemplateGraph
from sopframe.core.model import Stage

from sopframe_plugins.compliance.checks import (
    Issue, Params, check, issue_at, periodic, reached_early, record_issues, required_step,
)
from sopframe_plugins.compliance.extension import Declared, declared

# ------------------------------------------------------------------- logging


@check("log-review", ("logging",), "Security logs are reviewed by a named reviewer and the result recorded.")
def _log_review(tg: TemplateGraph, p: Params) -> Iterator[Issue]:
    d = declared(tg)
    stages = yield from required_step(d, "log_review", "the stage in which logs and alerts are reviewed")
    for st in stages:
        if not st.signoffs:
            yield issue_at(st, f"log review stage {st.node!r} has no sign-off, so who reviewed is not recorded",
                           "add a sign-off by the reviewing role")
    yield from record_issues(d, "review_result", "the field that records what the review found")


@check("log-review-cadence", ("logging",), "Logs are reviewed at a set interval within the limit.")
def _log_cadence(tg: TemplateGraph, p: Params) -> Iterator[Issue]:
    yield from periodic(declared(tg), "runs_every", p["limit"], "how often logs are reviewed "
                        "(`compliance.runs_every`)")


@check("log-retention", ("logging",), "Logs are kept long enough, with the recent part immediately available.")
def _retention(tg: TemplateGraph, p: Params) -> Iterator[Issue]:
    d = declared(tg)
    yield from periodic(d, "retention", p["limits"]["retention"], "how long logs are kept (`compliance.retention`)")
    yield from periodic(d, "available_for", p["limits"]["available"],
                        "how long logs stay immediately available (`compliance.available_for`)")


@check("control-failures", ("logging",),
       "Failures of security controls are triaged within a deadline, answered, and their cause recorded.")
def _failures(tg: TemplateGraph, p: Params) -> Iterator[Issue]:
    d = declared(tg)
    triage = yield from required_step(d, "alert_triage", "the stage that triages alerts and control failures")
    for st in triage:
        if st.sla is None:
            yield issue_at(st, f"alert triage stage {st.node!r} has no deadline (SLA), so a prompt response "
                           "is not shown", "add `sla:` with the response time (its value is policy)")
    response = yield from required_step(d, "failure_response",
                                        "the stage that restores the control and deals with the cause")
    yield from reached_early(tg, triage, response, "failure response", "before the alert is triaged",
                             "route to the response after the triage stage")
    yield from record_issues(d, "root_cause", "the field that records why the control failed")


# ------------------------------------------------------------------ incident

@check("responders-available", ("incident",), "The responder on call, reachable at any hour, is recorded.")
def _on_call(tg: TemplateGraph, p: Params) -> Iterator[Issue]:
    yield from record_issues(declared(tg), "on_call", "the field naming the responder on call")


@check("responders-trained", ("incident",), "Incident responders are trained at a set interval.")
def _trained(tg: TemplateGraph, p: Params) -> Iterator[Issue]:
    yield from periodic(declared(tg), "responders_trained_every", p["limit"],
                        "how often incident responders are trained (`compliance.responders_trained_every`)")


@check("monitoring-alerts", ("incident",), "Events raised by monitoring alerts enter the response, with their source.")
def _alerts(tg: TemplateGraph, p: Params) -> Iterator[Issue]:
    yield from record_issues(declared(tg), "alert_source", "the field recording the alert or system that raised it")


@check("card-data-found", ("incident",), "Card data found where it should not be has its own handling step.")
def _card_data(tg: TemplateGraph, p: Params) -> Iterator[Issue]:
    yield from required_step(declared(tg), "card_data_response",
                             "the stage that handles stored card data found outside where it is allowed")


@check("authorities-contacted", ("incident",), "Whether authorities or regulators were told is recorded.")
def _authorities(tg: TemplateGraph, p: Params) -> Iterator[Issue]:
    yield from record_issues(declared(tg), "authorities_contacted",
                             "a yes/no or choice field: were authorities or regulators told", ("bool", "choice"))


# -------------------------------------------------------------------- change

def _gated(d: Declared, name: str, value: bool, what: str) -> Iterator[Issue]:
    """The record is a required bool and its stage's gate requires ``value``."""
    issues = record_issues(d, name, f"a yes/no field: {what}", ("bool",))
    if issues:
        yield from issues
        return
    st, f, _ = d.record(name)
    assert st is not None and f is not None
    if not _gate_requires(st, f.id, value):
        yield issue_at(st, f"stage {st.node!r} does not stop a change whose {f.id!r} is {'no' if value else 'yes'}",
                       f"add `gate: {{{f.id}: {'yes' if value else 'no'}}}` to the stage")


def _gate_requires(st: Stage, fid: str, value: bool) -> bool:
    accepted = (value, "yes" if value else "no", str(value).lower())
    return any(c.field == fid and c.op == "equals" and c.value in accepted for c in st.gate)


@check("preproduction-separate", ("change",), "The change is tested in a pre-production environment, recorded.")
def _preprod(tg: TemplateGraph, p: Params) -> Iterator[Issue]:
    yield from record_issues(declared(tg), "preproduction_environment",
                             "the field naming the pre-production environment used for testing")


@check("no-live-data-in-test", ("change",), "No live card data is used in pre-production.")
def _live_data(tg: TemplateGraph, p: Params) -> Iterator[Issue]:
    yield from _gated(declared(tg), "live_data_used", False, "was live card data used in testing")


@check("test-data-removed", ("change",), "Test data and test accounts are removed before go-live.")
def _test_data(tg: TemplateGraph, p: Params) -> Iterator[Issue]:
    yield from _gated(declared(tg), "test_data_removed", True, "were test data and accounts removed")
