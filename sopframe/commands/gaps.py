"""``sopframe gaps``: the seven-point IT SOP readiness checklist."""

from __future__ import annotations

import json
from typing import Any

import click

from sopframe.commands.common import checked_policy, config_for, plugins_for

__all__ = ["gaps"]


@click.command()
@click.argument("paths", nargs=-1, metavar="[PATH...]")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", help="Output format.")
@click.pass_context
def gaps(ctx: click.Context, paths: tuple[str, ...], fmt: str) -> int:
    """Show which of the seven IT SOP readiness points the templates meet.

    The points: incident response; change management with every production
    change logged; access provisioning and de-provisioning; backup with tested
    restoration; vulnerability management with patch deadlines by severity;
    business continuity with RTO/RPO and a drill; every SOP version-controlled
    with review dates.  PATH defaults to the current directory.

    Exit codes: 0 all seven complete, 1 some open, 2 usage or configuration error.
    """
    from sopframe.core.frameworks import check_settings
    from sopframe.core.validate import collect_paths, validate_file
    from sopframe.errors import UsageError

    try:
        from sopframe_plugins.compliance.readiness import assess
    except ImportError:  # pragma: no cover - the bundled plugins ship with sopframe
        raise UsageError("the compliance plugins are not installed", hint="reinstall sopframe") from None

    config_for(ctx)  # a broken configuration is reported before any work
    files = collect_paths(paths or (".",))
    plugins = plugins_for(ctx)
    schema = plugins.schema()
    with check_settings(None, checked_policy(ctx)):
        results = [validate_file(p, plugins=plugins, schema=schema) for p in files]
        assessed = assess([(r.template, r.path, r.findings) for r in results])
    done = sum(1 for a in assessed if a.complete)
    if fmt == "json":
        data: dict[str, Any] = {
            "complete": done, "total": len(assessed), "files": len(files),
            "points": [{"number": a.point.number, "title": a.point.title, "kind": a.point.kind,
                        "complete": a.complete, "met_by": a.met_by, "missing": a.missing} for a in assessed],
        }
        click.echo(json.dumps(data, indent=2))
    else:
        lines = [f"IT SOP readiness: {done} of {len(assessed)} complete ({len(files)} template files)"]
        for a in assessed:
            mark = "x" if a.complete else " "
            lines.append(f"  [{mark}] {a.point.number}. {a.point.title}")
            if a.complete:
                lines.append(f"        met by: {', '.join(a.met_by)}")
            for m in a.missing:
                lines.append(f"        missing: {m}")
        click.echo("\n".join(lines))
    return 0 if done == len(assessed) else 1
