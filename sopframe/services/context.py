"""Opening the job engine from the settings: one path for the CLI and the server.

Both adapters build the same engine: the store the settings name, the role
table and the limits of the configuration (each checked, bad entries naming
file and line), and :class:`~sopframe.services.retrying.RetryingEngine` so a
command that meets a concurrent writer is run again.  Nothing here knows
about click or HTTP.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sopframe.errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.config import Config
    from sopframe.core.compiled import CompiledTemplates
    from sopframe.core.notify.planning import Planner
    from sopframe.notifyconfig import NotifySettings
    from sopframe.core.engine import Engine
    from sopframe.core.identity import RoleTable
    from sopframe.core.limits import Limits
    from sopframe.core.store import Store
    from sopframe.pluginmanager import Plugins
    from sopframe.settings import Settings

__all__ = ["roles_from_settings", "limits_from_settings", "open_store_for", "open_engine", "engine_on",
           "compiled_for", "notify_settings_from", "planner_from", "config_text", "groups_from_settings",
           "training_defaults_from", "TRAINING_KEYS"]

#: the keys of the ``[training]`` table
TRAINING_KEYS = {"grace": "grace period after the effective date", "reacknowledge-every": "re-acknowledgement interval"}


def config_text(file: str) -> tuple[str, str]:
    """A configuration file's text (to find lines in) and the prefix of sopframe's tables in it."""
    try:
        text = Path(file).read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        text = ""
    return text, "tool.sopframe." if Path(file).name == "pyproject.toml" else ""


def roles_from_settings(settings: "Settings") -> "RoleTable":
    """The ``roles`` table (role -> users) with its ``aliases``, checked: bad entries name file and line."""
    from sopframe.core.identity import RoleTable, roles_from_toml

    config: Config = settings.config
    roles = config.get("roles", {}) or {}
    aliases = config.get("aliases", {}) or {}
    if config.file is None:
        try:
            return RoleTable.build(roles, aliases)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
    text, prefix = config_text(config.file)
    try:
        return roles_from_toml(text, roles, aliases, config.file, prefix)
    except ValueError as exc:
        path, _, what = str(exc).partition(": ")
        raise ConfigError(what, path=path) from None


def _where(settings: "Settings", key: str, table: str, value: str | None = None) -> str | None:
    """``file:line`` of ``key`` in ``table`` of the configuration file (None without a file)."""
    from sopframe.core.identity import find_line

    file = settings.config.file
    if file is None:
        return None
    text, prefix = config_text(file)
    return f"{file}:{find_line(text, prefix + table, key, value)}"


def groups_from_settings(settings: "Settings") -> "RoleTable":
    """The ``groups`` table (group -> users), names normalised and through ``aliases``, checked like ``roles``."""
    from sopframe.core.identity import RoleTable, table_problems

    config = settings.config
    groups = config.get("groups", {}) or {}
    aliases = config.get("aliases", {}) or {}
    problems = [p for p in table_problems(groups, {}) if p.message.startswith("roles.")]
    if problems:
        p = problems[0]
        raise ConfigError("groups." + p.message[len("roles."):], path=_where(settings, p.key, "groups", p.value))
    return RoleTable.build(groups, aliases)


def training_defaults_from(settings: "Settings") -> tuple[str | None, str | None]:
    """(grace, reacknowledge-every) of the ``[training]`` table, each checked as a duration."""
    from sopframe.core.durations import parse_duration
    from sopframe.errors import did_you_mean

    table = settings.config.get("training", {}) or {}
    if not isinstance(table, dict):
        raise ConfigError("'training' must be a table", path=str(settings.config.file or "configuration"))
    for key, value in table.items():
        if key not in TRAINING_KEYS:
            raise ConfigError(f"training: unknown key {key!r}{did_you_mean(key, TRAINING_KEYS)}",
                              path=_where(settings, key, "training"), hint=f"known keys: {', '.join(TRAINING_KEYS)}")
        try:
            parse_duration(str(value))
        except ValueError as exc:
            raise ConfigError(f"training.{key}: {exc}", path=_where(settings, key, "training"),
                              hint="a duration such as 30d or 12 months") from None
    grace, every = table.get("grace"), table.get("reacknowledge-every")
    return (str(grace) if grace else None), (str(every) if every else None)


def limits_from_settings(settings: "Settings") -> "Limits":
    """The ``limits`` table, checked (relative ``attachments-root`` from the configuration's directory)."""
    from sopframe.core.limits import LimitsError, limits_from_table

    config = settings.config
    try:
        return limits_from_table(config.get("limits"), config.directory)
    except LimitsError as exc:
        raise ConfigError(str(exc), path=_where(settings, exc.key, "limits")) from None


def open_store_for(settings: "Settings", plugins: "Plugins", store_url: str | None = None, *,
                   create: bool = True) -> "Store":
    """The store ``store_url`` names, else the settings' (command line > environment > configuration);
    without ``create`` one that does not exist yet is refused (see :func:`sopframe.core.store.open_store`)."""
    from sopframe.core.store import open_store

    return open_store(store_url or settings.store_url, plugins, create=create)


def compiled_for(settings: "Settings") -> "CompiledTemplates | None":
    """Where pinned templates are kept compiled between processes: the cache directory (none with --no-cache)."""
    from sopframe.core.compiled import CompiledTemplates

    return CompiledTemplates(settings.cache_dir) if settings.cache_dir is not None else None


def notify_settings_from(settings: "Settings", plugins: "Plugins", secrets: bool = False) -> "NotifySettings":
    """The ``[notify]`` and ``[people]`` configuration, checked against the plugins' notifiers and triggers;
    with ``secrets`` (delivery) the channels' secrets are read from the environment and must be set."""
    from sopframe.notifyconfig import NotifySettings, notify_settings

    config = settings.config
    if config.get("notify") is None:
        return NotifySettings()
    roles = config.get("roles") or {}
    return notify_settings(config, plugins.notifiers(), tuple(t.kind for t in plugins.notify_triggers()),
                           secrets=secrets, roles=tuple(roles) if isinstance(roles, dict) else ())


def planner_from(settings: "Settings", plugins: "Plugins", roles: "RoleTable") -> "Planner | None":
    """What plans the outbox rows of each append, or None when no channel is configured."""
    if settings.config.get("notify") is None:  # nothing to route: the notification settings are not loaded
        return None
    routing = notify_settings_from(settings, plugins).routing
    if not routing:
        return None
    from sopframe.core.notify.planning import Planner

    return Planner(routing, roles, tuple(plugins.notify_triggers()))


def engine_on(store: "Store", roles: "RoleTable", limits: "Limits",
              compiled: "CompiledTemplates | None" = None, notify: "Planner | None" = None) -> "Engine":
    """An engine on ``store`` whose commands are retried on conflicts (see :mod:`sopframe.services.retrying`);
    with ``notify``, each append also writes the notifications its events cause (the outbox)."""
    from sopframe.core.engine import Engine
    from sopframe.services.retrying import RetryingEngine

    return RetryingEngine(Engine(store, roles=roles, limits=limits, compiled=compiled,  # type: ignore[return-value]
                                 notify=notify))


def open_engine(settings: "Settings", plugins: "Plugins", store_url: str | None = None, *,
                create: bool = True) -> "Engine":
    """An engine on the store the settings name, with the configured roles, limits and notification routes.

    The caller closes ``engine.store`` when done.  Without ``create`` a store that does not exist is refused.
    """
    roles, limits = roles_from_settings(settings), limits_from_settings(settings)
    return engine_on(open_store_for(settings, plugins, store_url, create=create), roles, limits, compiled_for(settings),
                     planner_from(settings, plugins, roles))
