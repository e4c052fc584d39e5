"""The store-wide ledger: one append-only hash chain over every committed batch.

Each job keeps its own hash chain of events (:mod:`sopframe.core.engine.events`).
That chain proves a job's events are unchanged *relative to its last event*,
but someone with write access to the database can delete the last events,
recompute a whole chain after an edit, or delete a job outright.  The ledger
closes that gap the way transparency logs do: every batch a store commits,
of every job, appends one entry in the same transaction, and each entry's
hash covers the previous entry's hash.  Deleting, inserting or rewriting
anything changes the ledger's head, and a signed checkpoint of the head
kept outside the database (:mod:`sopframe.checkpoints`) turns "changed"
into "caught".

An entry names the batch (job, first and last sequence number) and the hash
of the batch's last event, which itself covers every earlier event of the
job through the job's chain.  Entries are numbered from 1 with no gaps.
Since schema version 8 an entry also names the digest of the role table
its command ran under (:mod:`sopframe.core.rolerecord`); entries written
before that have none, and their hash is computed as it always was.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Iterable, Iterator, Mapping, NamedTuple, Protocol

from sopframe.core.engine.events import GENESIS, canonical, quote

__all__ = ["LedgerEntry", "LedgerProblem", "StoreProof", "next_entry", "entry_hash", "verify_ledger",
           "check_coverage"]


class EventHashLookup(Protocol):
    """Returns the stored hash of event ``seq`` of ``job``, or None if there is no such event."""

    def __call__(self, job: str, seq: int) -> str | None: ...


class LedgerEntry(NamedTuple):
    """One committed batch of one job, chained to the entry before it."""

    n: int  # 1-based position in the store's ledger
    job: str
    first: int  # sequence number of the batch's first event
    last: int  # ... and of its last event
    head: str  # hash of event ``last`` of ``job``
    prev: str  # hash of entry n - 1 (GENESIS for the first)
    hash: str
    roles: str | None = None  # digest of the role table the batch's command ran under (None: not recorded)

    def compute_hash(self) -> str:
        return entry_hash(self.n, self.job, self.first, self.last, self.head, self.prev, self.roles)

    def to_dict(self) -> dict[str, object]:
        return self._asdict()


class StoreProof(NamedTuple):
    """A whole store proven at once by a backend (:meth:`sopframe.core.store.Store.prove`).

    Proven means everything :func:`verify_ledger` and :func:`check_coverage`
    check, and every job's chain ending at its head, held in one snapshot
    of the store, and every job's pinned template is intact.
    """

    jobs: int
    events: int
    entries: int  # chained ledger entries
    pending: int  # batches recorded but not chained yet
    roots: dict[int, str]  # entry n -> its hash, for the positions asked for
    tail: list[tuple[str, int, int]]  # (job, first, last) of each entry after the position asked for, then pending


def entry_hash(n: int, job: str, first: int, last: int, head: str, prev: str, roles: str | None = None) -> str:
    """SHA-256 over the canonical JSON of an entry's fields (everything but the hash; ``roles`` when set).

    The canonical text is assembled directly (keys in sorted order, strings
    JSON-quoted as :func:`canonical` quotes them): verification hashes every
    entry, and this is several times faster than encoding a dict.
    """
    if type(n) is int and type(first) is int and type(last) is int and type(job) is str and type(head) is str \
            and type(prev) is str and (roles is None or type(roles) is str):
        q = quote
        text = f'{{"first":{first},"head":{q(head)},"job":{q(job)},"last":{last},"n":{n},"prev":{q(prev)}' + \
            (f',"roles":{q(roles)}}}' if roles is not None else "}")
        return hashlib.sha256(text.encode("utf-8")).hexdigest()
    body: dict[str, object] = {"n": n, "job": job, "first": first, "last": last, "head": head, "prev": prev}
    if roles is not None:
        body["roles"] = roles
    return hashlib.sha256(canonical(body)).hexdigest()


def next_entry(previous: tuple[int, str] | None, job: str, first: int, last: int, head: str,
               roles: str | None = None) -> LedgerEntry:
    """The entry that follows ``previous`` ((n, hash) of the ledger's head, None when empty)."""
    n, prev = (previous[0] + 1, previous[1]) if previous else (1, GENESIS)
    return LedgerEntry(n, job, first, last, head, prev, entry_hash(n, job, first, last, head, prev, roles), roles)


@dataclass(frozen=True)
class LedgerProblem:
    """The first thing wrong with the ledger, in words an auditor can act on."""

    n: int | None  # the entry concerned, when there is one
    job: str | None
    reason: str

    def __str__(self) -> str:
        where = [f"ledger entry {self.n}"] if self.n is not None else []
        if self.job:
            where.append(f"job {self.job}")
        return f"{', '.join(where)}: {self.reason}" if where else self.reason


def verify_ledger(entries: Iterable[LedgerEntry]) -> Iterator[tuple[LedgerEntry, LedgerProblem | None]]:
    """Walk the ledger in order, yielding each entry with the first problem found at it (or None).

    A problem stops the walk: after a broken link nothing later can be trusted.
    """
    prev, expected = GENESIS, 1
    for e in entries:
        problem = None
        if e.n != expected:
            why = "missing (deleted)" if e.n > expected else "duplicated or out of order"
            problem = LedgerProblem(e.n, e.job, f"expected entry {expected} here: an entry is {why}")
        elif e.prev != prev:
            problem = LedgerProblem(e.n, e.job, "its link to the previous entry does not match "
                                                "(an entry before it was replaced, inserted or removed)")
        elif not _hashes_to_itself(e):
            problem = LedgerProblem(e.n, e.job, "content does not match its hash (edited after it was written)")
        yield e, problem
        if problem is not None:
            return
        prev, expected = e.hash, expected + 1


def _hashes_to_itself(e: LedgerEntry) -> bool:
    try:
        return e.compute_hash() == e.hash
    except (TypeError, ValueError):  # a column holds what no entry is written with (bytes, a float...)
        return False


def check_coverage(entries: Iterable[LedgerEntry], heads: Mapping[str, tuple[int, str]],
                   event_hash: EventHashLookup) -> LedgerProblem | None:
    """Do the ledger's entries and the jobs in the store describe the same history?

    ``heads`` maps every job in the store to its (last seq, last hash);
    ``event_hash(job, seq)`` returns the stored hash of one event, or None.
    Each job's entries must tile 1..last with no gap or overlap, each entry's
    head must be the stored hash of its last event, and every job the
    ledger names must still exist (and the other way round).
    """
    covered: dict[str, int] = {}
    for e in entries:
        upto = covered.get(e.job, 0)
        if type(e.first) is not int or type(e.last) is not int:
            return LedgerProblem(e.n, e.job, "its event numbers are damaged (not integers)")
        if e.job not in heads:
            return LedgerProblem(e.n, e.job, "the ledger records this job, but the store no longer has it "
                                             "(deleted)")
        if e.first != upto + 1 or e.last < e.first:
            return LedgerProblem(e.n, e.job, f"records events {e.first}-{e.last}, but the job's ledger entries "
                                             f"so far end at event {upto}")
        stored = event_hash(e.job, e.last)
        if stored is None:
            return LedgerProblem(e.n, e.job, f"records event {e.last}, which the store no longer has (deleted)")
        if stored != e.head:
            return LedgerProblem(e.n, e.job, f"records event {e.last} with hash {str(e.head)[:12]}..., but the stored "
                                             f"event's hash is {str(stored)[:12]}... (the job's events were rewritten)")
        covered[e.job] = e.last
    for job, (seq, _hash) in sorted(heads.items()):
        upto = covered.get(job, 0)
        if upto < seq:
            what = "is not in the ledger at all" if not upto else f"has events {upto + 1}-{seq} the ledger does not record"
            return LedgerProblem(None, job, f"the job {what} (inserted outside sopframe)")
        if upto > seq:
            return LedgerProblem(None, job, f"the ledger records events up to {upto}, but the job ends at event "
                                            f"{seq} (its last events were deleted)")
    return None


