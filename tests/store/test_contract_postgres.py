"""The PostgreSQL backend passes the store contract, against a real server."""

from __future__ import annotations

from typing import Callable

import pytest

from sopframe.core.store import Store, open_store
from sopframe.pluginmanager import load_plugins
from sopframe.errors import StoreError
from sopframe.testing.store_contract import StoreContract, make_events


class TestPostgresStore(StoreContract):
    @pytest.fixture
    def make_store(self, postgres_url: str) -> Callable[[], Store]:
        from sopframe_plugins.store_postgres import PostgresStore

        return lambda: PostgresStore(postgres_url)


def test_opened_by_url_through_the_plugin(postgres_url: str) -> None:
    from sopframe_plugins.store_postgres import PostgresStore

    s = open_store(postgres_url, load_plugins())
    assert isinstance(s, PostgresStore)
    s.close()


def test_an_event_row_edited_in_the_database_is_caught(postgres_url: str) -> None:
    import psycopg

    from sopframe.core.engine.events import verify_chain
    from sopframe_plugins.store_postgres import PostgresStore, split_url

    s = PostgresStore(postgres_url)
    s.append("J-1", 0, make_events("J-1", 5))
    dsn, schema = split_url(postgres_url)
    with psycopg.connect(dsn, autocommit=True) as db:
        db.execute(f"""UPDATE "{schema}".events SET actor = 'mallory' WHERE job = 'J-1' AND seq = 4""")
    problem = verify_chain("J-1", s.read("J-1"), s.head("J-1"))
    assert problem is not None and problem.seq == 4
    s.close()


def test_unreachable_server_is_a_clear_error() -> None:
    pytest.importorskip("psycopg")
    with pytest.raises(StoreError, match="cannot connect to postgresql://u:\\*\\*\\*@127.0.0.1:1/x"):
        open_store("postgresql://u:secret@127.0.0.1:1/x?connect_timeout=2", load_plugins())


def test_bad_schema_name() -> None:
    from sopframe_plugins.store_postgres import split_url

    with pytest.raises(StoreError, match="schema"):
        split_url("postgresql://h/db?schema=Robert'); DROP")
