"""``sopframe job list`` and ``sopframe job verify``: listings answered from the read models."""

from __future__ import annotations

from typing import Any

import click

from sopframe.commands.jobctx import emit_json, format_option, open_engine, open_store, roles_from_config, store_option
from sopframe.errors import IntegrityError, UsageError

__all__ = ["list_", "verify"]


def _since(text: str | None) -> str | None:
    """``--since`` as UTC text comparable with event times: a date or an ISO date-time."""
    if not text:
        return None
    from sopframe.services.reports import since_text

    return since_text(text)


@click.command(name="list")
@click.option("--status", type=click.Choice(["open", "completed", "cancelled", "all"]), default="all",
              show_default=True)
@click.option("--template", "template_id", metavar="ID", help="Only jobs of this template id.")
@click.option("--assigned-to", "assigned_to", metavar="USER",
              help="Only jobs with an open stage owned by a role USER holds (the `roles` configuration).")
@click.option("--overdue", is_flag=True, help="Only jobs with an open stage past its SLA.")
@click.option("--since", metavar="DATE", help="Only jobs changed at or after DATE (UTC).")
@click.option("--limit", type=click.IntRange(1, 10000), default=50, show_default=True, help="Jobs per page.")
@click.option("--cursor", metavar="JOB", help="Start after this job id (the cursor the previous page printed).")
@store_option
@format_option
@click.pass_context
def list_(ctx: click.Context, status: str, template_id: str | None, assigned_to: str | None, overdue: bool,
          since: str | None, limit: int, cursor: str | None, store_url: str | None, fmt: str) -> None:
    """List jobs with their status and where they stand, a page at a time, in job-id order."""
    from sopframe.services.jobs import list_jobs

    # the read models only: no engine, so neither the template model nor the engine's modules are imported
    store = open_store(ctx, store_url)
    roles = roles_from_config(ctx)
    if assigned_to is not None and not roles.roles_of(roles.canonical(assigned_to)):  # would answer "no jobs"
        from sopframe.core.safetext import escape
        from sopframe.errors import did_you_mean

        people = {u for users in roles.holders_of.values() for u in users}
        raise UsageError(f"--assigned-to: {escape(assigned_to)} holds no role in the configuration"
                         f"{did_you_mean(roles.canonical(assigned_to), people)}",
                         hint="jobs are assigned through the roles of the `roles` table")
    page = list_jobs(store, roles, status=None if status == "all" else status,
                     template=template_id, assigned_to=assigned_to, overdue=overdue, since=_since(since),
                     cursor=cursor, limit=limit)
    if template_id and not page.items:  # a mistyped id must not read as "no jobs"
        from sopframe.services.jobs import check_template_known

        check_template_known(store, template_id)
    rows = [s.to_dict() for s in page.items]
    more = page.next_cursor
    if fmt == "json":
        emit_json(rows)
        if more:
            from sopframe.core.safetext import escape

            click.echo(f"more: --cursor {escape(more)}", err=True)
        return
    if not rows:
        click.echo("no jobs")
        return
    from sopframe.core.safetext import escape

    for r in rows:
        at = f" at {', '.join(r['open_stages'])}" if r["open_stages"] else ""
        click.echo(f"{escape(r['job']):<18} {r['status']:<10} {escape(r['template'])} {escape(r['version'])}{at}  "
                   f"({r['events']} events)")
    if more:
        click.echo(f"more: --cursor {escape(more)}")


@click.command()
@click.argument("job_id", metavar="JOB", required=False)
@click.option("--all", "all_jobs", is_flag=True, help="Verify every job in the store.")
@click.option("--expect", metavar="SEQ:HASH", help="A head recorded earlier (event number and hash, or a prefix of "
                                                    "12+ hex digits): check it is still part of the job's chain.")
@click.option("--replay", is_flag=True, help="Also re-run the recorded commands through the engine with the roles "
                                             "then in force, and name the first event it would have refused.")
@store_option
@format_option
@click.pass_context
def verify(ctx: click.Context, job_id: str | None, all_jobs: bool, expect: str | None, replay: bool,
           store_url: str | None, fmt: str) -> None:
    """Check jobs' hash chains and pinned templates (names the first edited, deleted, reordered or
    inserted event), and that the read models match the events."""
    from sopframe.core.jobcheck import verify_jobs
    from sopframe.core.safetext import escape
    from sopframe.errors import JobError, did_you_mean

    if bool(job_id) == all_jobs:
        raise UsageError("give a JOB or --all")
    expected = _expected_head(expect) if expect else None
    if expected and all_jobs:
        raise UsageError("--expect checks one job: give a JOB, not --all")
    store = open_engine(ctx, store_url).store
    if job_id and store.head(job_id) is None and not store.read(job_id):
        raise JobError(f"unknown job '{escape(job_id)}'{did_you_mean(job_id, store.job_ids())}",
                       hint="`sopframe job list` shows the jobs", kind="not_found")
    results: list[dict[str, Any]] = [c.to_dict() for c in verify_jobs(store, None if all_jobs else [job_id or ""])]
    if expected and job_id and results and not results[0]["problem"]:
        from sopframe.core.jobcheck import expect_problem

        results[0]["problem"] = expect_problem(job_id, store.read(job_id), *expected)
        results[0]["ok"] = results[0]["problem"] is None and results[0]["drift"] is None
    if replay:
        _replay(store, results)
    bad = [r for r in results if not r["ok"]]
    if fmt == "json":
        emit_json(results)
    else:
        for r in results:
            if r["problem"]:
                click.echo(f"{escape(r['job'])}: BROKEN: {escape(r['problem'])}")
            elif r["drift"]:
                click.echo(f"{escape(r['job'])}: chain ok, {r['events']} events; READ MODEL DRIFT: {escape(r['drift'])}")
            else:
                click.echo(f"{escape(r['job'])}: ok, {r['events']} events, head {r['head']}"
                           + (", replayed" if replay else ""))
            if r.get("unchecked"):
                click.echo(f"  note: replay cannot check authorisation before the first recorded role table: "
                           f"{r['unchecked']} events were recorded without one and were not checked")
        if not results:
            click.echo("no jobs")
        elif any(not r["problem"] for r in results):
            click.echo("note: a job's own chain cannot show a rewrite by someone with write access to the database "
                       "who recomputed its hashes; `sopframe verify --checkpoints FILE --public-key KEY` can")
    if bad:
        first = bad[0]["problem"] or f"job {bad[0]['job']}: {bad[0]['drift']}"
        raise IntegrityError(f"{len(bad)} of {len(results)} job{'s' if len(results) != 1 else ''} failed "
                             f"verification; first: {first}")


def _replay(store: Any, results: list[dict[str, Any]]) -> None:
    """Replay the jobs whose chain holds; a refusal becomes the job's problem."""
    from sopframe.evidence.verify import replay_jobs

    found = replay_jobs(store, [r["job"] for r in results if not r["problem"]])
    for r in results:
        if r["job"] in found:
            problem, r["unchecked"] = found[r["job"]]
            r["problem"] = problem
            r["ok"] = r["ok"] and problem is None


def _expected_head(text: str) -> tuple[int, str]:
    """``SEQ:HASH`` from ``--expect``, with a usage error naming what is wrong."""
    import re

    m = re.fullmatch(r"\s*(\d+)\s*:\s*([0-9a-fA-F]{12,64})\s*", text)
    if not m or int(m.group(1)) < 1:
        raise UsageError(f"--expect {text!r} is not SEQ:HASH",
                         hint="an event number from 1 and its hash (at least 12 hex digits), as `job verify` "
                              "prints them, e.g. 42:3f9a0c1b7d2e")
    return int(m.group(1)), m.group(2)
