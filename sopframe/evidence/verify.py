"""Verifying a whole store against its ledger and signed checkpoints; signing new checkpoints.

What a verification proves, in order:

1. every job's events form an unbroken hash chain ending at the head the store records;
2. the ledger is an unbroken hash chain from its first entry;
3. the ledger and the jobs describe the same history (no job, event or batch
   missing, added or rewritten on either side);
4. each signed checkpoint's entry is still the ledger's entry at that
   position, so nothing it covered was changed, even by someone who
   recomputed every hash in the database;
5. what came after the last checkpoint is named: it is consistent, but not
   yet anchored outside the database;
6. that every attached document the store keeps a copy of is still there
   and still hashes to the SHA-256 its event recorded (documents attached
   before the store kept copies are counted as not held);
7. with ``replay``, that the engine would have allowed every recorded batch
   (:mod:`sopframe.core.replay`): the roles then in force, the pinned template.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

from sopframe.checkpoints import Checkpoint, append_checkpoint, check_against_ledger, make_checkpoint, read_checkpoints
from sopframe.core.engine.events import GENESIS, Event, decode_rows, rows_intact, verify_chain
from sopframe.core.ledger import LedgerEntry, check_coverage, verify_ledger
from sopframe.core.merkle import tree_hash
from sopframe.errors import IntegrityError, StoreError

if TYPE_CHECKING:  # pragma: no cover
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

    from sopframe.core.store import Store

__all__ = ["StoreReport", "verify_store", "checkpoint_store", "replay_jobs"]


@dataclass
class StoreReport:
    """The result of verifying a store: problems fail it; ``uncovered`` is what no checkpoint anchors yet."""

    problems: list[str] = field(default_factory=list)
    jobs: int = 0
    events: int = 0
    entries: int = 0
    checkpoints: int = 0
    covered_entries: int = 0
    uncovered: dict[str, tuple[int, int]] = field(default_factory=dict)  # job -> (first, last) not yet anchored
    pending: int = 0  # batches recorded but not chained into the ledger yet (their append found the head busy)
    replayed: int | None = None  # events replay reproduced (None: not asked)
    unchecked: dict[str, int] = field(default_factory=dict)  # job -> events replay could not check (no roles)
    documents: int = 0  # stored copies of attached documents re-hashed
    not_held: int = 0  # documents attached before the store kept copies
    role_tables: int = 0  # role tables the ledger names, checked against their digests
    proven_at_once: bool = False  # the backend proved chains, ledger and coverage in one pass (Store.prove)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "problems": self.problems, "jobs": self.jobs, "events": self.events,
                "ledger_entries": self.entries, "checkpoints": self.checkpoints,
                "covered_entries": self.covered_entries,
                "not_yet_covered": {j: {"first": a, "last": b} for j, (a, b) in sorted(self.uncovered.items())},
                "pending_batches": self.pending,
                "documents": {"checked": self.documents, "not_held": self.not_held},
                "role_tables": self.role_tables,
                "replay": None if self.replayed is None else {"replayed_events": self.replayed,
                                                              "unchecked": dict(sorted(self.unchecked.items()))}}

    def notes(self) -> list[str]:
        """What is true but not proven: events after the last checkpoint, events replay could not check."""
        out = [f"not yet covered by a checkpoint: {job} events {first}-{last}"
               for job, (first, last) in sorted(self.uncovered.items())]
        if self.pending:
            out.append(f"{self.pending} batch{'es' if self.pending != 1 else ''} recorded but not chained into the "
                       "ledger yet (committed while another append held its head): the next append or "
                       "`sopframe checkpoint` chains them")
        if self.not_held:
            out.append(f"{self.not_held} attached document{'s were' if self.not_held != 1 else ' was'} recorded "
                       "by path and hash only, before the store kept copies (schema version 9): not held")
        if self.unchecked:
            jobs = sorted(self.unchecked)
            shown = ", ".join(f"{j} ({self.unchecked[j]})" for j in jobs[:5]) + (" ..." if len(jobs) > 5 else "")
            out.append(f"replay cannot check authorisation before the first recorded role table: "
                       f"{sum(self.unchecked.values())} events of {len(jobs)} jobs were recorded without one "
                       f"(jobs before schema version 8, SOP records before the release that recorded their "
                       f"tables) and were not checked: {shown}")
        return out


def verify_store(store: "Store", *, checkpoints: list[Checkpoint] | None = None,
                 jobs: Iterable[str] | None = None, replay: bool = False, read_models: bool = True) -> StoreReport:
    """Check chains, ledger and checkpoints (``jobs`` limits the chain checks; the ledger is always whole).

    ``replay``: also replay every checked job whose chain holds (:mod:`sopframe.core.replay`);
    ``read_models``: also compare each job's read-model rows with its events (``store rebuild`` fixes drift).
    """
    report = StoreReport()
    wanted = set(jobs) if jobs is not None else None
    if wanted is None and not replay and not read_models and _proven(store, checkpoints or [], report):
        return report
    entries = _ledger(store, report)
    ledger_ok = not report.problems
    pending = store.ledger_pending()  # recorded with their events, chained after the entries
    report.pending = len(pending)
    recorded = [*entries, *pending]
    heads = _sound_heads(store.heads(), report)
    hashes = _check_jobs(store, sorted(wanted) if wanted is not None else None, recorded, heads, report,
                         replaying=_replayer(store, recorded, report) if replay and ledger_ok else None,
                         read_models=read_models)
    _check_documents(store, wanted, report)
    _check_role_tables(store, report, {e.n: e.job for e in recorded})
    if wanted is not None:
        entries_checked = [e for e in recorded if e.job in wanted]
        heads = {j: h for j, h in heads.items() if j in wanted}
    else:
        entries_checked = recorded
    if ledger_ok:  # coverage means something only once the ledger's own chain holds
        problem = check_coverage(entries_checked, heads, lambda j, s: hashes.get((j, s)))
        if problem is not None:
            report.problems.append(str(problem))
    if checkpoints:
        report.checkpoints = len(checkpoints)
        report.problems += check_against_ledger(checkpoints, store.store_id(), len(entries),
                                                lambda n: entries[n - 1].hash if 0 < n <= len(entries) else None)
        report.covered_entries = min(checkpoints[-1].size, len(entries))
    for e in [*entries[report.covered_entries:], *pending]:
        if wanted is None or e.job in wanted:
            first, _ = report.uncovered.get(e.job, (e.first, e.last))
            report.uncovered[e.job] = (first, e.last)
    return report


def _sound_heads(heads: dict[str, tuple[int, str]], report: StoreReport) -> dict[str, tuple[int, str]]:
    """The recorded heads that are an event number and a hash; each other one is a problem."""
    bad = [job for job, (seq, digest) in heads.items() if type(seq) is not int or type(digest) is not str]
    for job in sorted(bad):
        report.problems.append(f"job {job}: the store's record of its last event is damaged "
                               f"(not an event number and a hash)")
    return {job: head for job, head in heads.items() if job not in bad} if bad else heads


def _proven(store: "Store", checkpoints: list[Checkpoint], report: StoreReport) -> bool:
    """The whole store at once, if the backend can prove it (:meth:`Store.prove`); False: check piece by piece."""
    after = checkpoints[-1].size if checkpoints else 0
    proof = store.prove(after, [cp.size for cp in checkpoints])
    if proof is None:
        return False
    report.proven_at_once = True
    report.jobs, report.events, report.entries, report.pending = proof.jobs, proof.events, proof.entries, proof.pending
    _check_documents(store, None, report)
    _check_role_tables(store, report)
    if checkpoints:
        report.checkpoints = len(checkpoints)
        report.problems += check_against_ledger(checkpoints, store.store_id(), proof.entries, proof.roots.get)
        report.covered_entries = min(after, proof.entries)
    for job, first, last in proof.tail:
        report.uncovered[job] = (report.uncovered.get(job, (first, last))[0], last)
    return True


def _check_jobs(store: "Store", jobs: list[str] | None, entries: list[LedgerEntry],
                heads: dict[str, tuple[int, str]], report: StoreReport, *,
                replaying: Callable[[str, list[Event]], None] | None, read_models: bool) -> dict[tuple[str, int], str]:
    """Every job's chain, pinned template, read models and replay; returns the hashes the ledger entries name.

    Rows are read in batches with the canonical text each hash covers
    assembled by the store (:func:`rows_intact`): an intact chain is proven
    without decoding its events.  Only a chain that does not prove intact
    is decoded, and :func:`verify_chain` names what is wrong with it.
    """
    from sopframe.core.jobcheck import drift_of, template_problem
    from sopframe.core.readmodel import JobQuery, rows_from_events

    by_job: dict[str, list[LedgerEntry]] = {}
    for e in entries:
        by_job.setdefault(e.job, []).append(e)
    started = {e.job: e for e in store.events_of_type("job.started") if e.seq == 1}
    pinned_ok: set[tuple[str, str | None]] = set()  # (sha256, inline text) of templates that checked out
    summaries = {s.job: s for s in store.summaries(JobQuery())} if read_models else {}
    template = functools.cache(store.template)  # one read per pinned template, not one per job
    sops = {p.job: p for p in store.sop_rows()} if read_models else {}
    signoffs: dict[str, list[Any]] = {}
    for o in store.open_signoffs() if read_models else ():
        signoffs.setdefault(o.job, []).append(o)
    visits: dict[str, list[Any]] = {}
    for v in store.stage_visits() if read_models else ():
        visits.setdefault(v.job, []).append(v)
    hashes: dict[tuple[str, int], str] = {}
    for job, rows in store.iter_rows(jobs):
        report.jobs += 1
        report.events += len(rows)
        for e in by_job.get(job, ()):
            if 0 < e.last <= len(rows):
                hashes[(job, e.last)] = rows[e.last - 1][7]
        head = heads.get(job)
        events: list[Event] | None = None
        problem = None
        if not rows_intact(job, rows, head):
            try:
                events = decode_rows(rows)
            except ValueError as exc:
                report.problems.append(f"job {job}: {exc}")
                continue
            found = verify_chain(job, events, head)
            problem = str(found) if found else None
        first = started.get(job)
        if problem is None and first is not None:
            key = (str((first.data.get("template") or {}).get("sha256")), (first.data.get("template") or {}).get("text"))
            if key not in pinned_ok:
                problem = template_problem(store, job, [first])
                if problem is None:
                    pinned_ok.add(key)
        if problem is not None:
            report.problems.append(problem)
            continue
        if not rows or not (read_models or replaying):
            continue
        events = events or decode_rows(rows)
        if read_models:
            try:
                drift = drift_of(rows_from_events(events, template), summaries.get(job), sops.get(job),
                                 signoffs.get(job, ()), visits.get(job, ()))
            except Exception as exc:  # the rows cannot be derived: that is drift too, named
                drift = f"read-model rows cannot be derived: {exc}"
            if drift:
                report.problems.append(f"job {job}: read models: {drift}")
        if replaying is not None:
            replaying(job, events)
    return hashes


def _check_documents(store: "Store", wanted: set[str] | None, report: StoreReport) -> None:
    """Each kept document is in the store and hashes to the SHA-256 its event recorded."""
    import hashlib

    documents: dict[str, Event] = {}  # sha256 -> the first event that says the store keeps its copy
    for ev in store.events_of_type("document.attached"):
        if wanted is not None and ev.job not in wanted:
            continue
        if not isinstance(ev.data, dict):  # rewritten in the database: the job's chain check names it too
            report.problems.append(f"job {ev.job}: event {ev.seq} (document.attached): its data is not the "
                                   f"object the writer stored")
            continue
        if ev.data.get("kept") is True:
            documents.setdefault(str(ev.data.get("sha256")), ev)
        else:
            report.not_held += 1
    for sha, ev in sorted(documents.items()):
        where = f"job {ev.job}: event {ev.seq} (document.attached, field {ev.data.get('field')})"
        data = store.attachment(sha)
        if data is None:
            report.problems.append(f"{where}: the store's copy of the document (sha256 {sha[:12]}...) is missing")
        elif hashlib.sha256(data).hexdigest() != sha:
            report.problems.append(f"{where}: the store's copy of the document no longer hashes to "
                                   f"{sha[:12]}... (altered)")
        else:
            report.documents += 1


def _check_role_tables(store: "Store", report: StoreReport, jobs: dict[int, str] | None = None) -> None:
    """Each role table a ledger entry names is in the store and is the text its digest names.

    The ledger and the checkpoints cover the digest, not the text: without
    this, whoever can write the table could change who held a role and only
    replay would notice.
    """
    from sopframe.core.rolerecord import RoleRecord

    for digest, n in sorted(store.role_digests().items(), key=lambda item: item[1]):
        if type(digest) is not str:  # a damaged column: the ledger's own chain check names that entry
            continue
        job = (jobs or {}).get(n)
        where = f"ledger entry {n}" + (f", job {job}" if job else "")
        body = store.role_table(digest)
        if body is None:
            report.problems.append(f"{where}: the role table it ran under ({digest[:12]}...) is missing from the "
                                   "store (deleted)")
            continue
        try:
            RoleRecord.parse(digest, body)
        except ValueError as exc:
            report.problems.append(f"{where}: {exc}")
        else:
            report.role_tables += 1


def _replayer(store: "Store", entries: list[LedgerEntry], report: StoreReport) -> Callable[[str, list[Event]], None]:
    """Replays one job at a time into ``report`` (its events are read once, by the chain check)."""
    from sopframe.core.replay import Replayer

    report.replayed = 0
    replayer = Replayer(store, entries)

    def run(job: str, events: list[Event]) -> None:
        result = replayer.job(job, events)
        report.replayed = (report.replayed or 0) + result.checked
        if result.unchecked:
            report.unchecked[job] = result.unchecked
        if result.problem is not None:
            report.problems.append(str(result.problem))

    return run


def replay_jobs(store: "Store", jobs: Iterable[str]) -> dict[str, tuple[str | None, int]]:
    """Replay these jobs (``job verify --replay``): job -> (the problem or None, events not checked).

    Replay orders batches by the ledger, so the ledger's own chain must hold
    first; when it does not, that is every job's problem.
    """
    from sopframe.core.replay import Replayer

    report = StoreReport()
    entries = _ledger(store, report)
    if report.problems:
        return {job: (f"replay needs an intact ledger: {report.problems[0]}", 0) for job in jobs}
    replayer = Replayer(store, entries)
    out = {}
    for job in jobs:
        result = replayer.job(job, store.read(job))
        out[job] = (str(result.problem) if result.problem else None, result.unchecked)
    return out


def _ledger(store: "Store", report: StoreReport) -> list[LedgerEntry]:
    entries: list[LedgerEntry] = []
    for entry, problem in verify_ledger(store.ledger()):
        if problem is not None:
            report.problems.append(str(problem))
            break
        entries.append(entry)
    report.entries = len(entries)
    return entries


def checkpoint_store(store: "Store", private_key: "Ed25519PrivateKey", path: Path, *, time: str,
                     public_key: "Ed25519PublicKey | None" = None, earlier_keys: "Sequence[Ed25519PublicKey]" = (),
                     progress: Callable[[str], None] | None = None) -> Checkpoint:
    """Verify the store, then sign its ledger head and append the checkpoint to ``path``.

    A store that fails verification is never signed: a checkpoint vouches
    for everything before it.  The file's earlier checkpoints are checked
    with the signing key's public half and ``earlier_keys`` (the keys used
    before a rotation).
    """
    pub = public_key or private_key.public_key()
    try:  # batches that committed while another append held the ledger's head are chained, so this covers them
        store.seal_ledger()
    except StoreError:  # a role that may only read: they stay "not yet covered", as verify says
        pass
    previous = read_checkpoints(path, [pub, *earlier_keys], option="--earlier-key") if path.exists() else []
    # the record, not the derived read models: drift there (repaired by `store rebuild`) must not keep the
    # record from being anchored, and the whole-store proof then runs where the backend has one
    report = verify_store(store, checkpoints=previous, read_models=False)
    if not report.ok:
        raise IntegrityError(f"the store fails verification, so it is not signed: {report.problems[0]}",
                             hint="`sopframe verify` lists every problem")
    entries = list(store.ledger())
    size = len(entries)
    root = entries[-1].hash if entries else GENESIS
    cp = make_checkpoint(private_key, origin=store.store_id(), size=size, root=root,
                         tree=tree_hash([bytes.fromhex(e.hash) for e in entries]),
                         previous=previous[-1] if previous else None, time=time)
    append_checkpoint(path, cp)
    if progress:
        progress(f"checkpoint {len(previous) + 1}: {size} ledger entries, head {root[:16]}...")
    return cp

