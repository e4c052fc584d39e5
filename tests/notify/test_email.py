"""The e-mail notifier against a real aiosmtpd server on 127.0.0.1: plain, STARTTLS with AUTH, implicit TLS."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from notify.servers import self_signed, smtp_server
from notify.support import TEMPLATE, engine_with, routing, settings
from sopframe.core.notify.routing import ChannelSpec
from sopframe.services.notify import Worker
from sopframe_plugins.notify_email import EmailNotifier
from sopframe_plugins.store_memory import MemoryStore


def _deliver(store: MemoryStore, channel: ChannelSpec, **kw: object):
    route = routing(channels={"mail": channel})
    notifier = EmailNotifier()
    worker = Worker(store, {"email": notifier}, settings(route, **kw), name="w1")  # type: ignore[arg-type]
    try:
        return worker.run_once()
    finally:
        worker.close()


def _start(store: MemoryStore, channel: ChannelSpec, title: str = "Rotate the keys") -> str:
    return engine_with(store, routing(channels={"mail": channel})).start(TEMPLATE, "tiny.yaml", actor="alice",
                                                                         title=title).job_id


def test_mail_reaches_each_recipient_with_subject_body_and_headers() -> None:
    with smtp_server() as box:
        channel = ChannelSpec("mail", "email", {"host": "127.0.0.1", "port": box.port, "security": "none",
                                                "from": "SOP tracker <sop@example.com>"})
        store = MemoryStore()
        job = _start(store, channel)
        report = _deliver(store, channel)
    assert (report.delivered, report.retried, report.dead) == (2, 0, 0)
    assert [m.recipients for m in box.mails] == [["alice@example.com"], ["ann@example.com"]]
    keys = [r.note.key for r in store.notifications()]
    for mail, key in zip(box.mails, keys):
        msg = mail.message
        assert mail.sender == "sop@example.com"
        assert msg["Subject"] == f"{job}: stage Write it waits for you"
        assert msg["Message-ID"] == f"<{key}@sopframe>"  # the idempotency key
        assert msg["X-Sopframe-Kind"] == "stage.entered" and msg["X-Sopframe-Job"] == job
        assert msg["From"] == "SOP tracker <sop@example.com>" and msg["Auto-Submitted"] == "auto-generated"
        assert "Rotate the keys" in msg.get_payload(decode=True).decode()
    assert {r.status for r in store.notifications()} == {"delivered"}


def test_a_title_with_cr_lf_cannot_add_a_header() -> None:
    with smtp_server() as box:
        channel = ChannelSpec("mail", "email", {"host": "127.0.0.1", "port": box.port, "security": "none",
                                                "from": "sop@example.com"})
        store = MemoryStore()
        text = TEMPLATE.replace("    title: Write it", '    title: "Write\\r\\nBcc: evil@example.com"')
        engine_with(store, routing(channels={"mail": channel})).start(text, "tiny.yaml", actor="alice")
        _deliver(store, channel)
    for mail in box.mails:
        assert mail.message["Bcc"] is None and "evil@example.com" not in mail.recipients
        assert "\n" not in mail.message["Subject"] and "Bcc: evil@example.com" in mail.message["Subject"]


def test_starttls_with_authentication(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(cert, key)
    with smtp_server(tls_context=server_ctx, users={"sopframe": "s3cret"}) as box:
        channel = ChannelSpec("mail", "email", {"host": "127.0.0.1", "port": box.port, "security": "starttls",
                                                "ca-file": str(cert), "username": "sopframe",
                                                "password": "s3cret", "from": "sop@example.com"})
        store = MemoryStore()
        _start(store, channel)
        report = _deliver(store, channel)
        assert report.delivered == 2
        assert all(m.tls and m.authenticated == b"sopframe" for m in box.mails)
        wrong = ChannelSpec("mail", "email", {**channel.options, "password": "nope"})
        store2 = MemoryStore()
        _start(store2, wrong)
        report = _deliver(store2, wrong, max_attempts=3)
        assert report.retried == 2 and "authentication failed" in report.errors[0]
        assert len(box.mails) == 2  # nothing sent without authenticating


def test_implicit_tls_and_an_untrusted_certificate(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(cert, key)
    with smtp_server(tls_context=server_ctx, implicit_tls=True) as box:
        channel = ChannelSpec("mail", "email", {"host": "127.0.0.1", "port": box.port, "security": "tls",
                                                "ca-file": str(cert), "from": "sop@example.com"})
        store = MemoryStore()
        _start(store, channel)
        assert _deliver(store, channel).delivered == 2
        assert all(m.tls for m in box.mails)
        untrusted = ChannelSpec("mail", "email", {k: v for k, v in channel.options.items() if k != "ca-file"})
        store2 = MemoryStore()
        _start(store2, untrusted)
        report = _deliver(store2, untrusted)
        assert report.delivered == 0 and report.retried == 2 and "CERTIFICATE_VERIFY_FAILED" in report.errors[0]


@pytest.mark.parametrize("options, problem", [
    ({"from": "sop@example.com"}, "needs `host`"),
    ({"host": "h", "from": "sop@example.com", "security": "ssl"}, "`security` must be"),
    ({"host": "h", "from": "sop@example.com", "username": "u"}, "password-env"),
    ({"host": "h", "from": "nobody"}, "not a mail address"),
])
def test_channel_options_are_checked(options: dict, problem: str) -> None:
    found = EmailNotifier().check(ChannelSpec("mail", "email", options))
    assert found and problem in found[0]


@pytest.mark.parametrize("options, problem", [
    ({"host": "h", "from": "s@example.com", "security": ["tls"]}, "`security` must be"),
    ({"host": "h", "from": "s@example.com", "prot": 25}, "`prot`: unknown option (did you mean 'port'?)"),
    ({"host": "h", "from": "s@example.com", "timeout": True}, "`timeout` must be a number of seconds"),
    ({"host": "h", "from": ["s@example.com"]}, "`from` must be a non-empty string"),
])
def test_option_types_and_names_are_checked_before_delivery(options: dict, problem: str) -> None:
    found = EmailNotifier().check(ChannelSpec("mail", "email", options))
    assert any(problem in p for p in found), found


def test_the_mail_says_what_to_do_and_by_when() -> None:
    """A stage-entered mail names the SLA deadline and the command that shows what the stage needs; a
    sign-off mail names each sign-off's role and how to give it."""
    with smtp_server() as box:
        channel = ChannelSpec("mail", "email", {"host": "127.0.0.1", "port": box.port, "security": "none",
                                                "from": "sop@example.com"})
        store = MemoryStore()
        engine = engine_with(store, routing(channels={"mail": channel}))
        job = engine.start(TEMPLATE, "tiny.yaml", actor="alice", title="Rotate the keys").job_id
        engine.set_fields(job, {"summary": "done"}, actor="alice")
        engine.complete(job, actor="alice")
        _deliver(store, channel)
    bodies = {(m.recipients[0], m.message["X-Sopframe-Kind"]): m.message.get_payload(decode=True).decode()
              for m in box.mails}
    entered = bodies[("alice@example.com", "stage.entered")]
    assert "It is due by 2026-01-06 09:00 UTC (the stage's SLA)." in entered  # write's 1d SLA
    assert f"What it needs to move on: sopframe job show {job}" in entered
    signoff = bodies[("lee@example.com", "signoff.wanted")]
    assert f"- lead, by role lead: sopframe job sign {job} lead" in signoff
