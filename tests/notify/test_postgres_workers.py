"""Several delivery workers on one PostgreSQL store deliver each notification once (FOR UPDATE SKIP LOCKED)."""

from __future__ import annotations

import threading
from collections import Counter

from notify.servers import Receiver
from notify.support import routing, settings
from sopframe.core.notify.model import Notification
from sopframe.core.notify.routing import ChannelSpec
from sopframe.services.notify import RunReport, Worker
from sopframe_plugins.notify_webhook import WebhookNotifier
from sopframe_plugins.store_postgres import PostgresStore
from store.conftest import postgres_empty_url, postgres_server, postgres_url  # noqa: F401 - fixtures

N = 60


def test_two_workers_deliver_each_notification_once(postgres_url: str) -> None:
    with Receiver() as rx:
        channel = ChannelSpec("hook", "webhook", {"url": rx.url, "secret": "s"})
        with PostgresStore(postgres_url) as store:
            store.enqueue([Notification(key=f"k{i}", kind="stage.entered", channel="hook", recipient="",
                                        subject=f"n{i}", body="b", job="J") for i in range(N)])
        reports: dict[str, RunReport] = {}
        start = threading.Barrier(2)

        def work(name: str) -> None:
            with PostgresStore(postgres_url) as own:
                worker = Worker(own, {"webhook": WebhookNotifier()}, settings(routing(channels={"hook": channel})),
                                name=name, batch=3)
                start.wait()
                reports[name] = worker.run_once()

        threads = [threading.Thread(target=work, args=(n,)) for n in ("w1", "w2")]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
    counts = Counter(r.headers["Idempotency-Key"] for r in rx.requests)
    with PostgresStore(postgres_url) as store:
        rows = store.notifications()
        assert {r.status for r in rows} == {"delivered"} and len(rows) == N
        assert sorted(counts.values()) == [1] * N and len(counts) == N  # every key once, none twice
        assert sum(r.delivered for r in reports.values()) == N
        assert {r.worker for r in rows} == {"w1", "w2"}  # both took part
        assert {r.attempts for r in rows} == {1}
