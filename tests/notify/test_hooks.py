"""The notifier and trigger hooks: built-in notifiers come through them, plugins add their own."""

from __future__ import annotations

from typing import Any

from sopframe import DeliveryError, Notification, Notifier, Trigger, hookimpl
from sopframe.testing.plugins import make_plugins


class Pager(Notifier):
    types = ("pager", "email")  # claims `email` too: asked first (registered last), it wins; the clash is reported

    def deliver(self, note: Notification, channel: Any) -> None:
        raise DeliveryError("down")


class PagerPlugin:
    @hookimpl
    def sopframe_notifiers(self) -> list[Notifier]:
        return [Pager()]

    @hookimpl
    def sopframe_notify_triggers(self) -> list[Trigger]:
        return [Trigger("ack.pending", "ack.requested", "an acknowledgement is waited for",
                        lambda ev, t: ["staff"], lambda ev, title: "please acknowledge"),
                Trigger("stage.entered", "x", "clashes with a built-in trigger", lambda ev, t: [],
                        lambda ev, title: "")]


def test_built_in_notifiers_are_plugins_of_the_same_hook() -> None:
    plugins = make_plugins("notify-email", "notify-webhook")
    assert sorted(plugins.notifiers()) == ["email", "slack", "teams", "webhook"]
    assert plugins.notify_triggers() == [] and plugins.problems == []


def test_a_plugin_adds_a_channel_type_and_a_trigger_and_clashes_are_reported() -> None:
    plugins = make_plugins("notify-email", ("pager", PagerPlugin()))
    notifiers = plugins.notifiers()
    assert type(notifiers["pager"]).__name__ == "Pager"
    assert type(notifiers["email"]).__name__ == "Pager"  # pluggy's order: the last registered first
    assert [t.kind for t in plugins.notify_triggers()] == ["ack.pending"]
    messages = [p.message for p in plugins.problems]
    assert any("channel type 'email' already has a notifier" in m for m in messages)
    assert any("notification trigger 'stage.entered' already exists" in m for m in messages)
