"""``sopframe inbox``: what waits on me, most urgent first (see :mod:`sopframe.services.inbox`)."""

from __future__ import annotations

import click

from sopframe.commands.jobctx import (actor_option, current_user, emit_json, format_option, open_engine,
                                      store_option)

__all__ = ["inbox"]


@click.command()
@actor_option
@store_option
@format_option
@click.pass_context
def inbox(ctx: click.Context, actor: str | None, store_url: str | None, fmt: str) -> None:
    """What waits on you: open stages you own through your roles, sign-offs you may give (and those
    segregation of duties bars you from, with the reason), SLA time left; most urgent first."""
    from sopframe.core.engine.clock import to_text
    from sopframe.core.safetext import escape
    from sopframe.services.inbox import format_seconds, inbox as inbox_of

    engine = open_engine(ctx, store_url)
    user = engine.roles.canonical(current_user(actor))
    now = engine.clock()
    items = inbox_of(engine.store, engine.roles, user, now)
    if fmt == "json":
        emit_json({"user": user, "roles": sorted(engine.roles.roles_of(user)), "at": to_text(now),
                   "items": [i.to_dict() for i in items]})
        return
    held = sorted(engine.roles.roles_of(user))
    if not held:
        from sopframe.errors import did_you_mean

        people = {u for users in engine.roles.holders_of.values() for u in users}
        click.echo(f"nothing waits on {escape(user)}: {escape(user)} holds no role in the configuration "
                   f"(the `roles` table){did_you_mean(user, people)}")
        return
    if not items:
        click.echo(f"nothing waits on {escape(user)} (roles: {', '.join(escape(r) for r in held)})")
        return
    actionable = sum(1 for i in items if i.may_act)
    click.echo(f"{actionable} item{'s' if actionable != 1 else ''} wait{'s' if actionable == 1 else ''} on "
               f"{escape(user)} (roles: {', '.join(escape(r) for r in held)}), most urgent first:")
    for i in items:
        if i.seconds_left is None:
            when = "no SLA"
        elif i.seconds_left < 0:
            when = f"OVERDUE {format_seconds(i.seconds_left)}"
        else:
            when = f"{format_seconds(i.seconds_left)} left"
        where = f"{escape(i.job)} {escape(i.stage)}"
        if i.subjob:
            where = f"{escape(i.subjob)} {escape(i.stage)}"
        what = f"complete the stage (owner: {escape(i.role)})" if i.kind == "stage" else \
            f"sign-off {escape(i.signoff)} (role {escape(i.role)})"
        line = f"  {when:<16} {where}: {what} - {escape(i.title)}"
        if not i.may_act:
            line = f"  {'may not sign':<16} {where}: sign-off {escape(i.signoff)}: {escape(i.reason)}"
        click.echo(line)
