"""``sopframe store init|migrate|status|rebuild|backup``: the job store's schema, read models and copies."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from sopframe.clickgroup import SuggestingGroup
from sopframe.commands.jobctx import emit_json, format_option, store_option

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.store import Store

__all__ = ["store"]


def _open(ctx: click.Context, store_url: str | None, create: bool = False) -> "Store":
    """The store, opened without the schema-version check (these commands are how a store gets there);
    only ``init`` creates one that does not exist."""
    from sopframe.commands.common import config_for, plugins_for
    from sopframe.core.store import open_store, store_url as pick_url

    s = open_store(pick_url(store_url, config_for(ctx)), plugins_for(ctx), check_schema=False, create=create)
    ctx.call_on_close(s.close)
    return s


@click.group(cls=SuggestingGroup)
def store() -> None:
    """The job store: create its tables, migrate it to this version, rebuild its read models, back it up.

    PostgreSQL stores are created with `store init` and migrated with `store
    migrate`; opening them never changes their schema.  The embedded SQLite
    store does both by itself when opened.
    """


@store.command()
@store_option
@click.pass_context
def init(ctx: click.Context, store_url: str | None) -> None:
    """Create sopframe's tables in an empty store (the `schema=` schema too)."""
    from sopframe.core.migrations import migrate, status
    from sopframe.errors import StoreError

    s = _open(ctx, store_url, create=True)
    st = status(s)
    if st.current == st.latest:  # the embedded store creates (and migrates) itself when opened
        made = getattr(s, "opened_at", None) == 0
        click.echo(f"{s.url}: {'created at' if made else 'already at'} schema version {st.current}")
        return
    if st.current:
        raise StoreError(f"{s.url} already holds sopframe data at schema version {st.current}",
                         hint="bring it up to date with `sopframe store migrate`")
    migrate(s)
    click.echo(f"{s.url}: created at schema version {st.latest}")


@store.command()
@store_option
@click.pass_context
def migrate(ctx: click.Context, store_url: str | None) -> None:
    """Apply every pending schema step, each in its own transaction (safe to run again after a crash)."""
    from sopframe.core.migrations import migrate as run, status

    s = _open(ctx, store_url)
    before = status(s).current
    done = run(s)
    for m in done:
        click.echo(f"applied {m.version}: {m.name}")
    click.echo(f"{s.url}: at schema version {status(s).current}" + ("" if done else f" (was {before}; nothing to do)"))


@store.command(name="status")
@store_option
@format_option
@click.pass_context
def status_(ctx: click.Context, store_url: str | None, fmt: str) -> None:
    """The store's schema version, this sopframe's, and the steps between them."""
    from sopframe.core.migrations import status

    s = _open(ctx, store_url)
    st = status(s)
    state = "newer than this sopframe" if st.newer else "up to date" if not st.pending else "needs migrating"
    if fmt == "json":
        emit_json({"store": s.url, "version": st.current, "latest": st.latest, "state": state,
                   "pending": [{"version": m.version, "name": m.name} for m in st.pending]})
        return
    click.echo(f"{s.url}: schema version {st.current}, this sopframe: {st.latest} ({state})")
    for m in st.pending:
        click.echo(f"  pending {m.version}: {m.name}")


@store.command()
@store_option
@click.pass_context
def rebuild(ctx: click.Context, store_url: str | None) -> None:
    """Recompute every read-model row (job list, open stages, SOP list) from the events, in one transaction."""
    from sopframe.core.migrations import check_version, rows_of

    s = _open(ctx, store_url)
    check_version(s, s.schema_version())
    n, problems = s.rebuild(rows_of(s))
    for p in problems:
        click.echo(f"sopframe: warning: {p}", err=True)
    click.echo(f"{s.url}: read models rebuilt for {n} job{'s' if n != 1 else ''}")


@store.command()
@click.argument("dest", type=click.Path(dir_okay=False))
@store_option
@format_option
@click.pass_context
def backup(ctx: click.Context, dest: str, store_url: str | None, fmt: str) -> None:
    """Copy the store to DEST, a new file, while people go on working; then verify the copy.

    The copy is the database as of one moment (SQLite's online backup),
    written beside DEST and put in place only once complete.  Its chains,
    ledger, documents and role tables are then checked as `sopframe verify`
    checks them (exit 5 if the store copied had a problem: the copy is kept,
    as it is a faithful one).  A PostgreSQL store is backed up with pg_dump.
    """
    from sopframe.commands.common import plugins_for
    from sopframe.core.safetext import escape
    from sopframe.core.store import open_store
    from sopframe.errors import IntegrityError
    from sopframe.evidence.verify import verify_store

    def n(count: int, one: str, many: str) -> str:
        return f"{count} {one if count == 1 else many}"

    _open(ctx, store_url).backup(dest)
    with open_store(f"sqlite:///{dest}", plugins_for(ctx), create=False) as copy:
        report = verify_store(copy, read_models=False)
    if fmt == "json":
        emit_json({"backup": dest, **report.to_dict()})
    else:
        click.echo(f"backed up to {escape(dest)}: {n(report.jobs, 'job', 'jobs')}, "
                   f"{n(report.events, 'event', 'events')}, {n(report.entries, 'ledger entry', 'ledger entries')}"
                   + (", all verified" if report.ok else ""))
    if not report.ok:
        raise IntegrityError(f"the copy holds what the store held, and that fails verification: "
                             f"{len(report.problems)} problem{'s' if len(report.problems) != 1 else ''}; first: "
                             f"{escape(report.problems[0])}", hint="run `sopframe verify` on the store")
