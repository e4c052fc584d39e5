"""Crashes and concurrent writers: no partial command, no lost event, verify passes.

Writers run as separate processes (tests/store/writer.py) on a real store.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from sopframe.core.engine import fold
from sopframe.core.engine.events import verify_chain
from sopframe.core.store import open_store
from sopframe.pluginmanager import load_plugins

WRITER = str(Path(__file__).with_name("writer.py"))


def run_writer(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, WRITER, *args], capture_output=True, text=True, timeout=300, check=True)


def spawn_writer(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, WRITER, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def test_kill_9_mid_stream_leaves_whole_commands_and_a_valid_chain(url: str) -> None:
    run_writer("start", url, "STRESS-001", "0")
    proc = spawn_writer("stream", url, "STRESS-001", "100000")
    assert proc.stdout is not None
    for _ in range(40):  # let it get going, then kill it wherever it is
        if not proc.stdout.readline():
            pytest.fail(f"writer stopped early: {proc.stderr.read() if proc.stderr else ''}")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    store = open_store(url, load_plugins())
    try:
        events = store.read("STRESS-001")
        assert verify_chain("STRESS-001", events, store.head("STRESS-001")) is None
        sets = [e for e in events if e.type == "field.set"]
        assert len(sets) >= 40 * 3 and len(sets) % 3 == 0, "a command's events are all present or all absent"
        for i in range(0, len(sets), 3):
            triple = sets[i:i + 3]
            assert [e.data["field"] for e in triple] == ["a", "b", "c"]
            assert len({e.data["value"] for e in triple}) == 1 and len({e.at for e in triple}) == 1
        assert fold(events).fields["work"]["a"] == sets[-1].data["value"]
    finally:
        store.close()


def test_two_processes_500_commands_each_on_one_job_lose_nothing(url: str) -> None:
    run_writer("start", url, "STRESS-001", "0")
    procs = [spawn_writer("race", url, "STRESS-001", "500", name) for name in ("p1", "p2")]
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err
    store = open_store(url, load_plugins())
    try:
        events = store.read("STRESS-001")
        assert verify_chain("STRESS-001", events, store.head("STRESS-001")) is None
        sets = [e for e in events if e.type == "field.set"]
        assert len(sets) == 1000
        for name in ("p1", "p2"):
            mine = [e.data["value"] for e in sets if e.actor == name]
            assert mine == [f"{name}-{i}" for i in range(500)]  # every command, once, in its order
    finally:
        store.close()
    conflicts = sum(int(out.split()[-1]) for out, _ in outs)
    print(f"conflicts surfaced and retried: {conflicts}")
