"""The notification outbox's table, shared by the SQLite and PostgreSQL stores (schema version 6).

Rows are inserted by the append's own transaction (``Derived.notifications``)
or by :meth:`OutboxTables.enqueue` (``sopframe tick``), with ``ON CONFLICT
(key) DO NOTHING``: a notification's key is deterministic, so the same cause
never makes two rows.  Workers claim due rows in a short transaction that
moves them to ``sending`` under a lease (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, so concurrent workers take different rows; SQLite's write lock
serialises claims), deliver outside any transaction, then settle the row
only if their claim still holds.  A worker killed mid-delivery leaves its
rows ``sending`` until the lease runs out; the next claim takes them again.
"""

from __future__ import annotations

import json
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Sequence


if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.notify.model import Notification, OutboxRow

__all__ = ["OutboxTables", "OUTBOX_DDL", "OUTBOX_VERSION"]

#: the schema version that adds the outbox table
OUTBOX_VERSION = 6

OUTBOX_DDL = """
CREATE TABLE outbox (
    id {serial}, key TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, channel TEXT NOT NULL, recipient TEXT NOT NULL,
    subject TEXT NOT NULL, body TEXT NOT NULL, data TEXT NOT NULL, job TEXT NOT NULL, created_at TEXT NOT NULL,
    status TEXT NOT NULL, attempts INTEGER NOT NULL, next_at TEXT NOT NULL, lease_until TEXT, worker TEXT,
    last_error TEXT, delivered_at TEXT
);
CREATE INDEX outbox_by_status ON outbox (status, next_at, id)
"""
_COLS = "id, key, kind, channel, recipient, subject, body, data, job, created_at, status, attempts, next_at, " \
        "lease_until, worker, last_error, delivered_at"
_INSERT = "INSERT INTO outbox (key, kind, channel, recipient, subject, body, data, job, created_at, status, " \
          "attempts, next_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, '') ON CONFLICT (key) DO NOTHING"
_ERROR_LIMIT = 2000


def row_of(r: Sequence[Any]) -> OutboxRow:
    from sopframe.core.notify.model import Notification, OutboxRow  # on use: job commands read no outbox

    note = Notification(key=r[1], kind=r[2], channel=r[3], recipient=r[4], subject=r[5], body=r[6],
                        data=json.loads(r[7]), job=r[8], created_at=r[9])
    return OutboxRow(id=int(r[0]), note=note, status=r[10], attempts=int(r[11]), next_at=r[12], lease_until=r[13],
                     worker=r[14], last_error=r[15], delivered_at=r[16])


class OutboxTables:
    """Outbox reads and writes for a store with ``_x``, ``_query`` and ``_tx`` (see ``SqlStore``)."""

    url: str
    #: what makes concurrent claimers skip rows another claim holds (PostgreSQL); SQLite serialises writes
    skip_locked = ""
    Error: type[BaseException] = Exception

    def _x(self, sql: str, args: Sequence[Any] = ()) -> Any:  # pragma: no cover - provided by SqlStore
        raise NotImplementedError

    def _query(self, sql: str, args: Sequence[Any] = ()) -> list[Any]:  # pragma: no cover - provided by SqlStore
        raise NotImplementedError

    def _tx(self) -> AbstractContextManager[Any]:  # pragma: no cover - provided by SqlStore
        raise NotImplementedError

    def _enqueue(self, notes: Sequence[Notification]) -> int:
        """Insert inside the caller's transaction; returns how many keys were new."""
        return sum(max(cur.rowcount, 0) for cur in self._insert_notes(notes))

    def _insert_notes(self, notes: Sequence[Notification]) -> list[Any]:
        """Insert inside the caller's transaction; each statement's result (row count 1: its key was new)."""
        return [self._x(_INSERT, (note.key, note.kind, note.channel, note.recipient, note.subject, note.body,
                                  note.data_json(), note.job, note.created_at)) for note in notes]

    def _in_tx(self, what: str, fn: Any) -> Any:
        try:
            with self._tx():
                return fn()
        except self.Error as exc:
            from sopframe_plugins.store_errors import write_refused

            raise write_refused(f"cannot {what} in {self.url}", exc) from None

    def enqueue(self, notifications: Sequence[Notification]) -> int:
        if not notifications:
            return 0
        return int(self._in_tx("enqueue notifications", lambda: self._enqueue(notifications)))

    def claim_notifications(self, worker: str, now: str, lease_until: str, limit: int = 10) -> list[OutboxRow]:
        def claim() -> list[OutboxRow]:
            ids = [int(r[0]) for r in self._x(
                "SELECT id FROM outbox WHERE (status = 'pending' AND next_at <= ?) OR "
                f"(status = 'sending' AND lease_until <= ?) ORDER BY id LIMIT ?{self.skip_locked}",
                (now, now, limit)).fetchall()]
            if not ids:
                return []
            marks = ", ".join("?" * len(ids))
            self._x(f"UPDATE outbox SET status = 'sending', worker = ?, lease_until = ?, attempts = attempts + 1 "
                    f"WHERE id IN ({marks})", (worker, lease_until, *ids))
            return [row_of(r) for r in self._x(f"SELECT {_COLS} FROM outbox WHERE id IN ({marks}) ORDER BY id",
                                               ids).fetchall()]

        return list(self._in_tx("claim notifications", claim))

    def settle_notifications(self, worker: str, now: str,
                             outcomes: Sequence[tuple[int, str | None, str | None]]) -> int:
        def settle() -> int:
            n = 0
            for id, error, retry_at in outcomes:
                if error is None:
                    sql, args = ("UPDATE outbox SET status = 'delivered', delivered_at = ?, lease_until = NULL, "
                                 "last_error = NULL", [now])
                elif retry_at is not None:
                    sql, args = ("UPDATE outbox SET status = 'pending', next_at = ?, lease_until = NULL, "
                                 "last_error = ?", [retry_at, error[:_ERROR_LIMIT]])
                else:
                    sql, args = ("UPDATE outbox SET status = 'dead', lease_until = NULL, last_error = ?",
                                 [error[:_ERROR_LIMIT]])
                sql += " WHERE id = ? AND worker = ? AND status = 'sending'"
                n += max(self._x(sql, (*args, id, worker)).rowcount, 0)
            return n

        return int(self._in_tx("settle notifications", settle)) if outcomes else 0

    def notifications(self, status: str | None = None, limit: int | None = None) -> list[OutboxRow]:
        sql = f"SELECT {_COLS} FROM outbox"
        args: list[Any] = []
        if status:
            sql += " WHERE status = ?"
            args.append(status)
        sql += " ORDER BY id"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        return [row_of(r) for r in self._query(sql, args)]

    def notification_counts(self) -> dict[str, int]:
        return {r[0]: int(r[1]) for r in self._query("SELECT status, count(*) FROM outbox GROUP BY status")}

    def retry_notifications(self, ids: Sequence[int] | None, now: str) -> int:
        sql = "UPDATE outbox SET status = 'pending', attempts = 0, next_at = ?, worker = NULL, lease_until = NULL"
        if ids is None:
            return int(self._in_tx("retry notifications",
                                   lambda: self._x(sql + " WHERE status = 'dead'", (now,)).rowcount))
        if not ids:
            return 0
        marks = ", ".join("?" * len(ids))
        return int(self._in_tx("retry notifications", lambda: self._x(
            sql + f" WHERE status IN ('dead', 'pending') AND id IN ({marks})", (now, *ids)).rowcount))
