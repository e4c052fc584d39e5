"""Plugin discovery and the typed wrapper through which core code calls hooks.

Plugins are found through the ``sopframe`` entry-point group, once per
process.  Blocked plugins (the ``disabled`` argument, which the settings fill
from ``--disable-plugin``, ``SOPFRAME_DISABLE_PLUGINS`` and the
``disable-plugins`` configuration key) are never imported.  A plugin
that fails to import, or whose hook implementations do not match a hook
spec, is recorded with its error and skipped: :attr:`Plugins.problems` turns
those records into findings, unless ``strict`` makes them fatal.
"""

from __future__ import annotations

import functools
import inspect
import os
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

import pluggy
from pluggy import HookCaller, HookImpl

from sopframe import hookspecs
from sopframe._registration import (ENTRY_POINT_GROUP, PluginInfo, _distribution, _entry_points,
                                    clear_discovery_cache, hook_names, hooks_of, load_entry_point,
                                    register as _register)
from sopframe.errors import PluginError

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.diagnostics import Finding, Rule
    from sopframe.pluginindex import PluginIndex

__all__ = ["PluginInfo", "Plugins", "load_plugins", "ENTRY_POINT_GROUP", "hook_names",
           "clear_discovery_cache"]

CORE = "core"


def _memoised(method: Callable[["Plugins"], Any]) -> Callable[["Plugins"], Any]:
    """Compute a hook's checked result once per :class:`Plugins`, so each problem is reported once."""
    name = method.__name__

    @functools.wraps(method)
    def once(self: "Plugins") -> Any:
        if name not in self._memo:
            self._memo[name] = method(self)
        value = self._memo[name]
        return list(value) if isinstance(value, list) else value

    return once


def _problem(plugin: str, message: str, hint: str = "", rule: "Rule | None" = None) -> Finding:
    """A finding about ``plugin`` itself, made by its rule (SOP900 unless said); the findings' classes are
    imported here, when a plugin has a problem, not by every command."""
    from sopframe.core.diagnostics import Location
    from sopframe.core.rules.plugin_problems import PLUGIN_FAILED

    rule = rule or PLUGIN_FAILED
    return replace(rule.finding(message, at=Location(f"<plugin {plugin}>"), hint=hint), plugin=plugin)


class Plugins:
    """The loaded plugins and typed calls to their hooks."""

    def __init__(self, pm: pluggy.PluginManager, infos: list[PluginInfo], strict: bool = False, *,
                 deferred: Sequence[tuple[Any, PluginInfo]] = (), index: "PluginIndex | None" = None) -> None:
        self.pm = pm
        self._infos = infos
        self.strict = strict
        self._problems: list[Finding] = []
        self._results: dict[str, list[tuple[str, list[Any]]]] = {}
        self._memo: dict[str, Any] = {}
        #: entry points not imported yet: each is imported before the first call of a hook it implements
        self._deferred = list(deferred)
        self._index = index
        for info in infos:
            if info.error:
                self._failed(info)

    @property
    def infos(self) -> list[PluginInfo]:
        """Every plugin, imported or blocked (importing any still deferred)."""
        self.load_all()
        return self._infos

    @property
    def problems(self) -> list[Finding]:
        """Plugin failures as findings (importing any plugin still deferred, so none is missed)."""
        self.load_all()
        return self._problems

    def load_all(self) -> None:
        """Import every plugin still deferred."""
        self._load(lambda info: True)

    def _load_for(self, hook_name: str) -> None:
        """Import the deferred plugins that implement ``hook_name``, as the index says (all if it cannot)."""
        index = self._index
        self._load(lambda info: index is None or index.implements(info.name, hook_name))

    def _load(self, wanted: Callable[[PluginInfo], bool]) -> None:
        now = [(ep, info) for ep, info in self._deferred if wanted(info)]
        if not now:
            return
        self._deferred = [(ep, info) for ep, info in self._deferred if not wanted(info)]
        for ep, info in now:
            load_entry_point(self.pm, ep, info)
            if self._index is not None:
                self._index.record(info.name, None if info.error else info.hooks)
            if info.error:
                self._failed(info)
        if self._index is not None:
            self._index.save()

    def _failed(self, info: PluginInfo) -> None:
        self._report(_problem(info.name, f"plugin {info.name!r} failed to load: {info.error}",
                              f"fix or reinstall {info.distribution or info.module}, or disable it with "
                              f"--disable-plugin {info.name}"))

    # --------------------------------------------------------------- plumbing
    def _report(self, finding: Finding) -> None:
        """Record a plugin problem, or raise it as a PluginError in strict mode."""
        if self.strict:
            message = finding.message
            own = f"plugin {finding.plugin!r}"
            message = message[len(own):].lstrip(" :") if message.startswith(own) else message
            hint = finding.hint or "disable the plugin"
            raise PluginError(finding.plugin, message,
                              hint=f"{hint} (strict plugin mode makes this fatal: --strict-plugins or "
                                   "strict-plugins in the configuration)")
        self._problems.append(finding)

    def _call_each(self, hook_name: str, **kwargs: Any) -> list[tuple[str, list[Any]]]:
        """Call a list-returning hook through pluggy, one implementation at a time; memoised.

        Implementations run in pluggy's order (``tryfirst`` first, ``trylast``
        last, otherwise the last registered first) and each runs through
        pluggy's own hook caller, so wrappers (old-style ``hookwrapper`` and
        new-style ``wrapper``) wrap it.  Isolation is per implementation: one
        that raises, or returns something other than a sequence, is reported
        once (SOP900) and left out, and the others still run.  The result is
        kept, so each hook runs once per :class:`Plugins`.
        """
        if hook_name in self._results:
            return self._results[hook_name]
        results: list[tuple[str, list[Any]]] = []
        for impl, caller in self._callers(hook_name):
            plugin = impl.plugin_name
            try:
                value = caller(**kwargs)
            except PluginError:
                raise
            except Exception as exc:  # a plugin's bug must not stop the others
                self._report(_problem(plugin,
                                      f"plugin {plugin!r} raised in {hook_name}: "
                                      f"{type(exc).__name__}: {exc}",
                                      "report it to the plugin's authors, or disable the plugin"))
                continue
            for item in value:  # pluggy leaves out a None result
                if isinstance(item, (str, bytes)) or not isinstance(item, Iterable):
                    self._report(_problem(plugin,
                                          f"plugin {plugin!r} returned {type(item).__name__} from {hook_name}, "
                                          "expected a list", "return a list (or another sequence) from the hook"))
                    continue
                results.append((plugin, list(item)))
        self._results[hook_name] = results
        return results

    def _items_of(self, hook_name: str, cls: type) -> list[tuple[str, Any]]:
        """(plugin, item) for every item a list hook returned that is a ``cls``; any other item is reported."""
        out: list[tuple[str, Any]] = []
        for plugin, value in self._call_each(hook_name):
            for item in value:
                if isinstance(item, cls):
                    out.append((plugin, item))
                else:
                    self._report(_problem(plugin, f"plugin {plugin!r} returned {type(item).__name__} from "
                                                  f"{hook_name}, expected sopframe.{cls.__name__}"))
        return out

    def _callers(self, hook_name: str) -> list[tuple[HookImpl, HookCaller]]:
        """Each plain implementation of a hook, in pluggy's call order, with a
        hook caller that calls it alone (and every wrapper around it)."""
        self._load_for(hook_name)
        hook: HookCaller = getattr(self.pm.hook, hook_name)
        impls = hook.get_hookimpls()  # pluggy calls them from the last to the first
        plain = [impl for impl in impls if not (impl.wrapper or impl.hookwrapper)]
        return [(impl, self.pm.subset_hook_caller(hook_name, [o.plugin for o in plain if o is not impl]))
                for impl in reversed(plain)]

    # ------------------------------------------------------------------ hooks
    @_memoised
    def rules(self) -> list[Rule]:
        """Every rule from every plugin, with its owning plugin filled in."""
        from sopframe.core.diagnostics import Rule
        from sopframe.core.rules.plugin_problems import RULE_CODE_COLLISION
        from sopframe.pluginrules import claim_rules

        rules, refused = claim_rules(self._items_of("sopframe_rules", Rule), CORE)
        for plugin, problem in refused:
            self._report(_problem(plugin, f"plugin {plugin!r}: {problem}; the rule is skipped",
                                  "give the plugin's rules their own code prefix", RULE_CODE_COLLISION))
        return rules

    @_memoised
    def schema_extensions(self) -> list[Any]:
        """Every plugin's :class:`~sopframe.core.schema.SchemaExtension`, in pluggy's call order."""
        from sopframe.core.schema import SchemaExtension

        return [replace(ext, plugin=plugin)
                for plugin, ext in self._items_of("sopframe_schema_extensions", SchemaExtension)]

    @_memoised
    def code_digest(self) -> str:
        """A digest of the code that decides findings: the sources of sopframe and
        of the top-level package of every registered plugin, with each loaded
        plugin's name, distribution and version.  Computed once per
        :class:`Plugins`; the result cache keys on it, so an edit takes effect at once."""
        import hashlib
        import sys

        from sopframe.core.cache import source_digest

        self.load_all()
        roots = [Path(__file__).resolve().parent]
        for obj in self.pm.get_plugins():
            module = inspect.getmodule(obj) or sys.modules.get(type(obj).__module__)
            top = sys.modules.get(module.__name__.split(".")[0]) if module is not None else None
            file = getattr(top, "__file__", None)
            if file:
                roots.append(Path(file).resolve().parent if hasattr(top, "__path__") else Path(file).resolve())
        loaded = sorted((i.name, i.distribution, i.version) for i in self._infos if i.loaded)
        return hashlib.sha256(f"{source_digest(roots)}\0{loaded!r}".encode()).hexdigest()

    def schema(self) -> dict[str, Any]:
        """The template JSON Schema with every plugin's extensions merged in."""
        from sopframe.core.schema import build_schema

        return build_schema(self.schema_extensions(), [fw.id for fw in self.frameworks()])

    @_memoised
    def template_dirs(self) -> list[tuple[str, Any]]:
        """(plugin, directory) for every template pack; strings become paths."""
        out: list[tuple[str, Any]] = []
        for plugin, value in self._call_each("sopframe_template_dirs"):
            for d in value:
                if isinstance(d, (str, os.PathLike)):
                    d = Path(d)
                if not (hasattr(d, "iterdir") and hasattr(d, "is_dir")):
                    self._report(_problem(plugin,
                                          f"plugin {plugin!r} returned {type(d).__name__} from "
                                          "sopframe_template_dirs, expected a directory path"))
                    continue
                if not d.is_dir():
                    self._report(_problem(plugin,
                                          f"plugin {plugin!r} template directory {str(d)!r} does not exist",
                                          "check the path the plugin's sopframe_template_dirs returns"))
                    continue
                out.append((plugin, d))
        return out

    @_memoised
    def frameworks(self) -> list[Any]:
        """Every compliance framework the plugins declare, with its plugin filled in."""
        from sopframe.core.frameworks import Framework

        return [replace(fw, plugin=plugin) for plugin, fw in self._items_of("sopframe_frameworks", Framework)]

    @_memoised
    def cli_commands(self) -> list[tuple[str, Any]]:
        """(plugin, command) for every extra CLI command, unchecked (the CLI checks them)."""
        return [(plugin, c) for plugin, value in self._call_each("sopframe_cli_commands") for c in value]

    @_memoised
    def notifiers(self) -> dict[str, Any]:
        """Channel type -> the :class:`sopframe.Notifier` that delivers on it (the first one to claim a type)."""
        from sopframe.core.notify.notifier import Notifier

        items = [(p, t, n) for p, n in self._items_of("sopframe_notifiers", Notifier) for t in n.types]
        return self._first_of(items, set(), "channel type {!r} already has a notifier")

    @_memoised
    def notify_triggers(self) -> list[Any]:
        """Every notification trigger plugins add; a kind built in or already taken is left out (reported)."""
        from sopframe.core.notify.model import TRIGGERS, Trigger

        items = [(p, t.kind, t) for p, t in self._items_of("sopframe_notify_triggers", Trigger)]
        return list(self._first_of(items, set(TRIGGERS), "notification trigger {!r} already exists").values())

    def _first_of(self, items: list[tuple[str, str, Any]], taken: set[str], clash: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for plugin, name, value in items:
            if name in taken or name in out:
                self._report(_problem(plugin, f"plugin {plugin!r}: " + clash.format(name)))
            else:
                out[name] = value
        return out

    def store(self, url: str, create: bool = True) -> Any:
        """The job store (a :class:`sopframe.Store`) the first willing
        ``sopframe_store`` implementation opens for ``url``, or None
        (``create``: whether a store that does not exist yet may be made).

        The hook is ``firstresult``: implementations are asked in pluggy's
        order (``tryfirst`` first, else the last registered first) until one
        returns a store; wrappers wrap each call.  A
        :class:`~sopframe.errors.SopframeError` a backend raises (a store it
        cannot open) passes through; any other exception is a plugin failure.
        """
        from sopframe.errors import SopframeError

        for impl, caller in self._callers("sopframe_store"):
            try:
                value = caller(url=url, create=create)
            except SopframeError:
                raise
            except Exception as exc:  # a backend's bug, reported with its name
                from sopframe.core.redact import redact_text, redact_url

                raise PluginError(impl.plugin_name,  # the URL may carry a password: never shown
                                  f"sopframe_store({redact_url(url)!r}) raised {type(exc).__name__}: "
                                  f"{redact_text(str(exc), url)}",
                                  hint="report it to the plugin's authors, or disable the plugin") from exc
            if value is not None:
                return value
        return None


def load_plugins(
    *,
    disabled: Iterable[str] = (),
    strict: bool = False,
    only: Iterable[str] | None = None,
    extra: Sequence[tuple[str, ModuleType | object]] = (),
    entry_points: Callable[[], Iterable[Any]] = _entry_points,
    index_dir: str | os.PathLike[str] | None = None,
) -> Plugins:
    """Discover and register plugins.

    ``disabled`` names plugins never to import (:attr:`sopframe.settings.Settings.disabled_plugins`).  ``only``, if given, registers only the
    entry-point plugins it names.  ``extra`` registers plugin objects directly
    (used by tests and :mod:`sopframe.testing`).  ``strict`` turns every plugin
    failure into a :class:`~sopframe.errors.PluginError`.  With ``index_dir``
    entry-point plugins are imported only when a hook they implement is first
    called, as the :class:`~sopframe.pluginindex.PluginIndex` kept there says,
    and the installed entry points are taken from there while nothing they
    were read from has changed (:mod:`sopframe.entrypoints`).
    """
    from sopframe.core import rules as core_rules

    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    pm.register(core_rules, name=CORE)
    blocked = set(disabled)
    wanted = None if only is None else set(only)
    infos: list[PluginInfo] = [PluginInfo(CORE, core_rules.__name__, "sopframe", _own_version(), loaded=True,
                                          hooks=hooks_of(pm, core_rules))]
    deferred: list[tuple[Any, PluginInfo]] = []
    if index_dir is not None and entry_points is _entry_points:  # remembered beside the plugin index
        from sopframe.entrypoints import cached_entry_points

        found: Iterable[Any] = cached_entry_points(index_dir, ENTRY_POINT_GROUP, _entry_points)
    else:
        found = entry_points()
    for ep in found:
        distribution, version = _distribution(getattr(ep, "dist", None))
        info = PluginInfo(name=ep.name, module=ep.value, distribution=distribution, version=version)
        infos.append(info)
        info.blocked = ep.name in blocked or (wanted is not None and ep.name not in wanted)
        if not info.blocked:
            deferred.append((ep, info))
    index = None
    if index_dir is not None:
        from sopframe.pluginindex import PluginIndex

        index = PluginIndex(index_dir, [info for _, info in deferred])
    else:
        for ep, info in deferred:
            load_entry_point(pm, ep, info)
        deferred = []
    for name, obj in extra:
        info = PluginInfo(name, getattr(obj, "__name__", type(obj).__name__))
        infos.append(info)
        if name in blocked:
            info.blocked = True
            continue
        _register(pm, obj, info)
    return Plugins(pm, infos, strict=strict, deferred=deferred, index=index)


def _own_version() -> str:
    from sopframe import __version__

    return __version__
