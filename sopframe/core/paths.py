"""Which files a run validates: template files named, and those below directories."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from sopframe.errors import UsageError

__all__ = ["DEFAULT_MAX_BYTES", "TEMPLATE_SUFFIXES", "collect_paths", "looks_like_template"]

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


def _templates_below(top: str) -> Iterator[str]:
    for here, dirs, files in os.walk(top):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            path = Path(here, name)
            if name.startswith(".") or path.suffix not in TEMPLATE_SUFFIXES:
                continue
            if path.is_file() or (path.is_symlink() and not path.exists()):
                yield str(path)


def _spelled(path: str) -> str:
    """``path`` as :mod:`pathlib` spells it (no empty or ``.`` parts, no trailing separator)."""
    return str(Path(path))


#: top-level keys only a template has; a YAML file with neither is some other tool's file
_TEMPLATE_KEYS = (b"template", b"stages")


def looks_like_template(path: str) -> bool:
    """Whether a YAML file could be a template: one of its top-level lines is a ``template:`` or
    ``stages:`` key (quoted or not).  Read as bytes without parsing, so a template with a syntax error,
    or one that is not UTF-8, still counts; an unreadable file counts too (validation reports it).
    A pre-commit configuration, a CI workflow or a compose file has neither key and does not."""
    import re

    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError:
        return True
    keys = b"|".join(_TEMPLATE_KEYS)
    return re.search(rb"^(?:\xef\xbb\xbf)?[\"']?(?:" + keys + rb")[\"']?[ \t]*:", data, flags=re.M) is not None
