"""Where something is in a source file: what every template model element and every finding carries.

Kept apart from :mod:`sopframe.core.diagnostics` (which re-exports it), so
that the template model, and with it every job command, is defined without
the findings' and rules' classes.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["Location"]


class Location(NamedTuple):
    """A place in a source file: 1-based line and column."""

    file: str = "<unknown>"
    line: int = 1
    col: int = 1

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"
