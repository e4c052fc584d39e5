"""Which installed plugin implements which hook, remembered between processes.

Importing every plugin costs a job command more than the command itself
(the compliance plugins alone pull in their catalogues and checks).  With an
index a :class:`~sopframe.pluginmanager.Plugins` imports a plugin only when a
hook it implements is first called: ``sopframe job show`` asks only for
``sopframe_store`` and so imports only the store backends.

The index is written after plugins are imported, and it is trusted only
while nothing it was made from has changed: its key covers every entry
point (name, target, distribution and version) and the source files of the
top-level package each one lives in (found without importing it), so an
installed, removed, upgraded or edited plugin makes it stale, and a stale or
missing index means "import every plugin", as without one.  A plugin the
index does not know, or that failed to import, is imported for every hook.
The file is JSON under the cache directory (``cache-dir``), checksummed and
written atomically like the validation cache; deleting it only costs speed.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from pathlib import Path
from typing import Any, Iterable

from sopframe.core.cache import read_checked, source_digest, write_checked

__all__ = ["PluginIndex", "FORMAT"]

FORMAT = 1


class PluginIndex:
    """The hooks of each entry-point plugin, as last seen, for one set of installed plugins."""

    def __init__(self, directory: str | os.PathLike[str], plugins: Iterable[Any]) -> None:
        """``plugins``: the entry points' :class:`~sopframe.pluginmanager.PluginInfo` records."""
        self.directory = os.fspath(directory)
        self.key = _key(list(plugins))
        self.path = os.path.join(self.directory, f"plugins-v{FORMAT}.json")
        known = read_checked(self.path, "hooks", key=self.key)
        self._hooks: dict[str, list[str]] = known if isinstance(known, dict) else {}
        self._changed = False

    def implements(self, plugin: str, hook: str) -> bool:
        """Whether ``plugin`` must be imported before ``hook`` is called: it implements it, or is unknown."""
        hooks = self._hooks.get(plugin)
        return hooks is None or hook in hooks

    def record(self, plugin: str, hooks: list[str] | None) -> None:
        """What importing ``plugin`` showed: its hooks, or ``None`` when it failed (ask again next time)."""
        if hooks is None:
            changed = self._hooks.pop(plugin, None) is not None
        else:
            changed = self._hooks.get(plugin) != sorted(hooks)
            self._hooks[plugin] = sorted(hooks)
        self._changed = self._changed or changed

    def save(self) -> None:
        """Write the index if it changed; a directory that cannot be written only costs speed."""
        if self._changed:
            write_checked(self.directory, self.path, "hooks", self._hooks, key=self.key)
            self._changed = False


def _key(plugins: list[Any]) -> str:
    """A digest of every entry point and of the sources of the top-level packages they name."""
    h = hashlib.sha256(f"{FORMAT}".encode())
    tops: set[str] = set()
    for p in sorted(plugins, key=lambda p: (p.name, p.module)):
        h.update(f"\0{p.name}\0{p.module}\0{p.distribution}\0{p.version}".encode())
        tops.add(p.module.split(":", 1)[0].split(".", 1)[0].strip())
    roots: list[Path] = []
    for top in sorted(tops):
        try:
            spec = importlib.util.find_spec(top)  # a top-level name: found, not imported
        except (ImportError, ValueError):
            spec = None
        if spec is None:
            h.update(f"\0missing {top}".encode())
        elif spec.submodule_search_locations:
            roots.extend(Path(p) for p in spec.submodule_search_locations)
        elif spec.origin:
            roots.append(Path(spec.origin))
    h.update(source_digest(roots).encode())
    return h.hexdigest()
