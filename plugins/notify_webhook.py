"""Webhook notifiers: a generic signed JSON webhook, and Slack- and Teams-compatible incoming webhooks.

Channel options: ``url`` (required, http or https), ``timeout`` in seconds
(10), ``ca-file`` (a PEM bundle to trust for https), and for ``webhook``
``secret-env``: the environment variable holding the signing secret.

Every request carries ``Idempotency-Key: KEY`` (the notification's key, the
same on every redelivery).  The generic webhook POSTs the notification as
JSON and signs it like GitHub and Stripe sign theirs: header
``X-Sopframe-Signature: t=TIMESTAMP,v1=HEX`` where HEX is the HMAC-SHA256,
keyed with the secret, of ``TIMESTAMP``, a dot, and the exact body bytes.
docs/notifications.md shows receivers how to check it.

A 2xx answer is a delivery; 408, 425, 429 and 5xx answers, time-outs and
refused connections are retried; any other 4xx answer will not change by
retrying and goes to the dead letters at once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import ssl
import time
import urllib.error
import urllib.request
from typing import Any, Callable

from sopframe.core.notify.model import Notification
from sopframe.core.notify.notifier import DeliveryError, Notifier, option_problems
from sopframe.core.notify.routing import ChannelSpec
from sopframe.hookspecs import hookimpl

__all__ = ["WebhookNotifier", "SlackNotifier", "TeamsNotifier", "sign", "SIGNATURE_HEADER", "sopframe_notifiers"]

SIGNATURE_HEADER = "X-Sopframe-Signature"
_RETRYABLE = {408, 425, 429}


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header's value for ``body`` sent at ``timestamp`` (Unix seconds)."""
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode("ascii") + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def _post(url: str, body: bytes, headers: dict[str, str], timeout: float, cafile: str | None) -> None:
    req = urllib.request.Request(url, data=body, method="POST",
                                 headers={"Content-Type": "application/json", "User-Agent": "sopframe", **headers})
    context = ssl.create_default_context(cafile=cafile) if url.startswith("https:") else None
    try:
        with urllib.request.urlopen(req, timeout=timeout, context=context) as resp:
            resp.read(65536)
    except urllib.error.HTTPError as exc:
        status = exc.code
        raise DeliveryError(f"HTTP {status} from the webhook",
                            permanent=400 <= status < 500 and status not in _RETRYABLE) from None
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryError(f"cannot reach the webhook: {type(reason).__name__}: {reason}") from None


class _HttpNotifier(Notifier):
    clock: Callable[[], float] = staticmethod(time.time)

    #: every option of the channel type
    options = {"url": "text", "timeout": "seconds", "ca-file": "file"}

    def check(self, channel: ChannelSpec) -> list[str]:
        url = channel.options.get("url", "")
        problems = [] if isinstance(url, str) and url.startswith(("http://", "https://")) else [
            "needs `url`, an http:// or https:// address"]
        return problems + [p for p in option_problems(channel.options, self.options) if not p.startswith("`url`")]

    def payload(self, note: Notification) -> dict[str, Any]:  # pragma: no cover - every subclass has its own
        raise NotImplementedError

    def headers(self, note: Notification, channel: ChannelSpec, body: bytes) -> dict[str, str]:
        return {"Idempotency-Key": note.key, "X-Sopframe-Kind": note.kind}

    def deliver(self, note: Notification, channel: ChannelSpec) -> None:
        o = channel.options
        body = json.dumps(self.payload(note), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        _post(str(o["url"]), body, self.headers(note, channel, body), float(o.get("timeout", 10)), o.get("ca-file"))


class WebhookNotifier(_HttpNotifier):
    """The generic webhook: the whole notification as JSON, signed with HMAC-SHA256."""

    types = ("webhook",)
    options = {**_HttpNotifier.options, "secret-env": "text", "secret": "text"}

    def payload(self, note: Notification) -> dict[str, Any]:
        return {"id": note.key, "kind": note.kind, "job": note.job, "subject": note.subject, "text": note.body,
                "created_at": note.created_at, "data": dict(note.data)}

    def headers(self, note: Notification, channel: ChannelSpec, body: bytes) -> dict[str, str]:
        out = super().headers(note, channel, body)
        secret = channel.options.get("secret")
        if secret:
            out[SIGNATURE_HEADER] = sign(str(secret), int(self.clock()), body)
        return out


def _users(note: Notification) -> str:
    return ", ".join(str(u) for u in note.data.get("users", ()))


def slack_escape(text: str) -> str:
    """Slack's own escaping: no ``<!channel>`` mention or link can be made by a title."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def markdown_escape(text: str) -> str:
    """Teams renders Markdown: every character that formats or links is escaped."""
    out = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for ch in "\\`*_{}[]()#+-!|~":
        out = out.replace(ch, "\\" + ch)
    return out


class SlackNotifier(_HttpNotifier):
    """A Slack incoming webhook: ``{"text": ...}``, escaped as Slack reads it.  Mattermost and Rocket.Chat accept
    the payload but read Markdown and plain ``@channel`` in it, which this escaping does not neutralise
    (docs/notifications.md)."""

    types = ("slack",)

    def payload(self, note: Notification) -> dict[str, Any]:
        who = f"\nFor: {slack_escape(_users(note))}" if _users(note) else ""
        return {"text": f"*{slack_escape(note.subject)}*\n{slack_escape(note.body)}{who}"}


class TeamsNotifier(_HttpNotifier):
    """A Microsoft Teams-compatible incoming webhook: a MessageCard.

    Its text is Markdown, where a single line break joins two lines into one: each line of the
    notification is a paragraph of its own, so the card shows the lines the mail shows."""

    types = ("teams",)

    def payload(self, note: Notification) -> dict[str, Any]:
        lines = [markdown_escape(text) for text in note.body.splitlines() if text.strip()]
        if _users(note):
            lines.append(f"For: {markdown_escape(_users(note))}")
        return {"@type": "MessageCard", "@context": "https://schema.org/extensions",
                "summary": note.subject[:150], "title": markdown_escape(note.subject),
                "text": "\n\n".join(lines)}


@hookimpl
def sopframe_notifiers() -> Any:
    return [WebhookNotifier(), SlackNotifier(), TeamsNotifier()]
