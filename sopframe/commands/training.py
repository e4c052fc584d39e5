"""``sopframe training status``: who has acknowledged the current version of each SOP, who has not, who is late."""

from __future__ import annotations

from datetime import datetime, timezone

import click

from sopframe.clickgroup import SuggestingGroup
from sopframe.commands.common import settings_for
from sopframe.commands.jobctx import emit_json, format_option, open_engine, roles_from_config, store_option
from sopframe.core.safetext import escape
from sopframe.core.training import PersonStatus, TrainingStatus
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
    now, when = engine.clock(), _when(as_of)
    past = when is not None and when < now  # then the audience is the one recorded in force at that time
    report = training_for(settings_for(ctx), engine.store, roles_from_config(ctx), when or now, ref, past=past)
    if fmt == "json":
        emit_json([s.to_dict() for s in report])
        return
    if not report and ref and as_of:  # the SOP is on the master list (else refused above), but was not yet then
        click.echo(f"{escape(ref)} had no published version yet at {escape(as_of)}")
        return
    if not report and as_of:
        click.echo(f"no SOP published by {escape(as_of)} names an audience to acknowledge it")
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
        lines.append(f"  audience: {', '.join(p.audience)}; acknowledge within {p.within} of the effective date, "
                     f"or of joining the audience if later{again}")
        if s.audience_source == "recorded":
            lines.append(f"  audience as recorded in force then: the role and group tables of "
                         f"{_short(s.audience_at)}")
        for g in s.undefined_groups:
            where = "the groups recorded then" if s.audience_source == "recorded" else "the `groups` configuration"
            lines.append(f"  warning: {g} is not in {where}: it reaches nobody")
        if p.effective_share:
            counted = f"{s.ever_acknowledged} of {len(s.people)} have acknowledged this version; " \
                      f"{p.effective_share} needs {s.needed}"
            state = f"yes since {_short(s.effective_at)} ({counted})" if s.effective else \
                "no, nobody to acknowledge it" if not s.people else f"no ({counted})"
            lines.append(f"  effective: {state}")
        if not s.people:
            lines.append("  nobody holds the audience's roles or groups")
            continue
        width = max(6, *(len(x.person) for x in s.people))
        shown = {x.person: _shown(x) for x in s.people}
        swidth = max(14, *(len(v) for v in shown.values()))
        joined = any(x.joined_at for x in s.people)
        lines.append(f"  {'person':<{width}}  {'status':<{swidth}}  {'due by':<17}  "
                     + (f"{'acknowledged':<17}  joined" if joined else "acknowledged"))
        for x in s.people:
            acked = _short(x.acknowledged_at) if x.acknowledged_at else "-"
            row = f"  {escape(x.person):<{width}}  {shown[x.person]:<{swidth}}  {_short(x.due):<17}  "
            if joined:
                came = "" if not x.joined_at else _short(x.joined_at) if x.joined_recorded else "not yet recorded"
                row += f"{acked:<17}  {came}".rstrip()
            else:
                row += acked
            lines.append(row)
        renew = sum(1 for x in s.late if x.renewal)
        lines.append(f"  {s.acknowledged} of {len(s.people)} acknowledged; {len(s.late)} late"
                     + (f" ({renew} of them to renew)" if renew else "") + f"; {len(s.pending)} pending")
        lines += [f"  note: {escape(n)}" for n in s.notes]
    return "\n".join(lines) + "\n"


def _shown(x: "PersonStatus") -> str:
    """A person's status as the table shows it: ``late (3d)``, ``late (3d, renewal)`` for a renewal due."""
    if x.status != "late":
        return x.status
    return f"late ({x.late_by_days}d{', renewal' if x.renewal else ''})"
