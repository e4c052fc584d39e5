"""``sopframe sops`` (the SOP master list) and ``sopframe overdue``."""

from __future__ import annotations

import click

from sopframe.commands.jobctx import actor_option, current_user, emit_json, format_option, open_engine, store_option
from sopframe.core.safetext import escape
from sopframe.errors import SopframeError, UsageError


class OverdueFound(SopframeError):
    """Something is overdue: ``sopframe overdue`` exits 1, as a linter with findings does."""

    exit_code = 1


@click.command()
@click.option("--current", is_flag=True, help="Only current versions (leave out archived ones).")
@store_option
@format_option
@click.pass_context
def sops(ctx: click.Context, current: bool, store_url: str | None, fmt: str) -> None:
    """The SOP master list: every published SOP version, current and archived."""
    from sopframe.core.engine.sops import master_list

    entries = master_list(open_engine(ctx, store_url).store)
    if current:
        entries = [e for e in entries if e.status == "current"]
    if fmt == "json":
        emit_json([e.to_dict() for e in entries])
        return
    if not entries:
        click.echo("no SOPs published yet")
        return
    click.echo(f"{'SOP':<16} {'version':<8} {'status':<9} {'effective':<11} {'review by':<11} job")
    for e in entries:
        note = f" (superseded by {escape(e.archived_by)})" if e.archived_by else ""
        click.echo(f"{escape(e.ref):<16} {escape(e.version or '-'):<8} {e.status:<9} "
                   f"{escape(e.effective_date or '-'):<11} {e.next_review or '-':<11} {escape(e.job)}{note}")


@click.command()
@click.option("--since", metavar="DATE", help="Also list recorded SLA breaches of stages that have completed, "
                                            "due on or after DATE (YYYY-MM-DD).")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when something is overdue.")
@store_option
@format_option
@click.pass_context
def overdue(ctx: click.Context, since: str | None, exit_zero: bool, store_url: str | None, fmt: str) -> None:
    """SOPs past their review date, and open stages past their SLA (exit 1 if any, like a linter)."""
    from datetime import date

    from sopframe.core.engine.sops import breaches_since, overdue as find_overdue

    try:
        since_day = date.fromisoformat(since) if since else None
    except ValueError:
        raise UsageError(f"--since '{escape(since)}' is not a date", hint="give YYYY-MM-DD") from None
    engine = open_engine(ctx, store_url)
    items = find_overdue(engine)
    past = breaches_since(engine, since_day) if since_day else []
    if fmt == "json":
        emit_json([i.to_dict() for i in (*items, *past)])
    elif not items and not past:
        click.echo("nothing overdue")
    for i in () if fmt == "json" else (*items, *past):
        owner = f" (owner {escape(i.owner)})" if i.owner else ""
        if i.kind == "review":
            click.echo(f"review  {escape(i.ref)} version {escape(i.what)}: review was due {i.due}, "
                       f"overdue by {i.overdue_by}")
        elif i.kind == "sla":
            click.echo(f"sla     {escape(i.ref)} stage {i.what}{owner}: due {i.due}, overdue by {i.overdue_by}")
        else:
            click.echo(f"breach  {escape(i.ref)} stage {i.what}{owner}: due {i.due}, completed {i.completed_at}, "
                       f"late by {i.overdue_by}")
    if items and not exit_zero:
        raise OverdueFound(f"{len(items)} item{'s' if len(items) != 1 else ''} overdue",
                           hint="--exit-zero exits 0 anyway")


@click.command()
@store_option
@actor_option
@format_option
@click.pass_context
def tick(ctx: click.Context, store_url: str | None, actor: str | None, fmt: str) -> None:
    """Append the time-based events that are due (SLA breaches) to every open job, and enqueue the
    time-based notifications (SLA due soon, escalations, SOP reviews); run it from cron."""
    engine = open_engine(ctx, store_url)
    done = engine.tick(actor=current_user(actor))
    queued = 0
    if engine.notify:  # keys are made from each cause: a second tick enqueues nothing new
        from sopframe.core.notify.timed import timed_notifications

        queued = engine.store.enqueue(timed_notifications(engine.store, engine.notify, engine.clock()))
    if fmt == "json":
        emit_json(done)
        return
    for job, stages in done.items():
        click.echo(f"{escape(job)}: recorded SLA breach of {', '.join(s.rsplit('/', 1)[-1] for s in stages)}")
    if queued:
        click.echo(f"enqueued {queued} time-based notification{'s' if queued != 1 else ''}")
    if not done and not queued:
        click.echo("nothing due")
