"""``sopframe notify run|list|status|retry``: deliver the notification outbox and look after it."""

from __future__ import annotations

import signal
from typing import TYPE_CHECKING, Any

import click

from sopframe.clickgroup import SuggestingGroup
from sopframe.commands.jobctx import emit_json, format_option, notify_settings_for, store_option
from sopframe.core.safetext import escape

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.store import Store

__all__ = ["notify"]


def _store(ctx: click.Context, store_url: str | None) -> "Store":
    from sopframe.commands.common import config_for, plugins_for
    from sopframe.core.store import open_store, store_url as pick_url

    s = open_store(pick_url(store_url, config_for(ctx)), plugins_for(ctx), create=False)
    ctx.call_on_close(s.close)
    return s


@click.group(cls=SuggestingGroup)
def notify() -> None:
    """The notification outbox: deliver it (`run`), list it, count it, send dead letters again.

    Notifications are written with the events that cause them (and by
    `sopframe tick` for the time-based ones); `notify run` delivers them at
    least once, each with its idempotency key, retrying with backoff.
    """


@notify.command()
@store_option
@click.option("--once", "mode", flag_value="once", default=True, help="Deliver what is due, then exit (default).")
@click.option("--loop", "mode", flag_value="loop", help="Keep delivering until interrupted (SIGTERM or Ctrl-C).")
@click.option("--idle", type=click.FloatRange(min=0, min_open=True), default=5.0, show_default=True, metavar="SECONDS",
              help="With --loop: the pause when nothing is due.")
@click.option("--limit", type=click.IntRange(min=1), default=None, metavar="N",
              help="With --once: deliver at most N notifications.")
@format_option
@click.pass_context
def run(ctx: click.Context, store_url: str | None, mode: str, idle: float, limit: int | None, fmt: str) -> None:
    """Deliver due notifications (for cron, a systemd timer, or a service with --loop)."""
    from sopframe.commands.common import plugins_for
    from sopframe.services.notify import Worker

    settings = notify_settings_for(ctx, secrets=True)
    worker = Worker(_store(ctx, store_url), plugins_for(ctx).notifiers(), settings)
    if mode == "loop":
        stopping: list[bool] = []
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
        worker.run_loop(idle=idle, stop=lambda: bool(stopping),
                        on_report=lambda r: click.echo(_summary(r), err=True),
                        on_error=lambda e: click.echo(f"sopframe notify: {escape(e)} (trying again)", err=True))
        return
    try:
        report = worker.run_once(limit)
    finally:
        worker.close()
    if fmt == "json":
        emit_json({"delivered": report.delivered, "retried": report.retried, "dead": report.dead,
                   "lost_claims": report.lost_claims, "errors": report.errors})
        return
    for line in report.errors:
        click.echo(escape(line), err=True)
    click.echo(_summary(report))


def _summary(report: Any) -> str:
    if not report.handled:
        return "nothing due"
    return f"delivered {report.delivered}, to retry {report.retried}, dead-lettered {report.dead}"


@notify.command(name="list")
@store_option
@click.option("--status", type=click.Choice(["pending", "sending", "delivered", "dead"]), default=None)
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True, metavar="N",
              help="Show at most N notifications.")
@format_option
@click.pass_context
def list_(ctx: click.Context, store_url: str | None, status: str | None, limit: int, fmt: str) -> None:
    """List outbox rows, oldest first."""
    rows = _store(ctx, store_url).notifications(status, limit)
    if fmt == "json":
        emit_json([r.to_dict() for r in rows])
        return
    if not rows:
        click.echo("no notifications")
    for r in rows:
        n = r.note
        to = f" to {escape(n.recipient)}" if n.recipient else ""
        err = f"  last error: {escape(r.last_error)}" if r.last_error else ""
        click.echo(f"#{r.id} {r.status:<9} {n.kind} via {escape(n.channel)}{to}: {escape(n.subject)} "
                   f"(attempts {r.attempts}){err}")


@notify.command()
@store_option
@format_option
@click.pass_context
def status(ctx: click.Context, store_url: str | None, fmt: str) -> None:
    """How many notifications are pending, being sent, delivered and dead; and whether the [notify]
    configuration would let `notify run` deliver them (exit 2, after the counts, if not)."""
    from sopframe.errors import ConfigError

    counts = _store(ctx, store_url).notification_counts()
    full = {s: counts.get(s, 0) for s in ("pending", "sending", "delivered", "dead")}
    problem: ConfigError | None = None
    try:  # checked as the delivery worker checks it: channel options, routes, secrets in the environment
        settings = notify_settings_for(ctx, secrets=True)
    except ConfigError as exc:
        problem, settings = exc, None
    if fmt == "json":
        emit_json(full)
    else:
        click.echo("  ".join(f"{s} {n}" for s, n in full.items()))
    if problem is not None:
        why = "`sopframe notify run` refuses this configuration too: nothing is delivered until it is fixed"
        raise ConfigError(problem.message, hint=f"{problem.hint}; {why}" if problem.hint else why)
    if settings is not None and not settings.routing.channels and (full["pending"] or full["sending"]):
        click.echo("warning: no [notify] channel is configured: `sopframe notify run` dead-letters what is "
                   "pending", err=True)


@notify.command()
@store_option
@click.argument("ids", nargs=-1, type=int)
@click.option("--all-dead", is_flag=True, help="Every dead-lettered notification.")
@click.pass_context
def retry(ctx: click.Context, store_url: str | None, ids: tuple[int, ...], all_dead: bool) -> None:
    """Send dead-lettered notifications again (attempts start over): give IDs or --all-dead."""
    from sopframe.core.engine.clock import system_clock, to_text
    from sopframe.errors import UsageError

    if bool(ids) == all_dead:
        raise UsageError("give notification ids, or --all-dead", hint="`sopframe notify list --status dead`")
    store = _store(ctx, store_url)
    dead = {r.id for r in store.notifications("dead")} if ids else set()
    n = store.retry_notifications(None if all_dead else list(ids), to_text(system_clock()))
    click.echo(f"{n} notification{'s' if n != 1 else ''} will be sent again")
    others = [f"#{i}" for i in dict.fromkeys(ids) if i not in dead]
    if others:
        click.echo(f"note: {', '.join(others)} {'is' if len(others) == 1 else 'are'} not dead-lettered (unknown, "
                   f"pending or delivered): left alone; `sopframe notify list` shows the ids", err=True)
