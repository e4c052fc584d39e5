"""An append's statements sent to PostgreSQL together: two round trips instead of one per statement.

psycopg sends a statement and waits for its result before the next one: an
append made seven round trips (``BEGIN``, the job's head, its events, the
summary row, the ledger's head, the ledger entry, ``COMMIT``), and with four
writers on two cores the processes spent their time in that traffic, not in
the statements.  Within an append nothing needs a result before the
ledger's head is taken, so :class:`Batch` queues each statement and sends
everything queued as one message when a result is first read (the ledger's
head), then the rest with the ``COMMIT``.

The message is one query string (the protocol that carries several
statements in one message takes no parameters), so values are bound on the
client: psycopg's ``ClientCursor`` quotes each one as a literal for the
connection's settings, its documented way of doing so.  Measured on the
benchmark's command (``docs/performance.md``): less client CPU than
psycopg's own pipeline mode, which cost more CPU than one round trip per
statement here.

**Prepared once per connection.**  A statement sent as text is parsed,
analysed and planned by the server every time: for an append's seven that
was about 40% of the server's CPU per command.  So each statement of an
append is prepared on the connection the first time it is met
(:class:`Prepared`: ``PREPARE`` in a round trip of its own, under a
savepoint once the transaction has begun, so that a statement the server
cannot prepare is simply sent as text from then on) and the message then
carries ``EXECUTE name(values)``.  psycopg prepares statements only in the
protocol that takes one statement a message (its pipeline mode sends them
together, at the client CPU above); ``EXECUTE`` keeps the two messages.
Prepared statements are not undone by a rollback, and a connection keeps at
most :data:`LIMIT` of them; after a failed append the names are read back
from ``pg_prepared_statements``.  A name can also vanish behind the
store's back: psycopg sends ``DEALLOCATE ALL`` after a ``ROLLBACK``,
``DROP`` or ``ALTER`` once it has prepared statements of its own, and a
pooler may hand the session another server connection.  An append that
meets a missing one is rolled back and made again (:class:`Unprepared`,
:meth:`PostgresStore.append`): with the names read again, then, if a name
goes missing once more, with every statement sent as text from then on.

A statement that fails ends the whole message with its error, inside the
transaction; the caller rolls back (:meth:`PostgresStore._append_tx`).
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, Sequence

__all__ = ["Batch", "LIMIT", "Later", "Prepared", "Unprepared"]

_TUPLES_OK = 2  # libpq's ExecStatus of a result with rows (psycopg.pq.ExecStatus.TUPLES_OK)
_IDLE = 0  # libpq's TransactionStatus outside a transaction (psycopg.pq.TransactionStatus.IDLE)
#: the most statements prepared on one connection (an append's statements vary with its rows: a few dozen)
LIMIT = 200
_MAX_PARAMS = 200  # a larger statement (many rows in one INSERT) is rare: sent as text
_DML = re.compile(r"^(INSERT|UPDATE|DELETE|WITH|SELECT)\b")
_PREFIX = "sopframe_"


class Unprepared(Exception):
    """An append met a prepared statement that is no longer on the connection (rolled back; make it again)."""


class Prepared:
    """The statements prepared on one connection, by their text: what an append sends as ``EXECUTE``."""

    def __init__(self, db: Any) -> None:
        self._db = db
        self.names: set[str] = set()  # prepared on the connection
        self._refused: set[str] = set()  # texts the server would not prepare
        self.enabled = True

    @staticmethod
    def name(sql: str) -> str:
        return _PREFIX + hashlib.blake2b(sql.encode("utf-8"), digest_size=8).hexdigest()

    def execute(self, sql: str, nargs: int) -> str | None:
        """``EXECUTE`` of ``sql`` prepared (with ``nargs`` placeholders for its values), or None: send it as text."""
        if not self.enabled:  # this connection lost its statements twice: text only, even for names still listed
            return None
        name = self.name(sql)
        if name not in self.names:
            if (sql in self._refused or len(self.names) >= LIMIT or nargs > _MAX_PARAMS or not _DML.match(sql)
                    or "'" in sql or "%%" in sql or ";" in sql or sql.count("%s") != nargs):
                return None
            if not self._prepare(name, sql, nargs):
                self._refused.add(sql)
                return None
        return f"EXECUTE {name}({', '.join(['%s'] * nargs)})" if nargs else f"EXECUTE {name}"

    def _prepare(self, name: str, sql: str, nargs: int) -> bool:
        import psycopg

        numbered = iter(range(1, nargs + 1))
        text = f"PREPARE {name} AS " + re.sub("%s", lambda _: f"${next(numbered)}", sql)
        inside = self._db.info.transaction_status != _IDLE
        try:
            if inside:  # a statement the server refuses must not end the append's transaction
                self._db.execute("SAVEPOINT sopframe_prepare")
            self._db.execute(text, prepare=False)
            if inside:
                self._db.execute("RELEASE SAVEPOINT sopframe_prepare")
        except psycopg.errors.DuplicatePreparedStatement:  # prepared before the names were last read
            if inside:
                self._db.execute("ROLLBACK TO SAVEPOINT sopframe_prepare")
        except psycopg.Error:
            if inside:
                self._db.execute("ROLLBACK TO SAVEPOINT sopframe_prepare")
            return False
        self.names.add(name)
        return True

    def reread(self) -> None:
        """Take the names from the server again (after a failed append: ``PREPARE`` is not rolled back)."""
        try:
            rows = self._db.execute("SELECT name FROM pg_prepared_statements WHERE name LIKE %s",
                                    (_PREFIX + "%",)).fetchall()
        except Exception:  # the connection is gone: nothing prepared is left on it either
            rows = []
        self.names = {r[0] for r in rows}


class Later:
    """The result of a queued statement: reading it sends every statement queued so far."""

    __slots__ = ("_batch", "_i")

    def __init__(self, batch: "Batch", i: int) -> None:
        self._batch, self._i = batch, i

    @property
    def rowcount(self) -> int:
        return self._batch.result(self._i)[0]

    def fetchone(self) -> Any:
        rows = self._batch.result(self._i)[1]
        return rows[0] if rows else None

    def fetchall(self) -> list[Any]:
        return list(self._batch.result(self._i)[1] or ())


class Batch:
    """Statements (with ``%s`` placeholders) queued on a psycopg connection, sent together when a result is read."""

    def __init__(self, db: Any, prepared: Prepared | None = None) -> None:
        import psycopg

        self._cur = psycopg.ClientCursor(db)
        self._prepared = prepared
        self._queued: list[tuple[str, Sequence[Any]]] = []
        #: (row count, rows or None) of every statement sent, in order
        self._results: list[tuple[int, list[Any] | None]] = []

    def add(self, sql: str, args: Sequence[Any] = ()) -> Later:
        if self._prepared is not None:
            sql = self._prepared.execute(sql, len(args)) or sql
        self._queued.append((sql, args))
        return Later(self, len(self._results) + len(self._queued) - 1)

    def result(self, i: int) -> tuple[int, list[Any] | None]:
        if i >= len(self._results):
            self.send()
        return self._results[i]

    def send(self) -> None:
        """Send what is queued as one message and keep each statement's result."""
        if not self._queued:
            return
        queued, self._queued = self._queued, []
        args = [a for _, each in queued for a in each]
        cur, before = self._cur, len(self._results)
        cur.execute("; ".join(sql for sql, _ in queued), args or None)
        while True:
            rows = cur.fetchall() if cur.pgresult is not None and cur.pgresult.status == _TUPLES_OK else None
            self._results.append((cur.rowcount, rows))
            if not cur.nextset():
                break
        if len(self._results) - before != len(queued):  # pragma: no cover - a statement text with a ";" in it
            raise RuntimeError(f"{len(queued)} statements sent together gave {len(self._results) - before} results")
