"""Each mail notification goes to exactly one checked address (a real aiosmtpd server on 127.0.0.1)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from notify.servers import smtp_server
from notify.support import PEOPLE, TEMPLATE, settings
from sopframe.core.engine import Engine
from sopframe.core.engine.clock import FixedClock
from sopframe.core.identity import RoleTable
from sopframe.core.notify.address import is_single_address, single_address
from sopframe.core.notify.model import Notification
from sopframe.core.notify.notifier import DeliveryError
from sopframe.core.notify.planning import Planner
from sopframe.core.notify.routing import ChannelSpec, NotifyRouting
from sopframe.services.notify import Worker
from sopframe_plugins.notify_email import EmailNotifier
from sopframe_plugins.store_memory import MemoryStore

NOT_ONE = ["ann@example.com, attacker@evil.example", "ann@example.com,eve@evil.example", "not an address", "not",
           '"ann@example.com" <attacker@evil.example>', "Ann <ann@example.com>", "ann@example.com (eve@evil.example)",
           "ann@example.com\r\nBcc: eve@evil.example", "ann@example.com\n", " ann@example.com", "<ann@example.com>",
           "team: ann@example.com, eve@evil.example;", "ann@eve@evil.example", "@evil.example:ann@example.com", ""]


@pytest.mark.parametrize("text", NOT_ONE)
def test_only_one_plain_address_is_an_address(text: str) -> None:
    assert not is_single_address(text)
    with pytest.raises(ValueError, match="not a single mail address"):
        single_address(text)


def test_a_plain_address_is_one() -> None:
    assert single_address("ann.lee+sop@mail.example.com") == "ann.lee+sop@mail.example.com"


def _channel(port: int) -> ChannelSpec:
    return ChannelSpec("mail", "email", {"host": "127.0.0.1", "port": port, "security": "none",
                                         "from": "sop@example.com"})


def test_a_user_named_like_a_list_of_addresses_is_not_mailed() -> None:
    with smtp_server() as box:
        channel = _channel(box.port)
        route = NotifyRouting(channels={"mail": channel}, routes={"stage.entered": ("mail",)}, people=PEOPLE)
        table = RoleTable.build({"author": ["alice", "ann@example.com,eve@evil.example"], "lead": ["lee"],
                                 "boss": ["bo"]})
        store = MemoryStore()
        Engine(store, roles=table, clock=FixedClock("2026-01-05T09:00:00+00:00"),
               notify=Planner(route, table)).start(TEMPLATE, "tiny.yaml", actor="alice")
        worker = Worker(store, {"email": EmailNotifier()}, settings(route), name="w1")  # type: ignore[arg-type]
        try:
            report = worker.run_once()
        finally:
            worker.close()
    assert report.delivered == 1 and [m.recipients for m in box.mails] == [["alice@example.com"]]


@pytest.mark.parametrize("recipient", NOT_ONE[:7])
def test_the_email_notifier_sends_to_exactly_one_checked_address(recipient: str) -> None:
    note = Notification(key="k1", kind="stage.entered", channel="mail", recipient=recipient, subject="s", body="b",
                        job="J-1", created_at="2026-01-05T09:00:00+00:00", data={})
    with smtp_server() as box:
        notifier = EmailNotifier()
        try:
            with pytest.raises(DeliveryError, match="not a single mail address") as info:
                notifier.deliver(note, _channel(box.port))
            notifier.deliver(replace(note, recipient="ann@example.com"), _channel(box.port))
        finally:
            notifier.close()
    assert info.value.permanent
    assert [m.recipients for m in box.mails] == [["ann@example.com"]]
    assert box.mails[0].message["To"] == "ann@example.com"
