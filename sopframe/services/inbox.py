"""The inbox: what waits on one person, most urgent first (``sopframe inbox``; a server calls the same function).

Read from the read models alone, never by folding jobs: the open stages the
person owns through a role they hold (:class:`~sopframe.core.readmodel.OpenStage`
rows) and the sign-offs open stages still wait for that one of their roles
gives (:class:`~sopframe.core.readmodel.OpenSignoff` rows).  A sign-off the
job's record bars them from giving under segregation of duties is listed
too, with ``may_act`` false and the reason, worded by
:func:`sopframe.core.policy.separation_problem` when the row was written.

Order: first everything the person may act on, by SLA deadline (the most
overdue first; stages without an SLA after those with one, oldest first),
then the sign-offs they may not give, in the same order.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sopframe.core.engine.clock import from_text
from sopframe.core.readmodel import JobQuery, JobSummary

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.identity import RoleTable
    from sopframe.core.store import Store

__all__ = ["InboxItem", "inbox", "format_seconds"]


@dataclass(frozen=True)
class InboxItem:
    """One thing that waits on the person.

    ``kind`` is ``stage`` (an open stage they own through ``role``: fill it
    in and complete it) or ``signoff`` (sign-off ``signoff`` of an open
    stage, given by holders of ``role``).  ``may_act`` is false (with
    ``reason``) for a sign-off segregation of duties bars them from giving.
    ``due`` is the stage's SLA deadline (UTC text) and ``seconds_left`` the
    time until it at ``now`` (negative once overdue); both None without an SLA.
    """

    kind: str
    job: str
    title: str
    template: str
    node: str
    stage: str
    subjob: str | None
    role: str
    signoff: str | None
    may_act: bool
    reason: str | None
    entered_at: str
    due: str | None
    seconds_left: int | None

    @property
    def overdue(self) -> bool:
        return self.seconds_left is not None and self.seconds_left < 0

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "overdue": self.overdue}


def _left(due: str | None, now: datetime) -> int | None:
    return None if due is None else int((from_text(due) - now).total_seconds())


def _urgency(item: InboxItem) -> tuple[Any, ...]:
    return (not item.may_act, item.due is None, item.due or "", item.entered_at, item.job, item.node,
            item.kind != "stage", item.signoff or "")


def inbox(store: "Store", roles: "RoleTable", user: str, now: datetime) -> list[InboxItem]:
    """What waits on ``user`` at ``now``: stages they own and sign-offs they may (or may not) give.

    ``user`` is any name of the person (normalised and resolved through the
    role table's aliases); ``roles`` says which roles they hold.  Most
    urgent first (see the module's documentation).
    """
    me = roles.canonical(user)
    mine = tuple(sorted(roles.roles_of(me)))
    if not mine:
        return []
    jobs: dict[str, JobSummary] = {s.job: s for s in store.summaries(JobQuery(status="open", owners=mine))}
    items = [InboxItem(kind="stage", job=o.job, title=s.title, template=s.template, node=o.node, stage=o.stage,
                       subjob=o.subjob, role=o.owner or "", signoff=None, may_act=True, reason=None,
                       entered_at=o.entered_at, due=o.due, seconds_left=_left(o.due, now))
             for s in jobs.values() for o in s.open_stages if o.owner in mine]
    for so in store.open_signoffs(mine):
        summary = jobs.get(so.job) or store.summary(so.job)
        if summary is None:  # pragma: no cover - rows of one job are written together
            continue
        jobs[so.job] = summary
        why = so.reason_barred(me)
        items.append(InboxItem(kind="signoff", job=so.job, title=summary.title, template=summary.template,
                               node=so.node, stage=so.stage, subjob=so.subjob, role=so.role, signoff=so.signoff,
                               may_act=why is None, reason=why, entered_at=so.entered_at, due=so.due,
                               seconds_left=_left(so.due, now)))
    return sorted(items, key=_urgency)


def format_seconds(seconds: float) -> str:
    """A span for people: ``3d 4h``, ``5h 10m``, ``12m`` (the sign is left to the caller)."""
    s = int(abs(seconds))
    days, rest = divmod(s, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    return f"{minutes}m"

