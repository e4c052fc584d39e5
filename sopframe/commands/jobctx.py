"""What the job commands share: the store, the acting user, roles and output formats."""

from __future__ import annotations

import getpass
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, TypeVar

import click

from sopframe.commands.common import config_for, plugins_for, settings_for
from sopframe.errors import ConfigError, UsageError

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.engine import Engine
    from sopframe.core.identity import RoleTable
    from sopframe.core.limits import Limits
    from sopframe.core.notify.planning import Planner
    from sopframe.core.store import Store
    from sopframe.notifyconfig import NotifySettings

__all__ = ["store_option", "actor_option", "format_option", "open_engine", "current_user", "roles_from_config", "limits_from_config",
           "emit_json", "resolve_template", "ENV_USER", "notify_settings_for", "planner_for"]

ENV_USER = "SOPFRAME_USER"
F = TypeVar("F", bound=Callable[..., Any])


def store_option(f: F) -> F:
    return click.option("--store", "store_url", metavar="URL", envvar="SOPFRAME_STORE",
                        help="Job store: sqlite:///sopframe.db (default), postgresql://..., memory://. "
                             "Also SOPFRAME_STORE or the `store` configuration key.")(f)


def actor_option(f: F) -> F:
    return click.option("--as", "actor", metavar="USER",
                        help="Who is acting (default: SOPFRAME_USER, then the OS user). Asserted, not "
                             "authenticated: see docs/jobs.md.")(f)


def format_option(f: F) -> F:
    return click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
                        show_default=True, help="Output format.")(f)


def current_user(given: str | None = None) -> str:
    """``--as``, then SOPFRAME_USER, then the operating-system user."""
    if given and given.strip():
        return given.strip()
    env = os.environ.get(ENV_USER, "").strip()
    if env:
        return env
    try:
        return getpass.getuser()
    except Exception:  # no user name can be found (a container without passwd entry)
        raise UsageError("cannot tell who you are", hint=f"give --as USER or set {ENV_USER}") from None


def roles_from_config(ctx: click.Context) -> "RoleTable":
    """The ``roles`` table (role -> users) with its ``aliases``, checked: bad entries name file and line."""
    from sopframe.core.identity import RoleTable, roles_from_toml

    config = config_for(ctx)
    roles = config.get("roles", {}) or {}
    aliases = config.get("aliases", {}) or {}
    if config.file is None:
        try:
            return RoleTable.build(roles, aliases)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
    text, prefix = _config_text(config.file)
    try:
        return roles_from_toml(text, roles, aliases, config.file, prefix)
    except ValueError as exc:
        path, _, what = str(exc).partition(": ")
        raise ConfigError(what, path=path) from None


def limits_from_config(ctx: click.Context) -> "Limits":
    """The ``limits`` table, checked (relative ``attachments-root`` from the configuration's directory)."""
    from sopframe.core.identity import find_line
    from sopframe.core.limits import LimitsError, limits_from_table

    config = config_for(ctx)
    try:
        return limits_from_table(config.get("limits"), config.directory)
    except LimitsError as exc:
        where = None
        if config.file:
            text, prefix = _config_text(config.file)
            where = f"{config.file}:{find_line(text, prefix + 'limits', exc.key)}"
        raise ConfigError(str(exc), path=where) from None


def _config_text(file: str) -> tuple[str, str]:
    """A configuration file's text (to find lines in) and the prefix of sopframe's tables in it."""
    try:
        text = Path(file).read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        text = ""
    return text, "tool.sopframe." if Path(file).name == "pyproject.toml" else ""


def open_engine(ctx: click.Context, store_url: str | None) -> "Engine":
    """An engine on the store the options, environment or configuration name; closed with the command."""
    from sopframe.core.compiled import CompiledTemplates
    from sopframe.core.engine import Engine
    from sopframe.core.store import open_store, store_url as pick_url

    roles, limits = roles_from_config(ctx), limits_from_config(ctx)
    url = pick_url(store_url, config_for(ctx))
    store: Store = open_store(url, plugins_for(ctx))
    ctx.call_on_close(store.close)
    from sopframe.services.retrying import RetryingEngine

    # pinned templates are kept compiled in the cache directory (none with --no-cache): no YAML parsed again
    cache_dir = settings_for(ctx).cache_dir
    compiled = CompiledTemplates(cache_dir) if cache_dir is not None else None
    # commands that meet a concurrent writer re-read the job and run again (bounded): see services.retrying
    return RetryingEngine(Engine(store, roles=roles, limits=limits,  # type: ignore[return-value]
                                 compiled=compiled, notify=planner_for(ctx, roles)))


def notify_settings_for(ctx: click.Context, secrets: bool = False) -> "NotifySettings":
    """The ``[notify]`` and ``[people]`` configuration, checked against the plugins' notifiers and triggers;
    with ``secrets`` (delivery) the channels' secrets are read from the environment and must be set."""
    obj = ctx.find_root().ensure_object(dict)
    name = f"notify-{secrets}"
    if name not in obj:
        from sopframe.notifyconfig import NotifySettings, notify_settings

        config = config_for(ctx)
        if config.get("notify") is None:
            obj[name] = NotifySettings()
        else:
            plugins = plugins_for(ctx)
            obj[name] = notify_settings(config, plugins.notifiers(), tuple(t.kind for t in plugins.notify_triggers()),
                                        secrets=secrets)
    return obj[name]


def planner_for(ctx: click.Context, roles: "RoleTable") -> "Planner | None":
    """What plans the outbox rows of each append, or None when no channel is configured."""
    settings = notify_settings_for(ctx)
    if not settings.routing:
        return None
    from sopframe.core.notify.planning import Planner

    return Planner(settings.routing, roles, tuple(plugins_for(ctx).notify_triggers()))


def emit_json(value: Any) -> None:
    """JSON output; characters the encoder leaves raw (DEL, C1 controls, bidi overrides) are escaped too."""
    from sopframe.core.safetext import json_safe

    click.echo(json_safe(json.dumps(value, indent=2, ensure_ascii=False, default=str)))


def resolve_template(ctx: click.Context, name: str) -> tuple[str, str]:
    """(text, path) of a template given as a file path or as the id of a shipped template."""
    path = Path(name)
    if path.is_file():
        try:
            return path.read_text("utf-8"), str(path)
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read template {name!r}: {exc}") from None
    from sopframe.core.templates import find_shipped

    return find_shipped(plugins_for(ctx), name, also="template file or ",
                        hint="give a template file, or one of the ids `sopframe templates` lists")
