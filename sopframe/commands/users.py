"""``sopframe users add|passwd|disable|list``: the server's local accounts (Argon2id password hashes)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

from sopframe.clickgroup import SuggestingGroup
from sopframe.commands.common import plugins_for, settings_for
from sopframe.commands.jobctx import emit_json, format_option, store_option
from sopframe.core.safetext import escape

if TYPE_CHECKING:
    from sopframe.core.store import Store

__all__ = ["users", "open_plain_store", "password_option"]


def open_plain_store(ctx: click.Context, store_url: str | None, create: bool = False) -> Store:
    """The store the options, environment or configuration name; closed with the command.  Only a command that
    makes the first record of a new store (``users add``) creates one: a mistyped path is an error, not an empty
    store."""
    from sopframe.services.context import open_store_for

    store = open_store_for(settings_for(ctx), plugins_for(ctx), store_url, create=create)
    ctx.call_on_close(store.close)
    return store


password_option = click.option("--password-stdin", is_flag=True,
                               help="Read the password from the first line of standard input (for scripts) "
                                    "instead of asking twice.")


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


@click.group(cls=SuggestingGroup)
def users() -> None:
    """Local accounts for `sopframe serve`: who may sign in with a password.

    What a user may do comes from the `roles` configuration, as for the CLI.
    """


@users.command()
@click.argument("user")
@password_option
@store_option
@click.pass_context
def add(ctx: click.Context, user: str, password_stdin: bool, store_url: str | None) -> None:
    """Create an account for USER (asks for the password)."""
    from sopframe.services.auth import add_user

    account = add_user(open_plain_store(ctx, store_url, create=True), user, _password(password_stdin))
    click.echo(f"account {escape(account.user)} created")


@users.command()
@click.argument("user")
@password_option
@store_option
@click.pass_context
def passwd(ctx: click.Context, user: str, password_stdin: bool, store_url: str | None) -> None:
    """Set USER's password (enables a disabled account; ends the user's sessions)."""
    from sopframe.services.auth import set_password

    account = set_password(open_plain_store(ctx, store_url), user, _password(password_stdin))
    click.echo(f"password of {escape(account.user)} changed; their sessions were ended")


@users.command()
@click.argument("user")
@store_option
@click.pass_context
def disable(ctx: click.Context, user: str, store_url: str | None) -> None:
    """Disable USER's account: sign-in refused, sessions ended, API tokens revoked."""
    from sopframe.services.auth import disable_user

    account = disable_user(open_plain_store(ctx, store_url), user)
    click.echo(f"account {escape(account.user)} disabled; sessions ended and tokens revoked")


@users.command(name="list")
@store_option
@format_option
@click.pass_context
def list_(ctx: click.Context, store_url: str | None, fmt: str) -> None:
    """List the accounts (never their hashes)."""
    accounts = open_plain_store(ctx, store_url).accounts()
    rows: list[dict[str, Any]] = [{"user": a.user, "disabled": a.disabled, "created_at": a.created_at,
                                   "changed_at": a.changed_at} for a in accounts]
    if fmt == "json":
        emit_json(rows)
        return
    for r in rows:
        click.echo(f"{escape(r['user']):<24} {'disabled' if r['disabled'] else 'active':<9} since {r['created_at'][:10]}")
    if not rows:
        click.echo("no accounts")
