"""Team use: concurrent starters, swapped template texts, a read-only auditor role, four CLI writers on one job."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from sopframe.core.engine import Engine
from sopframe.core.store import open_store
from sopframe.pluginmanager import load_plugins
from sopframe.testing.store_contract import _TINY_TEMPLATE


def test_four_concurrent_starters_get_unique_increasing_ids_and_none_fails(url: str) -> None:
    plugins = load_plugins()
    open_store(url, plugins).close()  # created (SQLite) before the threads race
    got: dict[int, list[str]] = {}
    errors: list[BaseException] = []

    def starter(n: int) -> None:
        store = open_store(url, plugins)
        try:
            engine = Engine(store, roles={"author": ["u0", "u1", "u2", "u3"]})
            got[n] = [engine.start(_TINY_TEMPLATE, "tiny.yaml", actor=f"u{n}").job_id for _ in range(15)]
        except BaseException as exc:  # reported below: a failed start fails the test
            errors.append(exc)
        finally:
            store.close()

    threads = [threading.Thread(target=starter, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    all_ids = [j for ids in got.values() for j in ids]
    assert sorted(all_ids) == [f"TINY-{i:03}" for i in range(1, 61)]  # unique, no gaps
    assert all(ids == sorted(ids) for ids in got.values())  # each starter's ids increase


def test_a_swapped_template_text_is_caught(tmp_path: Path) -> None:
    from sopframe.core.engine.clock import FixedClock
    from sopframe.errors import JobError

    url = f"sqlite:///{tmp_path / 'jobs.db'}"
    store = open_store(url, load_plugins())
    engine = Engine(store, roles={"author": ["alice"]}, clock=FixedClock())
    job = engine.start(_TINY_TEMPLATE, "tiny.yaml", actor="alice").job_id
    store.close()
    raw = sqlite3.connect(tmp_path / "jobs.db")
    raw.execute("UPDATE templates SET text = replace(text, 'required: yes', 'required: no')")
    raw.commit()
    raw.close()
    from sopframe.core.engine.pinned import _CACHE

    _CACHE.clear()  # a new process: nothing compiled yet
    store = open_store(url, load_plugins())
    engine = Engine(store, roles={"author": ["alice"]})
    problem = engine.verify(job)
    assert problem is not None and "does not match the sha256" in problem and "swapped" in problem
    with pytest.raises(JobError, match="does not match its hash"):
        engine.set_fields(job, {"summary": "x"}, actor="alice")
    store.close()


def test_a_select_only_role_runs_every_reading_command(postgres_url: str, tmp_path: Path) -> None:
    from .pgroles import read_only_role

    plugins = load_plugins()
    store = open_store(postgres_url, plugins)
    job = Engine(store, roles={"author": ["alice"]}).start(_TINY_TEMPLATE, "tiny.yaml", actor="alice").job_id
    store.close()
    (tmp_path / "sopframe.toml").write_text('[roles]\nauthor = ["alice"]\n', "utf-8")  # the write gets to the server
    with read_only_role(postgres_url) as auditor:
        for args in (["job", "list"], ["job", "show", job], ["job", "history", job], ["job", "verify", "--all"],
                     ["sops"], ["overdue"], ["store", "status"]):
            r = subprocess.run([sys.executable, "-m", "sopframe", *args, "--store", auditor], capture_output=True,
                               text=True, timeout=120, cwd=tmp_path)
            assert r.returncode == 0, (args, r.stderr)
        r = subprocess.run([sys.executable, "-m", "sopframe", "job", "set", job, "summary=x", "--as", "alice",
                            "--store", auditor], capture_output=True, text=True, timeout=120, cwd=tmp_path)
        assert r.returncode == 2 and "permission denied" in r.stderr  # writing is refused by the server
        assert "hint: this role or file may only be read" in r.stderr  # and the user is told what that means


CLI_WRITER = """
import sys
from sopframe.cli import main
url, job, name, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
codes = []
for i in range(n):
    try:
        main(["job", "set", job, f"summary={name}-{i}", "--as", "alice", "--store", url])
    except SystemExit as exc:
        codes.append(exc.code or 0)
print("CODES", " ".join(map(str, codes)))
"""


def test_four_cli_writers_40_commands_each_on_one_job_never_exit_4(url: str, tmp_path: Path) -> None:
    """Each writer runs the real command line 40 times (a fresh CLI invocation and store each time),
    on SQLite and on PostgreSQL, under default settings: conflicts are retried, none reaches the user."""
    from sopframe.core.engine.events import verify_chain

    (tmp_path / "sopframe.toml").write_text('[roles]\nauthor = ["alice"]\n', "utf-8")
    store = open_store(url, load_plugins())
    job = Engine(store, roles={"author": ["alice"]}).start(_TINY_TEMPLATE, "tiny.yaml", actor="alice").job_id
    store.close()
    procs = [subprocess.Popen([sys.executable, "-c", CLI_WRITER, url, job, f"w{n}", "40"], cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for n in range(4)]
    outs = [p.communicate(timeout=600) for p in procs]
    codes = [int(c) for out, _ in outs for c in out.strip().splitlines()[-1].split()[1:]]
    assert len(codes) == 160 and set(codes) == {0}, [err[-500:] for _, err in outs]
    store = open_store(url, load_plugins())
    events = store.read(job)
    assert verify_chain(job, events, store.head(job)) is None
    assert sum(e.type == "field.set" for e in events) == 160
    store.close()


def test_verify_reports_read_model_drift_and_rebuild_repairs_it(tmp_path: Path) -> None:
    from sopframe.core.jobcheck import verify_jobs
    from sopframe.core.migrations import rows_of

    url = f"sqlite:///{tmp_path / 'jobs.db'}"
    store = open_store(url, load_plugins())
    engine = Engine(store, roles={"author": ["alice"]})
    jobs = [engine.start(_TINY_TEMPLATE, "tiny.yaml", actor="alice").job_id for _ in range(2)]
    assert all(c.ok for c in verify_jobs(store))
    raw = sqlite3.connect(tmp_path / "jobs.db")
    raw.execute("UPDATE job_summary SET status = 'completed' WHERE job = ?", (jobs[1],))
    raw.execute("DELETE FROM open_stages WHERE job = ?", (jobs[1],))
    raw.commit()
    raw.close()
    checks = {c.job: c for c in verify_jobs(store)}
    assert checks[jobs[0]].ok and checks[jobs[1]].problem is None  # the record itself is intact
    assert "status" in (checks[jobs[1]].drift or "") and "open_stages" in (checks[jobs[1]].drift or "")
    assert store.rebuild(rows_of(store)) == (2, [])
    assert all(c.ok for c in verify_jobs(store))
    store.close()
