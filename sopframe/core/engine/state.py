"""A job's state: the fold of its events.  Nothing here changes stored data.

Stages are named by their graph node (``draft``; sub-job stages as
``components/classification/training``).  :func:`apply` is one fold step;
the engine uses it to see the consequences of the events a command is about
to append before it appends them.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, NamedTuple, Protocol

from sopframe.core.engine.events import GENESIS, Event
from sopframe.core.engine.visits import VISIT_STEPS, Visit
from sopframe.core.identity import normalise

__all__ = ["JobState", "StageRun", "SubJobState", "fold", "apply", "EventLike"]


class EventLike(Protocol):
    """What folding reads of an event (a stored event, or one a command is about to record)."""

    @property
    def type(self) -> str: ...
    @property
    def data(self) -> Mapping[str, Any]: ...
    @property
    def actor(self) -> str: ...
    @property
    def at(self) -> str: ...


class StageRun(NamedTuple):
    """An open stage: where the job (or one of its sub-jobs) stands."""

    node: str
    entered_at: str
    entered_by: str
    subjob: str | None = None
    #: when this visit's SLA breach was recorded (an ``sla.breached`` event), if it was
    breached_at: str | None = None


@dataclass
class SubJobState:
    """A started sub-job: where its stages are, who owns it and how it ended."""

    id: str
    key: str
    split: str  # node of the split stage
    scope: str  # node prefix of its stages: "components/classification"
    suffix: str
    title: str
    owner: str | None  # the owning role
    status: str = "open"  # open, completed, cancelled
    started_at: str = ""
    started_by: str = ""  # who entered the split stage that started it
    completed_at: str | None = None
    #: per-item sub-jobs: the item's key (its key column, else its position) and its record
    item_key: str | None = None
    item: dict[str, Any] | None = None
    cancel_reason: str | None = None


@dataclass
class JobState:
    """Where a job stands, computed from its events alone."""

    job_id: str = ""
    template_id: str = ""
    template_version: str = ""
    template_sha256: str = ""
    template_file: str = ""
    template_text: str = ""
    title: str = ""
    status: str = "open"  # open, completed, cancelled
    cancel_reason: str | None = None
    started_at: str = ""
    started_by: str = ""
    finished_at: str | None = None
    seq: int = 0
    head: str = GENESIS
    active: dict[str, StageRun] = field(default_factory=dict)
    #: join stages some parallel branches reached while others are still open
    waiting: dict[str, str] = field(default_factory=dict)
    #: stages completed (since they were last reset by a rework)
    done: dict[str, str] = field(default_factory=dict)
    fields: dict[str, dict[str, Any]] = field(default_factory=dict)
    documents: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    signoffs: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    subjobs: dict[str, SubJobState] = field(default_factory=dict)
    published: dict[str, Any] | None = None
    rejections: int = 0
    #: stage node -> everyone who set a value, attached, completed or rejected there (every visit)
    actors: dict[str, list[str]] = field(default_factory=dict)
    #: stage node -> field -> who last recorded it
    recorded_by: dict[str, dict[str, str]] = field(default_factory=dict)
    #: stage node -> sign-off -> what voided it (until it is given again)
    voided: dict[str, dict[str, str]] = field(default_factory=dict)
    #: every SLA breach recorded: stage, sub-job, due, at
    breaches: list[dict[str, Any]] = field(default_factory=list)
    #: the SOP the job follows, as its start recorded it: ref, version, current, reason
    sop: dict[str, Any] | None = None
    #: SOP reviews the job's completion asked for (``sop.review_due``): refs, reason, at, by
    review_due: list[dict[str, Any]] = field(default_factory=list)
    #: every visit of every stage, in the order they were entered (see .visits)
    visits: list[Visit] = field(default_factory=list)

    def copy(self) -> "JobState":
        """An independent copy (commands work on one; stored values are JSON and never mutated)."""
        new = object.__new__(type(self))  # a shallow copy, without copy.copy's generic protocol (3x slower)
        new.__dict__.update(self.__dict__)
        new.active = dict(self.active)  # StageRun objects are replaced, never changed
        new.waiting = dict(self.waiting)
        new.done = dict(self.done)
        new.fields = {k: dict(v) for k, v in self.fields.items()}
        new.documents = {k: dict(v) for k, v in self.documents.items()}
        new.signoffs = {k: dict(v) for k, v in self.signoffs.items()}
        new.actors = {k: list(v) for k, v in self.actors.items()}
        new.recorded_by = {k: dict(v) for k, v in self.recorded_by.items()}
        new.voided = {k: dict(v) for k, v in self.voided.items()}
        new.breaches = list(self.breaches)
        new.visits = list(self.visits)  # Visit objects are replaced, never changed
        new.subjobs = {k: copy.copy(v) for k, v in self.subjobs.items()}
        new.published = dict(self.published) if self.published is not None else None
        return new

    def subjob_of(self, node: str) -> SubJobState | None:
        """The innermost sub-job a stage node belongs to."""
        best = None
        for sj in self.subjobs.values():
            if node.startswith(sj.scope + "/") and (best is None or len(sj.scope) > len(best.scope)):
                best = sj
        return best

    def field_value(self, node: str, fid: str) -> Any:
        return self.fields.get(node, {}).get(fid)

    def to_dict(self) -> dict[str, Any]:
        d = {k: v for k, v in self.__dict__.items() if k != "template_text"}
        d["active"] = {k: v._asdict() for k, v in self.active.items()}
        d["subjobs"] = {k: v.__dict__ for k, v in self.subjobs.items()}
        d["visits"] = [v._asdict() for v in self.visits]
        return copy.deepcopy(d)


# ----------------------------------------------------------------- fold steps
def _started(s: JobState, e: EventLike) -> None:
    t = e.data["template"]
    s.job_id = e.data["job"]
    s.template_id, s.template_version = t["id"], t["version"]
    s.template_sha256, s.template_file, s.template_text = t["sha256"], t.get("file", ""), t.get("text", "")
    s.title = e.data.get("title", "")
    s.started_at, s.started_by = e.at, e.actor
    s.sop = e.data.get("sop")


def _entered(s: JobState, e: EventLike) -> None:
    node = e.data["stage"]
    s.waiting.pop(node, None)
    s.done.pop(node, None)
    s.active[node] = StageRun(node, e.at, e.actor, e.data.get("subjob"))


def _waiting(s: JobState, e: EventLike) -> None:
    s.waiting.setdefault(e.data["stage"], e.at)


def _acted(s: JobState, node: str, actor: str) -> None:
    who = normalise(actor)
    seen = s.actors.setdefault(node, [])
    if who not in seen:
        seen.append(who)


def _field_set(s: JobState, e: EventLike) -> None:
    node, fid = e.data["stage"], e.data["field"]
    s.fields.setdefault(node, {})[fid] = e.data["value"]
    s.recorded_by.setdefault(node, {})[fid] = normalise(e.actor)
    _acted(s, node, e.actor)


def _attached(s: JobState, e: EventLike) -> None:
    d = e.data
    keep = ("name", "sha256", "size", "uri", "path", "symlink")
    s.documents.setdefault(d["stage"], {})[d["field"]] = {k: d[k] for k in keep if k in d}
    s.fields.setdefault(d["stage"], {})[d["field"]] = d["uri"]
    s.recorded_by.setdefault(d["stage"], {})[d["field"]] = normalise(e.actor)
    _acted(s, d["stage"], e.actor)


def _signed(s: JobState, e: EventLike) -> None:
    d = e.data
    s.signoffs.setdefault(d["stage"], {})[d["signoff"]] = {"user": normalise(e.actor), "role": d["role"],
                                                            "at": e.at, "digest": d.get("digest", "")}
    s.voided.get(d["stage"], {}).pop(d["signoff"], None)


def _voided(s: JobState, e: EventLike) -> None:
    d = e.data
    s.signoffs.get(d["stage"], {}).pop(d["signoff"], None)
    s.voided.setdefault(d["stage"], {})[d["signoff"]] = d.get("change", "")


def _completed(s: JobState, e: EventLike) -> None:
    node = e.data["stage"]
    s.active.pop(node, None)
    s.done[node] = e.at
    _acted(s, node, e.actor)


def _rejected(s: JobState, e: EventLike) -> None:
    s.rejections += 1
    _acted(s, e.data["stage"], e.actor)
    for node in [e.data["stage"], *e.data.get("reset", ())]:
        s.active.pop(node, None)
        s.waiting.pop(node, None)
        s.done.pop(node, None)
        s.signoffs.pop(node, None)
        s.voided.pop(node, None)


def _breached(s: JobState, e: EventLike) -> None:
    d = e.data
    run = s.active.get(d["stage"])
    if run is not None:
        s.active[d["stage"]] = run._replace(breached_at=e.at)
    s.breaches.append({"stage": d["stage"], "subjob": d.get("subjob"), "due": d.get("due"), "at": e.at})


def _subjob_started(s: JobState, e: EventLike) -> None:
    d = e.data
    s.subjobs[d["subjob"]] = SubJobState(id=d["subjob"], key=d["key"], split=d["split"], scope=d["scope"],
                                         suffix=d["suffix"], title=d.get("title", ""), owner=d.get("owner"),
                                         started_at=e.at, started_by=e.actor, item_key=d.get("item_key"), item=d.get("item"))


def _subjob_cancelled(s: JobState, e: EventLike) -> None:
    """A per-item sub-job cancelled on its own: its stages close; the split no longer waits for it."""
    sj = s.subjobs[e.data["subjob"]]
    sj.status, sj.completed_at, sj.cancel_reason = "cancelled", e.at, e.data.get("reason")
    for node in [n for n in s.active if n.startswith(sj.scope + "/")]:
        s.active.pop(node)
    for node in [n for n in s.waiting if n.startswith(sj.scope + "/")]:
        s.waiting.pop(node)


def _subjob_completed(s: JobState, e: EventLike) -> None:
    sj = s.subjobs[e.data["subjob"]]
    sj.status, sj.completed_at = "completed", e.at


def _job_completed(s: JobState, e: EventLike) -> None:
    s.status, s.finished_at = "completed", e.at


def _cancelled(s: JobState, e: EventLike) -> None:
    s.status, s.finished_at, s.cancel_reason = "cancelled", e.at, e.data.get("reason")
    for sj in s.subjobs.values():
        if sj.status == "open":
            sj.status = "cancelled"
    s.active.clear()
    s.waiting.clear()


def _published(s: JobState, e: EventLike) -> None:
    s.published = dict(e.data)


def _review_due(s: JobState, e: EventLike) -> None:
    s.review_due = [*s.review_due, {**e.data, "at": e.at, "by": normalise(e.actor)}]  # never changed in place


STEPS: dict[str, Callable[[JobState, EventLike], None]] = {
    "job.started": _started,
    "stage.entered": _entered,
    "stage.waiting": _waiting,
    "field.set": _field_set,
    "document.attached": _attached,
    "signoff.given": _signed,
    "signoff.voided": _voided,
    "sla.breached": _breached,
    "stage.completed": _completed,
    "stage.rejected": _rejected,
    "subjob.started": _subjob_started,
    "subjob.completed": _subjob_completed,
    "subjob.cancelled": _subjob_cancelled,
    "job.completed": _job_completed,
    "job.cancelled": _cancelled,
    "sop.published": _published,
    "sop.review_due": _review_due,
}


def apply(state: JobState, event: EventLike) -> JobState:
    """Apply one event to ``state`` (in place) and return it.  Unknown types are kept in history only."""
    step = STEPS.get(event.type)
    if step is not None:
        step(state, event)
    visit = VISIT_STEPS.get(event.type)
    if visit is not None:
        visit(state, event)
    if isinstance(event, Event):
        state.seq, state.head = event.seq, event.hash
    return state


def fold(events: Iterable[Event]) -> JobState:
    """A job's state from its events, oldest first."""
    state = JobState()
    steps, visits = STEPS, VISIT_STEPS
    for ev in events:
        step = steps.get(ev.type)
        if step is not None:
            step(state, ev)
        visit = visits.get(ev.type)
        if visit is not None:
            visit(state, ev)
        state.seq, state.head = ev.seq, ev.hash
    return state
