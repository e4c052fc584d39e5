"""Replay: a job's recorded history fed back through the engine's own commands.

Hashes prove a record unchanged; they cannot prove that what it records was
allowed.  Someone who rewrites a job and recomputes every hash (or who holds
the signing key) can make a perfect chain in which one person gave both
sign-offs.  Replay catches that: every committed batch of the job (its
ledger entry gives the boundaries) is turned back into the command that
wrote it -- ``start``, ``set``, ``attach``, ``sign``, ``complete``,
``reject``, ``cancel`` (of a job, or of one item's sub-job) or ``tick`` --
and run by a real :class:`~sopframe.core.engine.Engine`, with

* the pinned template (by its SHA-256),
* the role table the batch's ledger entry names (:mod:`sopframe.core.rolerecord`),
* the clock at the batch's recorded time,
* the SOP versions other jobs had published before it (ledger order),

on a private store holding the job's history up to that batch.  The engine
must accept the command and produce exactly the recorded events (same hash);
the first batch it refuses, or records differently, is named: job, event,
type and the engine's own reason.  No rule is written twice: what replay
checks is what the commands check.

Size limits (``limits``) are operational settings, not part of who may do
what: replay does not re-apply them.  Batches written before the store
recorded role tables (schema version 8) cannot be checked for
authorisation; they are folded in unchecked and reported as such.  SOP
record streams are replayed through their own commands
(:mod:`sopframe.core.replayrecords`).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Protocol, Sequence

from sopframe.core.engine.clock import FixedClock
from sopframe.core.engine.documents import Attachment
from sopframe.core.engine.engine import Engine
from sopframe.core.engine.events import Event
from sopframe.core.identity import RoleTable
from sopframe.core.ledger import LedgerEntry
from sopframe.core.limits import Limits
from sopframe.core.replayrecords import NotARecordCommand, record_command
from sopframe.core.rolerecord import RoleRecord
from sopframe.core.sopref import is_record_stream
from sopframe.core.store import Derived, RowsOf, Store, check_batch
from sopframe.errors import SopframeError

__all__ = ["ReplayProblem", "ReplayResult", "ReplaySource", "replay_job", "Replayer", "UNLIMITED"]

#: replay re-checks rules, not operational size limits
UNLIMITED = Limits(text=sys.maxsize, reason=sys.maxsize, title=sys.maxsize, name=sys.maxsize,
                   attachment=sys.maxsize)


@dataclass(frozen=True)
class ReplayProblem:
    """The first event of a job the engine would not have recorded, and why."""

    job: str
    seq: int
    type: str
    reason: str

    def __str__(self) -> str:
        return f"job {self.job}: event {self.seq} ({self.type}): replay: {self.reason}"


@dataclass(frozen=True)
class ReplayResult:
    job: str
    checked: int  # events the engine reproduced
    unchecked: int  # events before the first recorded role table: folded in, authorisation not checked
    problem: ReplayProblem | None

    @property
    def ok(self) -> bool:
        return self.problem is None


class _Refused(Exception):
    """A batch that cannot be turned into a command (the reason is the message)."""


class _History(Store):
    """The store replay runs the engine on: one job's history so far, and what other jobs published before."""

    def __init__(self, job: str, template: Callable[[str], str | None],
                 published: Callable[[], list[Event]]) -> None:
        self.url = f"replay:{job}"
        self.job = job
        self.events: list[Event] = []
        self.produced: list[Event] = []
        self._template = template
        self._published = published

    def append(self, job: str, expected_seq: int, events: Sequence[Event], derived: Derived | None = None) -> None:
        check_batch(job, expected_seq, events)
        self.produced = list(events)
        self.events += events

    def read(self, job: str, after: int = 0) -> list[Event]:
        return self.events[after:] if job == self.job else []

    def head(self, job: str) -> tuple[int, str] | None:
        return (self.events[-1].seq, self.events[-1].hash) if job == self.job and self.events else None

    def job_ids(self, prefix: str = "") -> list[str]:
        return [self.job] if self.events and self.job.startswith(prefix) else []

    def events_of_type(self, type: str) -> list[Event]:
        own = [e for e in self.events if e.type == type]
        others = self._published() if type == "sop.published" else []
        return sorted([*others, *own], key=lambda e: (e.at, e.job, e.seq))

    def template(self, sha256: str) -> str | None:
        return self._template(sha256)

    def last_number(self, key: str) -> int | None:
        return None

    def summaries(self, query: Any) -> list[Any]:
        return []

    def summary(self, job: str) -> Any:
        return None

    def open_stages_due(self, before: str, limit: int | None = None) -> list[Any]:
        return []

    def open_signoffs(self, roles: Sequence[str] | None = None) -> list[Any]:
        return []

    def stage_visits(self, *args: Any, **kwargs: Any) -> list[Any]:
        return []

    def sop_rows(self, ref: str | None = None) -> list[Any]:
        """The SOP versions published before this batch (other jobs, in ledger order) and by this job so far."""
        from sopframe.core.readmodel import sop_rows_of

        return sop_rows_of([*self._published(), *self.events], ref)

    def ack_rows(self, ref: str | None = None) -> list[Any]:
        """The acknowledgements of this SOP record stream so far (none, for a job)."""
        from sopframe.core.records import record_rows

        acks = record_rows(self.job, self.events).acks if is_record_stream(self.job) else ()
        return [a for a in acks if ref is None or a.ref == ref]

    def rebuild(self, rows_of: RowsOf) -> tuple[int, list[str]]:
        return 0, []


def replay_job(job: str, events: Sequence[Event], entries: Iterable[LedgerEntry], *,
               template: Callable[[str], str | None], role_table: Callable[[str], str | None],
               published_before: Callable[[int], list[Event]], roles_since: int | None) -> ReplayResult:
    """Replay one job (or SOP record stream) whose chain and ledger entries were verified.

    ``entries`` are the job's ledger entries in order; ``role_table(digest)``
    returns a stored role table's text; ``published_before(n)`` the
    ``sop.published`` events of *other* jobs recorded before ledger entry
    ``n``; ``roles_since`` the first ledger entry of the store's jobs (for a
    record stream: of its record streams) that names a role table (every
    later one must name one), or None.
    """
    current = [0]
    history = _History(job, template, lambda: published_before(current[0]))
    engine = Engine(history, limits=UNLIMITED)
    stream = is_record_stream(job)
    checked = unchecked = 0
    tables: dict[str, tuple[RoleRecord, RoleTable]] = {}  # digest -> the record and its table, read once
    for entry in entries:
        batch = list(events[entry.first - 1:entry.last])
        if not batch or len(batch) != entry.last - entry.first + 1 or batch[-1].hash != entry.head:
            # the ledger check names this; nothing further can be replayed on a history that does not match it
            return ReplayResult(job, checked, len(events) - checked, None)
        if entry.roles is None:
            if roles_since is not None and entry.n > roles_since:
                return ReplayResult(job, checked, unchecked, ReplayProblem(
                    job, batch[0].seq, batch[0].type, f"ledger entry {entry.n} names no role table, though every "
                    f"{'record-stream ' if stream else ''}entry since {roles_since} does (the ledger was "
                    f"rewritten)"))
            history.events += batch  # before roles were recorded: folded in, not checked
            unchecked += len(batch)
            if history.events[0].type == "job.started":
                engine.load(job)
            continue
        try:
            if entry.roles not in tables:
                text = role_table(entry.roles)
                if text is None:
                    raise _Refused(f"the role table it ran under ({entry.roles[:12]}...) is missing from the store")
                parsed = RoleRecord.parse(entry.roles, text)
                tables[entry.roles] = (parsed, parsed.table())
            record, table = tables[entry.roles]
            current[0] = entry.n
            history.produced = []
            if stream:
                record_command(history, job, batch, record, UNLIMITED)
            else:
                if engine.roles is not table:
                    engine.roles = table
                engine.clock = FixedClock(batch[0].at)
                _command(engine, job, batch, template)
        except (_Refused, NotARecordCommand, ValueError) as exc:
            first = _primary(batch)
            return ReplayResult(job, checked, unchecked, ReplayProblem(job, first.seq, first.type, str(exc)))
        except SopframeError as exc:
            first = _primary(batch)
            return ReplayResult(job, checked, unchecked, ReplayProblem(
                job, first.seq, first.type, f"the engine would have refused it: {exc.message}"))
        except (KeyError, TypeError, AttributeError) as exc:
            first = _primary(batch)
            return ReplayResult(job, checked, unchecked, ReplayProblem(
                job, first.seq, first.type, f"it cannot be replayed (malformed event data: {exc!r})"))
        problem = _difference(job, batch, history.produced)
        if problem is not None:
            return ReplayResult(job, checked, unchecked, problem)
        checked += len(batch)
    return ReplayResult(job, checked, unchecked, None)


def _primary(batch: Sequence[Event]) -> Event:
    """The event that names the command: the first one that is not a breach recorded on the way."""
    return next((e for e in batch if e.type != "sla.breached"), batch[0])


def _stage_ref(engine: Engine, job: str, node: str) -> str:
    """The job or sub-job a command on stage ``node`` was given (events name stages by node)."""
    sj = engine.load(job, fresh=False).state.subjob_of(node) if engine.store.head(job) else None
    return sj.id if sj is not None else job


def _command(engine: Engine, job: str, batch: Sequence[Event], template: Callable[[str], str | None]) -> None:
    """Run the command that wrote ``batch``; the engine appends what it decides to the replay store."""
    ev = _primary(batch)
    d, actor = ev.data, ev.actor
    if ev.type == "sla.breached":  # a batch of breaches only: `sopframe tick`
        engine.tick(actor=actor)
        return
    if ev.type == "job.started":
        pinned = d.get("template") or {}
        text = template(str(pinned.get("sha256")))
        if text is None:
            raise _Refused("its pinned template is missing from the store")
        sop = d.get("sop") or {}
        engine.start(text, str(pinned.get("file") or "template.yaml"), actor=actor, title=d.get("title"),
                     job_id=job, reason=sop.get("reason"))  # a start off the current SOP version: as recorded
        return
    stage = str(d.get("stage", ""))
    ref = _stage_ref(engine, job, stage) if stage else job
    if ev.type == "field.set":
        values, add = _set_command(engine, ref, stage, batch[batch.index(ev):])
        engine.set_fields(ref, values, actor=actor, stage=stage, add=add)
    elif ev.type == "document.attached":
        record = {k: v for k, v in d.items() if k not in ("stage", "field")}
        engine.attach_document(ref, str(d["field"]), lambda: Attachment(record), actor=actor, stage=stage)
    elif ev.type == "signoff.given":
        engine.sign(ref, str(d["signoff"]), actor=actor, stage=stage)
    elif ev.type == "stage.completed":
        engine.complete(ref, actor=actor, stage=stage)
    elif ev.type == "stage.rejected":
        engine.reject(ref, str(d.get("reason", "")), actor=actor, stage=stage)
    elif ev.type == "job.cancelled":
        engine.cancel(job, str(d.get("reason", "")), actor=actor)
    elif ev.type == "subjob.cancelled":  # one per-item sub-job cancelled alone
        engine.cancel(str(d["subjob"]), str(d.get("reason", "")), actor=actor)
    else:
        raise _Refused(f"no command records a {ev.type!r} event first: it was not written by sopframe")


def _set_command(engine: Engine, ref: str, stage: str, batch: Sequence[Event]
                 ) -> tuple[dict[str, Any], dict[str, list[Any]]]:
    """The values and list items of the ``set`` that recorded the leading ``field.set`` events of ``batch``.

    A list field's value is its whole list of items, given as it was stored; a list field set twice in one
    batch (``FIELD=[...]`` and ``--add FIELD ...``) had the second one's new items appended.
    """
    fields = engine.load(ref, fresh=False).graph.stage(stage).fields
    values: dict[str, Any] = {}
    add: dict[str, list[Any]] = {}
    for e in batch:
        if e.type != "field.set" or e.data.get("stage") != stage:
            break
        fid, value = str(e.data["field"]), e.data["value"]
        f = fields.get(fid)
        if f is None or f.type != "list":
            values[fid] = _as_input(value)
        elif fid not in values:
            values[fid] = value
        else:  # appended to the list this batch set first: items past what it held then
            before = [*values[fid], *add.get(fid, [])]
            if not isinstance(value, list) or value[:len(before)] != before:
                raise _Refused(f"field {fid!r} is set twice in one batch, the second time not by adding items")
            add[fid] = [*add.get(fid, []), *value[len(before):]]
    return values, add


def _as_input(value: Any) -> Any:
    """A stored value as a command takes it: a multichoice (stored as a list) is typed comma-separated."""
    return ", ".join(map(str, value)) if isinstance(value, list) else value


def _difference(job: str, recorded: Sequence[Event], produced: Sequence[Event]) -> ReplayProblem | None:
    """The first recorded event of the batch the engine did not produce identically, or None."""
    for i, rec in enumerate(recorded):
        if i >= len(produced):
            return ReplayProblem(job, rec.seq, rec.type, "the engine would not have recorded this event")
        got = produced[i]
        if got.hash != rec.hash:
            if got.type != rec.type:
                why = f"the engine would have recorded {got.type!r} here instead"
            else:
                keys = sorted(k for k in {*rec.data, *got.data} if rec.data.get(k) != got.data.get(k))
                why = f"the engine would have recorded it differently ({', '.join(keys) or 'actor or time'})"
            return ReplayProblem(job, rec.seq, rec.type, why)
    if len(produced) > len(recorded):
        last = recorded[-1]
        return ReplayProblem(job, last.seq, last.type, f"the engine would also have recorded "
                                                       f"{produced[len(recorded)].type!r} after it (missing)")
    return None


def first_roles_entry(entries: Iterable[LedgerEntry]) -> int | None:
    """The first ledger entry that names a role table, or None."""
    return next((e.n for e in entries if e.roles is not None), None)


def published_index(entries: Sequence[LedgerEntry], published: Iterable[Event]) -> Callable[[str, int], list[Event]]:
    """``published_before(job)(n)``: other jobs' ``sop.published`` events recorded before ledger entry ``n``."""
    by_job: dict[str, list[LedgerEntry]] = {}
    for e in entries:
        by_job.setdefault(e.job, []).append(e)
    placed: list[tuple[int, Event]] = []
    for ev in published:
        n = next((e.n for e in by_job.get(ev.job, ()) if e.first <= ev.seq <= e.last), None)
        if n is not None:
            placed.append((n, ev))

    def before(job: str, n: int) -> list[Event]:
        return [ev for m, ev in placed if m < n and ev.job != job]

    return before


class ReplaySource(Protocol):
    """Where replay reads the record besides the jobs' events: a store, or an evidence pack."""

    def template(self, sha256: str) -> str | None: ...

    def role_table(self, digest: str) -> str | None: ...

    def events_of_type(self, type: str) -> list[Event]: ...


class Replayer:
    """Replays the jobs of ``store`` (or a pack), whose verified ledger is ``entries``, one at a time."""

    def __init__(self, store: ReplaySource, entries: Sequence[LedgerEntry]) -> None:
        self.store = store
        self.roles_since = first_roles_entry(e for e in entries if not is_record_stream(e.job))
        #: record streams recorded their tables later than jobs: entries of an older store's streams name none
        self.records_since = first_roles_entry(e for e in entries if is_record_stream(e.job))
        self.before = published_index(entries, store.events_of_type("sop.published"))
        self.by_job: dict[str, list[LedgerEntry]] = {}
        for e in entries:
            self.by_job.setdefault(e.job, []).append(e)

    def job(self, job: str, events: Sequence[Event]) -> ReplayResult:
        """Replay one job (``events``: its verified history)."""
        return replay_job(job, events, self.by_job.get(job, []), template=self.store.template,
                          role_table=self.store.role_table, published_before=lambda n: self.before(job, n),
                          roles_since=self.records_since if is_record_stream(job) else self.roles_since)
