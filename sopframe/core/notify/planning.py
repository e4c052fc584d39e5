"""Planning notifications: from a command's events (or a time-based cause) to outbox rows.

Pure functions of the events, the job's pinned template and state, the role
table and the routing: the engine calls :meth:`Planner.for_events` while it
prepares an append, so the rows go into the store in the same transaction as
the events that cause them.  Keys are derived from the cause (job, event
sequence number or deadline), the channel and the recipient, so planning the
same cause again yields the same keys and the outbox keeps one row.

Untrusted text (job titles, stage titles, reasons) is made one visible line
with :func:`~sopframe.core.safetext.escape` before it reaches a subject: a
title with CR/LF cannot add a mail header.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence

from sopframe.core.notify.model import Notification, Trigger, notification_key, shown_time
from sopframe.core.notify.routing import NotifyRouting
from sopframe.core.safetext import escape

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.engine.events import Event
    from sopframe.core.engine.state import JobState
    from sopframe.core.graph import TemplateGraph
    from sopframe.core.identity import RoleTable
    from sopframe.core.model import Template

__all__ = ["Planner", "Cause", "SUBJECT_LIMIT"]

SUBJECT_LIMIT = 200


def _deadline(template: "Template", graph: "TemplateGraph", state: "JobState", node: str, at: str) -> str | None:
    """When the SLA of a stage entered at ``at`` runs out (UTC text), or None without one."""
    from sopframe.core.engine.clock import to_text
    from sopframe.core.engine.command import Loaded
    from sopframe.core.engine.sla import sla_deadline

    due = sla_deadline(Loaded(state.job_id, state.job_id, state, template, graph), node, at, state)
    return to_text(due) if due is not None else None


def line(value: Any, limit: int = SUBJECT_LIMIT) -> str:
    """Untrusted text as one bounded, visible line."""
    text = escape(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Cause:
    """Why a notification is sent: its trigger kind, what makes it unique, and what it says."""

    kind: str
    ident: str
    job: str
    roles: Sequence[str]
    subject: str
    body: str
    at: str
    data: Mapping[str, Any] = field(default_factory=dict)
    #: people told by name besides the holders of ``roles`` (an acknowledgement reminder's person)
    people: Sequence[str] = ()


@dataclass(frozen=True)
class Planner:
    """Turns causes into outbox rows for every routed channel and recipient."""

    routing: NotifyRouting
    roles: "RoleTable"
    triggers: Sequence[Trigger] = ()

    def __bool__(self) -> bool:
        return bool(self.routing)

    # ----------------------------------------------------------- fan-out
    def rows(self, cause: Cause, template: "Template | None") -> list[Notification]:
        """One row per (channel, person) for mail, one per channel for webhooks; none without recipients."""
        users = self.routing.users(cause.roles, self.roles)
        users += [p for p in cause.people if p not in users]
        if not users:
            return []
        out: list[Notification] = []
        data = {"kind": cause.kind, "job": cause.job, "subject": cause.subject, "roles": list(cause.roles),
                "users": users, "at": cause.at, **cause.data}
        for ch in self.routing.channels_for(cause.kind, template):
            if ch.per_person:
                for user in users:
                    addr = self.routing.address(user, ch)
                    if addr:
                        out.append(self._row(cause, ch.name, addr, data, template))
            else:
                out.append(self._row(cause, ch.name, "", data, template))
        return out

    def _row(self, cause: Cause, channel: str, recipient: str, data: Mapping[str, Any],
             template: "Template | None") -> Notification:
        return Notification(key=notification_key(cause.kind, cause.ident, channel, recipient), kind=cause.kind,
                            channel=channel, recipient=recipient, subject=cause.subject, body=cause.body,
                            job=cause.job, created_at=cause.at, data=data)

    # ------------------------------------------------------------ events
    def for_events(self, events: Sequence["Event"], template: "Template", graph: "TemplateGraph",
                   state: "JobState") -> list[Notification]:
        """The notifications a command's events cause (state: the job after them)."""
        if not self:
            return []
        out: list[Notification] = []
        for ev in events:
            for cause in self._causes(ev, template, graph, state):
                out.extend(self.rows(cause, template))
        return out

    def _causes(self, ev: "Event", template: "Template", graph: "TemplateGraph",
                state: "JobState") -> Iterable[Cause]:
        title = line(state.title or template.title)
        ident = f"{ev.job}#{ev.seq}"
        base = {"job_title": title, "template": template.id, "event": ev.type, "seq": ev.seq}
        if ev.type == "stage.entered":
            node = str(ev.data.get("stage"))
            st = graph.stage(node)
            sj = state.subjob_of(node)
            ref = sj.id if sj is not None else ev.job
            owner = st.owner or (sj.owner if sj is not None else None)
            stage_title = line(st.title or st.id)
            due = _deadline(template, graph, state, node, ev.at)
            by = f"It is due by {shown_time(due)} (the stage's SLA).\n" if due else ""
            data = {**base, "stage": node, "stage_title": stage_title, "due": due}
            yield Cause("stage.entered", ident, ref, self.routing.roles_for(template, "stage.entered", [owner]),
                        f"{ref}: stage {stage_title} waits for you",
                        f"Job {ref} ({title}) entered stage {stage_title} ({node}) at {shown_time(ev.at)}.\n"
                        f"Owner role: {owner or '-'}.\n{by}"
                        f"What it needs to move on: {self.routing.job_place(ref)}\n", ev.at, data)
            wanted = [so.role for so in st.signoffs.values()]
            if wanted:
                if self.routing.link:
                    how = "".join(f"- {so.id}, by role {so.role}\n" for so in st.signoffs.values()) + \
                        f"Sign on the job's page: {self.routing.job_place(ref)}\n"
                else:
                    how = "".join(f"- {so.id}, by role {so.role}: sopframe job sign {ref} {so.id}\n"
                                  for so in st.signoffs.values())
                yield Cause("signoff.wanted", ident, ref, self.routing.roles_for(template, "signoff.wanted", wanted),
                            f"{ref}: sign-off wanted at {stage_title}",
                            f"Job {ref} ({title}) needs sign-offs at stage {stage_title} ({node}):\n{how}{by}",
                            ev.at, {**data, "signoffs": sorted(st.signoffs)})
        elif ev.type == "sla.breached":
            node = str(ev.data.get("stage"))
            st = graph.stage(node)
            sj = state.subjob_of(node)
            ref = str(ev.data.get("subjob") or ev.job)
            owner = st.owner or (sj.owner if sj is not None else None)
            stage_title = line(st.title or st.id)
            yield Cause("sla.breached", ident, ref, self.routing.roles_for(template, "sla.breached", [owner]),
                        f"{ref}: SLA of {stage_title} breached",
                        f"Job {ref} ({title}): the SLA of stage {stage_title} ({node}) ran out at "
                        f"{shown_time(ev.data.get('due'))}.\nFinish it as soon as you can; what it still needs: "
                        f"{self.routing.job_place(ref)}\n", ev.at,
                        {**base, "stage": node, "stage_title": stage_title, "due": ev.data.get("due")})
        elif ev.type == "sop.published":
            ref = line(ev.data.get("ref"))
            version = line(ev.data.get("version"))
            audience = self.routing.roles_for(template, "sop.published", template.roles)
            yield Cause("sop.published", ident, ev.job, audience, f"SOP {ref} version {version} published",
                        f"{line(ev.data.get('title') or title)}: version {version} of {ref} is effective "
                        f"{ev.data.get('effective_date')}; next review {ev.data.get('next_review')}.\n"
                        f"Published by job {ev.job}.\n{_ack_line(ev.data, ref, self.routing)}", ev.at,
                        {**base, "ref": ref, "version": version, "effective_date": ev.data.get("effective_date"),
                         "next_review": ev.data.get("next_review")})
        for trig in self.triggers:  # plugins' triggers (acknowledgements, for one)
            if trig.event_type == ev.type:
                roles = self.routing.roles_for(template, trig.kind, trig.recipients(ev, template))
                yield Cause(trig.kind, ident, ev.job, roles, line(trig.subject(ev, title)),
                            f"Job {ev.job} ({title}): {ev.type} at {shown_time(ev.at)}.\n", ev.at, base)


def _ack_line(data: Any, ref: str, routing: NotifyRouting) -> str:
    """What the audience of a version that must be acknowledged is asked to do, and by when."""
    ack = data.get("acknowledgement") if isinstance(data, dict) else None
    if not isinstance(ack, dict) or not ack.get("audience"):
        return ""
    within = f" within {line(ack['within'])} of it taking effect" if ack.get("within") else ""
    return f"If you are in its audience, read it and acknowledge it{within}: {routing.ack_place(ref)}\n"
