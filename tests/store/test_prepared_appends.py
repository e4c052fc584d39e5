"""PostgreSQL appends sent as ``EXECUTE`` of statements prepared once per connection (plugins/store_batch.py).

A prepared statement lives on the server's session, outside the store's
control: psycopg deallocates every one after a ``ROLLBACK`` once it has
prepared statements of its own, and a pooler may swap the session.  These
tests take them away in each of those ways and check that no append fails
or is kept twice, and that the record still verifies.
"""

from __future__ import annotations

from typing import Any, Iterator

import pytest

from sopframe.core.engine import Engine
from sopframe.core.store import open_store
from sopframe.core.jobcheck import verify_jobs
from sopframe.errors import ConflictError
from sopframe.pluginmanager import load_plugins
from sopframe.testing.store_contract import _TINY_TEMPLATE

ROLES = {"author": ["alice"], "lead": ["lee"]}


@pytest.fixture
def store(postgres_url: str) -> Iterator[Any]:
    store = open_store(postgres_url, load_plugins())
    yield store
    store.close()


def names_on_server(store: Any) -> set[str]:
    return {r[0] for r in store.db.execute("SELECT name FROM pg_prepared_statements WHERE name LIKE 'sopframe%'")}


def settled(store: Any, job: str, values: list[str]) -> None:
    """Every value was kept once, in order, and the job's chain and the ledger verify."""
    kept = [e.data["value"] for e in store.read(job) if e.type == "field.set"]
    assert kept == values
    assert all(c.ok for c in verify_jobs(store))


def test_statements_are_prepared_once_and_reused(store: Any) -> None:
    engine = Engine(store, roles=ROLES)
    job = engine.start(_TINY_TEMPLATE, "tiny.yaml", actor="alice").job_id
    engine.set_fields(job, {"summary": "one"}, actor="alice")
    after_first = names_on_server(store)
    assert after_first and after_first == store._prepared.names
    for value in ("two", "three"):
        engine.set_fields(job, {"summary": value}, actor="alice")
    assert names_on_server(store) == after_first  # the same statements again: nothing new prepared
    settled(store, job, ["one", "two", "three"])


def test_an_append_is_made_again_when_its_statements_were_deallocated(store: Any) -> None:
    engine = Engine(store, roles=ROLES)
    job = engine.start(_TINY_TEMPLATE, "tiny.yaml", actor="alice").job_id
    engine.set_fields(job, {"summary": "one"}, actor="alice")
    store.db.execute("DEALLOCATE ALL")  # what psycopg or a pooler may do behind the store's back
    assert store._prepared.names and not names_on_server(store)
    engine.set_fields(job, {"summary": "two"}, actor="alice")
    assert names_on_server(store) == store._prepared.names != set()  # prepared again
    settled(store, job, ["one", "two"])


def test_psycopgs_own_deallocation_after_a_rollback_is_survived(store: Any, postgres_url: str) -> None:
    engine = Engine(store, roles=ROLES)
    job = engine.start(_TINY_TEMPLATE, "tiny.yaml", actor="alice").job_id
    engine.set_fields(job, {"summary": "first"}, actor="alice")
    for _ in range(6):  # psycopg prepares a query it has run five times; after a ROLLBACK it deallocates all
        store.db.execute("SELECT count(*) FROM jobs WHERE job = %s", (job,)).fetchone()
    other = open_store(postgres_url, load_plugins())
    try:
        Engine(other, roles=ROLES).set_fields(job, {"summary": "elsewhere"}, actor="alice")
    finally:
        other.close()
    try:  # this engine's append expects the old head: refused and rolled back (then made again, if it retries)
        engine.set_fields(job, {"summary": "here"}, actor="alice")
    except ConflictError:
        engine.set_fields(job, {"summary": "here"}, actor="alice")
    engine.set_fields(job, {"summary": "last"}, actor="alice")
    assert names_on_server(store) == store._prepared.names != set()
    settled(store, job, ["first", "elsewhere", "here", "last"])


def test_a_connection_that_keeps_losing_them_falls_back_to_text(store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from sopframe_plugins import store_batch

    def forgetful(self: store_batch.Prepared, name: str, sql: str, nargs: int) -> bool:
        self.names.add(name)  # claims the statement is prepared; it never is
        return True

    monkeypatch.setattr(store_batch.Prepared, "_prepare", forgetful)
    engine = Engine(store, roles=ROLES)
    job = engine.start(_TINY_TEMPLATE, "tiny.yaml", actor="alice").job_id
    engine.set_fields(job, {"summary": "one"}, actor="alice")
    assert store._prepared.enabled is False and not names_on_server(store)
    engine.set_fields(job, {"summary": "two"}, actor="alice")
    settled(store, job, ["one", "two"])


def test_a_statement_the_server_cannot_prepare_is_sent_as_text(store: Any) -> None:
    from sopframe_plugins.store_batch import Prepared

    prepared = Prepared(store.db)
    store.db.execute("BEGIN")
    try:
        missing = "SELECT count(*) FROM no_such_table WHERE job = %s"
        assert prepared.execute(missing, 1) is None  # the server refuses to prepare it
        assert prepared.execute(missing, 1) is None and missing in prepared._refused  # remembered: not tried again
        assert store.db.execute("SELECT 1").fetchone() == (1,)  # the transaction was not ended by the refusal
        sql = "SELECT count(*) FROM jobs WHERE job = %s"
        assert prepared.execute(sql, 1) == f"EXECUTE {Prepared.name(sql)}(%s)"
        assert store.db.execute(f"EXECUTE {Prepared.name(sql)}('none')").fetchone() == (0,)
    finally:
        store.db.execute("ROLLBACK")
    assert prepared.execute("SELECT 'quoted'", 0) is None  # only statements with no literal text are prepared


def test_once_given_up_a_connection_sends_text_even_for_names_the_server_still_lists(store: Any) -> None:
    from sopframe_plugins.store_batch import Prepared

    prepared = Prepared(store.db)
    sql = "SELECT count(*) FROM jobs WHERE job = %s"
    assert prepared.execute(sql, 1) == f"EXECUTE {Prepared.name(sql)}(%s)"
    assert Prepared.name(sql) in prepared.names
    prepared.enabled = False  # what PostgresStore.append does after a second miss
    assert prepared.execute(sql, 1) is None  # a pooler's next session may not have it
    store.db.execute(f"DEALLOCATE {Prepared.name(sql)}")
