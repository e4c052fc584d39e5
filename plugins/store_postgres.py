"""The ``postgresql://`` job store, for teams working from several machines (psycopg 3).

``postgresql://user:password@host:5432/dbname`` (or ``postgres://``) is
passed to libpq; an extra ``schema=NAME`` query parameter keeps sopframe's
tables in their own schema.  Each append is one transaction that moves the
job's head row only from the expected sequence number and inserts the
events and the read-model rows they change, so all of a command's writes
are stored or none, and a concurrent writer gets a
:class:`~sopframe.errors.ConflictError`.

Opening a store runs no DDL and takes no lock: ``open_store`` reads the
schema version and refuses a store that is not at this code's version,
saying what to run.
``sopframe store init`` creates the schema (and the ``schema=`` schema if
missing); ``sopframe store migrate`` applies pending steps, each in one
transaction under an advisory lock.  A role with only ``USAGE`` on the
schema and ``SELECT`` on its tables can run every reading command.
Install with ``pip install 'sopframe[postgres]'``.
"""

from __future__ import annotations

import re
from contextlib import AbstractContextManager
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sopframe.errors import StoreError
from sopframe.hookspecs import hookimpl
from sopframe_plugins.store_sql import SqlStore

__all__ = ["PostgresStore", "sopframe_store", "split_url"]

_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_MIGRATION_LOCK = 7351


def split_url(url: str) -> tuple[str, str | None]:
    """The libpq URL without sopframe's own ``schema`` parameter, and that schema."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    schema = next((v for k, v in query if k == "schema"), None)
    rest = urlencode([(k, v) for k, v in query if k != "schema"])
    if schema is not None and not _SCHEMA_NAME.match(schema):
        raise StoreError(f"store URL: schema {schema!r} must be lower-case letters, digits and _")
    return urlunsplit((parts.scheme, parts.netloc, parts.path, rest, parts.fragment)), schema


def _safe(url: str) -> str:
    """The URL without its password, for messages."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


class PostgresStore(SqlStore):
    """Events and read models in PostgreSQL tables."""

    placeholder = "%s"
    lock_row = " FOR UPDATE"
    collate_c = ' COLLATE "C"'
    big = "BIGINT"

    def __init__(self, url: str, connect_timeout: int = 10) -> None:
        """Connect (``open_store`` then checks the schema version)."""
        try:
            import psycopg
        except ImportError:
            raise StoreError("the PostgreSQL store needs psycopg 3",
                             hint="pip install 'sopframe[postgres]'") from None
        self._psycopg = psycopg
        self.Error = psycopg.Error
        self.url = _safe(url)
        dsn, self.schema = split_url(url)
        try:
            self.db = psycopg.connect(dsn, autocommit=True, connect_timeout=connect_timeout)
        except psycopg.Error as exc:
            raise StoreError(f"cannot connect to {self.url}: {str(exc).strip()}",
                             hint="is the server running, and may this user connect?") from None
        if self.schema:  # a session setting, not DDL: the schema may not exist yet (store init makes it)
            try:
                self.db.execute(f'SET search_path TO "{self.schema}"')
            except psycopg.Error as exc:
                self.db.close()
                raise StoreError(f"cannot open {self.url}: {str(exc).strip()}") from None

    def _tx(self) -> AbstractContextManager[Any]:
        return self.db.transaction()

    def _is_unique_violation(self, exc: BaseException) -> bool:
        return isinstance(exc, self._psycopg.errors.UniqueViolation)

    def _table_exists(self, name: str) -> bool:
        return self.db.execute("SELECT to_regclass(%s)", (name,)).fetchone()[0] is not None

    def _migration_lock(self) -> None:
        self.db.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
        if self.schema:
            self.db.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')

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
