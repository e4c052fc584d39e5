"""``sopframe gaps``: the seven-point IT SOP readiness checklist, a command of the compliance plugins.

Registered through the ``sopframe_cli_commands`` hook (entry point
``compliance-gaps``), so ``--disable-plugin compliance-gaps`` removes it and
the core command line knows nothing of it.

Design: which points the templates meet, with the checklist's own policy
numbers (:mod:`.readiness`).  Evidence, with ``--store URL``: which points
the job store shows were done within their intervals (:mod:`.evidence`).
The two are reported separately, never one for the other.
"""

from __future__ import annotations

import json
from datetime import datetime, time, timezone
from typing import Any, Sequence

import click

from sopframe.hookspecs import hookimpl

__all__ = ["gaps", "sopframe_cli_commands"]


def _as_of(text: str | None) -> datetime | None:
    from sopframe.errors import UsageError

    if text is None:
        return None
    try:
        day = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--as-of {text!r} is not a date", hint="write it as YYYY-MM-DD") from None
    if len(text) == 10:
        day = datetime.combine(day.date(), time.max)
    return day if day.tzinfo else day.replace(tzinfo=timezone.utc)


@click.command()
@click.argument("paths", nargs=-1, metavar="[PATH...]")
@click.option("--store", "store_url", metavar="URL", default=None,
              help="Also read what happened from this job store (sqlite:///sopframe.db, postgresql://..., "
                   "memory://): evidence is reported next to design.")
@click.option("--as-of", "as_of", metavar="DATE", default=None,
              help="Judge evidence as of this day (YYYY-MM-DD; default: now).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", help="Output format.")
@click.pass_context
def gaps(ctx: click.Context, paths: tuple[str, ...], store_url: str | None, as_of: str | None, fmt: str) -> int:
    """Show which of the seven IT SOP readiness points are met, by design and in fact.

    The points: incident response; change management with every production
    change logged; access provisioning and de-provisioning; backup with tested
    restoration; vulnerability management with patch deadlines by severity;
    business continuity with RTO/RPO and a drill; every SOP version-controlled
    with review dates.  PATH defaults to the current directory.  With
    --store, each point also says whether the job store shows it was done.

    Exit codes: 0 all seven complete (by design, and in fact when --store is
    given), 1 some open, 2 usage or configuration error.
    """
    from sopframe.commands.common import checked_policy, config_for, plugins_for
    from sopframe.core.frameworks import CheckContext
    from sopframe.core.validate import collect_paths, validate_file

    from sopframe_plugins.compliance.readiness import assess

    config_for(ctx)  # a broken configuration is reported before any work
    when = _as_of(as_of)
    files = collect_paths(paths or (".",))
    plugins = plugins_for(ctx)
    schema = plugins.schema()
    policy = checked_policy(ctx)
    context = CheckContext.of(None, policy)
    results = [validate_file(p, plugins=plugins, schema=schema, context=context) for p in files]
    assessed = assess([(r.template, r.path, r.findings) for r in results], policy)
    evidence = None
    if store_url:
        from sopframe.core.store import open_store

        from sopframe.commands.jobctx import roles_from_config
        from sopframe.commands.sopctx import groups_from_config, training_defaults

        from sopframe_plugins.compliance.evidence import Audience, gather

        people = Audience(roles_from_config(ctx), groups_from_config(ctx), *training_defaults(ctx))
        with open_store(store_url, plugins, create=False) as store:
            evidence = gather(store, [r.template for r in results if r.template is not None], policy, when, people)
    done = sum(1 for a in assessed if a.complete)
    proved = sum(1 for e in evidence.values() if e.complete) if evidence is not None else None
    if fmt == "json":
        data: dict[str, Any] = {
            "design": {"complete": done, "total": len(assessed)}, "files": len(files),
            "evidence": None if evidence is None else {"complete": proved, "total": len(assessed)},
            "points": [_point_json(a, evidence) for a in assessed],
        }
        click.echo(json.dumps(data, indent=2))
    else:
        click.echo("\n".join(_text(assessed, evidence, done, proved, len(files))))
    complete = done == len(assessed) and (proved is None or proved == len(assessed))
    return 0 if complete else 1


def _point_json(a: Any, evidence: Any) -> dict[str, Any]:
    out = {"number": a.point.number, "title": a.point.title, "kind": a.point.kind,
           "complete": a.complete, "met_by": a.met_by, "missing": a.missing}
    if evidence is not None:
        e = evidence[a.point.number]
        out["evidence"] = {"complete": e.complete, "shown": e.shown, "missing": e.missing}
    return out


def _text(assessed: Sequence[Any], evidence: Any, done: int, proved: int | None, files: int) -> list[str]:
    total = len(assessed)
    head = f"IT SOP readiness: design {done} of {total} complete ({files} template files)"
    if proved is not None:
        head += f"; evidence {proved} of {total} complete"
    else:
        head += "; evidence not checked (give --store URL)"
    lines = [head]
    for a in assessed:
        mark = "x" if a.complete else " "
        proof = "" if evidence is None else f" [evidence: {'x' if evidence[a.point.number].complete else ' '}]"
        lines.append(f"  [{mark}] {a.point.number}. {a.point.title}{proof}")
        if a.complete:
            lines.append(f"        met by: {', '.join(a.met_by)}")
        lines += [f"        missing: {m}" for m in a.missing]
        if evidence is not None:
            e = evidence[a.point.number]
            lines += [f"        shown: {s}" for s in e.shown]
            lines += [f"        {'' if m.startswith('not evidenced') else 'not evidenced: '}{m}" for m in e.missing]
    return lines


@hookimpl
def sopframe_cli_commands() -> Sequence[click.Command]:
    return [gaps]
