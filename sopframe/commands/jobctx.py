"""What the job commands share: the store, the acting user, roles and output formats."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, TypeVar

import click

from sopframe.commands.common import plugins_for, settings_for
from sopframe.errors import UsageError

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.engine import Engine
    from sopframe.core.identity import RoleTable
    from sopframe.core.limits import Limits
    from sopframe.core.store import Store
    from sopframe.notifyconfig import NotifySettings

__all__ = ["store_option", "actor_option", "format_option", "open_engine", "open_store", "current_user",
           "roles_from_config", "limits_from_config",
           "emit_json", "resolve_template", "ENV_USER", "notify_settings_for"]

ENV_USER = "SOPFRAME_USER"
F = TypeVar("F", bound=Callable[..., Any])


def store_option(f: F) -> F:
    return click.option("--store", "store_url", metavar="URL", envvar="SOPFRAME_STORE",
                        help="Job store: sqlite:///sopframe.db (default), postgresql://..., memory://. "
                             "Also SOPFRAME_STORE or the `store` configuration key.")(f)


def _given_actor(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """``--as`` given empty is refused before any work, not taken as "not given"."""
    if value is not None and not value.strip():
        _refuse_empty_actor()
    return value


def _refuse_empty_actor() -> None:
    raise UsageError("--as is empty: it must name who is acting",
                     hint="give --as USER, or leave --as out to act as SOPFRAME_USER or the OS user")


def actor_option(f: F) -> F:
    return click.option("--as", "actor", metavar="USER", callback=_given_actor,
                        help="Who is acting (default: SOPFRAME_USER, then the OS user; an empty --as is "
                             "refused). Asserted, not authenticated: see docs/jobs.md.")(f)


def format_option(f: F) -> F:
    return click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
                        show_default=True, help="Output format.")(f)


def current_user(given: str | None = None) -> str:
    """``--as``, then SOPFRAME_USER, then the operating-system user; an empty ``--as`` is refused."""
    if given is not None:
        if not given.strip():
            _refuse_empty_actor()
        return given.strip()
    env = os.environ.get(ENV_USER, "").strip()
    if env:
        return env
    try:
        import getpass

        return getpass.getuser()
    except Exception:  # no user name can be found (a container without passwd entry)
        raise UsageError("cannot tell who you are", hint=f"give --as USER or set {ENV_USER}") from None


def roles_from_config(ctx: click.Context) -> "RoleTable":
    """The ``roles`` table (role -> users) with its ``aliases``, checked: bad entries name file and line."""
    from sopframe.services.context import roles_from_settings

    return roles_from_settings(settings_for(ctx))


def limits_from_config(ctx: click.Context) -> "Limits":
    """The ``limits`` table, checked (relative ``attachments-root`` from the configuration's directory)."""
    from sopframe.services.context import limits_from_settings

    return limits_from_settings(settings_for(ctx))


def open_engine(ctx: click.Context, store_url: str | None, create: bool = False) -> "Engine":
    """An engine on the store the options, environment or configuration name; closed with the command.

    Only commands that start records pass ``create``: any other refuses a store that does not exist
    (a mistyped ``--store`` path is an error, not an empty store)."""
    from sopframe.services.context import open_engine as open_for

    engine = open_for(settings_for(ctx), plugins_for(ctx), store_url, create=create)
    ctx.call_on_close(engine.store.close)
    return engine


def open_store(ctx: click.Context, store_url: str | None) -> "Store":
    """The store alone, for commands that run no job command (``job list``, verify, checkpoint, evidence packs);
    closed with the command; a store that does not exist is refused."""
    from sopframe.services.context import open_store_for

    store = open_store_for(settings_for(ctx), plugins_for(ctx), store_url, create=False)
    ctx.call_on_close(store.close)
    return store


def notify_settings_for(ctx: click.Context, secrets: bool = False) -> "NotifySettings":
    """The ``[notify]`` and ``[people]`` configuration, checked against the plugins' notifiers and triggers
    (once per process); with ``secrets`` (delivery) the channels' secrets are read from the environment."""
    obj = ctx.find_root().ensure_object(dict)
    name = f"notify-{secrets}"
    if name not in obj:
        from sopframe.services.context import notify_settings_from

        obj[name] = notify_settings_from(settings_for(ctx), plugins_for(ctx), secrets=secrets)
    return obj[name]


def emit_json(value: Any) -> None:
    """JSON output; characters the encoder leaves raw (DEL, C1 controls, bidi overrides) are escaped too."""
    from sopframe.core.safetext import json_safe

    click.echo(json_safe(json.dumps(value, indent=2, ensure_ascii=False, default=str)))


def resolve_template(ctx: click.Context, name: str) -> tuple[str, str]:
    """(text, path) of a template given as a file path or as the id of a shipped template."""
    path = Path(name)
    if path.is_file():
        try:
            data = path.read_bytes()
            return data.decode("utf-8"), str(path)
        except OSError as exc:
            raise UsageError(f"cannot read template {name!r}: {exc}") from None
        except UnicodeDecodeError as exc:  # where, as `sopframe validate` says it (SOP004)
            start = data.rfind(b"\n", 0, exc.start) + 1
            line, col = data.count(b"\n", 0, exc.start) + 1, len(data[start:exc.start].decode("utf-8", "replace")) + 1
            from sopframe.core.safetext import escape

            raise UsageError(f"{escape(name)}:{line}:{col}: the template is not UTF-8 text (byte "
                             f"0x{data[exc.start]:02x})",
                             hint=f"save it as UTF-8; `sopframe validate {escape(name)}` checks the whole file") from None
    from sopframe.core.templates import find_shipped

    return find_shipped(plugins_for(ctx), name, also="template file or ",
                        hint="give a template file, or one of the ids `sopframe templates` lists")
