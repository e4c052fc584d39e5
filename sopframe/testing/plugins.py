"""A fresh plugin manager holding only the plugins a test names."""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING, Any, Union

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.pluginmanager import Plugins

__all__ = ["PluginSpec", "make_plugins"]

#: An installed plugin's entry-point name, a plugin module or object, or
#: ``(name, module_or_object)`` to choose the name it is registered under.
PluginSpec = Union[str, ModuleType, object, tuple[str, Any]]


def make_plugins(*specs: PluginSpec, strict: bool = False) -> "Plugins":
    """Load sopframe's core rules plus exactly the plugins named, nothing else.

    A string is the entry-point name of an installed plugin (as in
    ``[project.entry-points.sopframe]``); any other value is registered
    directly (a module or an object with ``@sopframe.hookimpl`` methods).
    Installed plugins not named are not imported.  ``strict`` makes a plugin
    failure raise :class:`sopframe.PluginError` instead of becoming a finding.
    An entry-point name that is not installed raises :class:`LookupError`.
    """
    from sopframe.errors import did_you_mean
    from sopframe.pluginmanager import _entry_points, load_plugins

    names: list[str] = []
    extra: list[tuple[str, Any]] = []
    for spec in specs:
        if isinstance(spec, str):
            names.append(spec)
        elif isinstance(spec, tuple) and len(spec) == 2 and isinstance(spec[0], str):
            extra.append((spec[0], spec[1]))
        else:
            name = getattr(spec, "__name__", None) or type(spec).__name__
            extra.append((name, spec))
    if names:
        installed = [ep.name for ep in _entry_points()]
        for name in names:
            if name not in installed:
                raise LookupError(f"no installed sopframe plugin {name!r}{did_you_mean(name, installed)}; "
                                  f"installed: {', '.join(installed) or 'none'}")
    return load_plugins(only=names, extra=extra, strict=strict, disabled=())
