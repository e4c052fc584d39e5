"""The time-based notifications ``sopframe tick`` enqueues: SLA due soon, escalation, SOP review,
acknowledgements due soon or late.

Each is found from the read models (open stages with their deadlines, the
SOP master list) at a given "now".  Its key is made from the job, stage
visit (entered-at) or SOP version and the trigger, never from the time of
the tick, so running tick again enqueues nothing new: the store keeps the
first row of each key.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Iterator, Sequence

from sopframe.core.durations import parse_duration
from sopframe.core.engine.clock import from_text, to_text
from sopframe.core.notify.model import Notification, shown_time
from sopframe.core.notify.planning import Cause, Planner, line
from sopframe.core.readmodel import JobQuery

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.graph import TemplateGraph
    from sopframe.core.model import Template
    from sopframe.core.readmodel import JobSummary, OpenStage
    from sopframe.core.store import Store
    from sopframe.core.training import TrainingStatus

__all__ = ["timed_notifications"]


def _after(start: datetime, duration: str) -> datetime | None:
    try:
        return parse_duration(duration).add_to(start)
    except ValueError:
        return None


def _before(end: datetime, duration: str) -> datetime | None:
    """``end`` moved back by ``duration`` (the lead time before a deadline)."""
    try:
        d = parse_duration(duration)
        return end - (d.add_to(end) - end)
    except ValueError:  # not a duration, or a deadline too close to the year 9999 to measure back from
        return None


class _Templates:
    """Pinned templates of the jobs, by hash, built once per tick."""

    def __init__(self, store: "Store") -> None:
        self.store = store
        self.cache: dict[str, "Template | None"] = {}
        self.graphs: dict[str, "TemplateGraph"] = {}

    def of(self, summary: "JobSummary") -> "Template | None":
        if summary.sha256 not in self.cache:
            from sopframe.core.engine.pinned import pinned_by_sha
            from sopframe.errors import SopframeError

            try:
                self.cache[summary.sha256] = pinned_by_sha(summary.sha256, "", self.store.template, summary.job)[0]
            except SopframeError:  # a missing or altered template text: `job verify` names it; no notification
                self.cache[summary.sha256] = None
        return self.cache[summary.sha256]

    def stage_title(self, summary: "JobSummary", o: "OpenStage") -> str:
        """The open stage's title, as the messages of its events name it (its id if it has none)."""
        template = self.of(summary)
        if template is not None:
            if summary.sha256 not in self.graphs:
                from sopframe.core.graph import build_graph

                self.graphs[summary.sha256] = build_graph(template)
            try:
                st = self.graphs[summary.sha256].stage(o.node)
            except KeyError:
                return line(o.stage)
            return line(st.title or st.id)
        return line(o.stage)


def timed_notifications(store: "Store", planner: Planner, now: datetime,
                        training: Sequence["TrainingStatus"] = ()) -> list[Notification]:
    """Every time-based notification due at ``now`` (already enqueued ones come out with the same keys).

    ``training`` is the training status of the current SOP versions at ``now`` (the caller works it out with
    its ``groups`` and ``[training]`` settings): its pending and late people get acknowledgement reminders.
    """
    if not planner:
        return []
    templates = _Templates(store)
    out: list[Notification] = []
    for cause, template in _stage_causes(store, planner, templates, now):
        out.extend(planner.rows(cause, template))
    for cause, template in _review_causes(store, planner, templates, now):
        out.extend(planner.rows(cause, template))
    for cause, template in _ack_causes(store, planner, templates, training, now):
        out.extend(planner.rows(cause, template))
    return out


def _stage_causes(store: "Store", planner: Planner, templates: _Templates,
                  now: datetime) -> Iterator[tuple[Cause, "Template | None"]]:
    at = to_text(now)
    routing = planner.routing
    for s in store.summaries(JobQuery(status="open")):
        template = templates.of(s)
        for o in s.open_stages:
            if not o.due:
                continue
            due = from_text(o.due)
            ref = o.subjob or o.job
            title = line(s.title)
            stage = templates.stage_title(s, o)
            data = {"job_title": title, "template": s.template, "stage": o.node, "stage_title": stage, "due": o.due,
                    "entered_at": o.entered_at}
            visit = f"{o.job}:{o.node}:{o.entered_at}"
            page = f"Open it: {routing.job_place(ref)}\n" if routing.link else ""
            if due > now:
                start = _before(due, routing.lead_for(template))
                if start is not None and start <= now:
                    yield Cause("sla.due_soon", visit, ref, routing.roles_for(template, "sla.due_soon", [o.owner]),
                                f"{ref}: SLA of {stage} runs out {shown_time(o.due)}",
                                f"Job {ref} ({title}): stage {stage} ({o.node}) must be done by "
                                f"{shown_time(o.due)}.\n{page}", at, data), template
                continue
            after, roles = routing.escalation_for(template)
            when = _after(due, after)
            if roles and when is not None and when <= now:
                yield Cause("sla.escalated", visit, ref, list(roles),
                            f"Escalation: {ref} stage {stage} overdue since {shown_time(o.due)}",
                            f"Job {ref} ({title}): stage {stage} ({o.node}), owned by "
                            f"{_owner(o)}, has been past its SLA since {shown_time(o.due)} (escalation after {after}).\n"
                            f"{page}", at, {**data, "escalated_after": after}), template


def _owner(o: "OpenStage") -> str:
    return o.owner or "-"


def _review_causes(store: "Store", planner: Planner, templates: _Templates,
                   now: datetime) -> Iterator[tuple[Cause, "Template | None"]]:
    from sopframe.core.engine.sops import master_list

    at = to_text(now)
    routing = planner.routing
    for entry in master_list(store):
        if entry.status != "current" or not entry.next_review:
            continue
        summary = store.summary(entry.job)
        template = templates.of(summary) if summary is not None else None
        try:
            review = from_text(entry.next_review[:10] + "T00:00:00+00:00")
        except ValueError:
            continue
        default = [st.owner for st in template.stages.values()][:1] if template is not None else []
        ref, version = line(entry.ref), line(entry.version or "")
        data = {"ref": ref, "version": version, "next_review": entry.next_review, "template": entry.template}
        ident = f"{entry.ref}:{entry.version}:{entry.next_review}"
        if review <= now:
            kind, subject = "sop.review_overdue", f"SOP {ref} {version}: review overdue since {entry.next_review}"
        else:
            start = _before(review, routing.lead_for(template, "sop.review_due"))
            if start is None or start > now:
                continue
            kind, subject = "sop.review_due", f"SOP {ref} {version}: review due {entry.next_review}"
        yield Cause(kind, ident, entry.job, routing.roles_for(template, kind, default), subject,
                    f"{line(entry.title)} ({ref} version {version}) is to be reviewed by {entry.next_review}.\n",
                    at, data), template


def _ack_causes(store: "Store", planner: Planner, templates: _Templates, training: Sequence["TrainingStatus"],
                now: datetime) -> Iterator[tuple[Cause, "Template | None"]]:
    """One reminder per person, version and due date: before it (within the lead time), then once late."""
    at = to_text(now)
    routing = planner.routing
    for status in training:
        summary = store.summary(status.published_by)  # the lifecycle job that published the version
        template = templates.of(summary) if summary is not None else None
        ref, version = line(status.ref), line(str(status.version or ""))
        for person in status.people:
            if person.status == "acknowledged":
                continue
            if not person.joined_recorded:  # their due date moves with `now` until a command records their joining:
                continue                    # a key made from it would remind them again at every tick
            ident = f"{status.ref}:{status.version}:{person.person}:{person.due}"
            data = {"ref": ref, "version": version, "person": person.person, "due": person.due}
            if person.status == "late":
                kind, subject = "ack.late", f"SOP {ref} {version}: acknowledgement by {line(person.person)} overdue"
                text = (f"The acknowledgement of {ref} version {version} was due by {shown_time(person.due)}.\n"
                        f"To acknowledge it, {line(person.person)} "
                        f"{'opens' if routing.link else 'runs'}: {routing.ack_place(ref)}\n")
                roles = routing.roles_for(template, kind, [])
            else:
                start = _before(from_text(person.due), routing.lead_for(template, "ack.due_soon"))
                if start is None or start > now:
                    continue
                kind, subject = "ack.due_soon", f"SOP {ref} {version}: please acknowledge by {shown_time(person.due)}"
                text = (f"Please read {ref} version {version} and acknowledge it "
                        f"({routing.ack_place(ref)}) by {shown_time(person.due)}.\n")
                roles = []
            yield Cause(kind, ident, status.published_by, roles, subject, text, at, data,
                        people=(person.person,)), template
