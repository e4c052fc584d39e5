"""Registering one plugin against the hook specs, and naming what does not match them.

A plugin whose hook-like names do not match a spec is recorded with the
reason and never registered: a misspelt ``sopframe_...`` function, or a
function named like a hook but not marked with ``@sopframe.hookimpl``,
would otherwise do nothing without a word.
"""

from __future__ import annotations

import inspect
from typing import Any

import pluggy

from sopframe import hookspecs

__all__ = ["hook_names", "hooks_of", "register"]

PREFIX = "sopframe_"


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
    import difflib

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
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            return f"unknown hook {name!r}{hint}; sopframe's hooks are: {', '.join(known)}"
        if not marked:
            return f"{name} is not marked with @sopframe.hookimpl, so sopframe would never call it"
    return None
