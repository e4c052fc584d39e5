"""``/healthz`` and ``/readyz``: asked without a sign-in, they say whether the server can work, and nothing more."""

from __future__ import annotations

import logging
import sqlite3

from pathlib import Path

import pytest
from serversupport import Server, make_server
from store.conftest import postgres_empty_url, postgres_server, postgres_url  # noqa: F401 - fixtures


def test_liveness_needs_no_sign_in_and_reads_nothing(server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_store() -> None:
        raise AssertionError("liveness must not touch the store")

    monkeypatch.setattr(server.state, "engine", no_store)
    with server.client() as client:
        r = client.get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["x-content-type-options"] == "nosniff"  # the security headers of every response


def test_ready_when_the_store_answers_at_this_servers_schema_version(server: Server) -> None:
    with server.client() as client:
        r = client.get("/readyz")
    assert r.status_code == 200 and r.json() == {"status": "ready"}


def test_not_ready_while_the_store_cannot_be_used(server: Server, monkeypatch: pytest.MonkeyPatch,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    from sopframe.errors import StoreError

    def unreachable() -> None:
        raise StoreError(f"cannot connect to {server.url}: connection refused")

    monkeypatch.setattr(server.state, "engine", unreachable)
    with caplog.at_level(logging.WARNING, logger="sopframe.server"), server.client() as client:
        r = client.get("/readyz")
    assert r.status_code == 503
    assert r.json() == {"status": "unavailable", "reason": "the job store cannot be used right now"}
    assert server.url not in r.text  # the address stays in the log
    assert "connection refused" in caplog.text


def _set_version(server: Server, change: str, *args: int) -> None:
    db = sqlite3.connect(server.url[len("sqlite:///"):])
    db.execute(change, args)
    db.commit()
    db.close()


def test_not_ready_on_a_store_a_newer_release_made(server: Server, caplog: pytest.LogCaptureFixture) -> None:
    from sopframe.core.store import SCHEMA_VERSION

    _set_version(server, "INSERT INTO sopframe_schema (version, name, applied_at) VALUES (?, 'newer', '')",
                 SCHEMA_VERSION + 1)
    with caplog.at_level(logging.WARNING, logger="sopframe.server"), server.client() as client:
        r = client.get("/readyz")
    assert r.status_code == 503 and str(SCHEMA_VERSION + 1) not in r.text
    assert f"schema version {SCHEMA_VERSION + 1}" in caplog.text


def test_not_ready_until_a_postgresql_store_is_migrated(tmp_path: Path, postgres_url: str,  # noqa: F811
                                                        caplog: pytest.LogCaptureFixture) -> None:
    """After an upgrade, before `sopframe store migrate` (PostgreSQL stores never migrate themselves)."""
    import psycopg

    from sopframe.core.store import SCHEMA_VERSION
    from sopframe_plugins.store_postgres import split_url

    server = make_server(tmp_path, store_url=postgres_url)
    try:
        with server.client() as client:
            assert client.get("/readyz").status_code == 200
            dsn, schema = split_url(postgres_url)
            with psycopg.connect(dsn, autocommit=True) as db:
                db.execute(f'DELETE FROM "{schema}".sopframe_schema WHERE version = %s', (SCHEMA_VERSION,))
            with caplog.at_level(logging.WARNING, logger="sopframe.server"):
                r = client.get("/readyz")
            assert r.status_code == 503
            assert r.json()["reason"] == "the job store's schema is not the version this server needs"
            assert f"schema version {SCHEMA_VERSION - 1}, this server needs {SCHEMA_VERSION}" in caplog.text
    finally:
        server.state.close()
