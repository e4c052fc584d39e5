"""Which files a run validates: template files named, and those below directories.

Kept apart from the validation code, and free of :mod:`pathlib`, so that a
run answered from the result cache imports nothing it does not need.
"""

from __future__ import annotations

import os

from sopframe.errors import UsageError

TYPE_CHECKING = False  # not typing's: importing typing costs start-up, and type checkers know the name
if TYPE_CHECKING:  # pragma: no cover
    from typing import Iterable

__all__ = ["DEFAULT_MAX_BYTES", "TEMPLATE_SUFFIXES", "collect_paths"]

TEMPLATE_SUFFIXES = (".yaml", ".yml")
#: Templates larger than this are refused (configurable with ``max-file-size``).
DEFAULT_MAX_BYTES = 1024 * 1024


def collect_paths(paths: Iterable[str]) -> list[str]:
    """Expand directories recursively to their template files; sorted, deduplicated.

    Names starting with a dot (and everything below such a directory) are
    skipped; linked directories are not followed.  A link that does not
    resolve (its target is missing, or a loop) is kept, to be reported as
    unreadable.  Paths are spelled as :mod:`pathlib` spells them.
    """
    out: list[str] = []
    for p in paths:
        if os.path.isdir(p):
            out.extend(sorted(_templates_below(_spelled(p))))
        elif os.path.isfile(p):
            out.append(_spelled(p))
        elif os.path.islink(p):
            raise UsageError(f"path {p!r} is a symbolic link that does not resolve (its target is missing, "
                             "or the link is part of a loop)", hint="give template files or directories")
        else:
            raise UsageError(f"path {p!r} does not exist", hint="give template files or directories")
    return list(dict.fromkeys(out))


def _templates_below(top: str) -> Iterable[str]:
    for here, dirs, files in os.walk(top):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        if top == ".":  # pathlib spells ./sub/x.yaml as sub/x.yaml
            here = here[2:] if here.startswith("." + os.sep) else ""
        prefix = here + os.sep if here else ""
        for name in files:
            if name.startswith(".") or os.path.splitext(name)[1] not in TEMPLATE_SUFFIXES:
                continue
            path = prefix + name
            if os.path.isfile(path) or (os.path.islink(path) and not os.path.exists(path)):
                yield path


def _spelled(path: str) -> str:
    """``path`` without empty or ``.`` parts or a trailing separator, as ``str(pathlib.Path(path))`` has it."""
    if os.sep != "/" or (os.altsep and os.altsep in path):  # pragma: no cover - Windows spells paths its own way
        from pathlib import Path

        return str(Path(path))
    lead = "//" if path.startswith("//") and not path.startswith("///") else "/" if path.startswith("/") else ""
    return (lead + "/".join(part for part in path.split("/") if part and part != ".")) or "."
