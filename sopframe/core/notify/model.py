"""The outbox's rows and the trigger kinds that make them.

A :class:`Notification` is written by the store's atomic ``append`` in the
same transaction as the events that cause it (or by ``enqueue`` for the
time-based ones ``sopframe tick`` finds).  Its ``key`` is deterministic: the
same cause always gives the same key, so writing it twice keeps one row, and
receivers use it to drop duplicates of an at-least-once delivery (the
``Idempotency-Key`` header of webhooks, the ``Message-ID`` of mail).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Mapping

__all__ = ["Notification", "OutboxRow", "TRIGGERS", "STATUSES", "notification_key", "Trigger", "shown_time"]

#: the built-in trigger kinds, with what each tells whom
TRIGGERS: Mapping[str, str] = {
    "stage.entered": "a stage was entered: its owners are told",
    "signoff.wanted": "a stage that needs sign-offs was entered: the sign-off roles are told",
    "sla.due_soon": "an open stage's SLA runs out within the lead time (sopframe tick)",
    "sla.breached": "an open stage's SLA ran out: its owners are told",
    "sla.escalated": "an SLA breach has lasted the escalation time: the escalation role is told (sopframe tick)",
    "sop.review_due": "a published SOP's review date is within the lead time (sopframe tick)",
    "sop.review_overdue": "a published SOP's review date has passed (sopframe tick)",
    "sop.published": "an SOP version was published: its audience is told",
    "ack.due_soon": "a person of an SOP's audience has not yet acknowledged its current version and the "
                    "acknowledgement is due within the lead time (sopframe tick): that person is told",
    "ack.late": "a person's acknowledgement of an SOP's current version is past due (sopframe tick): that "
                "person is told, and the trigger's `to` roles (a trainer, say) when set",
}

#: outbox states: waiting (or retrying), claimed by a worker under a lease, delivered, given up
STATUSES = ("pending", "sending", "delivered", "dead")


def notification_key(*parts: object) -> str:
    """A deterministic idempotency key for a notification's cause, channel and recipient."""
    text = "\x1f".join(str(p) for p in parts)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:40]


@dataclass(frozen=True)
class Notification:
    """One message to deliver: written to the outbox, never changed afterwards.

    ``channel`` names a channel of the configuration; ``recipient`` is the
    address on it (an e-mail address; empty for a webhook, whose URL is the
    channel's).  ``data`` is the structured payload webhooks send.
    """

    key: str
    kind: str
    channel: str
    recipient: str
    subject: str
    body: str
    job: str = ""
    created_at: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)

    def data_json(self) -> str:
        return json.dumps(dict(self.data), ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


@dataclass(frozen=True)
class OutboxRow:
    """A notification as the outbox keeps it, with its delivery state."""

    id: int
    note: Notification
    status: str
    attempts: int
    next_at: str
    lease_until: str | None = None
    worker: str | None = None
    last_error: str | None = None
    delivered_at: str | None = None

    def to_dict(self) -> dict[str, Any]:
        n = self.note
        return {"id": self.id, "key": n.key, "kind": n.kind, "channel": n.channel, "recipient": n.recipient,
                "subject": n.subject, "job": n.job, "created_at": n.created_at, "status": self.status,
                "attempts": self.attempts, "next_at": self.next_at, "lease_until": self.lease_until,
                "worker": self.worker, "last_error": self.last_error, "delivered_at": self.delivered_at}


@dataclass(frozen=True)
class Trigger:
    """A trigger a plugin adds (``sopframe_notify_triggers``): an event type that tells a role.

    When a job's command appends an event of type ``event_type``, each user
    holding a role that ``recipients(event, template)`` returns (the
    template's ``notify:`` ``to`` key replaces them) is told on the channels
    routed for ``kind``.  ``subject(event, job_title)`` makes the one-line
    subject.  This is how acknowledgements, or any plugin's own event, get
    notifications without changing the engine.
    """

    kind: str
    event_type: str
    description: str
    recipients: Any  # Callable[[Event, Template], Sequence[str]]: role ids
    subject: Any  # Callable[[Event, str], str]


def shown_time(text: object) -> str:
    """A recorded UTC time as a message to a person shows it: ``2026-01-06 09:00 UTC`` (the data keeps the
    exact time); anything that is not such a time is shown as it is."""
    value = str(text)
    if len(value) >= 16 and value[10:11] == "T" and value.endswith("Z"):
        return f"{value[:10]} {value[11:16]} UTC"
    return value
