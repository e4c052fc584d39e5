"""``sopframe sops`` (the SOP master list) and ``sopframe overdue``."""

from __future__ import annotations

import click

from sopframe.commands.jobctx import emit_json, format_option, open_engine, store_option


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
        note = f" (superseded by {e.archived_by})" if e.archived_by else ""
        click.echo(f"{e.ref:<16} {e.version or '-':<8} {e.status:<9} {e.effective_date or '-':<11} "
                   f"{e.next_review or '-':<11} {e.job}{note}")


@click.command()
@store_option
@format_option
@click.pass_context
def overdue(ctx: click.Context, store_url: str | None, fmt: str) -> None:
    """SOPs past their review date, and open stages past their SLA."""
    from sopframe.core.engine.sops import overdue as find_overdue

    items = find_overdue(open_engine(ctx, store_url))
    if fmt == "json":
        emit_json([i.to_dict() for i in items])
        return
    if not items:
        click.echo("nothing overdue")
        return
    for i in items:
        if i.kind == "review":
            click.echo(f"review  {i.ref} version {i.what}: review was due {i.due}, overdue by {i.overdue_by}")
        else:
            owner = f" (owner {i.owner})" if i.owner else ""
            click.echo(f"sla     {i.ref} stage {i.what}{owner}: due {i.due}, overdue by {i.overdue_by}")
