"""What the SQLite and PostgreSQL stores share: the tables, the append transaction, the read-model queries.

A backend subclass provides the connection, a write transaction
(:meth:`SqlStore._tx`), its parameter placeholder and the DDL dialect.  SQL is
written here with ``?`` placeholders and ``{big}``/``{c}`` for the integer
type and the byte-order collation job ids sort by.

Schema version 1 is the layout of the first releases (``jobs``, ``events``);
version 2 adds ``templates``, ``id_counters`` and the read models
``job_summary``, ``open_stages`` and ``sops``; version 3 the ledger
(:mod:`sopframe_plugins.store_ledger`); version 4 the read model
``open_signoffs``; version 5 ``stage_visits``; version 6 the notification outbox
(:mod:`sopframe_plugins.store_outbox`); version 7 accounts, sessions, API tokens and the sign-in log
(``store_auth``); version 8 ``role_tables`` and the ledger's ``roles``
column; version 9 ``attachments`` (documents' bytes by SHA-256); version 10 the SOP-lifecycle
read models ``sop_acks``, ``sop_flags``, ``sop_jobs`` and each ``sops`` row's acknowledgement
policy (:mod:`sopframe_plugins.store_sop_records`); version 11 an index of the sign-in log by client
address; version 12 drops the ``prev`` columns of ``events`` and ``ledger`` and indexes only the rare types
read across jobs (:mod:`sopframe_plugins.store_events`).  A read-model step fills only the read-model tables of its
version (:data:`READ_MODELS`): a later step fills its own.
"""

from __future__ import annotations

import abc
import hashlib
from contextlib import AbstractContextManager
from datetime import datetime, timezone
from typing import Any, Iterator, Sequence

from sopframe.core.engine.events import GENESIS, Event, canonical, decode_rows
from sopframe.core.safetext import escape
from sopframe.core.store import Derived, RowsOf, Store, check_batch
from sopframe.errors import ConflictError, StoreError
from sopframe_plugins.store_auth import AUDIT_BY_REMOTE, AUDIT_BY_REMOTE_DDL, AUTH_DDL, AUTH_VERSION, AuthTables
from sopframe_plugins.store_errors import write_refused
from sopframe_plugins.store_events import COMPACT_DDL, EVENT_COLS, by_type_rows, by_type_sql, hexed, linked, packed
from sopframe_plugins.store_ledger import LedgerTables
from sopframe_plugins.store_readmodel import READ_MODELS, SOP_RECORDS
from sopframe_plugins.store_outbox import OUTBOX_DDL, OUTBOX_VERSION, OutboxTables
from sopframe_plugins.store_sop_records import SOP_RECORDS_DDL, SopRecordTables

__all__ = ["SqlStore", "DDL", "READ_MODELS"]

DDL: dict[int, str] = {
    1: """
CREATE TABLE IF NOT EXISTS jobs (job TEXT PRIMARY KEY, head_seq {big} NOT NULL, head_hash TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    job TEXT NOT NULL, seq {big} NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL, actor TEXT NOT NULL,
    at TEXT NOT NULL, prev TEXT NOT NULL, hash TEXT NOT NULL, PRIMARY KEY (job, seq)
){events_options};
CREATE INDEX IF NOT EXISTS events_by_type ON events (type, at)
""",
    2: """
CREATE TABLE templates (sha256 TEXT PRIMARY KEY, text TEXT NOT NULL);
CREATE TABLE id_counters (key TEXT PRIMARY KEY, last {big} NOT NULL);
CREATE TABLE job_summary (
    job TEXT{c} PRIMARY KEY, template TEXT NOT NULL, version TEXT NOT NULL, sha256 TEXT NOT NULL,
    title TEXT NOT NULL, status TEXT NOT NULL, started_at TEXT NOT NULL, started_by TEXT NOT NULL,
    finished_at TEXT, last_change TEXT NOT NULL, events {big} NOT NULL, subjobs TEXT NOT NULL
);
CREATE INDEX job_summary_by_status ON job_summary (status, job);
CREATE INDEX job_summary_by_template ON job_summary (template, job);
CREATE INDEX job_summary_by_change ON job_summary (last_change);
CREATE TABLE open_stages (
    job TEXT{c} NOT NULL, node TEXT NOT NULL, stage TEXT NOT NULL, subjob TEXT, owner TEXT,
    entered_at TEXT NOT NULL, due TEXT, PRIMARY KEY (job, node)
);
CREATE INDEX open_stages_by_due ON open_stages (due) WHERE due IS NOT NULL;
CREATE INDEX open_stages_by_owner ON open_stages (owner, job);
CREATE TABLE sops (
    job TEXT{c} PRIMARY KEY, ref TEXT NOT NULL, version TEXT, title TEXT NOT NULL, effective_date TEXT,
    next_review TEXT, template TEXT NOT NULL, published_at TEXT NOT NULL
);
CREATE INDEX sops_by_ref ON sops (ref, published_at, job)
""",
    3: """
CREATE TABLE ledger (
    n {big} PRIMARY KEY, job TEXT NOT NULL, first_seq {big} NOT NULL, last_seq {big} NOT NULL,
    head TEXT NOT NULL, prev TEXT NOT NULL, hash TEXT NOT NULL
);
CREATE INDEX ledger_by_job ON ledger (job, n);
CREATE TABLE ledger_head (
    id INTEGER PRIMARY KEY CHECK (id = 1), n {big} NOT NULL, hash TEXT NOT NULL, store_id TEXT NOT NULL
)
""",
    4: """
CREATE TABLE open_signoffs (
    job TEXT{c} NOT NULL, node TEXT NOT NULL, signoff TEXT NOT NULL, stage TEXT NOT NULL, subjob TEXT,
    role TEXT NOT NULL, entered_at TEXT NOT NULL, due TEXT, barred TEXT NOT NULL, PRIMARY KEY (job, node, signoff)
);
CREATE INDEX open_signoffs_by_role ON open_signoffs (role, job)
""",
    5: """
CREATE TABLE stage_visits (
    job TEXT{c} NOT NULL, node TEXT NOT NULL, visit INTEGER NOT NULL, template TEXT NOT NULL, stage TEXT NOT NULL,
    subjob TEXT, owner TEXT, entered_at TEXT NOT NULL, first_action_at TEXT, first_actor TEXT, closed_at TEXT,
    closed_by TEXT, outcome TEXT NOT NULL, due TEXT, breached_at TEXT, PRIMARY KEY (job, node, visit)
);
CREATE INDEX stage_visits_by_template ON stage_visits (template, closed_at)
""",
    OUTBOX_VERSION: OUTBOX_DDL,
    AUTH_VERSION: AUTH_DDL,
    8: """
ALTER TABLE ledger ADD COLUMN roles TEXT;
CREATE TABLE role_tables (digest TEXT PRIMARY KEY, body TEXT NOT NULL)
""",
    9: """
CREATE TABLE attachments (sha256 TEXT PRIMARY KEY, size {big} NOT NULL, data {blob} NOT NULL)
""",
    SOP_RECORDS: SOP_RECORDS_DDL,
    AUDIT_BY_REMOTE: AUDIT_BY_REMOTE_DDL,
    12: """
CREATE TABLE IF NOT EXISTS ledger_pending (
    id {serial}, job TEXT NOT NULL, first_seq {big} NOT NULL, last_seq {big} NOT NULL, head {blob} NOT NULL,
    roles {blob}
)
""",  # and _compact: the layout of plugins/store_events.py
    13: "",  # the ledger's head: see LedgerTables.head_is_last_entry and _head_in_ledger
    14: "",  # read models rebuilt (apply_migration)
}

_VERSION_TABLE = "CREATE TABLE IF NOT EXISTS sopframe_schema (version INTEGER PRIMARY KEY, name TEXT NOT NULL, " \
                 "applied_at TEXT NOT NULL)"


def decode_events(rows: Sequence[Sequence[Any]], what: str, url: str) -> list[Event]:
    """Events from rows, decoding every data column in one JSON parse (long jobs read fast)."""
    try:
        return decode_rows(rows)
    except ValueError as exc:
        raise StoreError(f"{what}: an event in {url} cannot be read: {exc}",
                         hint="run `sopframe job verify --all`") from None


class SqlStore(AuthTables, LedgerTables, SopRecordTables, OutboxTables, Store):  # SopRecordTables extends ReadModelTables
    """A store on a DB-API connection; subclasses supply the dialect."""

    db: Any
    #: the parameter placeholder of the driver
    placeholder = "?"
    #: what makes job ids sort by bytes in ORDER BY / comparisons
    collate_c = ""
    big = "INTEGER"
    #: an auto-numbered primary key column's type
    serial = "INTEGER PRIMARY KEY"
    blob = "BLOB"
    events_options = ""
    #: the driver's error base class, and its unique-violation class
    Error: type[BaseException] = Exception
    #: digests of the role tables this connection has seen committed to ``role_tables`` (never deleted)
    _kept_roles: frozenset[str] = frozenset()

    # ----------------------------------------------------------- dialect
    @abc.abstractmethod
    def _tx(self) -> AbstractContextManager[Any]:
        """A write transaction: committed on leaving, rolled back on an exception."""

    def _sql(self, sql: str) -> str:
        return sql.replace("?", self.placeholder) if self.placeholder != "?" else sql

    def _x(self, sql: str, args: Sequence[Any] = ()) -> Any:
        return self.db.execute(self._sql(sql), tuple(args))

    def _many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        """``INSERT ... VALUES (?, ...)`` for each row, as one statement of many rows (one round trip to a server)."""
        head, _, group = sql.rpartition(" VALUES ")
        for i in range(0, len(rows), 1000):  # PostgreSQL takes at most 65,535 parameters a statement
            chunk = rows[i:i + 1000]
            self._x(f"{head} VALUES {', '.join([group] * len(chunk))}", [v for r in chunk for v in r])

    def _query(self, sql: str, args: Sequence[Any] = ()) -> list[Any]:
        try:
            return self._x(sql, args).fetchall()
        except self.Error as exc:
            raise StoreError(f"cannot read {self.url}: {str(exc).strip()}") from None

    @abc.abstractmethod
    def _table_exists(self, name: str) -> bool:
        """Whether a table of that name is visible to this connection."""

    def ddl(self, version: int) -> list[str]:
        text = DDL[version].format(big=self.big, c=self.collate_c, events_options=self.events_options,
                                   serial=self.serial, blob=self.blob)
        return [s.strip() for s in text.split(";") if s.strip()]

    # ------------------------------------------------------------ append
    def append(self, job: str, expected_seq: int, events: Sequence[Event], derived: Derived | None = None) -> None:
        check_batch(job, expected_seq, events)
        last = events[-1]
        try:  # hashes as stored (32 bytes): a malformed one is refused before anything is written
            rows = [(e.job, e.seq, e.type, canonical(e.data).decode("utf-8"), e.actor, e.at,
                     packed(e.hash, f"job {job}: event {e.seq}")) for e in events]
        except ValueError as exc:
            raise StoreError(str(exc)) from None
        head_hash = rows[-1][6]
        roles = derived.roles if derived is not None else None
        try:  # no result is read before the ledger's head is: a server gets the statements up to it at once
            with self._append_tx():
                if expected_seq == 0:  # a new job: the primary key refuses a second creator
                    moved = self._x("INSERT INTO jobs (job, head_seq, head_hash) VALUES (?, ?, ?) "
                                    "ON CONFLICT (job) DO NOTHING", (job, last.seq, head_hash))
                else:  # moves the head only if it is where the writer expects it (the row lock orders writers)
                    moved = self._x("UPDATE jobs SET head_seq = ?, head_hash = ? WHERE job = ? AND head_seq = ?",
                                    (last.seq, head_hash, job, expected_seq))
                self._many(f"INSERT INTO events ({EVENT_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
                counter = None
                if derived is not None:
                    counter = self._derived(derived)
                    self._insert_notes(derived.notifications)  # the outbox: same transaction as the events
                self._ledger_append(job, events[0].seq, last.seq, last.hash, roles.digest if roles else None)
                if moved.rowcount != 1 or counter is not None and counter.rowcount != 1:
                    raise ConflictError(job, expected_seq)  # rolled back: nothing of it is kept
        except ConflictError:
            raise self._conflict(job, expected_seq) from None
        except self.Error as exc:
            if self._is_unique_violation(exc):
                raise self._conflict(job, expected_seq) from None
            raise write_refused(f"job {job}: cannot write to {self.url}", exc) from None
        if roles is not None and roles.digest not in self._kept_roles:  # committed: not stored again
            self._kept_roles = self._kept_roles | {roles.digest}

    def _append_tx(self) -> AbstractContextManager[Any]:
        """An append's transaction (PostgreSQL sends its statements in batches: ``store_batch``)."""
        return self._tx()

    def _conflict(self, job: str, expected_seq: int) -> ConflictError:
        """What a refused append raises: where the job is, if another writer moved it."""
        head = self.head(job) if expected_seq else None
        actual = head[0] if head else 0
        return ConflictError(job, expected_seq, actual if expected_seq and actual != expected_seq else None)

    def _is_unique_violation(self, exc: BaseException) -> bool:
        return False

    def seal_ledger(self) -> int:
        try:
            with self._tx():
                head = self._head_row()  # waits for an append that is chaining
                pending = self._take_pending()
                self._chain(head, pending)
        except self.Error as exc:
            raise write_refused(f"cannot chain the pending ledger entries of {self.url}", exc) from None
        return len(pending)

    def _derived(self, d: Derived) -> Any:
        """Write what an append keeps besides its events; the result of the counter's statement (its row count is
        1 unless another writer took the number), or None."""
        counter = None
        if d.counter is not None:
            counter = self._x("INSERT INTO id_counters (key, last) VALUES (?, ?) ON CONFLICT (key) DO UPDATE "
                              "SET last = excluded.last WHERE id_counters.last < excluded.last", d.counter)
        if d.template is not None:
            self._x("INSERT INTO templates (sha256, text) VALUES (?, ?) ON CONFLICT (sha256) DO NOTHING", d.template)
        if d.attachment is not None:
            sha, data = d.attachment
            self._x("INSERT INTO attachments (sha256, size, data) VALUES (?, ?, ?) ON CONFLICT (sha256) DO NOTHING",
                    (sha, len(data), data))
        if d.roles is not None and d.roles.digest not in self._kept_roles:
            self._x("INSERT INTO role_tables (digest, body) VALUES (?, ?) ON CONFLICT (digest) DO NOTHING",
                    (d.roles.digest, d.roles.body))
        if d.rows is not None:
            self._write_rows(d.rows, replace=True, before=d.before)
        return counter

    # -------------------------------------------------------------- read
    def read(self, job: str, after: int = 0) -> list[Event]:
        # from event ``after`` itself when there is one: its hash is the next event's ``prev``
        rows = self._query(f"SELECT {EVENT_COLS} FROM events WHERE job = ? AND seq >= ? ORDER BY seq", (job, after))
        prev = hexed(rows.pop(0)[6]) if rows and rows[0][1] == after else GENESIS
        return decode_events(linked(rows, prev), f"job {job}", self.url)

    def head(self, job: str) -> tuple[int, str] | None:
        rows = self._query("SELECT head_seq, head_hash FROM jobs WHERE job = ?", (job,))
        if rows and type(rows[0][0]) is not int:
            raise StoreError(f"job {escape(job)}: the store's record of its last event is damaged "
                             f"(not an event number)", hint="`sopframe verify` checks the whole store")
        return (rows[0][0], hexed(rows[0][1])) if rows else None

    def job_ids(self, prefix: str = "") -> list[str]:
        if prefix:  # a range on the primary key: no scan of other ids
            rows = self._query(f"SELECT job FROM jobs WHERE job >= ? AND job < ? ORDER BY job{self.collate_c}",
                               (prefix, prefix + "\U0010ffff"))
            return [r[0] for r in rows if r[0].startswith(prefix)]
        return [r[0] for r in self._query(f"SELECT job FROM jobs ORDER BY job{self.collate_c}")]

    def events_of_type(self, type: str) -> list[Event]:
        rows = self._query(by_type_sql(type, f"e.at, e.job{self.collate_c}, e.seq"), (type,))
        return decode_events(by_type_rows(rows), f"events of type {type}", self.url)

    def iter_jobs(self, batch: int = 200) -> Iterator[tuple[str, list[Event]]]:
        for job, rows in self._row_batches(self.job_ids(), batch):
            yield job, decode_events(rows, f"job {job}", self.url)

    def iter_rows(self, jobs: Sequence[str] | None = None, batch: int = 500) -> Iterator[tuple[str, list[Any]]]:
        yield from self._row_batches(self.job_ids() if jobs is None else list(jobs), batch)

    def _row_batches(self, ids: list[str], batch: int) -> Iterator[tuple[str, list[Any]]]:
        """Each job with its event rows, ``prev`` included (see :func:`~sopframe_plugins.store_events.linked`)."""
        for i in range(0, len(ids), batch):
            chunk = ids[i:i + batch]
            marks = ", ".join("?" * len(chunk))
            rows = self._query(f"SELECT {EVENT_COLS} FROM events WHERE job IN ({marks}) ORDER BY job, seq", chunk)
            by_job: dict[str, list[Any]] = {}
            for r in rows:
                by_job.setdefault(r[0], []).append(r)
            for job in chunk:
                yield job, linked(by_job.get(job, []))

    def heads(self) -> dict[str, tuple[int, str]]:
        # as stored: verification reports a head that is not (an event number, a hash)
        return {r[0]: (r[1], hexed(r[2])) for r in self._query("SELECT job, head_seq, head_hash FROM jobs")}

    def template(self, sha256: str) -> str | None:
        rows = self._query("SELECT text FROM templates WHERE sha256 = ?", (sha256,))
        return rows[0][0] if rows else None

    def attachment(self, sha256: str) -> bytes | None:
        rows = self._query("SELECT data FROM attachments WHERE sha256 = ?", (sha256,))
        return bytes(rows[0][0]) if rows else None

    def role_table(self, digest: str) -> str | None:
        rows = self._query("SELECT body FROM role_tables WHERE digest = ?", (digest,))
        return rows[0][0] if rows else None

    def last_number(self, key: str) -> int | None:
        rows = self._query("SELECT last FROM id_counters WHERE key = ?", (key,))
        return int(rows[0][0]) if rows else None

    # ------------------------------------------------------------ schema
    def schema_version(self) -> int:
        try:
            if self._table_exists("sopframe_schema"):
                row = self._x("SELECT max(version) FROM sopframe_schema").fetchone()
                if row and row[0] is not None:
                    return int(row[0])
            return 1 if self._table_exists("events") else 0
        except self.Error as exc:
            raise StoreError(f"cannot read the schema version of {self.url}: {str(exc).strip()}") from None

    def apply_migration(self, version: int, rows_of: RowsOf) -> None:
        from sopframe.core.migrations import MIGRATIONS

        self._kept_roles = frozenset()  # a step may make the table anew
        try:
            with self._tx():
                self._migration_lock()
                if self.schema_version() >= version:  # another process got there first
                    return
                self._x(_VERSION_TABLE)
                for stmt in self.ddl(version):
                    self._x(stmt)
                if version == 2:
                    self._keep_started_templates()
                if version == 3:
                    self._start_ledger()
                if version == 12:
                    self._compact()
                if version == 13 and self.head_is_last_entry:  # the row's number and hash are no longer kept
                    self._x("UPDATE ledger_head SET n = 0, hash = ? WHERE id = 1", (GENESIS,))
                if version in READ_MODELS.values() or version == 14:  # fill read models from the events
                    self._rebuild(rows_of, version)
                now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
                self._x("INSERT INTO sopframe_schema (version, name, applied_at) VALUES (?, ?, ?)",
                        (version, MIGRATIONS[version - 1].name, now))
        except self.Error as exc:
            raise StoreError(f"cannot migrate {self.url} to schema version {version}: {str(exc).strip()}",
                             hint="nothing of this step was kept; fix the cause and run it again") from None

    def _migration_lock(self) -> None:
        """Serialise concurrent migrators (SQLite's write transaction already does)."""

    def _compact(self) -> None:
        """Version 11 (:mod:`sopframe_plugins.store_events`): no ``prev`` columns, hashes as bytes, a partial index."""
        self._compact_tables()
        for stmt in (s.strip() for s in COMPACT_DDL.split(";")):
            if stmt:
                self._x(stmt)

    @abc.abstractmethod
    def _compact_tables(self) -> None:
        """Drop ``prev`` from ``events`` and ``ledger`` and store their hashes as bytes, where not done yet."""

    def _keep_started_templates(self) -> None:
        """Version 2: the texts earlier jobs carry in their start events go to ``templates`` too."""
        for ev in self.events_of_type("job.started"):
            t = ev.data.get("template") or {}
            text, sha = t.get("text"), t.get("sha256")
            if text and sha and hashlib.sha256(text.encode("utf-8")).hexdigest() == sha:
                self._x("INSERT INTO templates (sha256, text) VALUES (?, ?) ON CONFLICT (sha256) DO NOTHING",
                        (sha, text))
