"""The store-wide ledger's tables, shared by the SQLite and PostgreSQL stores (schema versions 3 and 8).

``ledger`` holds one row per committed batch (see :mod:`sopframe.core.ledger`);
``ledger_head`` one row with the last entry's number and hash and the store's
id.  Version 8 adds the ``roles`` column: the digest of the role table a
batch ran under (its text is in ``role_tables``); version 12 drops the ``prev`` column, the hash of the
entry before, which :meth:`LedgerTables.ledger` gives each entry as it reads them in order, and keeps
the hashes as 32 bytes (:mod:`sopframe_plugins.store_events` says why that loses nothing).  Every append updates the head row in
its own transaction, which orders concurrent writers on PostgreSQL (``FOR UPDATE``) as SQLite's write lock does.
"""

from __future__ import annotations

import uuid
from typing import Any, Iterator, Sequence

from sopframe.core.engine.events import GENESIS
from sopframe.core.ledger import LedgerEntry, next_entry
from sopframe.errors import StoreError
from sopframe_plugins.store_events import hexed, packed

__all__ = ["LedgerTables"]


class LedgerTables:
    """Ledger reads and writes for a store with ``_x`` and ``_query`` (see ``SqlStore``)."""

    url: str

    def _x(self, sql: str, args: Sequence[Any] = ()) -> Any:  # pragma: no cover - provided by SqlStore
        raise NotImplementedError

    def _query(self, sql: str, args: Sequence[Any] = ()) -> list[Any]:  # pragma: no cover - provided by SqlStore
        raise NotImplementedError

    #: what locks the ledger's head row until the transaction ends (SQLite's write transaction already does)
    lock_row = ""

    def _ledger_append(self, job: str, first: int, last: int, head: str, roles: str | None = None) -> None:
        """One ledger entry for this batch, in the append's transaction; the head row orders concurrent writers."""
        entry = self._next_entry(job, first, last, head, roles)
        what = f"job {job}: ledger entry {entry.n}"
        self._x("INSERT INTO ledger (n, job, first_seq, last_seq, head, hash, roles) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (entry.n, entry.job, entry.first, entry.last, packed(entry.head, what), packed(entry.hash, what),
                 packed(roles, what) if roles is not None else None))

    def _next_entry(self, job: str, first: int, last: int, head: str, roles: str | None) -> LedgerEntry:
        """The entry after the ledger's head, with the head row moved to it (locked until the transaction ends)."""
        row = self._x(f"SELECT n, hash FROM ledger_head WHERE id = 1{self.lock_row}").fetchone()
        if row is None:
            raise StoreError(f"{self.url} has no ledger head", hint="run `sopframe store migrate`")
        entry = next_entry((int(row[0]), row[1]) if int(row[0]) else None, job, first, last, head, roles)
        self._x("UPDATE ledger_head SET n = ?, hash = ? WHERE id = 1", (entry.n, entry.hash))
        return entry

    def store_id(self) -> str:
        row = self._query("SELECT store_id FROM ledger_head WHERE id = 1")
        if not row:
            raise StoreError(f"{self.url} has no ledger", hint="run `sopframe store migrate`")
        return str(row[0][0])

    def ledger(self, after: int = 0, batch: int = 5000) -> Iterator[LedgerEntry]:
        prev = GENESIS  # each entry's ``prev`` is the hash of the entry read before it
        if after > 0:
            row = self._query("SELECT hash FROM ledger WHERE n = ?", (after,))
            prev = hexed(row[0][0]) if row else GENESIS
        while True:
            rows = self._query("SELECT n, job, first_seq, last_seq, head, hash, roles FROM ledger WHERE n > ? "
                               "ORDER BY n LIMIT ?", (after, batch))
            for r in rows:
                h = hexed(r[5])
                yield LedgerEntry(int(r[0]), r[1], int(r[2]), int(r[3]), hexed(r[4]), prev, h, hexed(r[6]))
                prev = h
            if len(rows) < batch:
                return
            after = int(rows[-1][0])

    def _start_ledger(self) -> None:
        """Version 3: the store's id, and one entry per existing job, in the order the jobs started."""
        self._x("INSERT INTO ledger_head (id, n, hash, store_id) VALUES (1, 0, ?, ?)", (GENESIS, uuid.uuid4().hex))
        started = self._query("SELECT job, at FROM events WHERE seq = 1 ORDER BY at, job")
        for job, _at in started:
            head = self._x("SELECT head_seq, head_hash FROM jobs WHERE job = ?", (job,)).fetchone()
            if head is not None:  # the layout of version 3: prev kept, no roles
                e = self._next_entry(job, 1, int(head[0]), hexed(head[1]), None)
                self._x("INSERT INTO ledger (n, job, first_seq, last_seq, head, prev, hash) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?)", (e.n, e.job, e.first, e.last, e.head, e.prev, e.hash))
