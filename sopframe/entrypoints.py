"""The installed ``sopframe`` entry points, remembered between processes.

Reading them means importing :mod:`importlib.metadata` (which pulls in
``email``, ``zipfile``, ``csv`` and more) and reading every installed
distribution's metadata: a fifth of what a job command cost.  So the entry
points found are kept in the cache directory, next to the plugin index
(:mod:`sopframe.pluginindex`), and a later process takes them from there
while nothing they were found in has changed.

The key covers every place distributions are found in: each entry of
``sys.path``, and for a directory the names of its ``*.dist-info`` and
``*.egg-info`` entries (they name each distribution and its version) and
the size and modification time of each one's ``entry_points.txt``.
Installing, removing, upgrading or re-installing a distribution, or a
changed ``sys.path``, makes the snapshot stale, and a stale or missing
snapshot means the entry points are read with :mod:`importlib.metadata`, as
without one.  If anything but the standard path finder can list
distributions (an import hook of its own), the snapshot is never used.
Loading an entry point imports its module and looks up its attribute, as
:meth:`importlib.metadata.EntryPoint.load` does.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import os
import re
import sys
from typing import Any, Callable, NamedTuple

from sopframe.core.cache import read_checked, write_checked

__all__ = ["Entry", "cached_entry_points", "FORMAT"]

FORMAT = 1
_VALUE = re.compile(r"(?P<module>[\w.]+)\s*(:\s*(?P<attr>[\w.]+)\s*)?((?P<extras>\[.*\])\s*)?$")


class Dist(NamedTuple):
    """The distribution an entry point comes from, as much of it as the plugin manager reads."""

    name: str
    version: str

    @property
    def metadata(self) -> dict[str, str]:
        return {"Name": self.name, "Version": self.version}


class Entry(NamedTuple):
    """An entry point remembered from an earlier process (``name``, ``value``, ``dist`` and ``load()``)."""

    name: str
    value: str
    dist: Dist

    def load(self) -> Any:
        """Import the module the value names and return its attribute (``module:attr.sub``)."""
        match = _VALUE.match(self.value)
        if match is None:
            raise ValueError(f"entry point {self.name!r}: {self.value!r} is not module:attribute")
        module = importlib.import_module(match.group("module"))
        return functools.reduce(getattr, filter(None, (match.group("attr") or "").split(".")), module)


def cached_entry_points(directory: str | os.PathLike[str], group: str,
                        discover: Callable[[], Any]) -> list[Any]:
    """The entry points of ``group``: remembered under ``directory`` if still current, else ``discover()``'s
    (then remembered for the next process)."""
    key = _key(group)
    if key is None:
        return list(discover())
    path = os.path.join(os.fspath(directory), f"entry-points-v{FORMAT}.json")
    known = read_checked(path, "entries", key=key)
    if isinstance(known, list):
        try:
            return [Entry(str(n), str(v), Dist(str(d), str(ver))) for n, v, d, ver in known]
        except (TypeError, ValueError):
            pass  # another shape: read them again
    found = list(discover())
    rows = []
    for ep in found:
        dist = getattr(ep, "dist", None)
        try:
            meta = dist.metadata if dist is not None else {}
            rows.append([ep.name, ep.value, meta["Name"] or "", meta["Version"] or ""])
        except Exception:  # metadata that cannot be read: not remembered, read again next time
            return found
    write_checked(os.fspath(directory), path, "entries", rows, key=key)
    return found


def _key(group: str) -> str | None:
    """A digest of where distributions are found (None when something besides the path finder lists them)."""
    from importlib.machinery import PathFinder

    if any(hasattr(f, "find_distributions") and f is not PathFinder for f in sys.meta_path):
        return None
    h = hashlib.sha256(f"{FORMAT}\0{group}".encode())
    for entry in sys.path:
        h.update(f"\0\0{entry}".encode("utf-8", "surrogateescape"))
        try:
            with os.scandir(entry or ".") as it:
                names = sorted(e.name for e in it if e.name.endswith((".dist-info", ".egg-info")))
        except NotADirectoryError:  # a zip file on the path: its own size and time
            names = []
            h.update(_stamp(entry))
        except OSError:
            continue
        for name in names:
            h.update(f"\0{name}".encode("utf-8", "surrogateescape"))
            h.update(_stamp(os.path.join(entry or ".", name, "entry_points.txt")))
    return h.hexdigest()


def _stamp(path: str) -> bytes:
    try:
        st = os.stat(path)
    except OSError:
        return b"-"
    return f"{st.st_size}:{st.st_mtime_ns}".encode()
