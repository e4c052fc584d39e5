"""``sopframe job ...``: run templates as tracked jobs."""

from __future__ import annotations

import importlib
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
    from sopframe.core.engine import Engine, Event, JobState

stage_option = click.option("--stage", metavar="STAGE",
                            help="The stage to act on (default: the one open stage of the job or sub-job).")


#: ``job`` commands defined in other modules, imported when named: ``job list`` and ``job verify`` read the
#: store (sopframe.commands.joblist), ``job attachment`` copies a document out (sopframe.commands.jobfiles)
ELSEWHERE = {"list": "sopframe.commands.joblist:list_", "verify": "sopframe.commands.joblist:verify",
             "attachment": "sopframe.commands.jobfiles:attachment"}


class JobGroup(click.Group):
    """The ``job`` group: the commands of this module, and those of :data:`ELSEWHERE` on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *ELSEWHERE})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        wanted = [name] if name in ELSEWHERE else [] if name in self.commands else list(ELSEWHERE)
        for other in wanted:  # an unknown name loads them all: click's "did you mean" then knows every name
            if other not in self.commands:
                module, attr = ELSEWHERE[other].split(":")
                self.add_command(getattr(importlib.import_module(module), attr), other)
        return super().get_command(ctx, name)


@click.group(cls=JobGroup)
def job() -> None:
    """Start and run jobs: set fields, attach documents, sign off, complete stages.

    JOB is a job id (ITSOP-2026-01) or a sub-job id (ITSOP-2026-01-A).
    Every command appends hash-chained events to the job store.
    """


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


@job.command()
@click.argument("template")
@click.option("--title", help="A title for this job (default: the template's).")
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
    engine = open_engine(ctx, store_url)
    state = start_job(engine, plugins_for(ctx), text, path, actor=current_user(actor), title=title, reason=reason)
    _done(engine, f"started {state.job_id} from {state.template_id} {state.template_version}", state, fmt)


@job.command()
@click.argument("job_id", metavar="JOB")
@store_option
@format_option
@click.pass_context
def show(ctx: click.Context, job_id: str, store_url: str | None, fmt: str) -> None:
    """Where a job stands: open stages and sub-jobs, owners, what is missing, SLA time left."""
    from sopframe.core.engine.standing import render_standing, standing

    d = standing(open_engine(ctx, store_url), job_id)
    emit_json(d) if fmt == "json" else click.echo(render_standing(d))


def _parse_assignments(pairs: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for p in pairs:
        name, sep, value = p.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"{p!r} is not FIELD=VALUE", hint="e.g. sopframe job set ITSOP-2026-01 version=1.0")
        out[name.strip()] = value
    return out


@job.command(name="set")
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


@job.command()
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


@job.command()
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


@job.command()
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


@job.command()
@click.argument("job_id", metavar="JOB")
@click.option("--reason", required=True, help="Why the stage goes back (required).")
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


@job.command()
@click.argument("job_id", metavar="JOB")
@click.option("--reason", required=True, help="Why the job is cancelled (required).")
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


@job.command()
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


def describe_event(type: str, d: Any) -> str:
    """One line about an event's data, for history listings (every recorded value escaped)."""
    from sopframe.core.safetext import escape as e

    def stage(node: str | None) -> str:
        return e(node or "").replace("/", " > ")

    if type == "job.started":
        t = d["template"]
        return f"{e(d['job'])} from {e(t['id'])} {e(t['version'])} (sha256 {t['sha256'][:12]})"
    if type == "field.set":
        from sopframe.core.engine.gates import shown

        return f"{stage(d['stage'])}.{e(d['field'])} = {e(shown(d['value']))}"
    if type == "document.attached":
        where = f", from {e(d['path'])}" if d.get("path") and d.get("path") != d.get("uri") else ""
        link = f", via symlink to {e(d['symlink'])}" if d.get("symlink") else ""
        return (f"{stage(d['stage'])}.{e(d['field'])} <- {e(d['name'])} (sha256 {d['sha256'][:12]}, "
                f"{d['size']} bytes{where}{link})")
    if type == "signoff.given":
        return f"{stage(d['stage'])}: {e(d['signoff'])} (role {e(d['role'])})"
    if type == "signoff.voided":
        return (f"{stage(d['stage'])}: {e(d['signoff'])} by {e(d.get('user'))} voided: "
                f"{e(d.get('change'))} changed after it was given")
    if type == "sla.breached":
        return f"{stage(d['stage'])}: LATE, SLA was due {e(d.get('due'))}"
    if type in ("stage.entered", "stage.completed", "stage.waiting"):
        return stage(d["stage"])
    if type == "stage.rejected":
        return f"{stage(d['stage'])} -> {stage(d['to'])}: {e(d['reason'])}"
    if type in ("subjob.started", "subjob.completed"):
        extra = f" {e(d.get('title', ''))} (owner {e(d.get('owner'))})" if type == "subjob.started" else ""
        return f"{e(d['subjob'])}{extra}"
    if type == "job.cancelled":
        return e(d.get("reason", ""))
    if type == "sop.published":
        sup = f", supersedes {e(d['supersedes']['version'])}" if d.get("supersedes") else ""
        return f"{e(d['ref'])} version {e(d.get('version'))} effective {e(d.get('effective_date'))}{sup}"
    if type == "sop.review_due":
        return f"review due for {', '.join(e(r) for r in d.get('refs', ()))}: {e(d.get('reason'))}"
    return ""


def history_lines(events: "list[Event]", width: int = 10) -> list[str]:
    """``sopframe job history`` as text; a stage completed after its SLA breach is marked late."""
    from sopframe.core.safetext import escape

    late: set[str] = set()
    out = []
    for ev in events:
        text = describe_event(ev.type, ev.data)
        node = ev.data.get("stage") if isinstance(ev.data, dict) else None
        if ev.type == "sla.breached":
            late.add(node)
        elif ev.type == "stage.entered":
            late.discard(node)
        elif ev.type == "stage.completed" and node in late:
            text += "  (late)"
        out.append(f"{ev.seq:>4}  {ev.at[:19]}Z  {escape(ev.actor):<{width}} {ev.type:<18} {text}")
    return out
