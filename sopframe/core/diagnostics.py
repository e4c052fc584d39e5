"""Findings, severities and rule descriptions: what every check reports.

A :class:`Finding` is one problem at one place.  Every finding names its rule
code and slug (``SOP101 dag-cycle``), a severity, the file, line and column
(1-based), a message, a hint that says what to do, and the rule's docs anchor.
:class:`Location` is in :mod:`sopframe.core.location` (the template model
carries locations; a job command needs no findings).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
import inspect
from dataclasses import dataclass, field

from typing import TYPE_CHECKING

from sopframe.core.location import Location

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.frameworks import CheckContext
    from sopframe.core.graph import TemplateGraph

__all__ = ["Severity", "Finding", "Rule", "Location", "DOCS_RULES"]

#: Where rule documentation lives; every rule's anchor is appended to it.
DOCS_RULES = "docs/rules.md"


class Severity(enum.IntEnum):
    """How serious a finding is; higher is worse."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @classmethod
    def parse(cls, text: str) -> "Severity":
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(
                f"unknown severity {text!r}; use one of: error, warning, info"
            ) from None

    def __str__(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Finding:
    """One problem found in one file."""

    code: str
    slug: str
    severity: Severity
    message: str
    file: str = "<unknown>"
    line: int = 1
    col: int = 1
    hint: str = ""
    plugin: str = "core"
    template: str | None = None
    stage: str | None = None
    #: the page documenting the rule (plugins document theirs on their own page)
    docs_page: str = DOCS_RULES
    #: the finding this one follows from, as ``CODE stage`` (``SOP101 review``): it goes away once that one
    #: is fixed, so reports hide it while that one is reported (see :mod:`sopframe.core.followon`)
    follows: str | None = None

    @property
    def docs(self) -> str:
        """The anchor of this finding's rule in its rules reference."""
        return f"{self.docs_page}#{self.code.lower()}-{self.slug}"

    @property
    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.file, self.line, self.col, self.code, self.message)

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "slug": self.slug,
            "severity": str(self.severity),
            "file": self.file,
            "line": self.line,
            "col": self.col,
            "message": self.message,
            "hint": self.hint,
            "plugin": self.plugin,
            "template": self.template,
            "stage": self.stage,
            "docs": self.docs,
            "follows": self.follows,
        }


#: ``check(tg, ctx)``: the template's graph and the run's :class:`~sopframe.core.frameworks.CheckContext`
CheckFn = Callable[["TemplateGraph", "CheckContext"], Iterable[Finding]]
#: the form before the context existed, still accepted: ``check(tg)``
LegacyCheckFn = Callable[["TemplateGraph"], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    """A check with a stable code.

    ``check(tg, ctx)`` receives the loaded template's graph (which carries
    the immutable model) and the run's
    :class:`~sopframe.core.frameworks.CheckContext` (frameworks, policy), and
    yields findings; :meth:`finding` builds them with the rule's code, slug,
    severity and plugin already filled in.  A check written for the older
    one-argument form ``check(tg)`` still works: :meth:`run` calls it
    without the context.
    ``summary`` is one line for ``sopframe rules``; ``explanation`` is the
    long text ``sopframe explain CODE`` prints.
    """

    code: str
    slug: str
    severity: Severity
    summary: str
    explanation: str = ""
    check: CheckFn | LegacyCheckFn | None = field(default=None, compare=False, repr=False)
    plugin: str = "core"
    controls: tuple[str, ...] = ()
    #: the page documenting this rule, with a ``## CODE slug`` heading
    docs_page: str = DOCS_RULES
    #: the heading, on ``docs_page``, of a section several rules share (what they check, with a wrong and a
    #: right example), shown after the rule's own section; empty when the rule's own section says it all
    shared_docs: str = ""
    #: whether ``check`` takes the context: read from its signature once, not on every template
    _takes_context: bool = field(default=False, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_takes_context", self.check is not None and _takes_context(self.check))

    @property
    def docs(self) -> str:
        return f"{self.docs_page}#{self.code.lower()}-{self.slug}"

    def run(self, tg: "TemplateGraph", ctx: "CheckContext") -> Iterable[Finding]:
        """The check's findings on ``tg`` in the run ``ctx`` (none without a check)."""
        if self.check is None:
            return ()
        if self._takes_context:
            return self.check(tg, ctx)  # type: ignore[call-arg]
        return self.check(tg)  # type: ignore[call-arg]

    def finding(
        self,
        message: str,
        *,
        at: Location | None = None,
        hint: str = "",
        severity: Severity | None = None,
        template: str | None = None,
        stage: str | None = None,
        follows: str | None = None,
    ) -> Finding:
        return Finding(
            code=self.code,
            slug=self.slug,
            severity=self.severity if severity is None else severity,
            message=message,
            file=at.file if at else "<unknown>",
            line=at.line if at else 1,
            col=at.col if at else 1,
            hint=hint,
            plugin=self.plugin,
            template=template,
            stage=stage,
            docs_page=self.docs_page,
            follows=follows,
        )


def _takes_context(check: Callable[..., Iterable[Finding]]) -> bool:
    """Whether ``check`` takes the context: two positional parameters, or ``*args``."""
    try:
        params = inspect.signature(check).parameters.values()
    except (TypeError, ValueError):  # pragma: no cover - builtins without a signature
        return False
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) >= 2 or any(p.kind is p.VAR_POSITIONAL for p in params)
