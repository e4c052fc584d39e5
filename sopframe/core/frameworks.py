"""Compliance frameworks: what a framework plugin declares, and which ones a check run uses.

A framework plugin returns :class:`Framework` objects from the
``sopframe_frameworks`` hook: the framework's id as templates write it under
``frameworks:``, a display title, and its control catalogue (control id ->
a short title in the plugin's own words).  ``sopframe coverage`` uses the
catalogue for its rows.

A rule's check receives, besides the template graph, a :class:`CheckContext`:
the settings of the run (frameworks forced with ``--framework`` or the
``frameworks`` configuration key, and the organisation-policy values of the
``policy`` key), passed down explicitly by whoever validates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from sopframe.core.model import Template

__all__ = ["Framework", "CheckContext"]


@dataclass(frozen=True)
class Framework:
    """A compliance framework and its control catalogue."""

    id: str
    title: str
    #: control id -> short title (our own words, never the standard's text)
    controls: Mapping[str, str] = field(default_factory=dict)
    plugin: str = ""
    #: the controls a documented procedure can evidence (``None``: every control); coverage counts
    #: "N of M that procedures can evidence" and never reports the others as gaps of the templates
    evidenceable: frozenset[str] | None = None
    #: rule code -> {control id: what the rule does not check of it}; a passing rule shows
    #: such a control as *partial*, never as passed
    partial: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    #: organisation-policy keys the framework's rules read (``[tool.sopframe.policy]``) -> default value
    policy: Mapping[str, str] = field(default_factory=dict)
    #: rule code -> the template kinds the rule applies to (absent or empty: every kind)
    rule_kinds: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    #: an optional finer test: whether rule ``code`` checks this template at all
    #: (for example only templates that declare the step the rule is about)
    rule_filter: Callable[[str, Template], bool] | None = field(default=None, compare=False, repr=False)
    #: what the framework calls the ids it lists, plural ("criteria" for SOC 2, "requirements" for PCI DSS)
    cites: str = "controls"

    def applies(self, code: str, kind: str) -> bool:
        """Whether the framework's rule ``code`` checks templates of ``kind``."""
        kinds = self.rule_kinds.get(code, ())
        return not kinds or kind in kinds

    def can_evidence(self, control: str) -> bool:
        """Whether a procedure can evidence ``control`` (every control, unless the plugin says)."""
        return self.evidenceable is None or control in self.evidenceable

    def checks(self, code: str, template: Template) -> bool:
        """Whether the framework's rule ``code`` checks this template (its kind and contents)."""
        if not self.applies(code, template.kind):
            return False
        return self.rule_filter is None or self.rule_filter(code, template)


@dataclass(frozen=True)
class CheckContext:
    """What a validation run checks against, passed to every rule's check.

    ``frameworks`` (if not ``None``) replaces what each template claims;
    ``policy`` holds organisation-policy values by key; ``notify_channels``
    the channel names the configuration defines and ``notify_triggers`` the
    notification triggers plugins add (a template's ``notify:`` key may name
    only those and the built-in ones).  The default context checks each
    template against its own claims with default policy.
    """

    frameworks: tuple[str, ...] | None = None
    policy: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    notify_channels: tuple[str, ...] = ()
    notify_triggers: tuple[str, ...] = ()

    @classmethod
    def of(cls, frameworks: Iterable[str] | None = None, policy: Mapping[str, Any] | None = None,
           notify_channels: Iterable[str] = (), notify_triggers: Iterable[str] = ()) -> "CheckContext":
        """A context from any iterable of framework ids and any mapping of policy values."""
        return cls(None if frameworks is None else tuple(dict.fromkeys(frameworks)),
                   MappingProxyType(dict(policy or {})), tuple(notify_channels), tuple(notify_triggers))

    def active_frameworks(self, template: Template) -> tuple[str, ...]:
        """The frameworks ``template`` is checked against in this run."""
        return template.frameworks if self.frameworks is None else self.frameworks
