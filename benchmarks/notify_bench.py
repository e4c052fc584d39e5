"""Notification delivery benchmark: the outbox worker against a plain smtplib loop, same messages, same run.

    pip install -e '.[test]'            # aiosmtpd
    python benchmarks/notify_bench.py [--messages 1000] [--rounds 3] [--dir DIR]

A local aiosmtpd server (in a child process, on 127.0.0.1) receives both:

1. the peer: one ``smtplib.SMTP`` connection sending ``--messages`` messages
   built with :mod:`email` (the same recipients, subjects, bodies and
   headers), in a loop;
2. sopframe: the same notifications enqueued in an SQLite store
   (``synchronous=FULL``, on ``--dir``), then ``Worker.run_once()`` with the
   built-in e-mail notifier: claims batches under a lease, builds and sends
   each mail, settles each batch, all durable.

Rounds alternate between the two; the best round of each counts (the median
ratio of paired rounds, and the client's CPU time per message, are printed
too, as checks on a busy machine where wall-clock rates wander).  Target:
sopframe's messages per second at least 80% of the plain loop's
(ratio >= 0.80).  Enqueueing is not timed (commands do it as they run).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import smtplib
import socket
import sys
import tempfile
import time
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from sopframe.core.notify.model import Notification, notification_key
from sopframe.core.notify.routing import ChannelSpec, NotifyRouting
from sopframe.notifyconfig import NotifySettings
from sopframe.services.notify import Worker
from sopframe_plugins.notify_email import EmailNotifier
from sopframe_plugins.store_sqlite import SqliteStore

SENDER = "sopframe@example.com"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(port: int, ready: Any, stop: Any) -> None:
    from aiosmtpd.controller import Controller

    class Sink:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            return "250 OK"

    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    stop.wait()
    controller.stop()


def notes(n: int, tag: str) -> list[Notification]:
    return [Notification(key=notification_key(tag, i), kind="stage.entered", channel="mail",
                         recipient=f"user{i % 40}@example.com",
                         subject=f"CHG-2026-{i:04}: stage Technical review waits for you",
                         body=f"Job CHG-2026-{i:04} (Rotate the database keys) entered stage Technical review "
                              f"(technical_review) at 2026-03-02T10:00:00.000000Z.\nOwner role: it_lead.\n" * 3,
                         job=f"CHG-2026-{i:04}", created_at="2026-03-02T10:00:00.000000Z",
                         data={"stage": "technical_review"}) for i in range(n)]


def plain_loop(port: int, batch: list[Notification]) -> tuple[float, float]:
    """(messages per second, client CPU seconds per message)."""
    t, cpu = time.perf_counter(), time.process_time()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for n in batch:
            msg = EmailMessage()
            msg["From"] = SENDER
            msg["To"] = n.recipient
            msg["Subject"] = n.subject
            msg["Message-ID"] = f"<{n.key}@sopframe>"
            msg["Date"] = format_datetime(datetime.fromisoformat(n.created_at.replace("Z", "+00:00")))
            msg["X-Sopframe-Kind"] = n.kind
            msg["X-Sopframe-Job"] = n.job
            msg["Auto-Submitted"] = "auto-generated"
            msg.set_content(n.body)
            smtp.send_message(msg)
    return len(batch) / (time.perf_counter() - t), (time.process_time() - cpu) / len(batch)


def worker_run(port: int, batch: list[Notification], workdir: str, tag: str) -> tuple[float, float]:
    path = os.path.join(workdir, f"{tag}.db")
    store = SqliteStore(path)
    store.enqueue(batch)
    channel = ChannelSpec("mail", "email", {"host": "127.0.0.1", "port": port, "security": "none", "from": SENDER})
    worker = Worker(store, {"email": EmailNotifier()},
                    NotifySettings(NotifyRouting(channels={"mail": channel})), name="bench")
    t, cpu = time.perf_counter(), time.process_time()
    report = worker.run_once()
    rate = report.delivered / (time.perf_counter() - t)
    cpu_per = (time.process_time() - cpu) / len(batch)
    worker.close()
    assert report.delivered == len(batch), report.errors[:3]
    assert store.notification_counts() == {"delivered": len(batch)}
    store.close()
    return rate, cpu_per


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--messages", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--dir", default=None, help="where the SQLite stores go (default: a temporary directory)")
    args = ap.parse_args(argv)
    workdir = tempfile.mkdtemp(prefix="notify-bench-", dir=args.dir)
    port = free_port()
    ready, stop = multiprocessing.Event(), multiprocessing.Event()
    server = multiprocessing.Process(target=serve, args=(port, ready, stop), daemon=True)
    server.start()
    try:
        if not ready.wait(30):
            print("the SMTP server did not start", file=sys.stderr)
            return 2
        plain_loop(port, notes(50, "warm"))  # warm up both sides
        peer, ours, peer_cpu, our_cpu = [], [], [], []
        for r in range(args.rounds):
            rate, cpu = plain_loop(port, notes(args.messages, f"p{r}"))
            peer.append(rate)
            peer_cpu.append(cpu)
            rate, cpu = worker_run(port, notes(args.messages, f"s{r}"), workdir, f"s{r}")
            ours.append(rate)
            our_cpu.append(cpu)
            print(f"round {r + 1}: plain smtplib {peer[-1]:8.0f} msg/s ({peer_cpu[-1] * 1e3:.2f} ms CPU/msg)   "
                  f"sopframe worker {ours[-1]:8.0f} msg/s ({our_cpu[-1] * 1e3:.2f} ms CPU/msg)", flush=True)
    finally:
        stop.set()
        server.join(10)
        shutil.rmtree(workdir, ignore_errors=True)
    ratio = max(ours) / max(peer)
    paired = sorted(o / p for o, p in zip(ours, peer))[len(peer) // 2]
    print(f"best: plain smtplib {max(peer):.0f} msg/s, sopframe worker {max(ours):.0f} msg/s "
          f"({args.messages} messages, SQLite outbox, synchronous=FULL)")
    print(f"client CPU per message, best rounds: plain {min(peer_cpu) * 1e3:.2f} ms, sopframe "
          f"{min(our_cpu) * 1e3:.2f} ms (the worker's own cost: claims, settling, building the mail)")
    print(f"ratio of the best rounds {ratio:.2f}, median ratio of paired rounds {paired:.2f} "
          f"(target >= 0.80): {'met' if ratio >= 0.80 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
