"""Stores in the layout of the first releases (schema version 1), for the migration tests.

The DDL below is copied from the store code of that release, so these tests
keep checking real old databases even as the current code changes.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sopframe.core.engine.events import Event, NewEvent, canonical, chain
from sopframe.testing.store_contract import _TINY_TEMPLATE

OLD_SQLITE_SCHEMA = """
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

OLD_POSTGRES_DDL = """
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


def old_job(job: str, n_fields: int = 3) -> list[Event]:
    """A job as the first releases wrote it: the template's full text inside ``job.started``."""
    import hashlib

    sha = hashlib.sha256(_TINY_TEMPLATE.encode("utf-8")).hexdigest()
    new = [NewEvent("job.started", {"job": job, "title": "A tiny procedure",
                                    "template": {"id": "tiny", "version": "1.0.0", "sha256": sha,
                                                 "file": "tiny.yaml", "text": _TINY_TEMPLATE}}),
           NewEvent("stage.entered", {"stage": "write", "subjob": None})]
    new += [NewEvent("field.set", {"stage": "write", "field": "summary", "value": f"v{i}"}) for i in range(n_fields)]
    return chain(job, 0, "0" * 64, new, "alice", "2026-01-05T09:00:00.000000Z")


def _rows(events: list[Event]) -> list[tuple[Any, ...]]:
    return [(e.job, e.seq, e.type, canonical(e.data).decode("utf-8"), e.actor, e.at, e.prev, e.hash) for e in events]


def make_old_sqlite(path: Path, jobs: dict[str, list[Event]]) -> None:
    db = sqlite3.connect(path)
    db.executescript(OLD_SQLITE_SCHEMA)
    for job, events in jobs.items():
        db.execute("INSERT INTO jobs VALUES (?, ?, ?)", (job, events[-1].seq, events[-1].hash))
        db.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?)", _rows(events))
    db.commit()
    db.close()


def make_old_postgres(url: str, jobs: dict[str, list[Event]]) -> None:
    import psycopg

    from sopframe_plugins.store_postgres import split_url

    dsn, schema = split_url(url)
    with psycopg.connect(dsn, autocommit=True) as db:
        db.execute(f'CREATE SCHEMA "{schema}"')
        db.execute(f'SET search_path TO "{schema}"')
        for stmt in filter(str.strip, OLD_POSTGRES_DDL.split(";")):
            db.execute(stmt)
        for job, events in jobs.items():
            db.execute("INSERT INTO jobs VALUES (%s, %s, %s)", (job, events[-1].seq, events[-1].hash))
            with db.cursor() as cur:
                cur.executemany("INSERT INTO events VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", _rows(events))
