"""The store-wide ledger's entry format and its checks, independent of any store."""

from __future__ import annotations

import pytest

from sopframe.core.engine.events import GENESIS
from sopframe.core.ledger import LedgerEntry, check_coverage, next_entry, verify_ledger


def _ledger(batches: list[tuple[str, int, int]]) -> tuple[list[LedgerEntry], dict[tuple[str, int], str]]:
    """Entries for batches (job, first, last), with made-up event hashes."""
    entries: list[LedgerEntry] = []
    hashes: dict[tuple[str, int], str] = {}
    for job, first, last in batches:
        for seq in range(first, last + 1):
            hashes[(job, seq)] = f"{job}-{seq}".encode().hex().ljust(64, "0")
        prev = (entries[-1].n, entries[-1].hash) if entries else None
        entries.append(next_entry(prev, job, first, last, hashes[(job, last)]))
    return entries, hashes


BATCHES = [("A", 1, 3), ("B", 1, 2), ("A", 4, 4), ("B", 3, 5)]


def _problem(entries: list[LedgerEntry]) -> str | None:
    for _e, problem in verify_ledger(entries):
        if problem is not None:
            return str(problem)
    return None


def test_entries_chain_from_genesis() -> None:
    entries, _ = _ledger(BATCHES)
    assert [e.n for e in entries] == [1, 2, 3, 4]
    assert entries[0].prev == GENESIS
    assert all(b.prev == a.hash for a, b in zip(entries, entries[1:]))
    assert _problem(entries) is None


def test_the_hash_covers_every_field() -> None:
    entries, _ = _ledger(BATCHES)
    e = entries[1]
    for change in ({"job": "C"}, {"first": 2}, {"last": 3}, {"head": "f" * 64}, {"prev": "0" * 64}, {"n": 9}):
        assert e._replace(**change).compute_hash() != e.hash, change


@pytest.mark.parametrize(("edit", "expected"), [
    (lambda es: es[:1] + es[2:], "ledger entry 3, job A: expected entry 2 here: an entry is missing (deleted)"),
    (lambda es: [es[0], es[2], es[1], es[3]], "expected entry 2 here"),
    (lambda es: [es[0], es[1]._replace(head="e" * 64), *es[2:]], "content does not match its hash"),
    (lambda es: [es[0], es[1], es[2]._replace(prev="d" * 64), es[3]], "link to the previous entry does not match"),
])
def test_edits_are_named(edit, expected: str) -> None:
    entries, _ = _ledger(BATCHES)
    problem = _problem(edit(entries))
    assert problem is not None and expected in problem


def test_a_rewritten_ledger_verifies_but_has_another_head() -> None:
    """Recomputing every entry after an edit makes a ledger that verifies: only a checkpoint catches it."""
    entries, _ = _ledger(BATCHES)
    forged, _ = _ledger([("A", 1, 3), ("B", 1, 1), ("A", 4, 4), ("B", 2, 5)])
    assert _problem(forged) is None
    assert forged[-1].hash != entries[-1].hash


def test_coverage_holds_for_the_store_it_describes() -> None:
    entries, hashes = _ledger(BATCHES)
    heads = {"A": (4, hashes[("A", 4)]), "B": (5, hashes[("B", 5)])}
    assert check_coverage(entries, heads, lambda j, s: hashes.get((j, s))) is None


@pytest.mark.parametrize(("heads_edit", "hash_edit", "expected"), [
    (lambda h: {k: v for k, v in h.items() if k != "B"}, None, "job B: the ledger records this job, but the store"),
    (lambda h: {**h, "C": (1, "c" * 64)}, None, "job C: the job is not in the ledger at all"),
    (lambda h: {**h, "A": (6, "a" * 64)}, None, "job A: the job has events 5-6 the ledger does not record"),
    (lambda h: {**h, "B": (4, "b" * 64)}, lambda hs: hs.pop(("B", 5)), "records event 5, which the store no longer"),
    (None, lambda hs: hs.__setitem__(("A", 3), "9" * 64), "the job's events were rewritten"),
])
def test_coverage_names_what_differs(heads_edit, hash_edit, expected: str) -> None:
    entries, hashes = _ledger(BATCHES)
    heads = {"A": (4, hashes[("A", 4)]), "B": (5, hashes[("B", 5)])}
    if heads_edit:
        heads = heads_edit(heads)
    if hash_edit:
        hash_edit(hashes)
    problem = check_coverage(entries, heads, lambda j, s: hashes.get((j, s)))
    assert problem is not None and expected in str(problem)


def test_coverage_catches_deleted_last_events() -> None:
    entries, hashes = _ledger(BATCHES)
    heads = {"A": (3, hashes[("A", 3)]), "B": (5, hashes[("B", 5)])}
    del hashes[("A", 4)]
    problem = check_coverage(entries, heads, lambda j, s: hashes.get((j, s)))
    assert problem is not None and "event 4, which the store no longer has" in str(problem)
