"""The ``sqlite:///path`` job store: the embedded default.

``sqlite:///sopframe.db`` is a file relative to the working directory,
``sqlite:////var/lib/sopframe/jobs.db`` an absolute path.  The database runs
in WAL mode with ``synchronous=FULL``: a command's events are on disk when
it returns.  Each append is one ``BEGIN IMMEDIATE`` transaction that checks
the job's head (optimistic concurrency) before inserting, so all of a
command's events are stored or none, and a concurrent writer gets a
:class:`~sopframe.errors.ConflictError` instead of a lost update.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any, Sequence

from sopframe.core.engine.events import Event, canonical
from sopframe.core.store import Store, check_batch
from sopframe.errors import ConflictError, StoreError
from sopframe.hookspecs import hookimpl

__all__ = ["SqliteStore", "sopframe_store", "SCHEMA"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS sopframe_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (
    job TEXT PRIMARY KEY,
    head_seq INTEGER NOT NULL,
    head_hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    job TEXT NOT NULL,
    seq INTEGER NOT NULL,
    type TEXT NOT NULL,
    data TEXT NOT NULL,
    actor TEXT NOT NULL,
    at TEXT NOT NULL,
    prev TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (job, seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS events_by_type ON events (type, at);
INSERT OR IGNORE INTO sopframe_meta (key, value) VALUES ('schema', '1');
"""

_SELECT = "SELECT job, seq, type, data, actor, at, prev, hash FROM events"


def _row(r: tuple[Any, ...]) -> Event:
    return Event(r[0], r[1], r[2], json.loads(r[3]), r[4], r[5], r[6], r[7])


def _rows(rows: list[tuple[Any, ...]]) -> list[Event]:
    """Events from rows, decoding every data column in one JSON parse (long jobs read fast)."""
    if not rows:
        return []
    datas = json.loads("[" + ",".join(r[3] for r in rows) + "]")
    if len(datas) != len(rows):
        raise ValueError("an event's data is not one JSON value")
    return [Event(r[0], r[1], r[2], d, r[4], r[5], r[6], r[7]) for r, d in zip(rows, datas)]


class SqliteStore(Store):
    """Events in one SQLite file."""

    def __init__(self, path: str | Path, url: str | None = None, timeout: float = 30.0) -> None:
        self.path = str(path)
        self.url = url or f"sqlite:///{path}"
        parent = Path(self.path).parent
        if self.path != ":memory:" and not parent.is_dir():
            raise StoreError(f"cannot open store {self.url}: directory {str(parent)!r} does not exist")
        try:
            self.db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
            self.db.executescript(SCHEMA)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open store {self.url}: {exc}",
                             hint="is it an SQLite database that this user may write?") from None

    def append(self, job: str, expected_seq: int, events: Sequence[Event]) -> None:
        check_batch(job, expected_seq, events)
        db = self.db
        try:
            db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise StoreError(f"job {job}: cannot write to {self.url}: {exc}") from None
        try:
            last = events[-1]
            if expected_seq == 0:  # a new job: the primary key refuses a second creator
                db.execute("INSERT INTO jobs (job, head_seq, head_hash) VALUES (?, ?, ?)", (job, last.seq, last.hash))
            else:  # moves the head only if it is where the writer expects it
                cur = db.execute("UPDATE jobs SET head_seq = ?, head_hash = ? WHERE job = ? AND head_seq = ?",
                                 (last.seq, last.hash, job, expected_seq))
                if cur.rowcount != 1:
                    row = db.execute("SELECT head_seq FROM jobs WHERE job = ?", (job,)).fetchone()
                    raise ConflictError(job, expected_seq, row[0] if row else 0)
            db.executemany(
                "INSERT INTO events (job, seq, type, data, actor, at, prev, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(e.job, e.seq, e.type, canonical(e.data).decode("utf-8"), e.actor, e.at, e.prev, e.hash)
                 for e in events])
            db.execute("COMMIT")
        except ConflictError:
            db.execute("ROLLBACK")
            raise
        except sqlite3.IntegrityError:
            db.execute("ROLLBACK")
            raise ConflictError(job, expected_seq) from None
        except sqlite3.Error as exc:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise StoreError(f"job {job}: cannot write to {self.url}: {exc}") from None
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise

    def _query(self, sql: str, args: tuple[Any, ...]) -> list[Any]:
        try:
            return self.db.execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read {self.url}: {exc}") from None

    def read(self, job: str, after: int = 0) -> list[Event]:
        rows = self._query("SELECT ?, seq, type, data, actor, at, prev, hash FROM events "
                           "WHERE job = ? AND seq > ? ORDER BY seq", (job, job, after))
        return self._decode(rows, f"job {job}")

    def _decode(self, rows: list[Any], what: str) -> list[Event]:
        try:
            return _rows(rows)
        except (ValueError, TypeError):
            pass
        try:  # one row is broken: find which
            return [_row(r) for r in rows]
        except (ValueError, TypeError) as exc:
            raise StoreError(f"{what}: an event in {self.url} cannot be read: {exc}",
                             hint="run `sopframe job verify --all`") from None

    def head(self, job: str) -> tuple[int, str] | None:
        rows = self._query("SELECT head_seq, head_hash FROM jobs WHERE job = ?", (job,))
        return (rows[0][0], rows[0][1]) if rows else None

    def job_ids(self) -> list[str]:
        return [r[0] for r in self._query("SELECT job FROM jobs ORDER BY job", ())]

    def events_of_type(self, type: str) -> list[Event]:
        return self._decode(self._query(f"{_SELECT} WHERE type = ? ORDER BY at, job, seq", (type,)),
                            f"events of type {type}")

    def close(self) -> None:
        try:
            self.db.close()
        except sqlite3.Error:  # pragma: no cover
            pass


def path_from_url(url: str) -> str:
    """``sqlite:///rel.db`` -> ``rel.db``; ``sqlite:////abs.db`` -> ``/abs.db``."""
    rest = url[len("sqlite://"):]
    if not rest.startswith("/") or len(rest) < 2:
        raise StoreError(f"store URL {url!r} names no file",
                         hint="write sqlite:///sopframe.db (relative) or sqlite:////abs/path/sopframe.db")
    return rest[1:]


@hookimpl
def sopframe_store(url: str) -> Any:
    if not url.startswith("sqlite:"):
        return None
    if not url.startswith("sqlite://"):
        raise StoreError(f"store URL {url!r} is not sqlite:///PATH")
    return SqliteStore(path_from_url(url), url)
