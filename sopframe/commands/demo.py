"""``sopframe demo``: the bundled incident-management SOP lifecycle, walked through every stage."""

from __future__ import annotations

from importlib import resources
from typing import TYPE_CHECKING, Any, Callable

import click


if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.engine import Engine

#: the demo's cast: who holds which role (a real team puts this in its configuration)
DEMO_ROLES: dict[str, list[str]] = {
    "it_manager": ["maria"],
    "author": ["alex"],
    "it_lead": ["lin"],
    "security": ["sami"],
    "compliance": ["carla", "chen"],
    "ops_lead": ["omar"],
    "ciso": ["cyrus"],
    "it_director": ["diane"],
    "trainer": ["tara"],
}
TEMPLATE = ("incident", "sop-lifecycle.yaml")
#: the demo's own store: demo jobs never mix into the real job list of ./sopframe.db
DEMO_STORE = "sqlite:///sopframe-demo.db"


def demo_steps(engine: "Engine", job: str, ref: str, version: str, today: str) -> list[tuple[str, str, Callable[[], Any]]]:
    """(user, what they do, the call) for every step of the lifecycle."""
    a, b = f"{job}-A", f"{job}-B"
    draft = (f"# Incident management procedure {version}\n\n1. Detect and log.\n2. Classify.\n"
             "3. Escalate.\n4. Communicate.\n5. Resolve and review.\n").encode("utf-8")
    e = engine
    return [
        ("maria", "initiates the SOP", lambda: e.set_fields(job, {
            "sop_title": "Incident management procedure", "it_process": "Incident management",
            "author": "alex", "sponsor": "maria", "draft_due": today}, actor="maria")),
        ("maria", "completes: initiated", lambda: e.complete(job, actor="maria")),
        ("alex", "writes the draft", lambda: e.set_fields(job, {"sop_ref": ref, "version": version,
                                                                "draft_date": today}, actor="alex")),
        ("alex", "attaches the draft document", lambda: e.attach(
            job, "draft_document", "incident-management-draft.md", data=draft, actor="alex")),
        ("alex", "completes: draft", lambda: e.complete(job, actor="alex")),
        ("lin", "records the review", lambda: e.set_fields(job, {"review_date": today,
                                                                 "changes_made": "clearer escalation"},
                                                           actor="lin")),
        ("lin", "signs off the technical review", lambda: e.sign(job, "it_lead", actor="lin")),
        ("sami", "signs off for security", lambda: e.sign(job, "security", actor="sami")),
        ("carla", "signs off for compliance", lambda: e.sign(job, "compliance", actor="carla")),
        ("lin", "completes: technical_review", lambda: e.complete(job, actor="lin")),
        ("alex", "records the test run", lambda: e.set_fields(job, {
            "test_incidents": "3", "test_outcome": "pass", "adjustments_made": "no", "test_date": today},
            actor="alex")),
        ("alex", "completes: test_run (splits into sub-jobs A and B)", lambda: e.complete(job, actor="alex")),
        ("lin", f"approves {a}", lambda: e.sign(a, "tech_lead", actor="lin")),
        ("lin", f"completes {a}: tech_approval", lambda: e.complete(a, actor="lin")),
        ("omar", f"approves {b}", lambda: e.sign(b, "comms_lead", actor="omar")),
        ("omar", f"completes {b}: comms_approval", lambda: e.complete(b, actor="omar")),
        ("lin", f"records training for {a}", lambda: e.set_fields(a, {"staff_trained": "12"}, actor="lin")),
        ("lin", f"completes {a}: training", lambda: e.complete(a, actor="lin")),
        ("omar", f"records training for {b}", lambda: e.set_fields(b, {"staff_trained": "8"}, actor="omar")),
        ("omar", f"completes {b}: training (rejoin)", lambda: e.complete(b, actor="omar")),
        ("cyrus", "records the review", lambda: e.set_fields(job, {"review_date": today}, actor="cyrus")),
        ("cyrus", "signs off as CISO", lambda: e.sign(job, "ciso", actor="cyrus")),
        ("carla", "confirms framework alignment", lambda: e.sign(job, "alignment_checked", actor="carla")),
        ("chen", "confirms legal review", lambda: e.sign(job, "legal_confirmed", actor="chen")),
        ("cyrus", "completes: security_review", lambda: e.complete(job, actor="cyrus")),
        ("diane", "sets the effective date", lambda: e.set_fields(job, {
            "effective_date": today, "master_list_no": ref, "previous_version_archived": "yes"}, actor="diane")),
        ("diane", "approves publication", lambda: e.sign(job, "director", actor="diane")),
        ("diane", "completes: approval", lambda: e.complete(job, actor="diane")),
        ("tara", "records the training rollout", lambda: e.set_fields(job, {
            "staff_trained": "40", "trainer": "tara", "training_date": today, "acknowledgements_signed": "yes"},
            actor="tara")),
        ("tara", "completes: training_rollout (publishes the SOP)", lambda: e.complete(job, actor="tara")),
    ]


@click.command()
@click.option("--store", "store_url", metavar="URL", default=DEMO_STORE, show_default=True,
              help="Job store for the demo's jobs. Only this option chooses it: the `store` configuration "
                   "key and SOPFRAME_STORE, which name the real store, are not used.")
@click.pass_context
def demo(ctx: click.Context, store_url: str) -> None:
    """Walk the bundled incident-management SOP lifecycle through every stage.

    Starts a job from the shipped sop-lifecycle template on the demo's own
    job store (sqlite:///sopframe-demo.db in the working directory, never
    the real ./sopframe.db), plays each
    role in turn -- draft, reviews, test run, the split into sub-jobs A and B,
    the rejoin, approval and training rollout -- then prints the job's
    history and the SOP master list.  Each run starts a new job and publishes
    a new version of the same SOP, archiving the previous one.  The demo
    brings its own cast of users (maria, alex, lin ...) instead of the
    `roles` configuration.
    """
    from sopframe.commands.common import plugins_for
    from sopframe.commands.jobctx import open_engine
    from sopframe.core.engine.describe import describe_event
    from sopframe.core.safetext import escape
    from sopframe.core.diagnostics import Severity
    from sopframe.core.engine.sops import master_list
    from sopframe.core.validate import validate_text
    from sopframe.errors import TemplateError

    source = resources.files("sopframe_templates").joinpath(*TEMPLATE)
    text = source.read_text("utf-8")
    result = validate_text(text, "/".join(TEMPLATE), plugins=plugins_for(ctx))
    errors = [f for f in result.findings if f.severity >= Severity.ERROR]
    if errors or result.template is None:
        raise TemplateError("/".join(TEMPLATE), errors or result.findings)
    engine = open_engine(ctx, store_url, create=True)
    engine.roles = DEMO_ROLES
    now = engine.clock()
    today = now.date().isoformat()
    ref = f"ITSOP-{now.year}-100"
    earlier = [x for x in master_list(engine.store) if x.ref == ref]
    version = f"1.{len(earlier)}"

    state = engine.start(text, TEMPLATE[-1], actor="maria", template=result.template)
    job = state.job_id
    click.echo(f"store: {engine.store.url}")
    click.echo(f"started {job} from {state.template_id} {state.template_version} as maria (it_manager)")
    for user, what, call in demo_steps(engine, job, ref, version, today):
        call()
        click.echo(f"  {user:<6} {what}")
    click.echo("")
    click.echo(f"history of {job}:")
    for ev in engine.history(job):
        click.echo(f"  {ev.seq:>3}  {escape(ev.actor):<6} {ev.type:<18} {describe_event(ev.type, ev.data)}".rstrip())
    problem = engine.verify(job)
    click.echo(f"hash chain: {'intact' if problem is None else problem}")
    click.echo("")
    click.echo("SOP master list:")
    for entry in master_list(engine.store):
        note = f" (superseded by {entry.archived_by})" if entry.archived_by else ""
        click.echo(f"  {entry.ref:<16} {entry.version or '-':<6} {entry.status:<9} effective "
                   f"{entry.effective_date}  review by {entry.next_review}  {entry.job}{note}")
    click.echo("")
    if engine.store.url.startswith("memory:"):  # nothing is left to look at once this process ends
        click.echo("the memory store ends with this process: run `sopframe demo` without --store to keep one")
    else:
        click.echo(f"look around: sopframe job list --store {engine.store.url}")
