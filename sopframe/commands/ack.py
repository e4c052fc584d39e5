"""``sopframe ack``: a person acknowledges the current version of an SOP."""

from __future__ import annotations

import click

from sopframe.commands.jobctx import actor_option, current_user, emit_json, format_option, store_option
from sopframe.commands.sopctx import open_records, training_defaults
from sopframe.core.safetext import escape


@click.command()
@click.argument("ref", metavar="SOP-REF")
@click.option("--version", metavar="V", help="The version acknowledged (default: the current one; any other "
                                            "is refused).")
@click.option("--attest", metavar="TEXT", help="The statement agreed to (default: the version's own attestation "
                                              "text, if its template has one); recorded with its SHA-256.")
@store_option
@actor_option
@format_option
@click.pass_context
def ack(ctx: click.Context, ref: str, version: str | None, attest: str | None, store_url: str | None,
        actor: str | None, fmt: str) -> None:
    """Acknowledge the current version of SOP-REF as USER (who must be in its audience)."""
    from sopframe.errors import UsageError

    for name, given in (("--version", version), ("--attest", attest)):
        if given is not None and not given.strip():  # as an empty --as is: never taken for "not given"
            raise UsageError(f"{name} is empty", hint="leave it out to acknowledge the current version with its "
                                                      "own attestation text, or give the text agreed to")
    training_defaults(ctx)  # the [training] table is checked as `training status` checks it
    data = open_records(ctx, store_url).acknowledge(ref, actor=current_user(actor), version=version, attest=attest)
    if fmt == "json":
        emit_json(data)
        return
    click.echo(f"{escape(data['person'])} acknowledged {escape(data['ref'])} version {escape(str(data['version']))}")
    att = data.get("attestation")
    if att:
        click.echo(f"attestation: {escape(att['text'])} (sha256 {att['sha256'][:16]}...)")
