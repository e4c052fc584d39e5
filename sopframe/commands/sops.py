"""``sopframe sops`` (the SOP master list) and ``sopframe overdue``."""

from __future__ import annotations

from typing import Any, Callable, TypeVar

import click

from sopframe.clickgroup import SuggestingGroup
from sopframe.commands.jobctx import actor_option, current_user, emit_json, format_option, open_engine, store_option
from sopframe.commands.sopctx import open_records
from sopframe.core.safetext import escape
from sopframe.errors import SopframeError, UsageError


F = TypeVar("F", bound=Callable[..., Any])


class OverdueFound(SopframeError):
    """Something is overdue: ``sopframe overdue`` exits 1, as a linter with findings does."""

    exit_code = 1


@click.group(cls=SuggestingGroup, invoke_without_command=True)
@click.option("--current", is_flag=True, help="Only current versions (leave out archived ones).")
@store_option
@format_option
@click.pass_context
def sops(ctx: click.Context, current: bool, store_url: str | None, fmt: str) -> None:
    """The SOP master list: every published SOP version, current and archived; `sops show|flag|reviewed`."""
    from sopframe.core.engine.sops import master_list

    if ctx.invoked_subcommand is not None:
        return
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


@sops.command()
@click.argument("ref", metavar="SOP-REF")
@click.option("--last", type=click.IntRange(min=1), metavar="N", help="Only the last N jobs of each version.")
@store_option
@format_option
@click.pass_context
def show(ctx: click.Context, ref: str, last: int | None, store_url: str | None, fmt: str) -> None:
    """Every version of SOP-REF, newest first, with the jobs run under it and its open review flags."""
    from sopframe.core.engine.sops import open_flags
    from sopframe.services.sops import sop_versions

    records = open_records(ctx, store_url)
    records.versions(ref)  # a malformed or unknown reference is refused, with the known ones
    versions = sop_versions(records.store, ref, last)
    flags = open_flags(records.store, ref)
    if fmt == "json":
        emit_json({"ref": ref, "versions": [v.to_dict() for v in versions], "flags": [f.to_dict() for f in flags]})
        return
    for v in versions:
        head = f"{escape(ref)} version {escape(str(v.version))} ({v.status}" if v.version else \
            f"{escape(ref)} jobs started before any version was published ("
        click.echo(f"{head}{', published by ' + escape(v.published_by) if v.version else 'with a reason'}"
                   f"{', effective ' + escape(str(v.effective_date)) if v.effective_date else ''})")
        if not v.jobs:
            click.echo("  no jobs run under it")
        for f, summary in v.jobs:
            state = summary.status if summary else "?"
            note = f" -- started off the current version: {escape(f.reason)}" if f.reason else ""
            click.echo(f"  {escape(f.job):<16} {state:<10} started {f.started_at} ({escape(f.template)} "
                       f"{escape(f.template_version)}){note}")
    for flag in flags:
        what = "flagged" if flag.kind == "flagged" else f"review due after change {escape(flag.source)}"
        click.echo(f"{what} by {escape(flag.by)} at {flag.at}: {escape(flag.reason)}")


def _mark(ctx: click.Context, ref: str, reason: str, store_url: str | None, actor: str | None, fmt: str,
          review: bool) -> None:
    records = open_records(ctx, store_url)
    call = records.reviewed if review else records.flag
    data = call(ref, reason, actor=current_user(actor))
    if fmt == "json":
        emit_json(data)
    elif review:
        click.echo(f"recorded a review of {escape(ref)} version {escape(str(data['version']))}: its open flags "
                   f"are settled")
    else:
        click.echo(f"flagged {escape(ref)} version {escape(str(data['version']))} for review: {escape(reason)}")


def _marking(reason_help: str) -> Callable[[F], F]:
    """The arguments of `sops flag` and `sops reviewed`."""
    def wrap(f: F) -> F:
        for option in (click.pass_context, format_option, actor_option, store_option,
                       click.option("--reason", required=True, metavar="TEXT", help=reason_help),
                       click.argument("ref", metavar="SOP-REF")):
            f = option(f)  # type: ignore[assignment]  # click's decorators return the function they are given
        return f
    return wrap


@sops.command()
@_marking("What does not match reality.")
def flag(ctx: click.Context, ref: str, reason: str, store_url: str | None, actor: str | None, fmt: str) -> None:
    """Flag SOP-REF as not matching reality: it is up for review until reviewed or re-published."""
    _mark(ctx, ref, reason, store_url, actor, fmt, review=False)


@sops.command()
@_marking("What the review found or decided.")
def reviewed(ctx: click.Context, ref: str, reason: str, store_url: str | None, actor: str | None,
             fmt: str) -> None:
    """Record a review of SOP-REF that settles its open flags (a new version settles them too)."""
    _mark(ctx, ref, reason, store_url, actor, fmt, review=True)


@click.command()
@click.option("--since", metavar="DATE", help="Also list recorded SLA breaches of stages that have completed, "
                                            "due on or after DATE (YYYY-MM-DD).")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when something is overdue.")
@click.option("--limit", type=click.IntRange(min=1), metavar="N",
              help="At most N stages past their SLA, the most overdue first (SOP reviews are all listed).")
@store_option
@format_option
@click.pass_context
def overdue(ctx: click.Context, since: str | None, exit_zero: bool, limit: int | None, store_url: str | None,
            fmt: str) -> None:
    """SOPs past their review date, and open stages past their SLA (exit 1 if any, like a linter)."""
    from datetime import date

    from sopframe.core.engine.sops import breaches_since, overdue as find_overdue

    try:
        since_day = date.fromisoformat(since) if since else None
    except ValueError:
        raise UsageError(f"--since '{escape(since)}' is not a date", hint="give YYYY-MM-DD") from None
    engine = open_engine(ctx, store_url)
    items = find_overdue(engine, limit=limit)
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
        elif i.kind in ("flagged", "change"):
            why = "flagged as not matching reality" if i.kind == "flagged" else f"affected by change {escape(i.what)}"
            click.echo(f"review  {escape(i.ref)}: {why} by {escape(i.owner or '-')} at {i.due}: "
                       f"{escape(i.reason or '')} (open for {i.overdue_by})")
        else:
            click.echo(f"breach  {escape(i.ref)} stage {i.what}{owner}: due {i.due}, completed {i.completed_at}, "
                       f"late by {i.overdue_by}")
    full = limit is not None and sum(i.kind == "sla" for i in items) == limit  # there may be more stages
    if full and fmt != "json":
        click.echo(f"(the {limit} most overdue stages are shown: there may be more; a larger --limit shows them)")
    if items and not exit_zero:
        raise OverdueFound(f"{len(items)}{' or more' if full else ''} item{'s' if len(items) != 1 else ''} overdue",
                           hint="--exit-zero exits 0 anyway")


@click.command()
@store_option
@actor_option
@format_option
@click.pass_context
def tick(ctx: click.Context, store_url: str | None, actor: str | None, fmt: str) -> None:
    """Append the time-based events that are due (SLA breaches) to every open job, and enqueue the
    time-based notifications (SLA due soon, escalations, SOP reviews, acknowledgements due or late);
    run it from cron."""
    engine = open_engine(ctx, store_url)
    done = engine.tick(actor=current_user(actor))
    queued = 0
    if engine.notify:  # keys are made from each cause: a second tick enqueues nothing new
        from sopframe.commands.common import settings_for
        from sopframe.commands.jobctx import roles_from_config
        from sopframe.core.notify.timed import timed_notifications
        from sopframe.services.sops import training_for

        now = engine.clock()
        training = training_for(settings_for(ctx), engine.store, roles_from_config(ctx), now)
        queued = engine.store.enqueue(timed_notifications(engine.store, engine.notify, now, training))
    if fmt == "json":
        emit_json(done)
        return
    for job, stages in done.items():
        click.echo(f"{escape(job)}: recorded SLA breach of {', '.join(s.rsplit('/', 1)[-1] for s in stages)}")
    if queued:
        click.echo(f"enqueued {queued} time-based notification{'s' if queued != 1 else ''}")
    if not done and not queued:
        click.echo("nothing due")
