"""Checking stored jobs: hash chains, pinned template texts, and read models against the events.

``verify_jobs`` reads the events of every job (or of the jobs given) in
batches, one query per batch, and checks for each job:

* the hash chain and the head the store records (:func:`verify_chain`);
* that the template text its start event pins by SHA-256 is kept by the
  store and still hashes to it (a swapped text is caught here);
* that its read-model rows equal what :func:`~sopframe.core.readmodel.job_rows`
  derives from the events (``drift``: run ``sopframe store rebuild``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Sequence

from sopframe.core.engine.events import Event, verify_chain
from sopframe.core.readmodel import JobQuery, JobRows, JobSummary, OpenSignoff, SopRow, StageVisit, rows_from_events
from sopframe.core.records import AckRow, FlagRow, RecordRows, SopJobRow
from sopframe.core.sopref import record_stream as sop_record_stream

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.store import Store

__all__ = ["JobCheck", "template_problem", "verify_job", "verify_jobs", "drift_of", "expect_problem"]


@dataclass(frozen=True)
class JobCheck:
    job: str
    events: int
    head: str | None
    problem: str | None  # the record itself: chain or template
    drift: str | None  # the read models differ from the events

    @property
    def ok(self) -> bool:
        return self.problem is None and self.drift is None

    def to_dict(self) -> dict[str, object]:
        return {"job": self.job, "ok": self.ok, "problem": self.problem, "drift": self.drift,
                "events": self.events, "head": self.head}


def template_problem(store: "Store", job: str, events: Sequence[Event]) -> str | None:
    """What is wrong with the template text a job's start event pins, or None."""
    if not events or events[0].type != "job.started":
        return None
    t = events[0].data.get("template") or {}
    sha = str(t.get("sha256", ""))
    text = t.get("text")
    where = "in its start event"
    if text is None:
        text, where = store.template(sha), "in the store's templates"
        if text is None:
            return f"job {job}: the template it is pinned to (sha256 {sha[:12]}...) is missing from the store"
    if hashlib.sha256(str(text).encode("utf-8")).hexdigest() != sha:
        return f"job {job}: the template text {where} does not match the sha256 {sha[:12]}... the job is " \
               f"pinned to (the text was swapped or edited)"
    return None


def verify_job(store: "Store", job: str) -> str | None:
    """None if the job's chain and pinned template are intact, else what is wrong (the first bad event)."""
    from sopframe.core.safetext import escape
    from sopframe.errors import JobError, did_you_mean

    events = store.read(job)
    head = store.head(job)
    if not events and head is None:
        raise JobError(f"unknown job '{escape(job)}'{did_you_mean(job, store.job_ids())}",
                       hint="`sopframe job list` shows the jobs", kind="not_found")
    problem = verify_chain(job, events, head)
    return str(problem) if problem else template_problem(store, job, events)


def expect_problem(job: str, events: Sequence[Event], seq: int, digest: str) -> str | None:
    """Is the head recorded earlier as (``seq``, ``digest``) still a prefix of the job's chain?

    ``digest`` may be the full hash or a prefix of at least 12 hex digits.
    Since every event's hash covers the one before it, a match proves
    events 1..seq unchanged (given the chain itself verifies).
    """
    if seq < 1 or seq > len(events):
        return f"job {job}: a head was recorded at event {seq}, but the job has {len(events)} events " \
               f"(events were deleted)"
    actual = events[seq - 1].hash
    if not actual.startswith(digest.lower()):
        return f"job {job}: event {seq} was recorded with hash {digest[:16]}..., but its hash is now " \
               f"{actual[:16]}... (the history up to it was rewritten)"
    return None


def drift_of(expected: "JobRows | RecordRows | None", summary: JobSummary | None, sop: SopRow | None,
             signoffs: Sequence[OpenSignoff] = (), visits: Sequence[StageVisit] = (),
             stored: "StoredSopRows | None" = None) -> str | None:
    """How stored read-model rows differ from the rows derived from the events, or None.

    ``stored`` holds the SOP-lifecycle rows the store keeps (acknowledgements, flags, followers); without it
    they are not compared.
    """
    if expected is None:
        return None
    if isinstance(expected, RecordRows):
        if stored is None:
            return None
        stream = sop_record_stream(expected.ref)
        if tuple(stored.acks.get(stream, ())) != expected.acks:
            return "acknowledgement rows differ from the events (run `sopframe store rebuild`)"
        if tuple(stored.flags.get(stream, ())) != expected.flags:
            return "review flag rows differ from the events (run `sopframe store rebuild`)"
        return None
    if summary is None:
        return "no job summary row (run `sopframe store rebuild`)"
    if summary != expected.summary:
        fields = [f for f in expected.summary.__dataclass_fields__
                  if getattr(summary, f) != getattr(expected.summary, f)]
        return f"job summary differs from the events in {', '.join(fields)} (run `sopframe store rebuild`)"
    if sop != expected.sop:
        return "SOP list row differs from the events (run `sopframe store rebuild`)"
    if tuple(signoffs) != expected.signoffs:
        return "open sign-off rows differ from the events (run `sopframe store rebuild`)"
    if sorted(visits, key=_visit_key) != sorted(expected.visits, key=_visit_key):
        return "stage visit rows differ from the events (run `sopframe store rebuild`)"
    if stored is not None and (stored.follows.get(summary.job) != expected.follows
                               or tuple(stored.flags.get(summary.job, ())) != expected.flags):
        return "SOP rows (the SOP it follows, reviews it asked for) differ from the events (run `sopframe store " \
               "rebuild`)"
    return None


def _visit_key(v: StageVisit) -> tuple[str, int]:
    return v.node, v.visit


@dataclass(frozen=True)
class StoredSopRows:
    """The SOP-lifecycle rows a store keeps, by the stream or job they come from."""

    acks: dict[str, list[AckRow]]
    flags: dict[str, list[FlagRow]]
    follows: dict[str, SopJobRow]

    @classmethod
    def of(cls, store: "Store") -> "StoredSopRows":
        acks: dict[str, list[AckRow]] = {}
        flags: dict[str, list[FlagRow]] = {}
        for a in store.ack_rows():
            acks.setdefault(a.stream, []).append(a)
        for f in store.flag_rows():
            flags.setdefault(f.source, []).append(f)
        for stream_acks in acks.values():
            stream_acks.sort(key=lambda r: r.seq)
        for source_flags in flags.values():
            source_flags.sort(key=lambda r: (r.seq, r.ref))
        return cls(acks, flags, {f.job: f for f in store.sop_job_rows()})


def verify_jobs(store: "Store", jobs: Iterable[str] | None = None,
                seen: "Callable[[str, list[Event]], None] | None" = None) -> Iterator[JobCheck]:
    """Check every job (or the ones given), reading events in batches and the read models in one pass.

    ``seen(job, events)`` is called with each job's events as they are read
    (the store-wide verification checks the ledger against them).
    """
    wanted = None if jobs is None else list(jobs)
    if wanted is None:
        summaries = {s.job: s for s in store.summaries(JobQuery())}
        source: Iterable[tuple[str, list[Event]]] = store.iter_jobs()
    else:
        summaries = {j: s for j in wanted if (s := store.summary(j)) is not None}
        source = ((j, store.read(j)) for j in wanted)
    sops = {p.job: p for p in store.sop_rows()}
    signoffs: dict[str, list[OpenSignoff]] = {}
    for o in store.open_signoffs():
        signoffs.setdefault(o.job, []).append(o)
    stored = StoredSopRows.of(store)
    visits: dict[str, list[StageVisit]] = {}
    for v in (store.stage_visits() if wanted is None else [v for j in wanted for v in store.stage_visits(job=j)]):
        visits.setdefault(v.job, []).append(v)
    for job, events in source:
        if seen is not None:
            seen(job, events)
        head = store.head(job)
        found = verify_chain(job, events, head)
        problem = str(found) if found else template_problem(store, job, events)
        drift = None
        if problem is None and events:
            try:
                expected: JobRows | RecordRows | None = rows_from_events(events, store.template)
            except Exception as exc:  # the rows cannot be derived: that is drift too, named
                drift = f"read-model rows cannot be derived: {exc}"
                expected = None
            drift = drift or drift_of(expected, summaries.get(job), sops.get(job), signoffs.get(job, ()),
                                      visits.get(job, ()), stored)
        yield JobCheck(job, head[0] if head else 0, head[1] if head else None, problem, drift)
