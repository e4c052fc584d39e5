"""The store-wide ledger's tables, shared by the SQLite and PostgreSQL stores (schema versions 3 and 8).

``ledger`` holds one row per committed batch (see :mod:`sopframe.core.ledger`);
``ledger_head`` one row with the last entry's number and hash and the store's
id.  Version 8 adds the ``roles`` column: the digest of the role table a
batch ran under (its text is in ``role_tables``).  Every append updates the head row in its own transaction, which orders
concurrent writers on PostgreSQL (``FOR UPDATE``) as SQLite's write lock does.
"""

from __future__ import annotations

import uuid
from typing import Any, Iterator, Sequence

from sopframe.core.engine.events import GENESIS
from sopframe.core.ledger import LedgerEntry, next_entry
from sopframe.errors import StoreError

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
        row = self._x(f"SELECT n, hash FROM ledger_head WHERE id = 1{self.lock_row}").fetchone()
        if row is None:
            raise StoreError(f"{self.url} has no ledger head", hint="run `sopframe store migrate`")
        entry = next_entry((int(row[0]), row[1]) if int(row[0]) else None, job, first, last, head, roles)
        if roles is None:  # the layout of schema version 3 (also what its migration writes)
            self._x("INSERT INTO ledger (n, job, first_seq, last_seq, head, prev, hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (entry.n, entry.job, entry.first, entry.last, entry.head, entry.prev, entry.hash))
        else:
            self._x("INSERT INTO ledger (n, job, first_seq, last_seq, head, prev, hash, roles) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (entry.n, entry.job, entry.first, entry.last, entry.head, entry.prev, entry.hash, roles))
        self._x("UPDATE ledger_head SET n = ?, hash = ? WHERE id = 1", (entry.n, entry.hash))

    def store_id(self) -> str:
        row = self._query("SELECT store_id FROM ledger_head WHERE id = 1")
        if not row:
            raise StoreError(f"{self.url} has no ledger", hint="run `sopframe store migrate`")
        return str(row[0][0])

    def ledger(self, after: int = 0, batch: int = 5000) -> Iterator[LedgerEntry]:
        while True:
            rows = self._query("SELECT n, job, first_seq, last_seq, head, prev, hash, roles FROM ledger WHERE n > ? "
                               "ORDER BY n LIMIT ?", (after, batch))
            for r in rows:
                yield LedgerEntry(int(r[0]), r[1], int(r[2]), int(r[3]), r[4], r[5], r[6], r[7])
            if len(rows) < batch:
                return
            after = int(rows[-1][0])

    def _start_ledger(self) -> None:
        """Version 3: the store's id, and one entry per existing job, in the order the jobs started."""
        self._x("INSERT INTO ledger_head (id, n, hash, store_id) VALUES (1, 0, ?, ?)", (GENESIS, uuid.uuid4().hex))
        started = self._query("SELECT job, at FROM events WHERE seq = 1 ORDER BY at, job")
        for job, _at in started:
            head = self._x("SELECT head_seq, head_hash FROM jobs WHERE job = ?", (job,)).fetchone()
            if head is not None:
                self._ledger_append(job, 1, int(head[0]), head[1])
