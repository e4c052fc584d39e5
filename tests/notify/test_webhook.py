"""Webhook notifiers against a real HTTP server on 127.0.0.1: signature, retries, time-outs, dead letters."""

from __future__ import annotations

import re
import threading
from typing import Any, Callable

import pytest

from notify.servers import Receiver, free_port
from notify.support import TEMPLATE, engine_with, routing, settings
from sopframe.core.engine.clock import FixedClock
from sopframe.core.notify.routing import ChannelSpec
from sopframe.services.notify import Backoff, Worker
from sopframe_plugins.notify_webhook import SlackNotifier, TeamsNotifier, WebhookNotifier
from sopframe_plugins.store_memory import MemoryStore
from testsupport import ROOT

SECRET = "whsec-test-3f9a"


def documented_verifier() -> Callable[..., bool]:
    """The receiver's check exactly as docs/notifications.md shows it (the code block after the marker)."""
    text = (ROOT / "docs" / "notifications.md").read_text("utf-8")
    block = re.search(r"<!-- receiver-verification -->\n```python\n(.*?)```", text, re.S)
    assert block is not None, "docs/notifications.md lost its verification snippet"
    namespace: dict[str, Any] = {}
    exec(compile(block.group(1), "docs/notifications.md", "exec"), namespace)
    return namespace["verify_sopframe_signature"]


def _setup(url: str, kind: str = "webhook", **options: Any) -> tuple[MemoryStore, ChannelSpec, str]:
    channel = ChannelSpec("hook", kind, {"url": url, "secret": SECRET, "timeout": 2, **options})
    store = MemoryStore()
    job = engine_with(store, routing(channels={"hook": channel}, routes={"stage.entered": ["hook"]})).start(
        TEMPLATE, "tiny.yaml", actor="alice", title="Patch <!channel> *now*").job_id
    return store, channel, job


def _worker(store: MemoryStore, channel: ChannelSpec, clock: FixedClock | None = None, **kw: Any) -> Worker:
    notifiers = {"webhook": WebhookNotifier(), "slack": SlackNotifier(), "teams": TeamsNotifier()}
    return Worker(store, notifiers, settings(routing(channels={"hook": channel}), **kw),  # type: ignore[arg-type]
                  clock=clock or FixedClock("2026-01-05T09:00:00+00:00"), backoff=Backoff(30, 3600, lambda: 1.0),
                  name="w1")


def test_the_receiver_verifies_the_signature_with_the_documented_method() -> None:
    verify = documented_verifier()
    with Receiver() as rx:
        store, channel, job = _setup(rx.url)
        assert _worker(store, channel).run_once().delivered == 1
    (req,) = rx.requests
    header = req.headers["X-Sopframe-Signature"]
    assert verify(SECRET, header, req.body)
    assert not verify("another secret", header, req.body)
    assert not verify(SECRET, header, req.body.replace(b"Patch", b"patch"))  # any change to the body
    t = int(header.split(",")[0][2:])
    assert not verify(SECRET, header, req.body, now=t + 301)  # too old: a replay
    assert not verify(SECRET, "garbage", req.body)
    body = req.json()
    key = store.notifications()[0].note.key
    assert req.headers["Idempotency-Key"] == key == body["id"]
    assert body["kind"] == "stage.entered" and body["job"] == job and body["data"]["stage"] == "write"
    assert body["data"]["job_title"] == "Patch <!channel> *now*"


def test_a_500_is_retried_after_a_backoff_and_then_delivered() -> None:
    clock = FixedClock("2026-01-05T09:00:00+00:00")
    with Receiver(statuses=[500]) as rx:
        store, channel, _ = _setup(rx.url)
        worker = _worker(store, channel, clock)
        first = worker.run_once()
        assert (first.delivered, first.retried) == (0, 1) and "HTTP 500" in first.errors[0]
        (row,) = store.notifications()
        assert row.status == "pending" and row.next_at == "2026-01-05T09:00:30.000000Z"  # 30s with jitter 1.0
        assert worker.run_once().handled == 0  # not yet due: nobody waits for real time
        clock.advance(seconds=30)
        assert worker.run_once().delivered == 1
    assert len(rx.requests) == 2
    assert rx.requests[0].headers["Idempotency-Key"] == rx.requests[1].headers["Idempotency-Key"]
    assert store.notifications()[0].attempts == 2


def test_a_server_down_for_n_attempts_is_retried_then_dead_lettered() -> None:
    clock = FixedClock("2026-01-05T09:00:00+00:00")
    port = free_port()  # nothing listens there: connection refused
    store, channel, _ = _setup(f"http://127.0.0.1:{port}/hook")
    worker = _worker(store, channel, clock, max_attempts=4)
    waits = []
    for _ in range(4):
        report = worker.run_once()
        (row,) = store.notifications()
        if row.status == "pending":
            waits.append(row.next_at)
            clock.set(row.next_at)
    assert report.dead == 1 and "cannot reach the webhook" in report.errors[0]
    (row,) = store.notifications()
    assert (row.status, row.attempts) == ("dead", 4) and "Connection refused" in (row.last_error or "")
    # exponential: 30s, 60s, 120s after each attempt
    assert waits == ["2026-01-05T09:00:30.000000Z", "2026-01-05T09:01:30.000000Z", "2026-01-05T09:03:30.000000Z"]
    assert store.retry_notifications(None, "2026-01-05T10:00:00.000000Z") == 1
    with Receiver() as rx:
        channel = ChannelSpec("hook", "webhook", {**channel.options, "url": rx.url})
        clock.set("2026-01-05T10:00:00+00:00")
        assert _worker(store, channel, clock).run_once().delivered == 1
    assert len(rx.requests) == 1


def test_a_timeout_is_retried() -> None:
    with Receiver() as rx:
        rx.hold = threading.Event()  # the receiver never answers in time
        store, channel, _ = _setup(rx.url, timeout=0.5)
        report = _worker(store, channel).run_once()
        rx.hold.set()
    assert report.retried == 1 and "timed out" in report.errors[0]


def test_a_4xx_answer_is_dead_lettered_at_once() -> None:
    with Receiver(statuses=[404]) as rx:
        store, channel, _ = _setup(rx.url)
        report = _worker(store, channel).run_once()
    assert report.dead == 1 and store.notifications()[0].status == "dead"


def test_an_idempotent_receiver_sees_no_duplicate_when_a_delivery_is_repeated() -> None:
    """The worker lost its claim after sending (its lease ran out): the row is sent again, same key."""
    seen: set[str] = set()
    processed: list[str] = []
    clock = FixedClock("2026-01-05T09:00:00+00:00")
    with Receiver() as rx:
        store, channel, _ = _setup(rx.url)
        rows = store.claim_notifications("dead-worker", "2026-01-05T09:00:00.000000Z", "2026-01-05T09:05:00.000000Z")
        WebhookNotifier().deliver(rows[0].note, channel)  # sent, then the worker died before settling
        clock.set("2026-01-05T09:06:00+00:00")
        assert _worker(store, channel, clock).run_once().delivered == 1
        for req in rx.requests:  # the receiver's rule: process each key once
            key = req.headers["Idempotency-Key"]
            if key not in seen:
                seen.add(key)
                processed.append(key)
    assert len(rx.requests) == 2 and processed == [rows[0].note.key]


def test_slack_and_teams_payloads_escape_job_text() -> None:
    with Receiver() as rx:
        store, channel, _ = _setup(rx.url, kind="slack")
        assert _worker(store, channel).run_once().delivered == 1
        store, channel, _ = _setup(rx.url, kind="teams")
        assert _worker(store, channel).run_once().delivered == 1
    slack, teams = (r.json() for r in rx.requests)
    assert "<!channel>" not in slack["text"] and "&lt;!channel&gt;" in slack["text"]
    assert teams["@type"] == "MessageCard" and "\\*now\\*" in teams["text"] and "<!channel>" not in teams["text"]
    assert "X-Sopframe-Signature" not in rx.requests[0].headers  # chat webhooks are not signed
    assert rx.requests[0].headers["Idempotency-Key"]


def test_a_teams_card_shows_each_line_of_the_notification_as_its_own_paragraph() -> None:
    """Teams' Markdown joins lines split by one line break: the card keeps the mail's lines apart."""
    with Receiver() as rx:
        store, channel, job = _setup(rx.url, kind="teams")
        assert _worker(store, channel).run_once().delivered == 1
    text = rx.requests[0].json()["text"]
    paragraphs = text.split("\n\n")
    assert all(p and "\n" not in p for p in paragraphs), text  # no single line break, no empty paragraph
    assert paragraphs[1] == "Owner role: author." and paragraphs[-1] == "For: alice, ann@example.com"
    assert paragraphs[-2] == f"What it needs to move on: sopframe job show {job}".replace("-", "\\-")


def test_webhook_urls_are_checked() -> None:
    assert WebhookNotifier().check(ChannelSpec("hook", "webhook", {"url": "ftp://x"}))
    assert not WebhookNotifier().check(ChannelSpec("hook", "webhook", {"url": "https://x"}))

