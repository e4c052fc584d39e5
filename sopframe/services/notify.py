"""Delivering the outbox: claim due notifications, hand each to its channel's notifier, settle the result.

At least once: a row is claimed under a lease before it is sent and settled
after; a worker that dies in between (even ``kill -9``) leaves the row
claimed until the lease runs out, and then any worker takes it again.
Receivers drop duplicates by the notification's key.  A failed delivery is
retried after an exponential backoff with jitter; after ``max_attempts``
attempts, or at once for a failure that retrying cannot mend, the row is
dead-lettered (``sopframe notify retry`` sends it again).

The clock, the backoff's randomness and the sleep between rounds are all
passed in, so tests never wait for real time to pass.
"""

from __future__ import annotations

import os
import random
import socket
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Callable, Mapping

from sopframe.core.engine.clock import Clock, system_clock, to_text
from sopframe.core.notify.notifier import DeliveryError

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.notify.model import OutboxRow
    from sopframe.core.notify.notifier import Notifier
    from sopframe.core.store import Store
    from sopframe.notifyconfig import NotifySettings

__all__ = ["Backoff", "Worker", "RunReport", "worker_id"]


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with "equal jitter": attempt n waits between half and all of
    ``min(cap, base * 2**(n-1))`` seconds, so retrying workers drift apart."""

    base: float = 30.0
    cap: float = 3600.0
    rand: Callable[[], float] = random.random

    def delay(self, attempt: int) -> float:
        ceiling = min(self.cap, self.base * 2 ** max(attempt - 1, 0))
        return ceiling / 2 + self.rand() * ceiling / 2


@dataclass
class RunReport:
    """What one run of the worker did."""

    delivered: int = 0
    retried: int = 0
    dead: int = 0
    lost_claims: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def handled(self) -> int:
        return self.delivered + self.retried + self.dead


def worker_id() -> str:
    """This process's worker name: host and process id (kept in claimed rows, for ``notify list``)."""
    return f"{socket.gethostname()}:{os.getpid()}"


class Worker:
    """Delivers due notifications from a store through the notifiers of the channels' types."""

    def __init__(self, store: "Store", notifiers: Mapping[str, "Notifier"], settings: "NotifySettings", *,
                 clock: Clock = system_clock, backoff: Backoff | None = None, name: str | None = None,
                 batch: int = 50) -> None:
        self.store = store
        self.notifiers = notifiers
        self.settings = settings
        self.clock = clock
        self.backoff = backoff or Backoff(settings.backoff, settings.backoff_max)
        self.name = name or worker_id()
        self.batch = batch

    def _outcome(self, row: "OutboxRow", now: datetime) -> tuple[str | None, str | None]:
        """(error, retry_at) of one delivery: (None, None) when delivered."""
        channel = self.settings.routing.channels.get(row.note.channel)
        try:
            if channel is None:
                raise DeliveryError(f"channel {row.note.channel!r} is no longer configured", permanent=True)
            notifier = self.notifiers.get(channel.type)
            if notifier is None:
                raise DeliveryError(f"no notifier for channel type {channel.type!r} (is its plugin installed?)")
            notifier.deliver(row.note, channel)
            return None, None
        except DeliveryError as exc:
            error = str(exc)
            if exc.permanent or row.attempts >= self.settings.max_attempts:
                return error, None
            return error, to_text(now + timedelta(seconds=self.backoff.delay(row.attempts)))
        except Exception as exc:  # a notifier's bug: retried like a failure, never lost
            error = f"notifier crashed: {type(exc).__name__}: {exc}"
            if row.attempts >= self.settings.max_attempts:
                return error, None
            return error, to_text(now + timedelta(seconds=self.backoff.delay(row.attempts)))

    def run_once(self, limit: int | None = None) -> RunReport:
        """Deliver everything due now (at most ``limit`` rows), batch by batch; returns what happened."""
        report = RunReport()
        while limit is None or report.handled + report.lost_claims < limit:
            now = self.clock()
            size = self.batch if limit is None else min(self.batch, limit - report.handled - report.lost_claims)
            rows = self.store.claim_notifications(self.name, to_text(now), to_text(now + timedelta(
                seconds=self.settings.lease)), size)
            if not rows:
                break
            outcomes = []
            for row in rows:
                error, retry_at = self._outcome(row, self.clock())
                outcomes.append((row.id, error, retry_at))
                if error is None:
                    report.delivered += 1
                else:
                    report.errors.append(f"#{row.id} {row.note.kind} via {row.note.channel}: {error}")
                    if retry_at is None:
                        report.dead += 1
                    else:
                        report.retried += 1
            settled = self.store.settle_notifications(self.name, to_text(self.clock()), outcomes)
            report.lost_claims += len(outcomes) - settled
        return report

    def run_loop(self, *, idle: float = 5.0, stop: Callable[[], bool] = lambda: False,
                 sleep: Callable[[float], None] = time.sleep, on_report: Callable[[RunReport], None] | None = None,
                 on_error: Callable[[str], None] | None = None) -> None:
        """Deliver, then sleep ``idle`` seconds when nothing was due, until ``stop()`` says so.

        A store that cannot be reached for a moment (a restarted database) is reported through
        ``on_error`` and tried again after ``idle``: claimed rows keep their lease and are not lost.
        """
        from sopframe.errors import StoreError

        try:
            while not stop():
                try:
                    report = self.run_once()
                except StoreError as exc:
                    if on_error is not None:
                        on_error(str(exc))
                    sleep(idle)
                    continue
                if on_report is not None and report.handled:
                    on_report(report)
                if not report.handled:
                    sleep(idle)
        finally:
            self.close()

    def close(self) -> None:
        for notifier in {id(n): n for n in self.notifiers.values()}.values():
            notifier.close()
