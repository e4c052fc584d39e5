"""``sopframe job start``, ``set``, ``attach``, ``sign``, ``complete``, ``reject``, ``cancel``: the commands that
append events (the ``job`` group, :mod:`sopframe.commands.jobs`, imports this module when one is named)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from sopframe.commands.jobctx import (
    actor_option,
    current_user,
    emit_json,
    format_option,
    open_engine,
    resolve_template,
    store_option,
)
from sopframe.errors import UsageError

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.engine import Engine, JobState

__all__ = ["start", "set_", "attach", "sign", "complete", "reject", "cancel"]

stage_option = click.option("--stage", metavar="STAGE",
                            help="The stage to act on (default: the one open stage of the job or sub-job).")


def _where(state: "JobState") -> str:
    from sopframe.core.safetext import escape

    if state.status != "open":
        return f"{escape(state.job_id)} is {state.status}"
    names = []
    for node in state.active:
        sj = state.subjob_of(node)
        names.append(f"{sj.id}:{node.rsplit('/', 1)[-1]}" if sj else node)
    return f"{escape(state.job_id)} is at {', '.join(names) or '-'}"


def _done(engine: "Engine", message: str, state: "JobState", fmt: str = "text") -> None:
    if fmt == "json":
        from sopframe.core.engine.standing import standing

        emit_json(standing(engine, state.job_id))
        return
    from sopframe.core.safetext import escape

    click.echo(f"{escape(message)}; {_where(state)}")
    if state.published:
        p = state.published
        click.echo(f"published {escape(p['ref'])} version {escape(p.get('version'))} to the SOP master list "
                   f"(effective {escape(p.get('effective_date'))}, next review {p.get('next_review')})")


@click.command()
@click.argument("template")
@click.option("--title", metavar="TEXT", help="A title for this job (default: the template's).")
@click.option("--reason", metavar="TEXT", help="Why the job starts from a template that is not the current "
                                               "published version of the SOP it implements (recorded).")
@store_option
@actor_option
@format_option
@click.pass_context
def start(ctx: click.Context, template: str, title: str | None, reason: str | None, store_url: str | None,
          actor: str | None, fmt: str) -> None:
    """Start a job from TEMPLATE (a file, or the id of a shipped template)."""
    from sopframe.commands.common import plugins_for
    from sopframe.services.jobs import start_job

    text, path = resolve_template(ctx, template)
    engine = open_engine(ctx, store_url, create=True)
    state = start_job(engine, plugins_for(ctx), text, path, actor=current_user(actor), title=title, reason=reason,
                      on_plugin_problem=_warn_plugin_problem)
    _done(engine, f"started {state.job_id} from {state.template_id} {state.template_version}", state, fmt)


def _warn_plugin_problem(finding: Any) -> None:
    """A plugin rule that crashed on the template: said on standard error; the job starts all the same."""
    from sopframe.core.safetext import escape

    click.echo(f"sopframe: warning: {finding.code} {escape(finding.message)} (the job starts: the fault is the "
               f"plugin's, not the template's)", err=True)


def _parse_assignments(pairs: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for p in pairs:
        name, sep, value = p.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"{p!r} is not FIELD=VALUE", hint="e.g. sopframe job set ITSOP-2026-01 version=1.0")
        out[name.strip()] = value
    return out


@click.command(name="set")
@click.argument("job_id", metavar="JOB")
@click.argument("assignments", metavar="FIELD=VALUE...", nargs=-1)
@click.option("--add", "adds", nargs=2, multiple=True, metavar="FIELD ITEM",
              help="Append an item to a list field: --add findings 'id=F1,severity=high' (repeatable).")
@click.option("--items", "files", multiple=True, metavar="FIELD=FILE",
              help="Append the items of a JSON array or a CSV file (header row: column names) to a list field.")
@stage_option
@store_option
@actor_option
@format_option
@click.pass_context
def set_(ctx: click.Context, job_id: str, assignments: tuple[str, ...], adds: tuple[tuple[str, str], ...],
         files: tuple[str, ...], stage: str | None, store_url: str | None, actor: str | None, fmt: str) -> None:
    """Set fields of an open stage (each checked against its type and constraints); add items to lists."""
    from sopframe.commands.jobitems import items_to_add

    values = _parse_assignments(assignments)
    add = items_to_add(adds, files)
    if not values and not add:
        raise UsageError("nothing to set", hint="give FIELD=VALUE, --add FIELD ITEM or --items FIELD=FILE")
    engine = open_engine(ctx, store_url)
    state = engine.set_fields(job_id, values, actor=current_user(actor), stage=stage, add=add)
    parts = [f"set {', '.join(values)}"] if values else []
    parts += [f"added {len(items)} item{'s' if len(items) != 1 else ''} to {f}" for f, items in add.items()]
    _done(engine, f"{job_id}: {'; '.join(parts)}", state, fmt)


@click.command()
@click.argument("job_id", metavar="JOB")
@click.argument("field")
@click.argument("path", type=click.Path(dir_okay=False))
@stage_option
@store_option
@actor_option
@format_option
@click.pass_context
def attach(ctx: click.Context, job_id: str, field: str, path: str, stage: str | None, store_url: str | None,
           actor: str | None, fmt: str) -> None:
    """Attach the document at PATH to a file FIELD: recorded with its SHA-256, a copy kept in the store."""
    engine = open_engine(ctx, store_url)
    state = engine.attach(job_id, field, path, actor=current_user(actor), stage=stage)
    node = next((n for n, docs in state.documents.items() if field in docs), None)
    digest = state.documents[node][field]["sha256"] if node else ""
    _done(engine, f"{job_id}: attached {path} to {field} (sha256 {digest[:12]})", state, fmt)


@click.command()
@click.argument("job_id", metavar="JOB")
@click.argument("signoff")
@stage_option
@store_option
@actor_option
@format_option
@click.pass_context
def sign(ctx: click.Context, job_id: str, signoff: str, stage: str | None, store_url: str | None,
         actor: str | None, fmt: str) -> None:
    """Give SIGNOFF (you must hold its role; segregation of duties is enforced)."""
    engine = open_engine(ctx, store_url)
    user = current_user(actor)
    state = engine.sign(job_id, signoff, actor=user, stage=stage)
    _done(engine, f"{job_id}: {signoff} signed off by {user}", state, fmt)


@click.command()
@click.argument("job_id", metavar="JOB")
@stage_option
@store_option
@actor_option
@format_option
@click.pass_context
def complete(ctx: click.Context, job_id: str, stage: str | None, store_url: str | None, actor: str | None,
             fmt: str) -> None:
    """Complete an open stage: its gate is checked, and everything missing is listed."""
    engine = open_engine(ctx, store_url)
    before = engine.load(job_id)
    state = engine.complete(job_id, actor=current_user(actor), stage=stage)
    closed = [n.rsplit("/", 1)[-1] for n in before.state.active if n not in state.active]
    _done(engine, f"{job_id}: completed {', '.join(closed) or stage or 'stage'}", state, fmt)


@click.command()
@click.argument("job_id", metavar="JOB")
@click.option("--reason", required=True, metavar="TEXT", help="Why the stage goes back (required).")
@stage_option
@store_option
@actor_option
@format_option
@click.pass_context
def reject(ctx: click.Context, job_id: str, reason: str, stage: str | None, store_url: str | None,
           actor: str | None, fmt: str) -> None:
    """Send an open stage back to its rework stage."""
    engine = open_engine(ctx, store_url)
    state = engine.reject(job_id, reason, actor=current_user(actor), stage=stage)
    _done(engine, f"{job_id}: rejected", state, fmt)


@click.command()
@click.argument("job_id", metavar="JOB")
@click.option("--reason", required=True, metavar="TEXT", help="Why the job is cancelled (required).")
@store_option
@actor_option
@format_option
@click.pass_context
def cancel(ctx: click.Context, job_id: str, reason: str, store_url: str | None, actor: str | None,
           fmt: str) -> None:
    """Cancel a job and its sub-jobs, or one sub-job started per item of a list."""
    engine = open_engine(ctx, store_url)
    state = engine.cancel(job_id, reason, actor=current_user(actor))
    _done(engine, f"{job_id}: cancelled", state, fmt)
