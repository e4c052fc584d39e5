"""Read models: the rows listings query, derived from a job's folded state.

Events stay the truth.  Every append also writes, in the same transaction,
the rows this module derives from the job's state after the append: one
:class:`JobSummary` (with its :class:`OpenStage` rows) and, once the job
has published an SOP, one :class:`SopRow`.  :func:`job_rows` is the only
place these rows are computed, a pure function of the state and the pinned
template, so a new event type only needs its fold step; ``sopframe store
rebuild`` recomputes every row from the events with the same function, and
``sopframe job verify`` reports rows that differ from it (drift).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable, NamedTuple, Sequence

from sopframe.core.engine.clock import to_text
from sopframe.core.engine.events import canonical

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.records import FlagRow, RecordRows, SopJobRow
    from sopframe.core.engine.events import Event
    from sopframe.core.engine.state import JobState
    from sopframe.core.graph import TemplateGraph
    from sopframe.core.model import Template

__all__ = ["OpenStage", "OpenSignoff", "StageVisit", "JobSummary", "SopRow", "JobRows", "JobQuery", "job_rows", "rows_from_events",
           "TemplateText"]

#: sha256 -> the template text stored under it, or None
TemplateText = Callable[[str], "str | None"]


class OpenStage(NamedTuple):
    """An open stage of a job or of one of its sub-jobs, with its owner role and SLA deadline.

    A named tuple, like :class:`StageVisit`: listings and ``overdue`` read them by the thousand.
    """

    job: str
    node: str
    stage: str
    subjob: str | None
    owner: str | None
    entered_at: str
    due: str | None  # UTC text, like event times; None without an SLA


@dataclass(frozen=True)
class OpenSignoff:
    """A sign-off an open stage still waits for: its role, and who may not give it under segregation of duties.

    ``barred`` holds ``(user, reason)`` for everyone the job's record
    already bars (the reason is :func:`sopframe.core.policy.separation_problem`'s),
    sorted by user; every other holder of ``role`` may give it.
    """

    job: str
    node: str
    stage: str
    subjob: str | None
    signoff: str
    role: str
    entered_at: str
    due: str | None
    barred: tuple[tuple[str, str], ...] = ()

    def barred_json(self) -> str:
        return json.dumps([list(b) for b in self.barred], ensure_ascii=False, separators=(",", ":"))

    @staticmethod
    def barred_from_json(text: str) -> tuple[tuple[str, str], ...]:
        return tuple((b[0], b[1]) for b in json.loads(text))

    def reason_barred(self, user: str) -> str | None:
        """Why ``user`` (canonical) may not give this sign-off, or None."""
        return next((why for who, why in self.barred if who == user), None)


class StageVisit(NamedTuple):
    """One visit of a stage by a job (a named tuple: the report reads them by the hundred thousand).

    ``stage`` is the stage's id (a sub-job's stages keep their own ids),
    ``visit`` counts the visits of that stage node in the job (2 after one
    rework), ``owner`` is the owning role.  Times are UTC text like event
    times: ``first_action_at`` the first thing a person did on the visit
    (``first_actor``), ``closed_at`` when it ended and ``outcome`` how
    (``open``, ``completed``, ``rejected``, ``reset``, ``cancelled``;
    ``closed_by`` who completed or rejected it).  ``due`` is the SLA
    deadline (from the job's current values for an SLA chosen by a field),
    ``breached_at`` when a breach of it was recorded.
    """

    job: str
    template: str
    node: str
    stage: str
    subjob: str | None
    visit: int
    owner: str | None
    entered_at: str
    first_action_at: str | None
    first_actor: str | None
    closed_at: str | None
    closed_by: str | None
    outcome: str
    due: str | None
    breached_at: str | None


@dataclass(frozen=True)
class JobSummary:
    """One row per job: what ``sopframe job list`` shows and filters on."""

    job: str
    template: str
    version: str
    sha256: str
    title: str
    status: str
    started_at: str
    started_by: str
    finished_at: str | None
    last_change: str
    events: int
    #: [{"id", "status", "owner"}] of every sub-job, in start order
    subjobs: tuple[tuple[str, str, str | None], ...] = ()
    open_stages: tuple[OpenStage, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["subjobs"] = {sid: status for sid, status, _ in self.subjobs}
        d["subjob_owners"] = {sid: owner for sid, _, owner in self.subjobs}
        d["open_stages"] = [s.stage for s in self.open_stages]
        d["open"] = [s._asdict() for s in self.open_stages]
        return d

    @classmethod
    def from_row(cls, row: Sequence[Any], open_stages: tuple[OpenStage, ...] = ()) -> "JobSummary":
        """A summary from a ``job_summary`` row (its columns in field order, ``subjobs`` as JSON).

        Listings build these by the page, so the fields are set at once: the
        frozen class's generated ``__init__`` only sets them, one
        ``object.__setattr__`` each, which costs as much as the query.
        """
        subjobs = row[11]
        obj = object.__new__(cls)
        obj.__dict__.update(zip(_SUMMARY_FIELDS, (*row[:10], int(row[10]),
                                                  () if subjobs == "[]" else cls.subjobs_from_json(subjobs),
                                                  open_stages)))
        return obj

    def subjobs_json(self) -> str:
        if not self.subjobs:
            return "[]"
        return json.dumps([list(s) for s in self.subjobs], ensure_ascii=False, separators=(",", ":"))

    @staticmethod
    def subjobs_from_json(text: str) -> tuple[tuple[str, str, str | None], ...]:
        return tuple((s[0], s[1], s[2]) for s in json.loads(text))


_SUMMARY_FIELDS = tuple(JobSummary.__dataclass_fields__)


@dataclass(frozen=True)
class SopRow:
    """One published SOP version (the master list derives current/archived from the order)."""

    ref: str
    version: str | None
    title: str
    effective_date: str | None
    next_review: str | None
    job: str
    template: str
    published_at: str
    #: the version's acknowledgement policy (publishes.acknowledgement), canonical JSON, or None
    acknowledgement: str | None = None


@dataclass(frozen=True)
class JobRows:
    """Every read-model row one job contributes (the SOP ones: see :mod:`sopframe.core.records`)."""

    summary: JobSummary
    sop: SopRow | None = None
    signoffs: tuple[OpenSignoff, ...] = ()
    follows: "SopJobRow | None" = None
    flags: "tuple[FlagRow, ...]" = ()
    visits: tuple[StageVisit, ...] = ()


@dataclass(frozen=True)
class JobQuery:
    """What ``job list`` asks for; every filter is answered from indexes.

    ``owners`` keeps jobs with an open stage owned by one of these roles;
    ``overdue_at`` keeps jobs with an open stage whose SLA ran out before
    that time; ``since`` keeps jobs changed at or after it; ``after`` is the
    paging cursor (the last job id of the previous page).
    """

    status: str | None = None
    template: str | None = None
    owners: tuple[str, ...] | None = None
    overdue_at: str | None = None
    since: str | None = None
    after: str | None = None
    limit: int | None = None


def job_rows(state: "JobState", template: "Template", graph: "TemplateGraph", last_change: str) -> JobRows:
    """The read-model rows of a job: a pure function of its state, pinned template and last event time."""
    from sopframe.core.engine.command import Loaded
    from sopframe.core.pending import open_signoffs

    loaded = Loaded(state.job_id, state.job_id, state, template, graph)
    due_text = _deadlines(loaded)
    open_rows = []
    for node, run in sorted(state.active.items()):
        st = graph.stage(node)
        sj = state.subjob_of(node)
        open_rows.append(OpenStage(job=state.job_id, node=node, stage=st.id, subjob=sj.id if sj else None,
                                   owner=st.owner or (sj.owner if sj else None), entered_at=run.entered_at,
                                   due=due_text(node, run.entered_at)))
    summary = JobSummary(
        job=state.job_id, template=state.template_id, version=state.template_version,
        sha256=state.template_sha256, title=state.title, status=state.status, started_at=state.started_at,
        started_by=state.started_by, finished_at=state.finished_at, last_change=last_change, events=state.seq,
        subjobs=tuple((sj.id, sj.status, sj.owner) for sj in state.subjobs.values()),
        open_stages=tuple(open_rows))
    sop = None
    p = state.published
    if p:
        ack = p.get("acknowledgement")
        sop = SopRow(ref=str(p.get("ref")), version=p.get("version"), title=p.get("title", "") or "",
                     effective_date=p.get("effective_date"), next_review=p.get("next_review"),
                     job=state.job_id, template=p.get("template", "") or "",
                     published_at=state.finished_at or last_change,  # published as the job completed
                     acknowledgement=_policy_text(ack))
    follows: SopJobRow | None = None
    flags: tuple[FlagRow, ...] = ()
    if state.sop or state.review_due:  # a job that follows no SOP and asked for no review needs no SOP rows
        from sopframe.core.records import job_sop_rows

        follows, flags = job_sop_rows(state)
    return JobRows(summary, sop, open_signoffs(loaded, open_rows), follows, flags, stage_visits(loaded, due_text))


def _deadlines(loaded: Any) -> Callable[[str, str], "str | None"]:
    """The SLA deadline (UTC text, or None) of a visit of a stage node entered at a time, each worked out once:
    an open stage's row and its visit's row share it."""
    from sopframe.core.engine.sla import sla_deadline

    known: dict[tuple[str, str], str | None] = {}

    def due_text(node: str, entered_at: str) -> str | None:
        key = (node, entered_at)
        if key not in known:
            due = sla_deadline(loaded, node, entered_at, loaded.state)
            known[key] = to_text(due) if due is not None else None
        return known[key]

    return due_text


def stage_visits(loaded: Any, due_text: "Callable[[str, str], str | None] | None" = None) -> tuple[StageVisit, ...]:
    """A job's :class:`StageVisit` rows, from the visits its fold keeps (see :mod:`sopframe.core.engine.visits`)."""
    state, graph = loaded.state, loaded.graph
    due_text = due_text or _deadlines(loaded)
    rows = []
    for v in state.visits:
        st = graph.stage(v.node)
        sj = state.subjobs.get(v.subjob) if v.subjob else None
        rows.append(StageVisit(state.job_id, state.template_id, v.node, st.id, v.subjob, v.n,
                               st.owner or (sj.owner if sj else None), v.entered_at, v.first_action_at,
                               v.first_actor, v.closed_at, v.closed_by, v.outcome,
                               due_text(v.node, v.entered_at), v.breached_at))
    return tuple(rows)


def _policy_text(ack: Any) -> str | None:
    """A version's acknowledgement policy as the SOP list keeps it: canonical JSON, or None."""
    return canonical(ack).decode("utf-8") if ack else None


def sop_rows_of(published: Iterable["Event"], ref: str | None = None) -> list[SopRow]:
    """The SOP list's rows (of ``ref`` only, if given) made from ``sop.published`` events alone, in store order."""
    rows = [SopRow(ref=str(e.data.get("ref")), version=e.data.get("version"), title=e.data.get("title", "") or "",
                   effective_date=e.data.get("effective_date"), next_review=e.data.get("next_review"), job=e.job,
                   template=e.data.get("template", "") or "", published_at=e.at,
                   acknowledgement=_policy_text(e.data.get("acknowledgement")))
            for e in published if e.type == "sop.published" and (ref is None or e.data.get("ref") == ref)]
    return sorted(rows, key=lambda p: (p.ref, p.published_at, p.job))


def rows_from_events(events: Sequence["Event"], template_text: TemplateText) -> "JobRows | RecordRows":
    """The rows of a job, or of an SOP's record stream, from its stored events (rebuild, migrations, verify)."""
    from sopframe.core.engine.lists import expanded
    from sopframe.core.engine.pinned import pinned_template
    from sopframe.core.engine.state import fold
    from sopframe.core.sopref import is_record_stream

    if is_record_stream(events[0].job):
        from sopframe.core.records import record_rows

        return record_rows(events[0].job, events)

    state = fold(events)
    text = state.template_text or template_text(state.template_sha256) or ""
    template, graph = pinned_template(text, state.template_file, state.template_sha256, state.job_id)
    return job_rows(state, template, expanded(template, graph, state), events[-1].at)
