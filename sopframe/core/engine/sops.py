"""The SOP master list and overdue work, read from the jobs' events.

Each ``sop.published`` event (appended when a job whose template
``publishes`` completes) is one entry.  For each SOP reference the latest
entry is current and every earlier one is archived: the event of the newer
job also names the version it supersedes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, NamedTuple, Sequence

from sopframe.core.engine.clock import describe_delta, from_text, to_text
from sopframe.core.readmodel import SopRow

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.engine.engine import Engine
    from sopframe.core.store import Store

__all__ = ["SopEntry", "OverdueItem", "Until", "OpenFlag", "master_list", "overdue", "open_flags", "describe_delta"]


@dataclass(frozen=True)
class SopEntry(SopRow):
    """One SOP version of the master list: its read-model row, with whether it is current."""

    status: str = "current"  # current or archived
    archived_by: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The entry as JSON values: the acknowledgement policy as an object (the row keeps it as JSON text)."""
        import json

        d = asdict(self)
        if isinstance(d.get("acknowledgement"), str):
            d["acknowledgement"] = json.loads(d["acknowledgement"])
        return d


class OverdueItem(NamedTuple):
    """One overdue thing: an SOP past its review, an open stage past its SLA, a flag, or a recorded breach.

    A named tuple whose ``overdue_by`` is worked out when first asked for:
    ``overdue`` lists every breached stage of the store, most never printed.
    """

    kind: str  # review (an SOP past its review date), sla (an open stage past its SLA) or breach (recorded)
    ref: str  # SOP reference or job id
    what: str  # version, or stage
    due: str
    owner: str | None = None  # for a flag: who raised it
    completed_at: str | None = None  # for a recorded breach: when the late stage completed
    reason: str | None = None  # for a flag: why
    #: how late: the span from ``due`` to this UTC time (now, or when the stage completed), or the text itself
    late: "str | Until" = ""

    @property
    def overdue_by(self) -> str:
        """``3d 4h``: how long past ``due`` (:func:`describe_delta`; a review in whole days)."""
        if isinstance(self.late, Until):
            return describe_delta((from_text(self.late.at) - from_text(self.due)).total_seconds())
        return self.late

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "ref": self.ref, "what": self.what, "due": self.due, "overdue_by": self.overdue_by,
                "owner": self.owner, "completed_at": self.completed_at, "reason": self.reason}


class Until(NamedTuple):
    """The end of a span of lateness (UTC text) an :class:`OverdueItem` describes when asked."""

    at: str


def master_list(store: "Store", rows: "Sequence[SopRow] | None" = None) -> list[SopEntry]:
    """Every published SOP version, current and archived, by reference then publication (the SOP read model;
    ``rows``: its rows, if already read)."""
    by_ref: dict[str, list[Any]] = {}
    for row in store.sop_rows() if rows is None else rows:
        by_ref.setdefault(row.ref, []).append(row)
    out: list[SopEntry] = []
    for ref in sorted(by_ref):
        rows = by_ref[ref]
        for i, p in enumerate(rows):
            later = rows[i + 1] if i + 1 < len(rows) else None
            out.append(SopEntry(**vars(p), status="archived" if later else "current",
                                archived_by=later.job if later else None))
    return out


def overdue(engine: "Engine", now: datetime | None = None, limit: int | None = None) -> list[OverdueItem]:
    """SOPs past their review date, and open stages past their SLA (from the read models).

    ``limit``: at most that many stages, the most overdue first (the reviews and flags, one per SOP, all).
    """
    now = now or engine.clock()
    out: list[OverdueItem] = []
    today = now.date()
    sops = engine.store.sop_rows()  # read once, for reviews and for flags
    for entry in master_list(engine.store, sops):
        if entry.status != "current" or not entry.next_review:
            continue
        try:
            due = date.fromisoformat(entry.next_review[:10])
        except ValueError:
            continue
        if due < today:
            out.append(OverdueItem("review", entry.ref, entry.version or "", entry.next_review,
                                   late=f"{(today - due).days}d"))
    until = Until(to_text(now))
    # the open-stages read model, by its deadline index (every row has a deadline: ``due < now``)
    out.extend(OverdueItem("sla", o.subjob or o.job, o.stage, o.due or "", o.owner, None, None, until)
               for o in engine.store.open_stages_due(until.at, limit))  # every row it gives has a deadline
    for f in open_flags(engine.store, sops=sops):  # up for review: flagged, or affected by a significant change
        out.append(OverdueItem(f.kind, f.ref, f.source, f.at, f.by, reason=f.reason, late=until))
    return out



def breaches_since(engine: "Engine", since: date) -> list[OverdueItem]:
    """Recorded SLA breaches (``sla.breached``) of stage visits that have since completed, due on or after ``since``."""
    by_job: dict[str, list[Any]] = {}
    for ev in engine.store.events_of_type("sla.breached"):
        if str(ev.data.get("due", ""))[:10] >= since.isoformat():
            by_job.setdefault(ev.job, []).append(ev)
    out: list[OverdueItem] = []
    for job, found in by_job.items():
        loaded = engine.load(job)
        events = engine.store.read(job)
        for b in found:
            node = b.data["stage"]
            done = next((e for e in events if e.seq > b.seq and e.type == "stage.completed"
                         and e.data.get("stage") == node), None)
            if done is None:
                continue
            st = loaded.graph.stage(node)
            late = (from_text(done.at) - from_text(b.data["due"])).total_seconds()
            out.append(OverdueItem("breach", b.data.get("subjob") or job, st.id, b.data["due"], st.owner, done.at,
                                   late=describe_delta(late)))
    return sorted(out, key=lambda i: (i.due, i.ref))


@dataclass(frozen=True)
class OpenFlag:
    """An SOP up for review: flagged by someone, or affected by a significant change, and not yet settled."""

    ref: str
    kind: str  # flagged or change
    by: str
    reason: str
    at: str
    source: str  # the SOP's record stream, or the change job

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def open_flags(store: "Store", ref: str | None = None, sops: "Sequence[SopRow] | None" = None) -> list[OpenFlag]:
    """Flags and change-triggered reviews raised after the SOP's last review and last publication (``sops``: the
    SOP list's rows, if already read)."""
    settled: dict[str, str] = {}
    for row in store.sop_rows() if sops is None else sops:
        settled[row.ref] = max(settled.get(row.ref, ""), row.published_at)
    flags = store.flag_rows(ref)
    for f in flags:
        if f.kind == "reviewed":
            settled[f.ref] = max(settled.get(f.ref, ""), f.at)
    return [OpenFlag(f.ref, f.kind, f.by, f.reason, f.at, f.source) for f in flags
            if f.kind != "reviewed" and f.at > settled.get(f.ref, "")]
