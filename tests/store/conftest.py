"""A PostgreSQL server for the store tests, or a clear skip (a failure in CI)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Iterator

import pytest

ENV_URL = "SOPFRAME_TEST_POSTGRES_URL"


def _unavailable(reason: str) -> None:
    if os.environ.get("SOPFRAME_CI"):
        pytest.fail(f"PostgreSQL tests cannot run in CI: {reason} (.ci/start-postgres.sh starts a server)")
    pytest.skip(f"PostgreSQL tests skipped: {reason}")


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The URL of a reachable PostgreSQL server (from SOPFRAME_TEST_POSTGRES_URL)."""
    url = os.environ.get(ENV_URL)
    if not url:
        _unavailable(f"{ENV_URL} is not set; run eval \"$(.ci/start-postgres.sh)\" first")
    try:
        import psycopg
    except ImportError:
        _unavailable("psycopg is not installed (pip install -e '.[test]')")
    try:
        psycopg.connect(url, connect_timeout=5).close()  # type: ignore[arg-type]
    except Exception as exc:  # any failure to connect means: no server here
        _unavailable(f"cannot connect to {url}: {str(exc).strip()}")
    return url  # type: ignore[return-value]


@pytest.fixture
def postgres_empty_url(postgres_server: str) -> Iterator[str]:
    """A store URL with a schema of its own (not created yet), dropped after the test."""
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:16]}"
    sep = "&" if "?" in postgres_server else "?"
    yield f"{postgres_server}{sep}schema={schema}"
    with psycopg.connect(postgres_server, autocommit=True) as db:
        db.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def postgres_url(postgres_empty_url: str) -> str:
    """A store URL with a schema of its own, initialised at the current schema version (`store init`)."""
    from sopframe.core.migrations import migrate
    from sopframe_plugins.store_postgres import PostgresStore

    with PostgresStore(postgres_empty_url) as store:
        migrate(store)
    return postgres_empty_url


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A store URL: a new SQLite file, then an initialised PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'jobs.db'}"
    return request.getfixturevalue("postgres_url")
