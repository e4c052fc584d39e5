"""The ``sqlite:///path`` job store: the embedded default.

``sqlite:///sopframe.db`` is a file relative to the working directory,
``sqlite:////var/lib/sopframe/jobs.db`` an absolute path.  The database runs
in WAL mode with ``synchronous=FULL``: a command's events are on disk when
it returns.  Each append is one ``BEGIN IMMEDIATE`` transaction that checks
the job's head (optimistic concurrency) before inserting, so all of a
command's events (and the read-model rows they change) are stored or none,
and a concurrent writer gets a :class:`~sopframe.errors.ConflictError`
instead of a lost update.

A command that only works on records that exist already (``job show``,
``job list``, ``verify``...) opens the store with ``create=False``: a file
that does not exist is then refused, so a mistyped path is reported instead
of being answered with "no jobs" from a new, empty store.

Schema: the embedded store migrates itself.  Opening a file that is new or
at an older schema version applies the pending steps (each one transaction,
so an interrupted step is simply run again by the next open); ``sopframe
store migrate`` does the same explicitly.  A file of a newer version is
refused.  A file this user may only read is not migrated: it is refused
with the command to run.
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Sequence

from sopframe.core.store import SCHEMA_VERSION
from sopframe.errors import StoreError
from sopframe.hookspecs import hookimpl
from sopframe_plugins.store_sql import SqlStore

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.ledger import StoreProof

__all__ = ["SqliteStore", "sopframe_store", "path_from_url"]

#: version 12's tables (plugins/store_events.py): no ``prev``, hashes as bytes, jobs without a rowid
_COMPACT = (
    ("jobs", "CREATE TABLE jobs_v11 (job TEXT PRIMARY KEY, head_seq INTEGER NOT NULL, head_hash BLOB NOT NULL) "
             "WITHOUT ROWID", "job, head_seq, sopframe_unhex(head_hash)"),
    ("events", "CREATE TABLE events_v11 (job TEXT NOT NULL, seq INTEGER NOT NULL, type TEXT NOT NULL, "
               "data TEXT NOT NULL, actor TEXT NOT NULL, at TEXT NOT NULL, hash BLOB NOT NULL, "
               "PRIMARY KEY (job, seq)) WITHOUT ROWID",
     "job, seq, type, data, actor, at, sopframe_unhex(hash)"),
    ("ledger", "CREATE TABLE ledger_v11 (n INTEGER PRIMARY KEY, job TEXT NOT NULL, first_seq INTEGER NOT NULL, "
               "last_seq INTEGER NOT NULL, head BLOB NOT NULL, hash BLOB NOT NULL, roles BLOB)",
     "n, job, first_seq, last_seq, sopframe_unhex(head), sopframe_unhex(hash), sopframe_unhex(roles)"),
)


def _unhex(value: Any) -> Any:
    """A stored hex hash as its 32 bytes; anything else (a tampered value) is kept as it is, for verify to name."""
    if isinstance(value, str) and len(value) == 64:
        try:
            raw = bytes.fromhex(value)
        except ValueError:
            return value
        return raw if raw.hex() == value else value
    return value


class SqliteStore(SqlStore):
    """Events and read models in one SQLite file."""

    Error = sqlite3.Error
    events_options = " WITHOUT ROWID"
    head_is_last_entry = True  # version 13: see store_ledger.py

    def __init__(self, path: str | Path, url: str | None = None, timeout: float = 30.0,
                 migrate_on_open: bool = True, create: bool = True) -> None:
        self.path = str(path)
        self.url = url or f"sqlite:///{path}"
        parent = Path(self.path).parent
        if self.path != ":memory:" and not parent.is_dir():
            raise StoreError(f"cannot open store {self.url}: directory {str(parent)!r} does not exist")
        if not create and self.path != ":memory:" and not Path(self.path).exists():
            raise StoreError(f"no store at {self.url}: the file {self.path!r} does not exist",
                             hint="check --store, SOPFRAME_STORE or the configuration's 'store' key; "
                                  "`sopframe job start` or `sopframe store init` creates a new store")
        try:
            self.db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open store {self.url}: {exc}",
                             hint="is it an SQLite database that this user may write?") from None
        try:
            self.db.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
            self.db.execute("PRAGMA schema_version").fetchone()  # reads the header: a file that is no database
            version = self.schema_version()
            others = self._other_tables() if version == 0 else 0
            if version == 0 and (others or not create):  # another program's database is never changed
                what = (f"an SQLite database with {others} table{'s' if others != 1 else ''} of something else"
                        if others else "an empty database")
                raise StoreError(f"{self.url} is not a sopframe store: it is {what}",
                                 hint="check the path; a new store is created by `sopframe job start` or "
                                      "`sopframe store init` in a file of its own")
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
        except sqlite3.Error as exc:
            self.db.close()
            raise StoreError(f"cannot open store {self.url}: {exc}",
                             hint="is it an SQLite database that this user may write?") from None
        except StoreError:
            self.db.close()
            raise
        #: the schema version the file was at when opened (0: created by this open), before it migrated itself
        self.opened_at = version
        if version < SCHEMA_VERSION and migrate_on_open:
            from sopframe.core.migrations import migrate

            migrate(self)  # a newer file is refused by open_store's version check

    @contextmanager
    def _tx(self) -> Iterator[None]:
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def _many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        if rows:
            self.db.executemany(sql, rows)

    def _is_unique_violation(self, exc: BaseException) -> bool:
        return isinstance(exc, sqlite3.IntegrityError)

    def _compact_tables(self) -> None:
        """Version 11: ``events`` and ``ledger`` copied into their new layout in one pass each."""
        self.db.create_function("sopframe_unhex", 1, _unhex, deterministic=True)
        for table, ddl, cols in _COMPACT:
            self._x(ddl)
            self._x(f"INSERT INTO {table}_v11 SELECT {cols} FROM {table}")
            self._x(f"DROP TABLE {table}")
            self._x(f"ALTER TABLE {table}_v11 RENAME TO {table}")

    def prove(self, after: int, sizes: Sequence[int]) -> "StoreProof | None":
        from sopframe_plugins.store_proof import prove  # the compiled whole-store proof, when it was built

        return prove(self, after, sizes)

    def backup(self, dest: str) -> None:
        """SQLite's online backup into a new file beside ``dest``, renamed into place once complete.

        Writers may go on meanwhile (the copy is the database as of one
        moment); the new file is readable by its owner only, as it holds the
        accounts' hashes too.  ``dest`` must not exist (nor be made while the
        copy is written: it is linked into place, which never replaces a file).
        """
        import os
        import tempfile

        target = Path(dest)
        if target.exists():
            raise StoreError(f"{dest!r} already exists", hint="name a new file: a backup never overwrites one")
        if not target.parent.is_dir():
            raise StoreError(f"cannot write {dest!r}: directory {str(target.parent)!r} does not exist")
        fd, partial = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
        os.close(fd)
        try:
            copy = sqlite3.connect(partial)
            try:
                self.db.backup(copy)
                copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
            finally:
                copy.close()
            os.link(partial, target)  # put in place whole, and never over a file made meanwhile
        except FileExistsError:
            raise StoreError(f"{dest!r} already exists", hint="name a new file: a backup never overwrites one") \
                from None
        except sqlite3.Error as exc:
            raise StoreError(f"cannot back up {self.url} to {dest!r}: {exc}") from None
        finally:
            if os.path.exists(partial):
                os.remove(partial)

    def _other_tables(self) -> int:
        """How many tables the file holds (at version 0: none of them sopframe's)."""
        return int(self.db.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0])

    def _table_exists(self, name: str) -> bool:
        return self.db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                               (name,)).fetchone() is not None

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
def sopframe_store(url: str, create: bool) -> Any:
    if not url.startswith("sqlite:"):
        return None
    if not url.startswith("sqlite://"):
        raise StoreError(f"store URL {url!r} is not sqlite:///PATH")
    return SqliteStore(path_from_url(url), url, create=create)
