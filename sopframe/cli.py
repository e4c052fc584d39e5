"""The ``sopframe`` command line.

Commands are imported only when invoked, so that ``sopframe --version`` and
``--help`` stay fast; plugins are loaded only by commands that need them, or
when the name given is not a core command (a plugin's own command).

Exit codes are :class:`sopframe.errors.ExitCode`; ``--help`` lists them.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any, NoReturn

import click

from sopframe import __version__
from sopframe.clickgroup import SuggestingGroup
from sopframe.errors import ExitCode

__all__ = ["main", "cli", "CORE_COMMANDS"]

#: command name -> "module:attribute"
CORE_COMMANDS: dict[str, str] = {
    "validate": "sopframe.commands.validate:validate",
    "schema": "sopframe.commands.inspect:schema",
    "graph": "sopframe.commands.graph:graph",
    "rules": "sopframe.commands.inspect:rules",
    "explain": "sopframe.commands.inspect:explain",
    "plugins": "sopframe.commands.inspect:plugins",
    "templates": "sopframe.commands.inspect:templates",
    "coverage": "sopframe.commands.coverage:coverage",
    "job": "sopframe.commands.jobs:job",
    "sops": "sopframe.commands.sops:sops",
    "ack": "sopframe.commands.ack:ack",
    "training": "sopframe.commands.training:training",
    "overdue": "sopframe.commands.sops:overdue",
    "tick": "sopframe.commands.sops:tick",
    "inbox": "sopframe.commands.inbox:inbox",
    "report": "sopframe.commands.report:report",
    "notify": "sopframe.commands.notify:notify",
    "demo": "sopframe.commands.demo:demo",
    "store": "sopframe.commands.store:store",
    "keys": "sopframe.commands.evidence:keys",
    "checkpoint": "sopframe.commands.evidence:checkpoint",
    "verify": "sopframe.commands.evidence:verify",
    "evidence": "sopframe.commands.evidence:evidence",
    "users": "sopframe.commands.users:users",
    "tokens": "sopframe.commands.tokens:tokens",
    "serve": "sopframe.commands.serve:serve",
}


class LazyGroup(SuggestingGroup):
    """A group whose core commands load on use, and whose plugins add more."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = set(CORE_COMMANDS) | set(super().list_commands(ctx))
        if not ctx.resilient_parsing and os.environ.get("SOPFRAME_NO_PLUGIN_COMMANDS") is None:
            names |= set(_plugin_commands(ctx))
        return sorted(names)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in CORE_COMMANDS:
            module, attr = CORE_COMMANDS[name].split(":")
            return getattr(importlib.import_module(module), attr)
        cmd = super().get_command(ctx, name)
        if cmd is not None:
            return cmd
        return _plugin_commands(ctx).get(name)

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None,
                     **extra: Any) -> click.Context:
        try:  # --help and --version write while the options are parsed
            return super().make_context(info_name, args, parent, **extra)
        except BrokenPipeError as exc:
            raise OutputClosed() from exc

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError as exc:  # click would exit 1, which means findings or a refusal
            raise OutputClosed() from exc


class OutputClosed(Exception):
    """Standard output was closed while a command wrote to it (``sopframe rules | head -1``)."""


def _output_closed() -> NoReturn:
    """Exit 141, as a process stopped by SIGPIPE does in a shell, without Python's "Exception ignored" note
    when it flushes the closed standard output at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # pragma: no cover - no file descriptor behind sys.stdout
        pass
    sys.exit(ExitCode.OUTPUT_CLOSED)


def _flush() -> None:
    """Write out what is still buffered for standard output: a reader gone by now is exit 141, not a note at exit."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _output_closed()
    except (OSError, ValueError, AttributeError):  # pragma: no cover - a closed or replaced sys.stdout
        pass


def _plugin_commands(ctx: click.Context) -> dict[str, click.Command]:
    from sopframe.commands.common import plugins_for

    root = ctx.find_root()
    obj = root.ensure_object(dict)
    # commands resolve before the group's callback stores its options: honour them here too
    if "command_line" not in obj:
        obj["command_line"] = _command_line(root.params)
    cache = obj.setdefault("_plugin_commands", None) if isinstance(obj, dict) else None
    if cache is not None:
        return cache
    found: dict[str, click.Command] = {}
    try:
        plugins = plugins_for(ctx)
    except Exception:  # a broken config is reported by the command that needs it
        return found
    for plugin, cmd in plugins.cli_commands():
        name = getattr(cmd, "name", None)
        if not isinstance(cmd, click.Command) or not name:
            click.echo(f"sopframe: plugin {plugin!r} returned {cmd!r}, not a click command; skipped", err=True)
        elif name in CORE_COMMANDS or name in found:
            click.echo(f"sopframe: plugin {plugin!r} command {name!r} is already taken; skipped", err=True)
        else:
            found[name] = cmd
    if isinstance(obj, dict):
        obj["_plugin_commands"] = found
    return found


#: ``\b`` keeps click from rewrapping the table
EPILOG = "\b\nExit codes:\n" + "\n".join(f"  {line}" for line in ExitCode.table())


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]}, epilog=EPILOG)
@click.version_option(__version__, "-V", "--version", prog_name="sopframe", message="%(prog)s %(version)s")
@click.option("--config", "config_path", metavar="FILE", help="Configuration file (default: nearest sopframe.toml "
              "or pyproject.toml with [tool.sopframe]).")
@click.option("--disable-plugin", "disabled", multiple=True, metavar="NAME",
              help="Do not load this plugin (repeatable). Also SOPFRAME_DISABLE_PLUGINS=a,b.")
@click.option("--strict-plugins", is_flag=True, default=None,
              help="Make a plugin that fails to load or crashes a fatal error (exit 3).")
@click.option("-q", "--quiet", is_flag=True, help="Print findings and errors only: no summary, no progress.")
@click.option("-v", "--verbose", is_flag=True, help="Also say what was checked and what was skipped, on stderr.")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, disabled: tuple[str, ...], strict_plugins: bool | None,
        quiet: bool = False, verbose: bool = False) -> None:
    """sopframe: audit-ready IT procedures as validated templates and tracked jobs.

    Shell completion (commands, options, rule codes): see the README.
    """
    if quiet and verbose:
        raise click.UsageError("-q/--quiet and -v/--verbose exclude each other")
    ctx.ensure_object(dict)
    ctx.obj["command_line"] = _command_line(ctx.params)
    ctx.obj.update(quiet=quiet, verbose=verbose)


def _command_line(params: dict[str, Any]) -> Any:
    """The global options as :class:`sopframe.settings.CommandLine` (settings resolve when a command needs them)."""
    from sopframe.settings import CommandLine

    return CommandLine(config_path=params.get("config_path"), disabled_plugins=tuple(params.get("disabled") or ()),
                       strict_plugins=params.get("strict_plugins"))


def main(argv: list[str] | None = None) -> NoReturn:
    """Entry point: run the CLI, turning every error into a message and an exit code.

    Always ends with :exc:`SystemExit`; ``argv`` defaults to ``sys.argv[1:]``.
    """
    try:
        rv = cli.main(args=argv, prog_name="sopframe", standalone_mode=False)
        _flush()
    except (OutputClosed, BrokenPipeError):
        _output_closed()
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(ExitCode.INTERRUPTED)
    except click.ClickException as exc:
        exc.show()
        sys.exit(ExitCode.USAGE if exc.exit_code in (1, 2) else exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(ExitCode.INTERRUPTED)
    except SystemExit:
        _flush()
        raise
    except Exception as exc:  # never a bare traceback for users
        from sopframe.errors import SopframeError

        if isinstance(exc, SopframeError):
            click.echo(f"sopframe: error: {exc.format_message()}", err=True)
            sys.exit(exc.exit_code)
        if isinstance(exc, UnicodeEncodeError) and exc.reason == "surrogates not allowed":
            from sopframe.core.safetext import escape

            bad = exc.object[exc.start:exc.end] if isinstance(exc.object, str) else ""
            given = escape(bad)  # a surrogate is written as its \\u escape
            click.echo(f"sopframe: error: text given holds characters that are not valid Unicode ({given}: bytes "
                       "that are not UTF-8, or an escape such as \\ud800 in JSON)\n"
                       "  hint: give the names, values and files as UTF-8", err=True)
            sys.exit(ExitCode.USAGE)
        if os.environ.get("SOPFRAME_DEBUG"):
            raise
        notes = "".join(f"\n  {note}" for note in getattr(exc, "__notes__", ()))
        click.echo(f"sopframe: internal error: {type(exc).__name__}: {exc}{notes}\n"
                   "  hint: this is a bug in sopframe or a plugin; run again with SOPFRAME_DEBUG=1 "
                   "for the traceback and report it", err=True)
        sys.exit(ExitCode.INTERNAL)
    sys.exit(rv if isinstance(rv, int) else ExitCode.OK)


if __name__ == "__main__":  # pragma: no cover
    main()
