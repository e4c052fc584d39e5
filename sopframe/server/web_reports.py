"""Web pages for training status and the bottleneck report: the same visibility as the API (:mod:`.api_reports`)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from sopframe.server.api import state_of
from sopframe.server.api_reports import report_for, training_items
from sopframe.server.security import SECURITY_HEADERS
from sopframe.server.web import _page, _who

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


@router.get("/reports/bottlenecks", response_class=HTMLResponse)
def bottlenecks(request: Request, template: str | None = None, since: str | None = None) -> Response:
    """The CLI's ``--format html`` page over the jobs the user may read."""
    from sopframe.reports.html import render_html

    who = _who(request)
    report = report_for(state_of(request), who.user, template or None, since or None)
    return HTMLResponse(render_html(report), headers={**SECURITY_HEADERS, "Content-Security-Policy": REPORT_CSP})
