"""What the notification tests share: a small template, routing, and an engine that plans the outbox."""

from __future__ import annotations

from typing import Any, Mapping

from sopframe.core.engine import Engine
from sopframe.core.engine.clock import FixedClock
from sopframe.core.identity import RoleTable
from sopframe.core.notify.planning import Planner
from sopframe.core.notify.routing import ChannelSpec, NotifyRouting
from sopframe.notifyconfig import NotifySettings
from sopframe.testing.store_contract import _TINY_TEMPLATE

ROLES = {"author": ["alice", "ann@example.com"], "lead": ["lee"], "boss": ["bo"]}
PEOPLE = {"alice": {"email": "alice@example.com"}, "lee": {"email": "lee@example.com"},
          "bo": {"email": "bo@example.com"}}

#: the store contract's tiny procedure, with stage titles, an escalation role and a `notify:` key
TEMPLATE = (_TINY_TEMPLATE
            .replace("  lead: Approves it\n", "  lead: Approves it\n  boss: Hears of escalations\n"
                     "notify:\n  sla.escalated:\n    after: 4h\n    to: boss\n")
            .replace("  write:\n    owner", "  write:\n    title: Write it\n    owner")
            .replace("  approve:\n    owner", "  approve:\n    title: Approve it\n    owner"))


def routing(channels: Mapping[str, ChannelSpec] | None = None, routes: Mapping[str, Any] | None = None,
            **kw: Any) -> NotifyRouting:
    channels = channels if channels is not None else {"mail": ChannelSpec("mail", "email", {"from": "s@example.com"}),
                                                      "hook": ChannelSpec("hook", "webhook", {"url": "http://x"})}
    routes = routes if routes is not None else {kind: ("mail",) for kind in (
        "stage.entered", "signoff.wanted", "sla.due_soon", "sla.breached", "sla.escalated", "sop.review_due",
        "sop.review_overdue", "sop.published")}
    return NotifyRouting(channels=channels, routes={k: tuple(v) for k, v in routes.items()}, people=PEOPLE, **kw)


def engine_with(store: Any, route: NotifyRouting, clock: FixedClock | None = None, triggers: Any = ()) -> Engine:
    table = RoleTable.build(ROLES)
    return Engine(store, roles=table, clock=clock or FixedClock("2026-01-05T09:00:00+00:00"),
                  notify=Planner(route, table, tuple(triggers)))


def settings(route: NotifyRouting, **kw: Any) -> NotifySettings:
    return NotifySettings(route, **kw)
