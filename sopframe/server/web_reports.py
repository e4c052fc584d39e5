"""Web pages for training status and the bottleneck report: the same visibility as the API (:mod:`.api_reports`)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sopframe.server.api import state_of
from sopframe.server.api_reports import acknowledge_as, report_for, training_items
from sopframe.server.problems import problem_of
from sopframe.server.security import SECURITY_HEADERS
from sopframe.server.web import _checked_form, _in_thread, _page, _who

__all__ = ["router", "REPORT_CSP"]

router = APIRouter(include_in_schema=False)

#: the report page is one self-contained document whose style is inline; it runs no script and loads nothing
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; " \
             "form-action 'none'"


@router.get("/training", response_class=HTMLResponse)
def training(request: Request, sop: str | None = None) -> Response:
    who = _who(request, groups_too=True)
    items = training_items(state_of(request), who.user, sop or None)
    return _page(request, "training.html", who=who, items=items)


@router.post("/sops/{ref}/ack")
async def acknowledge(request: Request, ref: str) -> Response:
    return await _in_thread(request, _acknowledge, ref)


def _acknowledge(request: Request, form: Any, ref: str) -> Response:
    """The acknowledgement form of the training page: the version the page showed, as the signed-in user; a
    refusal (a newer version published meanwhile, not in the audience) is shown on the page."""
    who = _who(request, groups_too=True)
    _checked_form(who, form)
    st = state_of(request)
    try:
        acknowledge_as(st, who.user, ref, str(form.get("version") or "") or None)
    except Exception as exc:
        problem = problem_of(exc)
        if problem.status >= 500:
            raise
        return _page(request, "training.html", status=problem.status, who=who, error=problem.detail,
                     hint=problem.hint, items=training_items(st, who.user))
    return RedirectResponse(f"/training?sop={quote(ref)}", status_code=303)


@router.get("/reports/bottlenecks", response_class=HTMLResponse)
def bottlenecks(request: Request, template: str | None = None, since: str | None = None) -> Response:
    """The CLI's ``--format html`` page over the jobs the user may read."""
    from sopframe.reports.html import render_html

    who = _who(request)
    report = report_for(state_of(request), who.user, template or None, since or None)
    return HTMLResponse(render_html(report), headers={**SECURITY_HEADERS, "Content-Security-Policy": REPORT_CSP})
