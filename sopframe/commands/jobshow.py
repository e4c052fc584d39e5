"""``sopframe job show`` and ``job history``: a job read back (the ``job`` group, :mod:`sopframe.commands.jobs`,
imports this module when one of them is named)."""

from __future__ import annotations

import click

from sopframe.commands.jobctx import emit_json, format_option, open_engine, store_option
from sopframe.core.engine.describe import history_lines

__all__ = ["show", "history"]


@click.command()
@click.argument("job_id", metavar="JOB")
@store_option
@format_option
@click.pass_context
def show(ctx: click.Context, job_id: str, store_url: str | None, fmt: str) -> None:
    """Where a job stands: open stages and sub-jobs, owners, what is missing, SLA time left."""
    from sopframe.core.engine.standing import render_standing, standing

    d = standing(open_engine(ctx, store_url), job_id)
    emit_json(d) if fmt == "json" else click.echo(render_standing(d))


@click.command()
@click.argument("job_id", metavar="JOB")
@store_option
@format_option
@click.pass_context
def history(ctx: click.Context, job_id: str, store_url: str | None, fmt: str) -> None:
    """Every event of a job, oldest first: who did what, when."""
    engine = open_engine(ctx, store_url)
    events = engine.history(job_id)
    if fmt == "json":
        emit_json([{k: v for k, v in e.to_dict().items()} for e in events])
        return
    for line in history_lines(events):
        click.echo(line)
