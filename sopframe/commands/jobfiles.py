"""``sopframe job attachment``: a document attached to a job, from the store's own copy."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from sopframe.commands.jobctx import open_engine, store_option
from sopframe.commands.output import check_output, force_option, store_files, write_output

__all__ = ["attachment"]


@click.command()
@click.argument("job_id", metavar="JOB")
@click.argument("field")
@click.option("--stage", metavar="STAGE", help="The stage the field is in, when several stages have it.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path), required=True,
              help="Where to write the document (- for standard output); an existing file only with --force.")
@force_option
@store_option
@click.pass_context
def attachment(ctx: click.Context, job_id: str, field: str, stage: str | None, output: Path, force: bool,
               store_url: str | None) -> None:
    """Write the document last attached to FIELD of JOB, from the store's copy (checked against its SHA-256)."""
    import hashlib

    from sopframe.core.safetext import escape
    from sopframe.errors import IntegrityError, JobError, did_you_mean

    check_output(output, force=force, protected=store_files(ctx, store_url), dash=True)
    engine = open_engine(ctx, store_url)
    loaded = engine.load(job_id)
    docs = {node: d[field] for node, d in loaded.state.documents.items() if field in d and loaded.covers(node)}
    if stage is not None:
        docs = {n: d for n, d in docs.items() if n.rsplit("/", 1)[-1] == stage or n == stage}
    if not docs:
        known = sorted({f for d in loaded.state.documents.values() for f in d})
        raise JobError(f"no document is attached to field '{escape(field)}'{did_you_mean(field, known)}",
                       job=job_id, stage=stage, hint=f"documents here: {', '.join(known)}" if known else "")
    if len(docs) > 1:
        raise JobError(f"several stages have a document in field '{escape(field)}': say which with --stage",
                       job=job_id, hint=f"stages: {', '.join(sorted(docs))}")
    node, doc = next(iter(docs.items()))
    sha = str(doc["sha256"])
    data = engine.store.attachment(sha)
    if data is None:
        raise JobError(f"the store holds no copy of '{escape(str(doc.get('name')))}' (sha256 {sha[:12]}...)",
                       job=job_id, stage=node, field=field,
                       hint="documents attached before the store kept copies are recorded by path and hash only: "
                            f"{escape(str(doc.get('uri')))}")
    if hashlib.sha256(data).hexdigest() != sha:
        raise IntegrityError(f"job {job_id}, stage {node}, field {field}: the store's copy of the document no longer "
                             f"hashes to {sha[:12]}... (altered); nothing was written",
                             hint="`sopframe verify` checks every stored document")
    if str(output) == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    write_output(output, data)
    click.echo(f"{escape(str(output))}: {len(data)} bytes, sha256 {sha} ({escape(str(doc.get('name')))}, "
               f"stage {node}, field {field})", err=True)
