"""``sopframe report bottlenecks``: where jobs wait, per stage, owner role and person (docs/reports.md)."""

from __future__ import annotations

import click

from sopframe.clickgroup import SuggestingGroup
from sopframe.commands.jobctx import emit_json, open_engine, store_option
from sopframe.commands.output import check_output, force_option, store_files, write_output
from sopframe.core.safetext import escape
from sopframe.errors import UsageError

__all__ = ["report"]


@click.group(cls=SuggestingGroup)
def report() -> None:
    """Reports over the job store's read models."""


@report.command()
@click.option("--template", "template_id", metavar="ID", help="Only jobs of this template id.")
@click.option("--since", metavar="DATE", help="Only stage visits still open or ended at or after DATE (UTC).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv", "html"]), default="text",
              show_default=True, help="Output format (html: one self-contained page with charts).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Write to this file instead of standard output (an existing file only with --force).")
@force_option
@click.option("--top", type=click.IntRange(0, 50), default=3, show_default=True,
              help="How many stages to name as bottlenecks.")
@store_option
@click.pass_context
def bottlenecks(ctx: click.Context, template_id: str | None, since: str | None, fmt: str, output: str | None,
                force: bool, top: int, store_url: str | None) -> None:
    """Per stage, owner role and person: visits, queue and work time (median, p90, max), SLA breach rate,
    rework, work in progress and its age, throughput per week; the top bottlenecks in a sentence each."""
    from sopframe.reports import render
    from sopframe.services.reports import bottleneck_report, since_text

    from sopframe.core.engine.clock import to_text

    target = check_output(output, force=force, protected=store_files(ctx, store_url)) if output else None
    engine = open_engine(ctx, store_url)
    now, start = engine.clock(), since_text(since)
    if start and start > to_text(now):
        raise UsageError(f"--since {since} is in the future: the report covers what happened up to now")
    result = bottleneck_report(engine.store, now, template=template_id, since=start, top=top)
    if template_id and not result.visits:  # a mistyped id must not read as "no stage visits"
        from sopframe.services.jobs import check_template_known

        check_template_known(engine.store, template_id)
    if fmt == "html":
        from sopframe.reports.html import render_html

        text = render_html(result)
    elif fmt == "csv":
        text = render.to_csv(result)
    elif fmt == "json":
        if output is None:
            emit_json(render.to_data(result))
            return
        import json

        from sopframe.core.safetext import json_safe

        text = json_safe(json.dumps(render.to_data(result), indent=2, ensure_ascii=False)) + "\n"
    else:
        text = render.to_text(result)
    if target is None:
        click.echo(text, nl=False)
        return
    write_output(target, text)
    click.echo(f"bottleneck report written to {escape(str(target))}", err=True)
