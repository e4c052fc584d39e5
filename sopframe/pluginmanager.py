"""Plugin discovery and the typed wrapper through which core code calls hooks.

Plugins are found through the ``sopframe`` entry-point group, once per
process.  Blocked plugins (``SOPFRAME_DISABLE_PLUGINS``, ``--disable-plugin``
or the ``disable-plugins`` configuration key) are never imported.  A plugin
that fails to import, or whose hook implementations do not match a hook
spec, is recorded with its error and skipped: :attr:`Plugins.problems` turns
those records into findings, unless ``strict`` makes them fatal.
"""

from __future__ import annotations

import os
import re
import traceback
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Callable, Iterable, Sequence

import pluggy

from sopframe import hookspecs
from sopframe.core.diagnostics import Finding, Rule, Severity
from sopframe.errors import PluginError

__all__ = ["PluginInfo", "Plugins", "load_plugins", "ENTRY_POINT_GROUP", "disabled_from_env"]

ENTRY_POINT_GROUP = "sopframe"
ENV_DISABLE = "SOPFRAME_DISABLE_PLUGINS"
CORE = "core"
_CODE = re.compile(r"^([A-Z][A-Z0-9]*?)([0-9]{3,})$")


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
        if self.blocked:
            return "blocked"
        return "loaded" if self.loaded else "failed"


def disabled_from_env() -> list[str]:
    return [n.strip() for n in os.environ.get(ENV_DISABLE, "").split(",") if n.strip()]


def _problem(code: str, slug: str, plugin: str, message: str, hint: str = "") -> Finding:
    return Finding(code=code, slug=slug, severity=Severity.ERROR, message=message, file=f"<plugin {plugin}>",
                   hint=hint, plugin=plugin)


class Plugins:
    """The loaded plugins and typed calls to their hooks."""

    def __init__(self, pm: pluggy.PluginManager, infos: list[PluginInfo], strict: bool = False) -> None:
        self.pm = pm
        self.infos = infos
        self.strict = strict
        self.problems: list[Finding] = []
        self._rules: list[Rule] | None = None
        self._extensions: list[Any] | None = None
        for info in infos:
            if info.error:
                self._report(_problem("SOP900", "plugin-failed", info.name,
                                      f"plugin {info.name!r} failed to load: {info.error}",
                                      f"fix or reinstall {info.distribution or info.module}, or disable it with "
                                      f"--disable-plugin {info.name}"))

    # --------------------------------------------------------------- plumbing
    def _report(self, finding: Finding) -> None:
        if self.strict:
            raise PluginError(finding.plugin, finding.message.split(": ", 1)[-1], hint=finding.hint)
        self.problems.append(finding)

    def _call_each(self, hook_name: str) -> list[tuple[str, Any]]:
        """Call every implementation of a hook on its own; report failures."""
        caller = getattr(self.pm.hook, hook_name)
        results: list[tuple[str, Any]] = []
        for impl in reversed(caller.get_hookimpls()):  # registration order
            try:
                value = impl.function()
            except Exception as exc:  # a plugin's bug must not stop the others
                self._report(_problem("SOP900", "plugin-failed", impl.plugin_name,
                                      f"plugin {impl.plugin_name!r} raised in {hook_name}: "
                                      f"{type(exc).__name__}: {exc}",
                                      "report it to the plugin's authors, or disable the plugin"))
                continue
            if value is not None:
                results.append((impl.plugin_name, value))
        return results

    # ------------------------------------------------------------------ hooks
    def rules(self) -> list[Rule]:
        """Every rule from every plugin, with its owning plugin filled in."""
        if self._rules is None:
            from dataclasses import replace

            rules: list[Rule] = []
            owner_of_code: dict[str, str] = {}
            owner_of_prefix: dict[str, str] = {}
            for plugin, value in self._call_each("sopframe_rules"):
                for rule in value:
                    if not isinstance(rule, Rule):
                        self._report(_problem("SOP900", "plugin-failed", plugin,
                                              f"plugin {plugin!r} returned {type(rule).__name__} from "
                                              "sopframe_rules, expected sopframe.Rule"))
                        continue
                    m = _CODE.match(rule.code)
                    prefix = m.group(1) if m else rule.code
                    problem = None
                    if not m:
                        problem = f"rule code {rule.code!r} is not capital letters followed by 3+ digits"
                    elif plugin != CORE and prefix == "SOP":
                        problem = f"rule code {rule.code!r} uses the prefix SOP, which is reserved for sopframe"
                    elif rule.code in owner_of_code:
                        problem = (f"rule code {rule.code!r} is already registered by plugin "
                                   f"{owner_of_code[rule.code]!r}")
                    elif owner_of_prefix.get(prefix, plugin) != plugin:
                        problem = (f"rule prefix {prefix!r} of {rule.code!r} belongs to plugin "
                                   f"{owner_of_prefix[prefix]!r}")
                    if problem:
                        self._report(Finding(code="SOP902", slug="rule-code-collision", severity=Severity.ERROR,
                                             message=f"plugin {plugin!r}: {problem}; the rule is skipped",
                                             file=f"<plugin {plugin}>", plugin=plugin,
                                             hint="give the plugin's rules their own code prefix"))
                        continue
                    owner_of_code[rule.code] = plugin
                    owner_of_prefix.setdefault(prefix, plugin)
                    rules.append(replace(rule, plugin=plugin))
            self._rules = rules
        return self._rules

    def schema_extensions(self) -> list[Any]:
        if self._extensions is None:
            from dataclasses import replace

            from sopframe.core.schema import SchemaExtension

            out = []
            for plugin, value in self._call_each("sopframe_schema_extensions"):
                for ext in value:
                    if isinstance(ext, SchemaExtension):
                        out.append(replace(ext, plugin=plugin))
                    else:
                        self._report(_problem("SOP900", "plugin-failed", plugin,
                                              f"plugin {plugin!r} returned {type(ext).__name__} from "
                                              "sopframe_schema_extensions, expected sopframe.SchemaExtension"))
            self._extensions = out
        return self._extensions

    def schema(self) -> dict[str, Any]:
        from sopframe.core.schema import build_schema

        return build_schema(self.schema_extensions())

    def template_dirs(self) -> list[tuple[str, Any]]:
        return [(plugin, d) for plugin, value in self._call_each("sopframe_template_dirs") for d in value]

    def cli_commands(self) -> list[tuple[str, Any]]:
        return [(plugin, c) for plugin, value in self._call_each("sopframe_cli_commands") for c in value]

    def fingerprint(self) -> list[tuple[str, str, str]]:
        """(name, distribution, version) of each loaded plugin, for caches."""
        return sorted((i.name, i.distribution, i.version) for i in self.infos if i.loaded)


def _entry_points() -> list[Any]:
    from importlib.metadata import entry_points

    return sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name)


def load_plugins(
    *,
    disabled: Iterable[str] = (),
    strict: bool = False,
    only: Iterable[str] | None = None,
    extra: Sequence[tuple[str, ModuleType | object]] = (),
    entry_points: Callable[[], Iterable[Any]] = _entry_points,
) -> Plugins:
    """Discover and register plugins.

    ``disabled`` names plugins never to import (added to those in
    ``SOPFRAME_DISABLE_PLUGINS``).  ``only``, if given, registers only the
    entry-point plugins it names.  ``extra`` registers plugin objects directly
    (used by tests and :mod:`sopframe.testing`).  ``strict`` turns every plugin
    failure into a :class:`~sopframe.errors.PluginError`.
    """
    from sopframe.core import rules as core_rules

    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    pm.register(core_rules, name=CORE)
    blocked = set(disabled) | set(disabled_from_env())
    wanted = None if only is None else set(only)
    infos: list[PluginInfo] = [PluginInfo(CORE, core_rules.__name__, "sopframe", _own_version(), loaded=True)]
    for ep in entry_points():
        dist = getattr(ep, "dist", None)
        info = PluginInfo(
            name=ep.name,
            module=ep.value,
            distribution=getattr(dist, "name", "") or "",
            version=getattr(dist, "version", "") or "",
        )
        infos.append(info)
        if ep.name in blocked:
            info.blocked = True
            continue
        if wanted is not None and ep.name not in wanted:
            info.blocked = True
            continue
        try:
            obj = ep.load()
        except Exception as exc:  # an import failure of one plugin is reported, not fatal
            info.error = f"{type(exc).__name__}: {exc}"
            info.hooks = []
            _debug_trace(info)
            continue
        _register(pm, obj, info)
    for name, obj in extra:
        info = PluginInfo(name, getattr(obj, "__name__", type(obj).__name__))
        infos.append(info)
        if name in blocked:
            info.blocked = True
            continue
        _register(pm, obj, info)
    plugins = Plugins(pm, infos, strict=strict)
    return plugins


def _register(pm: pluggy.PluginManager, obj: Any, info: PluginInfo) -> None:
    try:
        pm.register(obj, name=info.name)
    except Exception as exc:  # e.g. a hookimpl with the wrong arguments
        info.error = f"{type(exc).__name__}: {exc}"
        return
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        pm.unregister(obj)
        info.error = f"unknown hook: {exc}"
        return
    info.loaded = True
    info.hooks = sorted(c.name for c in pm.get_hookcallers(obj) or [])


def _debug_trace(info: PluginInfo) -> None:
    if os.environ.get("SOPFRAME_DEBUG"):
        traceback.print_exc()


def _own_version() -> str:
    from sopframe import __version__

    return __version__
