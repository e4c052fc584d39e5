"""Compliance frameworks: what a framework plugin declares, and which ones a check run uses.

A framework plugin returns :class:`Framework` objects from the
``sopframe_frameworks`` hook: the framework's id as templates write it under
``frameworks:``, a display title, and its control catalogue (control id ->
a short title in the plugin's own words).  ``sopframe coverage`` uses the
catalogue for its rows.

Rules receive only the template graph, so the settings of a run (frameworks
forced with ``--framework`` or the ``frameworks`` configuration key, and the
organisation-policy values of the ``policy`` key) travel in a context
variable: commands set them with :func:`check_settings`; rules read them with
:func:`current_settings` and :func:`active_frameworks`.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Callable, Iterable, Iterator, Mapping

from sopframe.core.model import Template

__all__ = ["Framework", "CheckSettings", "check_settings", "current_settings", "active_frameworks"]


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
class CheckSettings:
    """What a validation run checks against.

    ``frameworks`` (if not ``None``) replaces what each template claims;
    ``policy`` holds organisation-policy values by key.
    """

    frameworks: tuple[str, ...] | None = None
    policy: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


_CURRENT: ContextVar[CheckSettings] = ContextVar("sopframe_check_settings", default=CheckSettings())


def current_settings() -> CheckSettings:
    """The settings of the validation run in progress (defaults outside one)."""
    return _CURRENT.get()


@contextmanager
def check_settings(frameworks: Iterable[str] | None = None,
                   policy: Mapping[str, Any] | None = None) -> Iterator[CheckSettings]:
    """Run the enclosed validation with these frameworks and policy values."""
    settings = CheckSettings(
        frameworks=None if frameworks is None else tuple(dict.fromkeys(frameworks)),
        policy=MappingProxyType(dict(policy or {})),
    )
    token = _CURRENT.set(settings)
    try:
        yield settings
    finally:
        _CURRENT.reset(token)


def active_frameworks(template: Template) -> tuple[str, ...]:
    """The frameworks a template is checked against in the current run."""
    forced = current_settings().frameworks
    return template.frameworks if forced is None else forced
