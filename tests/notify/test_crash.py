"""A worker killed with SIGKILL in the middle of a delivery: the notification is delivered later, never lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from notify.servers import Receiver
from notify.support import TEMPLATE, engine_with, routing, settings
from sopframe.core.engine.clock import FixedClock, system_clock, to_text
from sopframe.core.notify.routing import ChannelSpec
from sopframe.services.notify import Worker
from sopframe_plugins.notify_webhook import WebhookNotifier
from sopframe_plugins.store_sqlite import SqliteStore


def test_kill_9_during_a_delivery_then_another_worker_delivers_it(tmp_path: Path) -> None:
    db = tmp_path / "jobs.db"
    with Receiver() as rx:
        rx.hold = threading.Event()  # the first request is held open: the worker is mid-delivery
        (tmp_path / "sopframe.toml").write_text(
            '[notify]\nlease = "5m"\n[notify.routes]\n"stage.entered" = ["hook"]\n'
            f'[notify.channels.hook]\ntype = "webhook"\nurl = "{rx.url}"\nsecret-env = "HOOK_SECRET"\n',
            "utf-8")
        channel = ChannelSpec("hook", "webhook", {"url": rx.url, "secret": "s"})
        store = SqliteStore(db)
        engine_with(store, routing(channels={"hook": channel}, routes={"stage.entered": ["hook"]}),
                    FixedClock(system_clock())).start(TEMPLATE, "tiny.yaml", actor="alice")
        (row,) = store.notifications()
        worker = subprocess.Popen(
            [sys.executable, "-m", "sopframe", "notify", "run", "--once", "--store", f"sqlite:///{db}"],
            cwd=tmp_path, env={**os.environ, "HOOK_SECRET": "s"}, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            assert rx.arrived.wait(60), worker.stderr.read() if worker.poll() is not None else "no request"
            os.kill(worker.pid, signal.SIGKILL)
        finally:
            worker.wait(30)
        assert worker.returncode == -signal.SIGKILL
        rx.hold.set()
        rx.hold = None
        (claimed,) = store.notifications()
        assert claimed.status == "sending" and claimed.attempts == 1  # claimed, never settled
        # another worker, while the lease holds, leaves it alone ...
        now = system_clock()
        later = FixedClock(now)
        other = Worker(store, {"webhook": WebhookNotifier()}, settings(routing(channels={"hook": channel})),
                       clock=later, name="w2")
        assert other.run_once().handled == 0
        # ... and delivers it once the killed worker's lease has run out
        later.advance(minutes=5, seconds=1)
        assert other.run_once().delivered == 1
        store.close()
    (done,) = SqliteStore(db).notifications()
    assert (done.status, done.attempts, done.worker) == ("delivered", 2, "w2")
    assert done.delivered_at is not None and done.delivered_at > to_text(now)
    keys = [r.headers["Idempotency-Key"] for r in rx.requests]
    assert keys == [row.note.key, row.note.key]  # sent twice, with the key that lets a receiver drop one


def test_notify_run_loop_delivers_as_rows_arrive_and_stops_on_sigterm(tmp_path: Path) -> None:
    db = tmp_path / "jobs.db"
    with Receiver() as rx:
        (tmp_path / "sopframe.toml").write_text(
            '[notify.routes]\n"stage.entered" = ["hook"]\n'
            f'[notify.channels.hook]\ntype = "webhook"\nurl = "{rx.url}"\n', "utf-8")
        channel = ChannelSpec("hook", "webhook", {"url": rx.url})
        store = SqliteStore(db)
        engine = engine_with(store, routing(channels={"hook": channel}, routes={"stage.entered": ["hook"]}),
                             FixedClock(system_clock()))
        loop = subprocess.Popen(
            [sys.executable, "-m", "sopframe", "notify", "run", "--loop", "--idle", "0.1", "--store", f"sqlite:///{db}"],
            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            engine.start(TEMPLATE, "tiny.yaml", actor="alice")  # enqueued while the loop already runs
            assert rx.arrived.wait(60), "the loop delivered nothing"
            loop.send_signal(signal.SIGTERM)
            out, err = loop.communicate(timeout=60)
        finally:
            if loop.poll() is None:
                loop.kill()
        assert loop.returncode == 0, err
        assert b"delivered 1" in err
        assert [r.status for r in store.notifications()] == ["delivered"]
        store.close()


def test_the_loop_survives_a_store_error_and_stops_when_told() -> None:
    from sopframe.errors import StoreError

    class Flaky:
        calls = 0

        def claim_notifications(self, *args: object, **kw: object) -> list:
            Flaky.calls += 1
            if Flaky.calls == 1:
                raise StoreError("database is locked")
            return []

    errors: list[str] = []
    sleeps: list[float] = []
    worker = Worker(Flaky(), {}, settings(routing()), name="w")  # type: ignore[arg-type]
    worker.run_loop(idle=7, stop=lambda: len(sleeps) >= 3, sleep=sleeps.append, on_error=errors.append)
    assert errors == ["database is locked"] and sleeps == [7, 7, 7] and Flaky.calls == 3
