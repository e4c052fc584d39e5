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
   yet anchored outside the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

from sopframe.checkpoints import Checkpoint, append_checkpoint, check_against_ledger, make_checkpoint, read_checkpoints
from sopframe.core.engine.events import GENESIS, Event
from sopframe.core.jobcheck import verify_jobs
from sopframe.core.ledger import LedgerEntry, check_coverage, verify_ledger
from sopframe.core.merkle import tree_hash
from sopframe.errors import IntegrityError

if TYPE_CHECKING:  # pragma: no cover
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

    from sopframe.core.store import Store

__all__ = ["StoreReport", "verify_store", "checkpoint_store"]


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

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "problems": self.problems, "jobs": self.jobs, "events": self.events,
                "ledger_entries": self.entries, "checkpoints": self.checkpoints,
                "covered_entries": self.covered_entries,
                "not_yet_covered": {j: {"first": a, "last": b} for j, (a, b) in sorted(self.uncovered.items())}}


def verify_store(store: "Store", *, checkpoints: list[Checkpoint] | None = None,
                 jobs: Iterable[str] | None = None) -> StoreReport:
    """Check chains, ledger and checkpoints (``jobs`` limits the chain checks; the ledger is always whole)."""
    report = StoreReport()
    entries = _ledger(store, report)
    ledger_ok = not report.problems
    wanted = set(jobs) if jobs is not None else None
    heads: dict[str, tuple[int, str]] = {}
    hashes: dict[tuple[str, int], str] = {}
    needed = {(e.job, e.last) for e in entries}

    def seen(job: str, events: list[Event]) -> None:
        report.events += len(events)
        for ev in events:
            if (job, ev.seq) in needed:
                hashes[(job, ev.seq)] = ev.hash

    for check in verify_jobs(store, sorted(wanted) if wanted is not None else None, seen=seen):
        report.jobs += 1
        for what in (check.problem, check.drift and f"job {check.job}: read models: {check.drift}"):
            if what:
                report.problems.append(what)
    for job in store.job_ids():
        head = store.head(job)
        if head is not None:
            heads[job] = head
    if wanted is not None:
        entries_checked = [e for e in entries if e.job in wanted]
        heads = {j: h for j, h in heads.items() if j in wanted}
    else:
        entries_checked = entries
    if ledger_ok:  # coverage means something only once the ledger's own chain holds
        problem = check_coverage(entries_checked, heads, lambda j, s: hashes.get((j, s)))
        if problem is not None:
            report.problems.append(str(problem))
    if checkpoints:
        report.checkpoints = len(checkpoints)
        report.problems += check_against_ledger(checkpoints, store.store_id(), len(entries),
                                                lambda n: entries[n - 1].hash if 0 < n <= len(entries) else None)
        report.covered_entries = min(checkpoints[-1].size, len(entries))
    for e in entries[report.covered_entries:]:
        if wanted is None or e.job in wanted:
            first, _ = report.uncovered.get(e.job, (e.first, e.last))
            report.uncovered[e.job] = (first, e.last)
    return report


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
                     public_key: "Ed25519PublicKey | None" = None,
                     progress: Callable[[str], None] | None = None) -> Checkpoint:
    """Verify the store, then sign its ledger head and append the checkpoint to ``path``.

    A store that fails verification is never signed: a checkpoint vouches
    for everything before it.
    """
    pub = public_key or private_key.public_key()
    previous = read_checkpoints(path, pub) if path.exists() else []
    report = verify_store(store, checkpoints=previous)
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

