"""``sopframe tokens create|list|revoke``: API tokens for scripts and CI (stored hashed, scoped, expiring)."""

from __future__ import annotations

import click

from sopframe.clickgroup import SuggestingGroup
from sopframe.commands.jobctx import emit_json, format_option, store_option
from sopframe.commands.users import open_plain_store
from sopframe.core.safetext import escape

__all__ = ["tokens"]


@click.group(cls=SuggestingGroup)
def tokens() -> None:
    """API tokens for `sopframe serve`: `Authorization: Bearer TOKEN` acts as the token's user."""


@tokens.command()
@click.argument("user")
@click.option("--scope", type=click.Choice(["read", "write"]), default="read", show_default=True,
              help="read: GET requests only; write: also commands that change jobs.")
@click.option("--days", type=click.IntRange(1, 366), default=90, show_default=True, help="Days until it expires.")
@click.option("--label", default="", help="What the token is for (shown by `tokens list`).")
@store_option
@format_option
@click.pass_context
def create(ctx: click.Context, user: str, scope: str, days: int, label: str, store_url: str | None,
           fmt: str) -> None:
    """Create a token for USER; it is printed once and only its hash is kept."""
    from sopframe.services.auth import create_token

    text, record = create_token(open_plain_store(ctx, store_url), user, scope, days=days, label=label)
    if fmt == "json":
        emit_json({**record.to_dict(), "token": text})
        return
    click.echo(text)
    click.echo(f"token {record.id} for {escape(record.user)}, scope {record.scope}, expires {record.expires_at[:10]} "
               "(shown once: keep it secret)", err=True)


@tokens.command(name="list")
@click.option("--user", metavar="USER", help="Only this user's tokens.")
@store_option
@format_option
@click.pass_context
def list_(ctx: click.Context, user: str | None, store_url: str | None, fmt: str) -> None:
    """List tokens: id, user, scope, expiry, revocation (never the secrets)."""
    from sopframe.services.auth import user_name

    rows = [t.to_dict() for t in open_plain_store(ctx, store_url).tokens(user_name(user) if user else None)]
    if fmt == "json":
        emit_json(rows)
        return
    for r in rows:
        state = f"revoked {r['revoked_at'][:10]}" if r["revoked_at"] else f"expires {r['expires_at'][:10]}"
        click.echo(f"{r['id']}  {escape(r['user']):<20} {r['scope']:<5} {state}  {escape(r['label'])}")
    if not rows:
        click.echo("no tokens")


@tokens.command()
@click.argument("token_id", metavar="ID")
@store_option
@click.pass_context
def revoke(ctx: click.Context, token_id: str, store_url: str | None) -> None:
    """Revoke the token with this ID (refused from now on)."""
    from sopframe.services.auth import revoke_token

    record = revoke_token(open_plain_store(ctx, store_url), token_id)
    click.echo(f"token {record.id} of {escape(record.user)} revoked")
