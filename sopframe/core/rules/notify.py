"""Rules about a template's ``notify:`` key: triggers, channels and roles that exist."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from sopframe.core.diagnostics import Finding, Rule, Severity
from sopframe.core.graph import TemplateGraph
from sopframe.core.notify.model import TRIGGERS
from sopframe.errors import did_you_mean

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.frameworks import CheckContext


def _notify(tg: TemplateGraph, ctx: "CheckContext") -> Iterator[Finding]:
    template = tg.template
    triggers = [*TRIGGERS, *ctx.notify_triggers]
    for kind, rule in template.notify.items():
        if kind not in triggers:
            yield NOTIFY.finding(f"notify: unknown trigger {kind!r}{did_you_mean(kind, triggers)}", at=rule.loc,
                                 hint=f"triggers: {', '.join(triggers)}")
        for name, loc in zip(rule.channels or (), rule.channel_locs):
            if name not in ctx.notify_channels:
                known = ctx.notify_channels
                yield NOTIFY.finding(
                    f"notify.{kind}: unknown channel {name!r}{did_you_mean(name, known)}", at=loc,
                    hint=f"channels of the configuration: {', '.join(known)}" if known
                    else "define it as [notify.channels.NAME] in sopframe.toml")
        for role, loc in zip(rule.to, rule.to_locs):
            if role not in template.roles:
                yield NOTIFY.finding(f"notify.{kind}: undefined role {role!r}{did_you_mean(role, template.roles)}",
                                     at=loc, hint="name a role of the template's `roles:`")


NOTIFY = Rule("SOP120", "notify-unknown", Severity.ERROR,
              "A `notify:` entry names a trigger, channel or role that does not exist.",
              "A template's `notify:` key overrides, per trigger, the channels and the roles told. Triggers are "
              "the built-in ones (stage.entered, signoff.wanted, sla.due_soon, sla.breached, sla.escalated, "
              "sop.review_due, sop.review_overdue, sop.published) and those plugins add; channels are the "
              "`[notify.channels.NAME]` tables of the configuration; roles are the template's own. A misspelt "
              "name would silently tell nobody.", _notify)

RULES = [NOTIFY]
