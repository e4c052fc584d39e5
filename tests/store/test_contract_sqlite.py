"""The SQLite backend passes the store contract, and what is particular to it."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Callable

import pytest

from sopframe.core.store import Store, open_store
from sopframe.pluginmanager import load_plugins
from sopframe.errors import StoreError
from sopframe.testing.store_contract import StoreContract, make_events
from sopframe_plugins.store_sqlite import SqliteStore


class TestSqliteStore(StoreContract):
    @pytest.fixture
    def make_store(self, tmp_path: Path) -> Callable[[], Store]:
        return lambda: SqliteStore(tmp_path / "jobs.db")


def test_wal_and_full_sync(tmp_path: Path) -> None:
    s = SqliteStore(tmp_path / "jobs.db")
    assert s.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert s.db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    s.close()


def test_url_forms(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    s = open_store("sqlite:///here.db", load_plugins())
    assert isinstance(s, SqliteStore) and (tmp_path / "here.db").exists()
    s.close()
    s = open_store(f"sqlite:///{tmp_path}/abs.db", load_plugins())
    assert (tmp_path / "abs.db").exists()
    s.close()
    with pytest.raises(StoreError, match="names no file"):
        open_store("sqlite://", load_plugins())
    with pytest.raises(StoreError, match="does not exist"):
        open_store(f"sqlite:///{tmp_path}/no/such/dir/x.db", load_plugins())
    with pytest.raises(StoreError, match="no store backend handles 'mongodb://x'"):
        open_store("mongodb://x", load_plugins())


def test_not_a_database(tmp_path: Path) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="cannot open store"):
        SqliteStore(bad)


def test_an_event_row_edited_in_the_database_is_caught(tmp_path: Path) -> None:
    from sopframe.core.engine.events import verify_chain

    s = SqliteStore(tmp_path / "jobs.db")
    s.append("J-1", 0, make_events("J-1", 5))
    raw = sqlite3.connect(tmp_path / "jobs.db")
    raw.execute("""UPDATE events SET data = replace(data, '"value":2', '"value":7') WHERE job='J-1' AND seq=3""")
    raw.commit()
    raw.close()
    problem = verify_chain("J-1", s.read("J-1"), s.head("J-1"))
    assert problem is not None and problem.seq == 3
    s.close()


def test_an_unreadable_event_row_is_a_store_error(tmp_path: Path) -> None:
    s = SqliteStore(tmp_path / "jobs.db")
    s.append("J-1", 0, make_events("J-1", 3, type="sop.published"))
    raw = sqlite3.connect(tmp_path / "jobs.db")
    raw.execute("UPDATE events SET data = '{not json' WHERE seq = 2")
    raw.commit()
    raw.close()
    with pytest.raises(StoreError, match="job J-1: an event in .* cannot be read"):
        s.read("J-1")
    with pytest.raises(StoreError, match="events of type sop.published: an event"):
        s.events_of_type("sop.published")
    s.close()
