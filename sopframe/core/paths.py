"""Which files a run validates: template files named, and those below directories.

Kept apart from the validation code so that a run answered from the result
cache imports nothing heavy.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from sopframe.errors import UsageError

__all__ = ["DEFAULT_MAX_BYTES", "TEMPLATE_SUFFIXES", "collect_paths"]

TEMPLATE_SUFFIXES = (".yaml", ".yml")
#: Templates larger than this are refused (configurable with ``max-file-size``).
DEFAULT_MAX_BYTES = 1024 * 1024


def collect_paths(paths: Iterable[str]) -> list[str]:
    """Expand directories recursively to their template files; sorted, deduplicated."""
    out: list[str] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            # a link that does not resolve (a loop, a missing target) is kept, to be reported as unreadable
            found = sorted(
                str(c) for c in path.rglob("*")
                if c.suffix in TEMPLATE_SUFFIXES and (c.is_file() or (c.is_symlink() and not c.exists()))
                and not any(part.startswith(".") for part in c.relative_to(path).parts)
            )
            out.extend(found)
        elif path.is_file():
            out.append(str(path))
        elif path.is_symlink():
            raise UsageError(f"path {p!r} is a symbolic link that does not resolve (its target is missing, "
                             "or the link is part of a loop)", hint="give template files or directories")
        else:
            raise UsageError(f"path {p!r} does not exist", hint="give template files or directories")
    return list(dict.fromkeys(out))
