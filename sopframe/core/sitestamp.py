"""A cheap stamp of what is installed, to avoid reading entry-point metadata on every run.

Finding the installed plugins through :mod:`importlib.metadata` reads every
distribution's metadata: about 30 ms, more than half of a run answered from
the result cache.  The stamp below changes whenever that answer could: it
covers every ``sys.path`` entry (its modification time, so a package added,
removed or reinstalled shows) and every ``*.dist-info`` / ``*.egg-info``
in it (its name, which holds the version, and the modification time of its
``entry_points.txt``).  The cache keeps the plugin list found under each
stamp, so a run only reads the metadata again after something was
installed, upgraded or removed.
"""

from __future__ import annotations

import hashlib
import os
import sys

TYPE_CHECKING = False  # not typing's: importing typing costs start-up, and type checkers know the name
if TYPE_CHECKING:  # pragma: no cover
    from typing import Iterable

__all__ = ["site_stamp"]

_META = (".dist-info", ".egg-info")


def site_stamp(extra: Iterable[str] = ()) -> str:
    """A digest of the installed distributions' names and times, and of ``extra``."""
    h = hashlib.sha256()
    for item in extra:
        h.update(f"x\0{item}\n".encode("utf-8", "surrogateescape"))
    for entry in sys.path:
        where = os.path.abspath(entry or os.curdir)
        h.update(f"p\0{where}\0{_mtime(where)}\n".encode("utf-8", "surrogateescape"))
        try:
            with os.scandir(where) as it:
                names = sorted(e.name for e in it if e.name.lower().endswith(_META))
        except OSError:  # a file (a zip archive: its time is enough) or missing
            continue
        for name in names:
            child = os.path.join(where, name)
            points = _mtime(os.path.join(child, "entry_points.txt"))
            h.update(f"d\0{name}\0{_mtime(child)}\0{points}\n".encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def _mtime(path: str) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return -1
