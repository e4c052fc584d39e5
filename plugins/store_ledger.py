"""The store-wide ledger's tables, shared by the SQLite and PostgreSQL stores (schema versions 3, 8 and 12).

``ledger`` holds one row per committed batch (see :mod:`sopframe.core.ledger`);
``ledger_head`` one row with the store's id and, on PostgreSQL, the last
entry's number and hash (on SQLite since version 13 the head is the last
entry itself: every append holds the whole file, so reading and rewriting
a head row per append only cost time; the row's number and hash stay 0 and
64 zeros there).  Version 8 adds the ``roles`` column: the digest of the role table a
batch ran under (its text is in ``role_tables``).  Version 12 drops the
``prev`` column, the hash of the entry before, which :meth:`LedgerTables.ledger`
gives each entry as it reads them in order, keeps the hashes as 32 bytes
(:mod:`sopframe_plugins.store_events` says why that loses nothing), and adds
``ledger_pending``.

**No append waits for another's commit.**  Chaining an entry means taking
the head row until the transaction ends.  On SQLite the write transaction
already holds the whole file, so every append chains its own entry.  On
PostgreSQL (``head_nowait``) an append takes the head only if no other
transaction holds it (``FOR UPDATE SKIP LOCKED``): if it gets it, it chains
every batch waiting in ``ledger_pending`` (in the order they were recorded)
and then its own; if not, it records its batch in ``ledger_pending``, in its
own transaction, and the next transaction that gets the head chains it.
Appends to different jobs therefore no longer queue behind each other's
commit.  A batch is never unrecorded: it is in ``ledger`` or in
``ledger_pending`` from the moment its events commit, and ``verify`` checks
both (docs/evidence.md, "Chaining without a hot row").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator, Sequence

from sopframe.core.engine.events import GENESIS
from sopframe.errors import StoreError
from sopframe_plugins.store_events import hexed, packed

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.ledger import LedgerEntry

__all__ = ["LedgerTables"]


class LedgerTables:
    """Ledger reads and writes for a store with ``_x`` and ``_query`` (see ``SqlStore``)."""

    url: str

    def _x(self, sql: str, args: Sequence[Any] = ()) -> Any:  # pragma: no cover - provided by SqlStore
        raise NotImplementedError

    def _query(self, sql: str, args: Sequence[Any] = ()) -> list[Any]:  # pragma: no cover - provided by SqlStore
        raise NotImplementedError

    def _many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:  # pragma: no cover - provided by SqlStore
        raise NotImplementedError

    #: what locks the ledger's head row until the transaction ends (SQLite's write transaction already does)
    lock_row = ""
    #: what takes the head row only if no other transaction holds it ("": appends wait for it instead)
    head_nowait = ""
    #: whether a ``WITH`` clause may hold an ``INSERT`` (PostgreSQL): an entry and the head move in one statement
    writable_cte = False
    #: whether the head is the ledger's last entry (SQLite since version 13: appends take turns on the whole file,
    #: so no head row need be read and rewritten by each); else the ``ledger_head`` row, which PostgreSQL's
    #: appends lock (and skip when another holds it)
    head_is_last_entry = False

    def _ledger_append(self, job: str, first: int, last: int, head: str, roles: str | None = None) -> None:
        """Record this batch in the append's transaction: chained at once, or pending if another append chains."""
        if self.head_nowait:
            taken = self._take_head()
            if taken is None:  # another transaction is chaining: whoever takes the head next chains this batch
                self._x("INSERT INTO ledger_pending (job, first_seq, last_seq, head, roles) VALUES (?, ?, ?, ?, ?)",
                        (job, first, last, packed(head, f"job {job}"),
                         packed(roles, f"job {job}") if roles is not None else None))
                return
            row, pending = taken
            self._chain(row, [*pending, (job, first, last, head, roles)])
        else:
            self._chain(self._head_row(), [(job, first, last, head, roles)])

    def _take_head(self) -> tuple[Any, list[tuple[str, int, int, str, str | None]]] | None:
        """The head row if no other transaction holds it (``head_nowait``), locked, with every pending batch
        taken out of ``ledger_pending`` (oldest first): one statement.  None if another transaction holds it."""
        rows = self._x(f"WITH h AS (SELECT n, hash FROM ledger_head WHERE id = 1{self.head_nowait}), "
                       "p AS (DELETE FROM ledger_pending WHERE EXISTS (SELECT 1 FROM h) "
                       "RETURNING id, job, first_seq, last_seq, head, roles) "
                       "SELECT h.n, h.hash, p.id, p.job, p.first_seq, p.last_seq, p.head, p.roles "
                       "FROM h LEFT JOIN p ON true").fetchall()
        if not rows:
            return None
        taken = sorted((r for r in rows if r[2] is not None), key=lambda r: r[2])  # no batch: one row, p.* NULL
        pending = [(r[3], int(r[4]), int(r[5]), hexed(r[6]), hexed(r[7])) for r in taken]
        return (rows[0][0], rows[0][1]), pending

    def _head_row(self) -> Any:
        """The ledger's head ``(n, hash)``: ``(0, GENESIS)`` when empty; locked where ``lock_row`` says."""
        if self.head_is_last_entry:
            last = self._x("SELECT n, hash FROM ledger ORDER BY n DESC LIMIT 1").fetchone()
            return (last[0], hexed(last[1])) if last is not None else (0, GENESIS)
        row = self._x(f"SELECT n, hash FROM ledger_head WHERE id = 1{self.lock_row}").fetchone()
        if row is None:
            raise StoreError(f"{self.url} has no ledger head", hint="run `sopframe store migrate`")
        return row

    def _take_pending(self) -> list[tuple[str, int, int, str, str | None]]:
        """Every pending batch this transaction can see, removed from ``ledger_pending``, oldest first."""
        rows = self._x("DELETE FROM ledger_pending RETURNING id, job, first_seq, last_seq, head, roles").fetchall()
        return [(r[1], int(r[2]), int(r[3]), hexed(r[4]), hexed(r[5])) for r in sorted(rows, key=lambda r: r[0])]

    def _chain(self, head_row: Any, batches: Sequence[tuple[str, int, int, str, str | None]]) -> None:
        """Chain ``batches`` after the head (a locked ``(n, hash)`` row) and move the head to the last one."""
        from sopframe.core.ledger import next_entry  # imported by writes only: a reading command needs no ledger

        prev = (int(head_row[0]), head_row[1]) if int(head_row[0]) else None
        entries = []
        for job, first, last, head, roles in batches:
            entry = next_entry(prev, job, first, last, head, roles)
            what = f"job {job}: ledger entry {entry.n}"
            entries.append((entry.n, job, first, last, packed(head, what), packed(entry.hash, what),
                            packed(roles, what) if roles is not None else None))
            prev = (entry.n, entry.hash)
        if prev is None:
            return
        insert = "INSERT INTO ledger (n, job, first_seq, last_seq, head, hash, roles) VALUES (?, ?, ?, ?, ?, ?, ?)"
        if self.writable_cte and len(entries) == 1:  # the entry and the head in one statement (one round trip)
            self._x(f"WITH chained AS ({insert}) UPDATE ledger_head SET n = ?, hash = ? WHERE id = 1",
                    (*entries[0], *prev))
            return
        self._many(insert, entries)
        if not self.head_is_last_entry:
            self._x("UPDATE ledger_head SET n = ?, hash = ? WHERE id = 1", prev)

    def ledger_pending(self) -> list[LedgerEntry]:
        """Batches recorded but not chained yet, oldest first, numbered on from the head (no ``prev``/``hash``)."""
        from sopframe.core.ledger import LedgerEntry

        rows = self._query("SELECT job, first_seq, last_seq, head, roles FROM ledger_pending ORDER BY id")
        if not rows:
            return []
        head = self._query("SELECT max(n) FROM ledger" if self.head_is_last_entry else
                           "SELECT n FROM ledger_head WHERE id = 1")
        n = int(head[0][0] or 0) if head else 0
        return [LedgerEntry(n + i, r[0], r[1], r[2], hexed(r[3]), "", "", hexed(r[4]))
                for i, r in enumerate(rows, 1)]

    def role_digests(self) -> dict[str, int]:
        """Digest -> the first ledger entry that names it (a pending batch: the entry it will become)."""
        out = {hexed(d): int(n) for d, n in self._query("SELECT roles, min(n) FROM ledger WHERE roles IS NOT NULL "
                                                        "GROUP BY roles")}
        pending = self.ledger_pending()
        for e in pending:
            if e.roles is not None:
                out.setdefault(e.roles, e.n)
        return out

    def _next_entry(self, job: str, first: int, last: int, head: str, roles: str | None) -> LedgerEntry:
        """The entry after the ledger's head, with the head row moved to it (locked until the transaction ends)."""
        from sopframe.core.ledger import next_entry

        row = self._head_row()
        entry = next_entry((int(row[0]), row[1]) if int(row[0]) else None, job, first, last, head, roles)
        if not self.head_is_last_entry:
            self._x("UPDATE ledger_head SET n = ?, hash = ? WHERE id = 1", (entry.n, entry.hash))
        return entry

    def store_id(self) -> str:
        row = self._query("SELECT store_id FROM ledger_head WHERE id = 1")
        if not row:
            raise StoreError(f"{self.url} has no ledger", hint="run `sopframe store migrate`")
        return str(row[0][0])

    def ledger(self, after: int = 0, batch: int = 5000) -> Iterator[LedgerEntry]:
        from sopframe.core.ledger import LedgerEntry

        prev = GENESIS  # each entry's ``prev`` is the hash of the entry read before it
        if after > 0:
            row = self._query("SELECT hash FROM ledger WHERE n = ?", (after,))
            prev = hexed(row[0][0]) if row else GENESIS
        while True:
            rows = self._query("SELECT n, job, first_seq, last_seq, head, hash, roles FROM ledger WHERE n > ? "
                               "ORDER BY n LIMIT ?", (after, batch))
            for r in rows:
                h = hexed(r[5])
                # as stored (verify_ledger and check_coverage report a value of another type)
                yield LedgerEntry(r[0], r[1], r[2], r[3], hexed(r[4]), prev, h, hexed(r[6]))
                prev = h
            if len(rows) < batch:
                return
            after = rows[-1][0]

    def _start_ledger(self) -> None:
        """Version 3: the store's id, and one entry per existing job, in the order the jobs started."""
        import uuid

        self._x("INSERT INTO ledger_head (id, n, hash, store_id) VALUES (1, 0, ?, ?)", (GENESIS, uuid.uuid4().hex))
        started = self._query("SELECT job, at FROM events WHERE seq = 1 ORDER BY at, job")
        for job, _at in started:
            head = self._x("SELECT head_seq, head_hash FROM jobs WHERE job = ?", (job,)).fetchone()
            if head is not None:  # the layout of version 3: prev kept, no roles
                e = self._next_entry(job, 1, int(head[0]), hexed(head[1]), None)
                self._x("INSERT INTO ledger (n, job, first_seq, last_seq, head, prev, hash) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?)", (e.n, e.job, e.first, e.last, e.head, e.prev, e.hash))
