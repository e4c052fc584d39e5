"""A read command on an embedded store that does not exist says so, and makes no file.

Only commands that start records (``job start``, ``demo``) or manage the
store create a new SQLite file: an auditor who mistypes ``--store`` must be
told there is no store there, not shown "no jobs" from an empty one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sopframe import hookimpl
from sopframe.core.store import open_store
from sopframe.errors import StoreError
from sopframe.pluginmanager import load_plugins

from .conftest import Cli

READERS = [
    ("job", "list"),
    ("job", "show", "TINY-001"),
    ("job", "history", "TINY-001"),
    ("job", "verify", "--all"),
    ("job", "set", "TINY-001", "summary=x"),
    ("sops",),
    ("overdue",),
    ("inbox",),
    ("report", "bottlenecks"),
    ("notify", "status"),
    ("store", "status"),
    ("store", "migrate"),
    ("store", "rebuild"),
]


@pytest.mark.parametrize("argv", READERS, ids=" ".join)
def test_a_command_on_a_mistyped_store_path_is_refused_and_creates_nothing(cli: Cli, tmp_path: Path,
                                                                           argv: tuple[str, ...]) -> None:
    url = "sqlite:///typo.db"
    r = cli(*argv, "--store", url)
    assert r.code == 2, r.err
    assert f"no store at {url}: the file 'typo.db' does not exist" in r.err
    assert "sopframe job start" in r.err  # the hint says what creates one
    assert not (tmp_path / "typo.db").exists()


def test_starting_a_job_creates_the_store_and_then_reads_find_it(cli: Cli, tmp_path: Path) -> None:
    url = "sqlite:///new.db"
    assert cli("job", "list", "--store", url).code == 2
    r = cli("job", "start", "tiny.yaml", "--store", url)
    assert r.code == 0 and (tmp_path / "new.db").is_file()
    r = cli("job", "list", "--store", url, "--format", "json")
    assert r.code == 0 and [j["job"] for j in r.json()] == ["TINY-001"]


def test_the_store_hook_is_told_whether_it_may_create(tmp_path: Path) -> None:
    seen: list[tuple[str, bool]] = []

    class Recorder:
        @hookimpl(tryfirst=True)
        def sopframe_store(self, url: str, create: bool) -> Any:
            seen.append((url, create))
            return None  # let the built-in backends open it

    plugins = load_plugins(extra=[("recorder", Recorder())])
    url = f"sqlite:///{tmp_path / 'jobs.db'}"
    with pytest.raises(StoreError, match="does not exist"):
        open_store(url, plugins, create=False)
    open_store(url, plugins).close()
    open_store(url, plugins, create=False).close()  # it exists now
    assert seen == [(url, False), (url, True), (url, False)]


def test_a_backend_written_without_the_argument_still_opens(tmp_path: Path) -> None:
    from sopframe_plugins.store_memory import MemoryStore

    class Old:
        @hookimpl(tryfirst=True)
        def sopframe_store(self, url: str) -> Any:
            return MemoryStore() if url.startswith("old://") else None

    plugins = load_plugins(extra=[("old", Old())])
    store = open_store("old://x", plugins, create=False)
    assert isinstance(store, MemoryStore)
    store.close()


@pytest.mark.parametrize("argv", [("job", "list"), ("job", "start", "tiny.yaml"), ("store", "init")], ids=" ".join)
def test_another_programs_database_is_refused_and_left_as_it_was(cli: Cli, tmp_path: Path,
                                                                 argv: tuple[str, ...]) -> None:
    import sqlite3

    path = tmp_path / "other.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE invoices (n INTEGER)")
    before = path.read_bytes()
    r = cli(*argv, "--store", f"sqlite:///{path}")
    assert r.code == 2 and "is not a sopframe store: it is an SQLite database with 1 table of something else" in r.err
    assert path.read_bytes() == before  # not even its journal mode changed
    assert not (tmp_path / "other.db-wal").exists()


def test_an_empty_file_is_refused_by_a_reader_and_made_a_store_by_a_starter(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "empty.db").write_bytes(b"")
    r = cli("job", "list", "--store", "sqlite:///empty.db")
    assert r.code == 2 and "is not a sopframe store: it is an empty database" in r.err
    assert (tmp_path / "empty.db").read_bytes() == b""
    assert cli("job", "start", "tiny.yaml", "--store", "sqlite:///empty.db").code == 0


def test_store_init_says_it_created_the_embedded_store(cli: Cli, tmp_path: Path) -> None:
    r = cli("store", "init", "--store", "sqlite:///new.db")
    from sopframe.core.store import SCHEMA_VERSION

    assert r.code == 0 and r.out.strip() == f"sqlite:///new.db: created at schema version {SCHEMA_VERSION}"
    assert "already at schema version" in cli("store", "init", "--store", "sqlite:///new.db").out
