"""The ``postgresql://`` job store, for teams working from several machines (psycopg 3).

``postgresql://user:password@host:5432/dbname`` (or ``postgres://``) is
passed to libpq; an extra ``schema=NAME`` query parameter keeps sopframe's
tables in their own schema (created if missing).  Each append is one
transaction that locks the job's head row, checks the expected sequence
number and inserts the events, so all of a command's events are stored or
none, and a concurrent writer gets a :class:`~sopframe.errors.ConflictError`.
Install with ``pip install 'sopframe[postgres]'``.
"""

from __future__ import annotations

import json
import re
from typing import Any, Sequence
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sopframe.core.engine.events import Event, canonical
from sopframe.core.store import Store, check_batch
from sopframe.errors import ConflictError, StoreError
from sopframe.hookspecs import hookimpl

__all__ = ["PostgresStore", "sopframe_store", "split_url"]

_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_DDL = """
CREATE TABLE IF NOT EXISTS jobs (
    job TEXT PRIMARY KEY,
    head_seq BIGINT NOT NULL,
    head_hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    job TEXT NOT NULL,
    seq BIGINT NOT NULL,
    type TEXT NOT NULL,
    data TEXT NOT NULL,
    actor TEXT NOT NULL,
    at TEXT NOT NULL,
    prev TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (job, seq)
);
CREATE INDEX IF NOT EXISTS events_by_type ON events (type, at);
"""
_SELECT = "SELECT job, seq, type, data, actor, at, prev, hash FROM events"


def split_url(url: str) -> tuple[str, str | None]:
    """The libpq URL without sopframe's own ``schema`` parameter, and that schema."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    schema = next((v for k, v in query if k == "schema"), None)
    rest = urlencode([(k, v) for k, v in query if k != "schema"])
    if schema is not None and not _SCHEMA_NAME.match(schema):
        raise StoreError(f"store URL: schema {schema!r} must be lower-case letters, digits and _")
    return urlunsplit((parts.scheme, parts.netloc, parts.path, rest, parts.fragment)), schema


def _row(r: Sequence[Any]) -> Event:
    return Event(r[0], int(r[1]), r[2], json.loads(r[3]), r[4], r[5], r[6], r[7])


def _rows(rows: list[Any]) -> list[Event]:
    """Events from rows, decoding every data column in one JSON parse."""
    if not rows:
        return []
    try:
        datas = json.loads("[" + ",".join(r[3] for r in rows) + "]")
        if len(datas) == len(rows):
            return [Event(r[0], int(r[1]), r[2], d, r[4], r[5], r[6], r[7]) for r, d in zip(rows, datas)]
    except (ValueError, TypeError):
        pass
    return [_row(r) for r in rows]  # one row is broken: this raises on it


def _safe(url: str) -> str:
    """The URL without its password, for messages."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


class PostgresStore(Store):
    """Events in PostgreSQL tables."""

    def __init__(self, url: str, connect_timeout: int = 10) -> None:
        try:
            import psycopg
        except ImportError:
            raise StoreError("the PostgreSQL store needs psycopg 3",
                             hint="pip install 'sopframe[postgres]'") from None
        self._psycopg = psycopg
        self.url = _safe(url)
        dsn, self.schema = split_url(url)
        try:
            self.db = psycopg.connect(dsn, autocommit=True, connect_timeout=connect_timeout)
        except psycopg.Error as exc:
            raise StoreError(f"cannot connect to {self.url}: {str(exc).strip()}",
                             hint="is the server running, and may this user connect?") from None
        try:
            with self.db.transaction():
                self.db.execute("SELECT pg_advisory_xact_lock(7351)")  # one schema creator at a time
                if self.schema:
                    self.db.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
                    self.db.execute(f'SET search_path TO "{self.schema}"')
                for stmt in filter(str.strip, _DDL.split(";")):
                    self.db.execute(stmt)
        except psycopg.Error as exc:
            self.db.close()
            raise StoreError(f"cannot prepare {self.url}: {str(exc).strip()}") from None

    def append(self, job: str, expected_seq: int, events: Sequence[Event]) -> None:
        check_batch(job, expected_seq, events)
        psycopg = self._psycopg
        last = events[-1]
        try:
            with self.db.transaction():
                if expected_seq == 0:
                    cur = self.db.execute("INSERT INTO jobs (job, head_seq, head_hash) VALUES (%s, %s, %s) "
                                          "ON CONFLICT (job) DO NOTHING", (job, last.seq, last.hash))
                    if cur.rowcount != 1:
                        raise ConflictError(job, 0)
                else:
                    row = self.db.execute("SELECT head_seq FROM jobs WHERE job = %s FOR UPDATE", (job,)).fetchone()
                    actual = int(row[0]) if row else 0
                    if actual != expected_seq:
                        raise ConflictError(job, expected_seq, actual)
                    self.db.execute("UPDATE jobs SET head_seq = %s, head_hash = %s WHERE job = %s",
                                    (last.seq, last.hash, job))
                with self.db.cursor() as cur:
                    cur.executemany(
                        "INSERT INTO events (job, seq, type, data, actor, at, prev, hash) "
                        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                        [(e.job, e.seq, e.type, canonical(e.data).decode("utf-8"), e.actor, e.at, e.prev, e.hash)
                         for e in events])
        except psycopg.errors.UniqueViolation:
            raise ConflictError(job, expected_seq) from None
        except psycopg.Error as exc:
            raise StoreError(f"job {job}: cannot write to {self.url}: {str(exc).strip()}") from None

    def _query(self, sql: str, args: tuple[Any, ...]) -> list[Any]:
        try:
            return self.db.execute(sql, args).fetchall()
        except self._psycopg.Error as exc:
            raise StoreError(f"cannot read {self.url}: {str(exc).strip()}") from None

    def read(self, job: str, after: int = 0) -> list[Event]:
        rows = self._query(f"{_SELECT} WHERE job = %s AND seq > %s ORDER BY seq", (job, after))
        try:
            return _rows(rows)
        except (ValueError, TypeError) as exc:
            raise StoreError(f"job {job}: an event in {self.url} cannot be read: {exc}",
                             hint="run `sopframe job verify` on the job") from None

    def head(self, job: str) -> tuple[int, str] | None:
        rows = self._query("SELECT head_seq, head_hash FROM jobs WHERE job = %s", (job,))
        return (int(rows[0][0]), rows[0][1]) if rows else None

    def job_ids(self) -> list[str]:
        return [r[0] for r in self._query('SELECT job FROM jobs ORDER BY job COLLATE "C"', ())]

    def events_of_type(self, type: str) -> list[Event]:
        return _rows(self._query(f'{_SELECT} WHERE type = %s ORDER BY at, job COLLATE "C", seq', (type,)))

    def close(self) -> None:
        try:
            self.db.close()
        except Exception:  # pragma: no cover
            pass


@hookimpl
def sopframe_store(url: str) -> Any:
    if not url.startswith(("postgresql://", "postgres://")):
        return None
    return PostgresStore(url)
