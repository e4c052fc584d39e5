"""``sopframe keys init``, ``checkpoint``, ``verify`` and ``evidence``: anchoring the store, and packs for auditors."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, TypeVar

import click

from sopframe.clickgroup import SuggestingGroup
from sopframe.commands.jobctx import emit_json, format_option, open_store, store_option
from sopframe.commands.output import check_output, force_option, store_files, write_output
from sopframe.errors import IntegrityError, UsageError

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_CHECKPOINTS = "sopframe-checkpoints.jsonl"


def _key_dir() -> Path:
    return Path(click.get_app_dir("sopframe"))


def _n(count: int, one: str, many: str | None = None) -> str:
    """``1 job``, ``2 jobs``."""
    return f"{count} {one if count == 1 else (many or one + 's')}"


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class _FirstNameOption(click.Option):
    """An option whose help shows its first name only: the others are kept spellings, not advertised."""

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        record = super().get_help_record(ctx)
        if record is None:
            return None
        return f"{self.opts[0]} {self.make_metavar(ctx)}", record[1]


def _key_option(f: F) -> F:
    # --private-key, as `keys init` names the same file; --key is the earlier spelling, still accepted
    return click.option("--private-key", "--key", "key_path", cls=_FirstNameOption,
                        type=click.Path(dir_okay=False, path_type=Path),
                        default=lambda: str(_key_dir() / "checkpoint.key"), show_default="the user's sopframe "
                        "config folder / checkpoint.key", help="The private key that signs checkpoints.")(f)


def _earlier_keys_option(f: F) -> F:
    return click.option("--earlier-key", "earlier_paths", multiple=True,
                        type=click.Path(dir_okay=False, path_type=Path), metavar="PUBLIC-KEY",
                        help="A public key earlier checkpoints in the file were signed with, after rotating the "
                             "signing key (repeatable).")(f)


def _load_keys(paths: "tuple[Path, ...]") -> list[Any]:
    from sopframe.checkpoints import load_public_key

    return [load_public_key(p) for p in paths]


def _checkpoints_option(f: F) -> F:
    return click.option("--checkpoints", "checkpoints_path", type=click.Path(dir_okay=False, path_type=Path),
                        default=DEFAULT_CHECKPOINTS, show_default=True,
                        help="The checkpoint file (one signed checkpoint per line; keep a copy elsewhere).")(f)


def _safe_path(path: Path) -> str:
    from sopframe.core.safetext import escape

    return escape(str(path))


def _same_file(a: Path, b: Path) -> bool:
    return Path(a).resolve() == Path(b).resolve()


def _check_checkpoints(path: Path, protected: list[Path]) -> None:
    """The checkpoint file is appended to: never the job store's own file."""
    if Path(path).resolve() in protected:
        raise UsageError(f"--checkpoints {_safe_path(path)}: that is the job store's own file",
                         hint=f"keep checkpoints in a file of their own (default {DEFAULT_CHECKPOINTS}), "
                              "ideally a copy elsewhere too")


@click.group(cls=SuggestingGroup)
def keys() -> None:
    """Make the Ed25519 key pair that signs checkpoints (kept outside the database)."""


@keys.command("init")
@click.option("--private-key", "private_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the private key (default: the user's sopframe config folder).")
@click.option("--public-key", "public_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the public key (default: beside the private key, .pub).")
@click.option("--force", is_flag=True, help="Replace existing key files (never the job store's own file).")
@click.pass_context
def keys_init(ctx: click.Context, private_path: Path | None, public_path: Path | None, force: bool) -> None:
    """Make a key pair; give the public key to your auditors."""
    from sopframe.checkpoints import init_keys

    private_path = private_path or _key_dir() / "checkpoint.key"
    public_path = public_path or private_path.with_suffix(".pub")
    protected = store_files(ctx, None)
    for option, path in (("--private-key", private_path), ("--public-key", public_path)):
        if path.resolve() in protected:
            raise UsageError(f"{option} {_safe_path(path)}: that is the job store's own file; refusing to write "
                             "over it", hint="choose another path (--force does not apply to the store)")
    kid = init_keys(private_path, public_path, overwrite=force)
    click.echo(f"private key: {private_path} (readable by you only; back it up, never share it)")
    click.echo(f"public key:  {public_path} (key id {kid}; auditors verify with it)")


@click.command()
@_key_option
@_checkpoints_option
@_earlier_keys_option
@store_option
@click.pass_context
def checkpoint(ctx: click.Context, key_path: Path, checkpoints_path: Path, earlier_paths: tuple[Path, ...],
               store_url: str | None) -> None:
    """Verify the store, sign its ledger head and append the checkpoint to the checkpoint file."""
    from sopframe.checkpoints import load_private_key
    from sopframe.evidence.verify import checkpoint_store

    _check_checkpoints(checkpoints_path, store_files(ctx, store_url))
    earlier = _load_keys(earlier_paths)
    store = open_store(ctx, store_url)
    cp = checkpoint_store(store, load_private_key(key_path), checkpoints_path, time=_now(), earlier_keys=earlier)
    click.echo(f"checkpoint appended to {checkpoints_path}: {cp.size} ledger entr{'y' if cp.size == 1 else 'ies'}, "
               f"head {cp.root[:16]}..., "
               f"signed by key {cp.key}")
    left = store.ledger_pending()  # batches this role could not chain (it may only read): not covered, said so
    if left:
        from sopframe.core.safetext import escape

        jobs = ", ".join(sorted({escape(e.job) for e in left})[:5]) + (", ..." if len({e.job for e in left}) > 5 else "")
        click.echo(f"note: {len(left)} committed batch{'es' if len(left) != 1 else ''} ({jobs}) not yet chained into "
                   "the ledger, so this checkpoint does not cover them; the next write to the store chains them, or "
                   "`sopframe checkpoint` run by a role that may write", err=True)


@click.command()
@click.option("--checkpoints", "checkpoints_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Signed checkpoints to verify against (needs --public-key).")
@click.option("--public-key", "public_paths", type=click.Path(dir_okay=False, path_type=Path), multiple=True,
              help="The public key the checkpoints were signed with: the auditor's own copy (repeat it for each "
                   "key used, after a key rotation).")
@click.option("--job", "jobs", multiple=True, metavar="JOB", help="Check only these jobs' chains (repeatable).")
@click.option("--replay", is_flag=True, help="Also re-run every recorded command through the engine, with the "
                                             "pinned template and the roles then in force: name the first event "
                                             "it would have refused.")
@click.option("--skip-read-models", is_flag=True, help="Do not compare the read models (job list, open stages, SOP "
                                                       "list) with the events: they are derived, not part of the "
                                                       "record, and this is the slowest check.")
@store_option
@format_option
@click.pass_context
def verify(ctx: click.Context, checkpoints_path: Path | None, public_paths: tuple[Path, ...], jobs: tuple[str, ...],
           replay: bool, skip_read_models: bool, store_url: str | None, fmt: str) -> None:
    """Prove the store unchanged: every job's chain, the store-wide ledger, and the signed checkpoints.

    With --replay, also prove that the engine would have allowed what the record says happened.
    """
    from sopframe.checkpoints import read_checkpoints
    from sopframe.core.safetext import escape as safe
    from sopframe.evidence.verify import verify_store

    if bool(checkpoints_path) != bool(public_paths):
        raise UsageError("--checkpoints and --public-key go together")
    cps = read_checkpoints(checkpoints_path, _load_keys(public_paths)) if checkpoints_path and public_paths \
        else None
    store = open_store(ctx, store_url)
    report = verify_store(store, checkpoints=cps, jobs=jobs or None, replay=replay, read_models=not skip_read_models)
    if fmt == "json":
        emit_json(report.to_dict())
    else:
        click.echo(f"{_n(report.jobs, 'job')}, {_n(report.events, 'event')}, "
                   f"{_n(report.entries, 'ledger entry', 'ledger entries')} checked")
        if cps is not None and cps and cps[-1].size > report.entries:  # entries gone, or an older copy restored
            click.echo(f"{_n(report.checkpoints, 'signed checkpoint')}; the last covers {cps[-1].size} ledger "
                       f"entries, more than the store's {report.entries}")
        elif cps is not None:
            click.echo(f"{_n(report.checkpoints, 'signed checkpoint')}; the last covers {report.covered_entries} of "
                       f"{report.entries} ledger entries")
        else:
            click.echo("no checkpoints given: consistency is checked, but nothing anchors it outside the "
                       "database, so a rewrite by someone with write access to it who recomputed every hash "
                       "would still pass (give --checkpoints FILE --public-key KEY)")
        if report.replayed is not None:
            click.echo(f"replay: {report.replayed} events reproduced by the engine with the roles then in force")
        _outcome(report.notes(), report.problems, prefix="")
    if not report.ok:
        count = len(report.problems)
        first = safe(report.problems[0])
        raise IntegrityError(f"verification failed: {count} problem{'s' if count != 1 else ''}; first: {first}")


@click.group(cls=SuggestingGroup, invoke_without_command=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the pack (an existing file only with --force).")
@force_option
@click.option("--sop", "sops", multiple=True, metavar="REF", help="An SOP reference: every version of it.")
@click.option("--template", "templates", multiple=True, metavar="ID", help="Jobs started from this template.")
@click.option("--job", "jobs", multiple=True, metavar="JOB", help="This job.")
@click.option("--since", metavar="DATE", help="Only jobs started on or after this date (YYYY-MM-DD).")
@click.option("--last", type=click.IntRange(min=1), metavar="N", help="Only the N most recent jobs per template.")
@click.option("--with-files", is_flag=True, help="Include the attached documents themselves (when the store has "
                                                 "them).")
@_key_option
@_checkpoints_option
@_earlier_keys_option
@store_option
@click.pass_context
def evidence(ctx: click.Context, output: Path | None, force: bool, sops: tuple[str, ...], templates: tuple[str, ...],
             jobs: tuple[str, ...], since: str | None, last: int | None, with_files: bool, key_path: Path,
             checkpoints_path: Path, earlier_paths: tuple[Path, ...], store_url: str | None) -> None:
    """Write an evidence pack: procedures, jobs, histories, and the proof they are unchanged.

    A new checkpoint is signed first, so the pack proves everything up to now.
    `sopframe evidence verify PACK --public-key KEY` checks a pack offline.
    """
    if ctx.invoked_subcommand is not None:
        return
    if output is None:
        raise UsageError("give -o PACK.zip", hint="or `sopframe evidence verify PACK --public-key KEY`")
    if since:
        try:
            datetime.strptime(since, "%Y-%m-%d")
        except ValueError:
            raise UsageError(f"--since {since!r} is not a date (YYYY-MM-DD)") from None
    from sopframe import __version__
    from sopframe.checkpoints import load_private_key
    from sopframe.evidence.pack import Selection, build_pack
    from sopframe.evidence.verify import checkpoint_store

    protected = store_files(ctx, store_url)
    _check_checkpoints(checkpoints_path, protected)
    check_output(output, force=force, protected=protected)
    if _same_file(output, checkpoints_path) or _same_file(output, key_path):
        raise UsageError(f"-o {_safe_path(output)}: that is the checkpoint file or the signing key; refusing to "
                         "write over it", hint="choose another path for the pack")
    store = open_store(ctx, store_url)
    private = load_private_key(key_path)
    earlier_keys = _load_keys(earlier_paths)
    cp = checkpoint_store(store, private, checkpoints_path, time=_now(), earlier_keys=earlier_keys)
    from cryptography.hazmat.primitives import serialization

    pem = private.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    sel = Selection(sops=sops, templates=templates, jobs=jobs, since=since, last=last)
    fetch = getattr(store, "attachment", None) if with_files else None
    from sopframe.checkpoints import read_checkpoints

    earlier = [c.size for c in read_checkpoints(checkpoints_path, [private.public_key(), *earlier_keys])[:-1]]
    data = build_pack(store, sel, cp, pem, sign=private.sign, created=_now(), version=__version__,
                      attachments=fetch, earlier=earlier)
    write_output(output, data)
    click.echo(f"evidence pack written to {output} ({len(data)} bytes), proven by checkpoint over {cp.size} "
               f"ledger entries")


@evidence.command("verify")
@click.argument("pack", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--public-key", "public_paths", type=click.Path(dir_okay=False, path_type=Path), required=True,
              multiple=True, help="Your own copy of the store's public key (repeat it for each key the store has "
                                  "used, after a key rotation).")
@click.option("--replay", is_flag=True, help="Also re-run the jobs' commands through the engine with the pinned "
                                             "templates and role tables the pack holds.")
@click.option("--checkpoints", "held_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Checkpoints you kept of this store: the pack's checkpoint must extend each one.")
@format_option
def evidence_verify(pack: Path, public_paths: tuple[Path, ...], replay: bool, held_path: Path | None,
                    fmt: str) -> None:
    """Check an evidence pack offline: any changed byte, missing file or swapped job fails it."""
    from sopframe.checkpoints import read_checkpoints
    from sopframe.core.safetext import escape as safe
    from sopframe.evidence.check import check_pack

    keys = _load_keys(public_paths)
    held = read_checkpoints(held_path, keys) if held_path is not None else []
    report = check_pack(pack, keys, replay=replay, held=held)
    if fmt == "json":
        emit_json({"ok": report.ok, "problems": report.problems, "notes": report.notes, "jobs": report.jobs,
                   "events": report.events, "covered": report.covered})
    else:
        click.echo(f"{_n(report.jobs, 'job')}, {_n(report.events, 'event')}, {report.covered} proven by the signed "
                   "checkpoint")
        _outcome(report.notes, report.problems, prefix="note: ")
    if not report.ok:
        raise IntegrityError(f"the evidence pack fails: {safe(report.problems[0])}")


def _outcome(notes: list[str], problems: list[str], *, prefix: str) -> None:
    """Notes, then problems, then ``ok`` when there are none; every line escaped."""
    from sopframe.core.safetext import escape as safe

    for n in notes:
        click.echo(f"{prefix}{safe(n)}")
    for p in problems:
        click.echo(f"PROBLEM: {safe(p)}")
    if not problems:
        click.echo("ok")
