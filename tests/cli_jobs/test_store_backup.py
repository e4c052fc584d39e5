"""``sopframe store backup``: a consistent copy of an SQLite store, made while it is in use, then verified."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

from sopframe.core.store import open_store
from sopframe.pluginmanager import load_plugins

from .conftest import Cli

STORE = "sqlite:///jobs.db"


def _jobs(cli: Cli, n: int) -> None:
    for _ in range(n):
        assert cli("job", "start", "tiny.yaml", "--store", STORE).code == 0


def test_the_copy_holds_every_event_and_verifies(cli: Cli, tmp_path: Path) -> None:
    _jobs(cli, 3)
    assert cli("job", "set", "TINY-001", "summary=first", "--store", STORE).code == 0
    # a reader keeps the store open: its WAL is not folded into the file, where a plain copy would miss it
    reader = sqlite3.connect(tmp_path / "jobs.db")
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM events").fetchone()
    assert cli("job", "set", "TINY-002", "summary=second", "--store", STORE).code == 0
    assert (tmp_path / "jobs.db-wal").stat().st_size > 0

    r = cli("store", "backup", "copy.db", "--store", STORE)
    reader.close()
    assert r.code == 0, r.err
    assert "backed up to copy.db: 3 jobs" in r.out and "all verified" in r.out
    with open_store("sqlite:///copy.db", load_plugins(), create=False) as copy, \
            open_store(STORE, load_plugins(), create=False) as source:
        assert copy.heads() == source.heads()
        assert [e.data for e in copy.read("TINY-002")] == [e.data for e in source.read("TINY-002")]
    assert stat.S_IMODE((tmp_path / "copy.db").stat().st_mode) == 0o600  # it holds the accounts' hashes
    assert not (tmp_path / "copy.db-wal").exists()  # one self-contained file
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith((".copy", "copy"))) == ["copy.db"]
    assert cli("verify", "--store", "sqlite:///copy.db").code == 0


def test_an_existing_file_is_never_overwritten(cli: Cli, tmp_path: Path) -> None:
    _jobs(cli, 1)
    (tmp_path / "copy.db").write_text("keep me", "utf-8")
    r = cli("store", "backup", "copy.db", "--store", STORE)
    assert r.code == 2
    assert "'copy.db' already exists" in r.err and "never overwrites" in r.err
    assert (tmp_path / "copy.db").read_text("utf-8") == "keep me"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []


def test_a_missing_directory_is_a_clear_error(cli: Cli, tmp_path: Path) -> None:
    _jobs(cli, 1)
    r = cli("store", "backup", "nowhere/copy.db", "--store", STORE)
    assert r.code == 2
    assert "directory 'nowhere' does not exist" in r.err


def test_a_store_that_fails_verification_is_copied_and_the_failure_reported(cli: Cli, tmp_path: Path) -> None:
    _jobs(cli, 2)
    db = sqlite3.connect(tmp_path / "jobs.db")
    db.execute("UPDATE events SET actor = 'mallory' WHERE job = 'TINY-001' AND seq = 1")
    db.commit()
    db.close()
    r = cli("store", "backup", "copy.db", "--store", STORE)
    assert r.code == 5
    assert "fails verification" in r.err and "TINY-001" in r.err
    assert (tmp_path / "copy.db").exists()  # a faithful copy of what was there


def test_a_memory_store_cannot_be_copied(cli: Cli) -> None:
    r = cli("store", "backup", "copy.db", "--store", "memory://nothing-here")
    assert r.code == 2
    assert "cannot be copied by sopframe" in r.err


def test_restoring_a_backup_older_than_the_last_checkpoint_shows_what_was_lost(cli: Cli, tmp_path: Path) -> None:
    """What docs/jobs.md ("Backups") tells an operator to expect after restoring an older copy."""
    keys = ("--private-key", "cp.key")
    assert cli("keys", "init", *keys, "--public-key", "cp.pub").code == 0
    _jobs(cli, 1)
    assert cli("checkpoint", *keys, "--store", STORE).code == 0
    assert cli("store", "backup", "monday.db", "--store", STORE).code == 0
    _jobs(cli, 2)
    assert cli("checkpoint", *keys, "--store", STORE).code == 0
    (tmp_path / "jobs.db").unlink()
    for extra in ("jobs.db-wal", "jobs.db-shm"):
        (tmp_path / extra).unlink(missing_ok=True)
    (tmp_path / "monday.db").rename(tmp_path / "jobs.db")

    r = cli("verify", "--store", STORE, "--checkpoints", "sopframe-checkpoints.jsonl", "--public-key", "cp.pub")
    assert r.code == 5
    assert "2 signed checkpoints; the last covers 3 ledger entries, more than the store's 1" in r.out
    assert "checkpoint 2" in r.out and "covers 3 ledger entries, but the store has only 1" in r.out
    assert "entries it covered were deleted" in r.out
