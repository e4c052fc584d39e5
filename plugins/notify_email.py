"""The ``email`` notifier: mail over SMTP with the standard library (``smtplib``, ``email``).

Channel options (``[notify.channels.NAME]`` with ``type = "email"``):
``host`` and ``from`` (required), ``port`` (default 587 with STARTTLS, 465
with implicit TLS, 25 without), ``security`` (``starttls`` default, ``tls``
or ``none``), ``username`` with ``password-env`` (the environment variable
holding the password), ``timeout`` in seconds (30), ``ca-file`` (a PEM
bundle to trust instead of the system's, for a private CA).

Each notification is one message to exactly one recipient: its address
must be one plain ``local@domain`` (:mod:`sopframe.core.notify.address`
refuses lists, display names, comments and control characters), and the
envelope names that address alone.  Its ``Message-ID`` is
``<KEY@sopframe>`` (the notification's idempotency key), so a mail system
or a script that keeps Message-IDs drops a redelivered duplicate.  Header
values are built by :mod:`email` with the SMTP policy, which refuses CR and
LF in headers; the subject was already made one visible line when the
notification was planned, so a title cannot add a header.  The connection
is kept open between messages of one worker and opened again if the server
dropped it.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any

from sopframe.core.engine.clock import from_text
from sopframe.core.notify.address import single_address
from sopframe.core.notify.model import Notification
from sopframe.core.notify.notifier import DeliveryError, Notifier, option_problems
from sopframe.core.safetext import escape
from sopframe.core.notify.routing import ChannelSpec
from sopframe.hookspecs import hookimpl

__all__ = ["EmailNotifier", "build_message", "sopframe_notifiers"]

_PORTS = {"starttls": 587, "tls": 465, "none": 25}
#: every option of an email channel (``password`` is read from the variable ``password-env`` names)
_OPTIONS = {"host": "text", "from": "text", "port": "port", "security": "text", "username": "text",
            "password-env": "text", "password": "text", "timeout": "seconds", "ca-file": "file"}


def _one_line(text: str) -> str:
    return " ".join(str(text).replace("\r", " ").replace("\n", " ").split())


def build_message(note: Notification, sender: str) -> EmailMessage:
    """The mail for one notification (headers cannot be injected: no CR/LF reaches a header)."""
    msg = EmailMessage()
    msg["From"] = _one_line(sender)
    msg["To"] = _one_line(note.recipient)
    msg["Subject"] = _one_line(note.subject)
    msg["Message-ID"] = f"<{note.key}@sopframe>"
    if note.created_at:
        msg["Date"] = format_datetime(from_text(note.created_at))
    msg["X-Sopframe-Kind"] = _one_line(note.kind)
    if note.job:
        msg["X-Sopframe-Job"] = _one_line(note.job)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(note.body)
    return msg


class EmailNotifier(Notifier):
    """Sends mail through one SMTP connection per channel, kept open between messages."""

    types = ("email",)

    def __init__(self) -> None:
        self._open: dict[str, smtplib.SMTP] = {}

    def check(self, channel: ChannelSpec) -> list[str]:
        o = channel.options
        problems = [f"needs `{k}`" for k in ("host", "from") if not o.get(k)]
        problems += option_problems(o, _OPTIONS)
        security = o.get("security", "starttls")
        if not isinstance(security, str) or security not in _PORTS:
            problems.append(f"`security` must be starttls, tls or none, not {escape(repr(o.get('security')))}")
        if o.get("username") and "password" not in o and "password-env" not in o:
            problems.append("`username` needs `password-env`, the environment variable holding the password")
        if isinstance(o.get("from"), str) and "@" not in parseaddr(o["from"])[1]:
            problems.append(f"`from` {escape(repr(o['from']))} is not a mail address")
        return problems

    def _context(self, o: Any) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=o.get("ca-file"))

    def _connect(self, channel: ChannelSpec) -> smtplib.SMTP:
        o = channel.options
        security = o.get("security", "starttls")
        port = int(o.get("port", _PORTS[security]))
        timeout = float(o.get("timeout", 30))
        if security == "tls":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(o["host"], port, timeout=timeout, context=self._context(o))
        else:
            smtp = smtplib.SMTP(o["host"], port, timeout=timeout)
            if security == "starttls":
                smtp.starttls(context=self._context(o))
        if o.get("username"):
            smtp.login(o["username"], o.get("password", ""))
        return smtp

    def deliver(self, note: Notification, channel: ChannelSpec) -> None:
        if not note.recipient:
            raise DeliveryError("no recipient address", permanent=True)
        try:
            recipient = single_address(note.recipient)
        except ValueError as exc:
            raise DeliveryError(f"recipient {escape(note.recipient)}: {exc}", permanent=True) from None
        msg = build_message(note, channel.options["from"])
        for attempt in (1, 2):  # a kept connection the server closed is opened again once
            try:
                smtp = self._open.get(channel.name) or self._connect(channel)
                self._open[channel.name] = smtp
                refused = smtp.send_message(msg, to_addrs=[recipient])
                if refused:
                    raise DeliveryError(f"recipient refused: {refused}", permanent=True)
                return
            except smtplib.SMTPServerDisconnected as exc:
                self._drop(channel.name)
                if attempt == 2:
                    raise DeliveryError(f"SMTP server disconnected: {exc}") from None
            except smtplib.SMTPAuthenticationError as exc:
                self._drop(channel.name)
                raise DeliveryError(f"SMTP authentication failed: {exc.smtp_code}") from None
            except smtplib.SMTPRecipientsRefused as exc:
                raise DeliveryError(f"recipient refused: {list(exc.recipients)}", permanent=True) from None
            except smtplib.SMTPResponseException as exc:
                self._drop(channel.name)
                raise DeliveryError(f"SMTP error {exc.smtp_code}", permanent=500 <= exc.smtp_code < 600
                                    and exc.smtp_code not in (421, 450, 451, 452)) from None
            except (smtplib.SMTPException, OSError, socket.timeout) as exc:
                self._drop(channel.name)
                raise DeliveryError(f"cannot send mail: {type(exc).__name__}: {exc}") from None

    def _drop(self, name: str) -> None:
        smtp = self._open.pop(name, None)
        if smtp is not None:
            try:
                smtp.close()
            except OSError:  # pragma: no cover
                pass

    def close(self) -> None:
        """Quit every open connection."""
        for name, smtp in list(self._open.items()):
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self._open.pop(name, None)


@hookimpl
def sopframe_notifiers() -> Any:
    return [EmailNotifier()]
