"""Finding the installed plugins (once per process), registering one against the hook specs, and naming
what does not match them.

Each plugin's outcome (loaded, blocked, failed and why, its hooks) is kept in
its :class:`PluginInfo`, which ``sopframe plugins`` shows.

A plugin whose hook-like names do not match a spec is recorded with the
reason and never registered: a misspelt ``sopframe_...`` function, or a
function named like a hook but not marked with ``@sopframe.hookimpl``,
would otherwise do nothing without a word.
"""

from __future__ import annotations

import inspect
import os
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import pluggy

from sopframe import hookspecs

__all__ = ["PluginInfo", "hook_names", "hooks_of", "register", "load_entry_point", "ENTRY_POINT_GROUP",
           "clear_discovery_cache"]

PREFIX = "sopframe_"
ENTRY_POINT_GROUP = "sopframe"


@dataclass
class PluginInfo:
    """What ``sopframe plugins`` shows for one plugin."""

    name: str
    module: str
    distribution: str = ""
    version: str = ""
    loaded: bool = False
    blocked: bool = False
    error: str | None = None
    hooks: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        """``loaded``, ``blocked`` (never imported) or ``failed``."""
        if self.blocked:
            return "blocked"
        return "loaded" if self.loaded else "failed"


def hook_names() -> list[str]:
    """The name of every hook in :mod:`sopframe.hookspecs`."""
    return sorted(n for n, f in vars(hookspecs).items()
                  if n.startswith(PREFIX) and callable(f) and hasattr(f, f"{hookspecs.PROJECT}_spec"))


def register(pm: pluggy.PluginManager, obj: Any, info: Any) -> None:
    """Register one plugin (``info`` is its PluginInfo); on a mismatch with the specs, record why instead."""
    known = hook_names()
    misnamed = _misnamed(obj, known)
    if misnamed:
        info.error = misnamed
        return
    try:
        pm.register(obj, name=info.name)
    except Exception as exc:  # e.g. a hookimpl with the wrong arguments
        info.error = " ".join(f"{type(exc).__name__}: {exc}".split())
        return
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:  # pragma: no cover - _misnamed catches these first
        pm.unregister(obj)
        info.error = f"unknown hook: {exc}"
        return
    info.loaded = True
    info.hooks = hooks_of(pm, obj)


def hooks_of(pm: pluggy.PluginManager, obj: Any) -> list[str]:
    return sorted(c.name for c in pm.get_hookcallers(obj) or [])


def _misnamed(obj: Any, known: list[str]) -> str | None:
    """Say what is wrong when a plugin's hook-like names do not match the specs.

    A hook implementation (marked or not) named ``sopframe_...`` that is not a
    hook is almost always a typo; a function named exactly like a hook but not
    marked with :data:`sopframe.hookimpl` would silently do nothing.
    """
    marker = f"{hookspecs.PROJECT}_impl"
    for name in sorted(dir(obj)):
        if not name.startswith(PREFIX):
            continue
        try:
            value = getattr(obj, name)
        except Exception:  # pragma: no cover - exotic objects
            continue
        if inspect.ismodule(value) or inspect.isclass(value) or not callable(value):
            continue
        marked = hasattr(value, marker)
        if name not in known:
            if not marked and not inspect.isfunction(value) and not inspect.ismethod(value):
                continue
            import difflib

            close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            return f"unknown hook {name!r}{hint}; sopframe's hooks are: {', '.join(known)}"
        if not marked:
            return f"{name} is not marked with @sopframe.hookimpl, so sopframe would never call it"
    return None


def load_entry_point(pm: pluggy.PluginManager, ep: Any, info: PluginInfo) -> None:
    """Import one entry point's plugin and register it; a failure is recorded in ``info``, not raised."""
    try:
        obj = ep.load()
    except Exception as exc:  # an import failure of one plugin is reported, not fatal
        info.error = f"{type(exc).__name__}: {exc}"
        info.hooks = []
        _debug_trace()
        return
    register(pm, obj, info)


def _debug_trace() -> None:
    if os.environ.get("SOPFRAME_DEBUG"):
        import traceback

        traceback.print_exc()


@lru_cache(maxsize=1)
def _discover() -> tuple[Any, ...]:
    from importlib.metadata import entry_points

    return tuple(sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name))


def _entry_points() -> list[Any]:
    """The installed ``sopframe`` entry points, read once per process."""
    return list(_discover())


def clear_discovery_cache() -> None:
    """Forget the installed entry points, so the next load reads them again."""
    _discover.cache_clear()


@lru_cache(maxsize=None)
def _distribution(dist: Any) -> tuple[str, str]:
    """(name, version) of a distribution: its metadata is parsed once, not once per entry point and field."""
    if dist is None:
        return "", ""
    try:
        meta = dist.metadata
        return meta["Name"] or "", meta["Version"] or ""
    except Exception:  # unreadable metadata names nothing
        return "", ""
