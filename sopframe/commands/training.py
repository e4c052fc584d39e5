"""``sopframe training status``: who has acknowledged the current version of each SOP, who has not, who is late."""

from __future__ import annotations

from datetime import datetime, timezone

import click

from sopframe.clickgroup import SuggestingGroup
from sopframe.commands.common import settings_for
from sopframe.commands.jobctx import emit_json, format_option, open_engine, roles_from_config, store_option
from sopframe.core.safetext import escape
from sopframe.core.training import TrainingStatus
from sopframe.errors import UsageError

__all__ = ["training", "render_status"]


@click.group(cls=SuggestingGroup)
def training() -> None:
    """Acknowledgements of published SOP versions by their audience (see docs/training.md)."""


def _when(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"--as-of '{escape(text)}' is not a date or time", hint="give YYYY-MM-DD or "
                                                                                 "YYYY-MM-DDTHH:MM:SSZ") from None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


@training.command()
@click.argument("ref", metavar="[SOP-REF]", required=False)
@click.option("--as-of", "as_of", metavar="WHEN", help="Evaluate at this date or time (UTC) instead of now.")
@store_option
@format_option
@click.pass_context
def status(ctx: click.Context, ref: str | None, as_of: str | None, store_url: str | None, fmt: str) -> None:
    """Who has and has not acknowledged the current version of SOP-REF (default: every SOP with an audience)."""
    from sopframe.services.sops import training_for

    engine = open_engine(ctx, store_url)
    report = training_for(settings_for(ctx), engine.store, roles_from_config(ctx), _when(as_of) or engine.clock(), ref)
    if fmt == "json":
        emit_json([s.to_dict() for s in report])
        return
    if not report and ref and as_of:  # the SOP is on the master list (else refused above), but was not yet then
        click.echo(f"{escape(ref)} had no published version yet at {escape(as_of)}")
        return
    click.echo(render_status(report), nl=False)


def _short(when: str | None) -> str:
    """A recorded UTC time to the minute: ``2026-01-19T00:00Z``."""
    return f"{when[:16]}Z" if when else "-"


def render_status(report: list[TrainingStatus]) -> str:
    """The text form of ``training status``."""
    if not report:
        return "no published SOP names an audience to acknowledge it\n"
    lines: list[str] = []
    for s in report:
        if lines:
            lines.append("")
        lines.append(f"{escape(s.ref)} version {escape(str(s.version))} (published by {escape(s.published_by)}, "
                     f"effective {escape(str(s.effective_date))})")
        p = s.policy
        if p is None:
            lines.append("  its template names no audience (publishes.acknowledgement): nothing to acknowledge")
            continue
        again = f"; again every {p.every}" if p.every else ""
        lines.append(f"  audience: {', '.join(p.audience)}; acknowledge within {p.within} of the effective date"
                     f"{again}")
        for g in s.undefined_groups:
            lines.append(f"  warning: {g} is not in the `groups` configuration: it reaches nobody")
        if p.effective_share:
            state = f"yes since {_short(s.effective_at)}" if s.effective else \
                "no, nobody to acknowledge it" if not s.people else \
                f"no, awaiting acknowledgements ({s.acknowledged} of {len(s.people)}; {p.effective_share} needs " \
                f"{s.needed})"
            lines.append(f"  effective: {state}")
        if not s.people:
            lines.append("  nobody holds the audience's roles or groups")
            continue
        width = max(6, *(len(x.person) for x in s.people))
        lines.append(f"  {'person':<{width}}  {'status':<14}  {'due by':<17}  acknowledged")
        for x in s.people:
            shown = f"late ({x.late_by_days}d)" if x.status == "late" else x.status
            lines.append(f"  {escape(x.person):<{width}}  {shown:<14}  {_short(x.due):<17}  "
                         f"{_short(x.acknowledged_at) if x.acknowledged_at else '-'}")
        missing = sum(1 for x in s.people if x.status != "acknowledged")
        lines.append(f"  {len(s.people) - missing} of {len(s.people)} acknowledged; {len(s.late)} late")
    return "\n".join(lines) + "\n"
