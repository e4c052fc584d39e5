"""Every exception sopframe raises, drawn in one place.

::

    SopframeError                 base; ``exit_code`` is what the CLI exits with
    ├── UsageError                bad command-line use, missing path (exit 2)
    ├── ConfigError               unreadable or invalid configuration (exit 2)
    ├── TemplateError             a template could not be loaded (carries findings)
    └── PluginError               a plugin failed to load or misbehaved (exit 3)

Each error renders its own user-facing message with :meth:`format_message`,
including a "did you mean" hint where one helps.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Iterable, Sequence

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.diagnostics import Finding

__all__ = [
    "SopframeError",
    "UsageError",
    "ConfigError",
    "TemplateError",
    "PluginError",
    "did_you_mean",
]


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return ``" (did you mean 'x'?)"`` for the closest choice, or ``""``."""
    close = difflib.get_close_matches(word, sorted(set(choices)), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


class SopframeError(Exception):
    """Base of every error sopframe raises on purpose."""

    exit_code = 3

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def format_message(self) -> str:
        text = self.message
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text

    def __str__(self) -> str:
        return self.message


class UsageError(SopframeError):
    """The command line asks for something that cannot be done."""

    exit_code = 2


class ConfigError(SopframeError):
    """Configuration could not be read or is invalid."""

    exit_code = 2

    def __init__(self, message: str, *, path: str | None = None, hint: str = "") -> None:
        super().__init__(f"{path}: {message}" if path else message, hint=hint)
        self.path = path


class TemplateError(SopframeError):
    """A template could not be loaded; ``findings`` says why, with positions."""

    exit_code = 1

    def __init__(self, path: str, findings: Sequence["Finding"]) -> None:
        first = findings[0] if findings else None
        where = f"{first.file}:{first.line}:{first.col}: " if first else f"{path}: "
        summary = first.message if first else "could not be loaded"
        more = f" (and {len(findings) - 1} more)" if len(findings) > 1 else ""
        super().__init__(f"{where}{summary}{more}")
        self.path = path
        self.findings = tuple(findings)


class PluginError(SopframeError):
    """A plugin failed to load or broke a hook's contract."""

    exit_code = 3

    def __init__(self, plugin: str, message: str, *, hint: str = "") -> None:
        super().__init__(f"plugin {plugin!r}: {message}", hint=hint)
        self.plugin = plugin
