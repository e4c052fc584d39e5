"""The ``sqlite:///path`` job store: the embedded default.

``sqlite:///sopframe.db`` is a file relative to the working directory,
``sqlite:////var/lib/sopframe/jobs.db`` an absolute path.  The database runs
in WAL mode with ``synchronous=FULL``: a command's events are on disk when
it returns.  Each append is one ``BEGIN IMMEDIATE`` transaction that checks
the job's head (optimistic concurrency) before inserting, so all of a
command's events (and the read-model rows they change) are stored or none,
and a concurrent writer gets a :class:`~sopframe.errors.ConflictError`
instead of a lost update.

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
from typing import Any, Iterator, Sequence

from sopframe.core.chainproof import SEPARATOR, JoinedChain
from sopframe.core.migrations import migrate
from sopframe.core.store import SCHEMA_VERSION
from sopframe.errors import StoreError
from sopframe.hookspecs import hookimpl
from sopframe_plugins.store_sql import SqlStore

__all__ = ["SqliteStore", "sopframe_store", "path_from_url"]


class SqliteStore(SqlStore):
    """Events and read models in one SQLite file."""

    Error = sqlite3.Error
    events_options = " WITHOUT ROWID"

    def __init__(self, path: str | Path, url: str | None = None, timeout: float = 30.0,
                 migrate_on_open: bool = True) -> None:
        self.path = str(path)
        self.url = url or f"sqlite:///{path}"
        parent = Path(self.path).parent
        if self.path != ":memory:" and not parent.is_dir():
            raise StoreError(f"cannot open store {self.url}: directory {str(parent)!r} does not exist")
        try:
            self.db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
            self.db.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            version = self.schema_version()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open store {self.url}: {exc}",
                             hint="is it an SQLite database that this user may write?") from None
        if version < SCHEMA_VERSION and migrate_on_open:
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

    def _table_exists(self, name: str) -> bool:
        return self.db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                               (name,)).fetchone() is not None

    def joined_chains(self, jobs: Sequence[str], batch: int = 500) -> Iterator[tuple[str, JoinedChain | None]]:
        """Each job's events joined in SQLite, for :func:`~sopframe.core.chainproof.joined_intact` (None: not here).

        The canonical text of each event is assembled where the rows are read
        (SQLite is a library in this process, not a server others run), one
        row per job; nothing here is trusted until the texts hash to the
        stored hashes.  A job with no events, or in a batch SQLite cannot
        assemble (a text column holding bytes: ``json_quote`` refuses them),
        comes as None: the full check reads it.
        """
        cols = {r[1] for r in self.db.execute("PRAGMA table_info(events)")}
        links = ("typeof(max(prev)) = 'text'", "group_concat(prev, ',')") if "prev" in cols else ("1", "NULL")
        for i in range(0, len(jobs), batch):
            chunk = list(jobs[i:i + batch])
            sql = _JOINED.format(marks=", ".join("?" * len(chunk)), links_typed=links[0], links=links[1])
            try:
                rows = self.db.execute(sql, [SEPARATOR, *chunk]).fetchall()
            except sqlite3.Error:
                rows = []
            found = {r[0]: JoinedChain(r[0], int(r[1]), bool(r[2]), *r[3:]) for r in rows}
            for job in chunk:
                yield job, found.get(job)

    def close(self) -> None:
        try:
            self.db.close()
        except sqlite3.Error:  # pragma: no cover
            pass


#: one row per job: the canonical text of each event around its link (see JoinedChain), the stored hashes.
#: The text columns have TEXT affinity (numbers are stored as text), so the one other type they can hold is a
#: BLOB: json_quote refuses one, printf writes its bytes as data's text (which decodes the same), and max() of
#: a column that holds one is a BLOB (blobs sort last): the stored hashes and links must be text, as the full
#: check requires.  Whatever the file holds, a text that hashes to the hash its writer stored is that text.
_JOINED = """
SELECT job, count(*),
    typeof(max(hash)) = 'text' AND {links_typed},
    group_concat(seq, ','),
    group_concat(printf('{{"actor":%s,"at":%s,"data":%s,"job":%s,"prev":"',
                        json_quote(actor), json_quote(at), data, json_quote(job)), ?1),
    group_concat(printf('","seq":%d,"type":%s}}', seq, json_quote(type)), ?1),
    group_concat(hash, ','), {links}
FROM events WHERE job IN ({marks}) GROUP BY job
"""


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
