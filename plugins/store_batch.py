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

A statement that fails ends the whole message with its error, inside the
transaction; the caller rolls back (:meth:`PostgresStore._append_tx`).
"""

from __future__ import annotations

from typing import Any, Sequence

__all__ = ["Batch", "Later"]

_TUPLES_OK = 2  # libpq's ExecStatus of a result with rows (psycopg.pq.ExecStatus.TUPLES_OK)


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

    def __init__(self, db: Any) -> None:
        import psycopg

        self._cur = psycopg.ClientCursor(db)
        self._queued: list[tuple[str, Sequence[Any]]] = []
        #: (row count, rows or None) of every statement sent, in order
        self._results: list[tuple[int, list[Any] | None]] = []

    def add(self, sql: str, args: Sequence[Any] = ()) -> Later:
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
