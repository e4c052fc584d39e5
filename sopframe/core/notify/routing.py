"""Routing: which channels each trigger uses, who is told, and at which address.

The configuration (``[notify]`` and ``[people]`` of sopframe.toml, read by
:mod:`sopframe.notifyconfig`) gives the channels by name, the routes
(trigger kind -> channel names), the lead time of ``sla.due_soon`` and
``sop.review_due``, the escalation time and role, and each person's
addresses.  A template's ``notify:`` key overrides routes, recipients and
times for its own jobs.  Everything here is pure: no network, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Iterable, Mapping
from urllib.parse import quote

from sopframe.core.notify.address import is_single_address

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.identity import RoleTable
    from sopframe.core.model import NotifyRule, Template

__all__ = ["ChannelSpec", "NotifyRouting", "Address", "DEFAULT_LEAD", "DEFAULT_ESCALATE_AFTER"]

DEFAULT_LEAD = "1d"
DEFAULT_ESCALATE_AFTER = "1d"


def _frozen(d: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
    return MappingProxyType(dict(d or {}))


@dataclass(frozen=True)
class ChannelSpec:
    """A configured channel: its name, its notifier type (``email``, ``webhook``, ``slack``, ``teams`` or a
    plugin's) and the notifier's options (host, URL, the environment variable holding a secret ...)."""

    name: str
    type: str
    options: Mapping[str, Any] = field(default_factory=_frozen)

    @property
    def per_person(self) -> bool:
        """Mail goes to each person's address; a webhook posts once to its URL naming everyone told."""
        return self.type == "email"


@dataclass(frozen=True)
class Address:
    """Where one person is told on one channel."""

    user: str
    address: str


@dataclass(frozen=True)
class NotifyRouting:
    """The whole routing configuration (empty: nothing is ever enqueued)."""

    channels: Mapping[str, ChannelSpec] = field(default_factory=_frozen)
    routes: Mapping[str, tuple[str, ...]] = field(default_factory=_frozen)
    #: user -> {channel type or channel name -> address}
    people: Mapping[str, Mapping[str, str]] = field(default_factory=_frozen)
    lead: str = DEFAULT_LEAD
    escalate_after: str = DEFAULT_ESCALATE_AFTER
    escalate_to: tuple[str, ...] = ()
    #: the team server's address as people open it (``[notify] link``), or "": messages then name commands
    link: str = ""

    def __bool__(self) -> bool:
        return bool(self.channels)

    def job_place(self, ref: str) -> str:
        """Where a person sees what a job needs: its page on the team server, or the command that shows it."""
        return f"{self.link}/jobs/{quote(ref, safe='')}" if self.link else f"sopframe job show {ref}"

    def ack_place(self, ref: str) -> str:
        """Where a person acknowledges an SOP: the server's Training page for it, or the command."""
        return f"{self.link}/training?sop={quote(ref, safe='')}" if self.link else f"sopframe ack {ref}"

    def rule(self, template: "Template | None", kind: str) -> "NotifyRule | None":
        return template.notify.get(kind) if template is not None else None

    def channels_for(self, kind: str, template: "Template | None") -> list[ChannelSpec]:
        """The channels a trigger uses for a template's jobs: its ``notify:`` entry, else the routes."""
        rule = self.rule(template, kind)
        names = rule.channels if rule is not None and rule.channels is not None else self.routes.get(kind, ())
        return [self.channels[n] for n in names if n in self.channels]

    def lead_for(self, template: "Template | None", kind: str = "sla.due_soon") -> str:
        rule = self.rule(template, kind)
        return rule.lead if rule is not None and rule.lead else self.lead

    def escalation_for(self, template: "Template | None") -> tuple[str, tuple[str, ...]]:
        """(how long a breach lasts before escalating, the roles told)."""
        rule = self.rule(template, "sla.escalated")
        after = rule.after if rule is not None and rule.after else self.escalate_after
        to = rule.to if rule is not None and rule.to else self.escalate_to
        return after, to

    def roles_for(self, template: "Template | None", kind: str, default: Iterable[str | None]) -> list[str]:
        """The roles told: the template's ``to`` for this trigger, else ``default``."""
        rule = self.rule(template, kind)
        roles = rule.to if rule is not None and rule.to else tuple(r for r in default if r)
        return list(dict.fromkeys(roles))

    def address(self, user: str, channel: ChannelSpec) -> str | None:
        """A person's address on a channel: by channel name, then by type; a user named like an
        e-mail address (exactly one, see :mod:`sopframe.core.notify.address`) is its own mail address."""
        from sopframe.core.identity import normalise

        book = self.people.get(user) or self.people.get(normalise(user), {})
        found = book.get(channel.name) or book.get(channel.type)
        if found:
            return found
        if channel.type == "email" and is_single_address(user):
            return user
        return None

    def users(self, roles: Iterable[str], table: "RoleTable") -> list[str]:
        """Everyone holding any of ``roles``, once each, in order."""
        out: list[str] = []
        for role in roles:
            for user in table.holders(role):
                if user not in out:
                    out.append(user)
        return out
