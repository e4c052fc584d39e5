"""The server-rendered web UI (Jinja2, autoescaped; works without JavaScript).

Every form posts the session's CSRF secret; a refused command renders the
page again with the engine's message (status 403, 404, 409 or 422), a done
one redirects (303) to the job page.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from starlette.datastructures import UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from sopframe.server.api import state_of, upload_name, visible
from sopframe.server.problems import Problem, problem_of
from sopframe.server.security import PRE_CSRF_COOKIE, Principal, authenticate, check_csrf, cookie_name, remote_of

__all__ = ["router", "templates", "SignInNeeded", "wanted_path", "expire_cookie"]

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))  # autoescapes .html


class SignInNeeded(Exception):
    """A page asked for without a session: the browser is sent to the sign-in page."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


def _page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, name, context, status_code=status)


def _who(request: Request, groups_too: bool = False) -> Principal:
    st = state_of(request)
    who = authenticate(request, st)
    if who is None:
        raise SignInNeeded(wanted_path(request))
    if not st.holds_any(who.user, groups_too):
        raise Problem(403, f"{who.user} holds no role in the configuration, so may see and do nothing here")
    return who


def _checked_form(who: Principal, form: Any) -> Any:
    if not check_csrf(who, form.get("csrf")):
        raise Problem(403, "this form has no valid CSRF token: reload the page and try again")
    return form


async def _in_thread(request: Request, handler: Any, *args: Any) -> Response:
    """Read the form here, then run ``handler(request, form, *args)`` on a worker thread (the store is blocking)."""
    from starlette.concurrency import run_in_threadpool

    form = await request.form()
    return await run_in_threadpool(handler, request, form, *args)


def wanted_path(request: Request) -> str:
    """The path and query a signed-out browser asked for, to return to after signing in; for a form it posted
    (its session ended while the page was open), the page the form is on: the job page, else the board."""
    if request.method not in ("GET", "HEAD"):
        form = re.fullmatch(r"(/jobs/[^/]+)/[^/]+", request.url.path)
        if form:
            return form.group(1)
        return "/training" if request.url.path.startswith("/sops/") else "/"
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def expire_cookie(resp: Response, name: str, path: str, secure: bool) -> None:
    """Delete a cookie with the attributes it was set with (a browser ignores a ``__Host-`` deletion without Secure)."""
    resp.delete_cookie(name, path=path, secure=secure, httponly=True, samesite="lax")


def _safe_next(value: str | None) -> str:
    """Only a path on this site (never ``//host`` or a scheme) is followed after sign-in."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


# ------------------------------------------------------------------ sign-in
@router.get("/signin", response_class=HTMLResponse)
def signin_form(request: Request, next: str = "/") -> Response:
    token = secrets.token_urlsafe(24)
    st = state_of(request)
    resp = _page(request, "signin.html", next=_safe_next(next), csrf=token, oidc=st.config.oidc, error=None, user="")
    resp.set_cookie(PRE_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=st.config.secure_cookies,
                    path="/signin")
    return resp


@router.post("/signin", response_class=HTMLResponse)
async def signin(request: Request) -> Response:
    return await _in_thread(request, _signin)


def _signin(request: Request, form: Any) -> Response:
    from sopframe.services.auth import AuthError, sign_in

    st = state_of(request)
    nxt = _safe_next(str(form.get("next") or "/"))
    expected = request.cookies.get(PRE_CSRF_COOKIE, "")
    if not expected or not secrets.compare_digest(str(form.get("csrf") or ""), expected):
        raise Problem(403, "the sign-in form has no valid CSRF token: reload the page and try again")
    try:
        issued = sign_in(st.engine().store, str(form.get("user") or ""), str(form.get("password") or ""),
                         remote=remote_of(request), lifetime=st.config.session_lifetime,
                         per_address=st.config.address_failures)
    except AuthError as exc:
        status = 429 if exc.limited else 401  # the user name typed stays, the password does not
        return _page(request, "signin.html", status, next=nxt, csrf=expected, oidc=st.config.oidc, error=exc.message,
                     user=str(form.get("user") or "")[:200])
    return session_redirect(st, issued.cookie, nxt, request)


def session_redirect(st: Any, cookie: str, target: str, request: Request | None = None) -> Response:
    """Set the new session's cookie and go on; a session this browser still had ends (signing in again, or as
    someone else, leaves no live session behind in the store)."""
    from sopframe.services.auth import sign_out

    old = request.cookies.get(cookie_name(st.config.secure_cookies)) if request is not None else None
    if old:
        sign_out(st.engine().store, old, remote=remote_of(request))  # type: ignore[arg-type]
    resp = RedirectResponse(target, status_code=303)
    resp.set_cookie(cookie_name(st.config.secure_cookies), cookie, httponly=True, samesite="lax",
                    secure=st.config.secure_cookies, path="/",
                    max_age=int(st.config.session_lifetime.total_seconds()))
    expire_cookie(resp, PRE_CSRF_COOKIE, "/signin", st.config.secure_cookies)
    return resp


@router.post("/signout")
async def signout(request: Request) -> Response:
    return await _in_thread(request, _signout)


def _signout(request: Request, form: Any) -> Response:
    from sopframe.services.auth import sign_out

    st = state_of(request)
    who = authenticate(request, st)
    if who is not None and who.via == "session":
        _checked_form(who, form)
        sign_out(st.engine().store, request.cookies.get(cookie_name(st.config.secure_cookies)),
                 remote=remote_of(request))
    resp = RedirectResponse("/signin", status_code=303)
    expire_cookie(resp, cookie_name(st.config.secure_cookies), "/", st.config.secure_cookies)
    return resp


# -------------------------------------------------------------------- pages
@router.get("/", response_class=HTMLResponse)
def board(request: Request, template: str | None = None, status: str = "open", mine: bool = False) -> Response:
    return _board(request, _who(request), template, status, mine)


def _board(request: Request, who: Principal, template: str | None, status: str, mine: bool,
           refused: Problem | None = None, typed: dict[str, str] | None = None) -> Response:
    """The board; ``refused``: a start the engine refused, shown with what was ``typed`` into its form."""
    from sopframe.core.engine.clock import to_text
    from sopframe.server.views import board_view
    from sopframe.services.jobs import list_jobs

    st = state_of(request)
    status = status if status in ("open", "completed", "cancelled", "all") else "open"
    engine = st.engine()
    page = list_jobs(engine.store, engine.roles, clock=engine.clock, status=None if status == "all" else status,
                     template=template or None,
                     assigned_to=who.user if mine else None, limit=500)
    seen = [s for s in page.items if st.may_read(st.template_of(s.sha256, s.job), who.user)]

    def stage_title(summary: Any, node: str) -> str | None:
        from sopframe.core.engine.pinned import pinned_by_sha
        from sopframe.errors import SopframeError

        try:
            stage = pinned_by_sha(summary.sha256, "", engine.store.template, summary.job)[1].stage(node)
        except (KeyError, SopframeError):
            return None
        return stage.title or stage.id

    return _page(request, "board.html", refused.status if refused else 200, who=who,
                 columns=board_view(seen, to_text(engine.clock()), stage_title),
                 filters={"template": template or "", "status": status, "mine": mine}, templates=st.shipped_ids(),
                 startable=st.startable(who.user), more=page.next_cursor is not None, refused=refused,
                 hint=refused.hint if refused else "", typed=typed or {})


@router.post("/jobs")
async def start(request: Request) -> Response:
    return await _in_thread(request, _start)


def _start(request: Request, form: Any) -> Response:
    from sopframe.core.templates import find_shipped
    from sopframe.services.jobs import start_job

    who = _who(request)
    _checked_form(who, form)
    st = state_of(request)
    typed = {k: str(form.get(k) or "") for k in ("template", "title", "reason")}
    try:
        text, path = find_shipped(st.plugins, typed["template"])
        state = start_job(st.engine(), st.plugins, text, path, actor=who.user, title=typed["title"] or None,
                          reason=typed["reason"].strip() or None)
    except Exception as exc:  # the refusal is shown on the board, above the form with what was typed
        problem = problem_of(exc)
        if problem.status >= 500:
            raise
        return _board(request, who, None, "open", False, problem, typed)
    return RedirectResponse(f"/jobs/{quote(state.job_id)}", status_code=303)


@router.get("/jobs/{job}", response_class=HTMLResponse)
def job_page(request: Request, job: str) -> Response:
    who = _who(request)
    return _job_page(request, who, job)


def _job_page(request: Request, who: Principal, job: str, error: str | None = None, status: int = 200,
              refused: Any = None, hint: str = "") -> Response:
    from sopframe.server.views import job_view

    st = state_of(request)
    visible(st, job, who.user)
    return _page(request, "job.html", status, who=who, job=job_view(st, job, who.user, refused), error=error,
                 hint=hint)


def _refused_values(engine: Any, job: str, form: Any, stage: str | None, problem: Problem) -> Any:
    """What was typed into a refused form of values, to show again (None if it cannot be read back)."""
    from sopframe.server.views import Refused, form_values

    if stage is None:
        return None
    try:
        typed = form_values(engine.load(job), stage, form.multi_items())
    except ValueError:
        return None
    field = problem.extra.get("field")
    return Refused(stage, typed, str(field) if field else None)


def _set(engine: Any, job: str, user: str, form: Any, stage: str | None) -> None:
    from sopframe.server.views import changed_values, form_values

    loaded = engine.load(job)
    try:
        given = form_values(loaded, stage, form.multi_items())
    except ValueError as exc:
        raise Problem(422, str(exc)) from None
    values = changed_values(loaded, stage, given)
    if not values:
        raise Problem(422, "nothing was changed")
    engine.set_fields(job, values, actor=user, stage=stage)


def _attach(engine: Any, job: str, user: str, form: Any, stage: str | None) -> None:
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise Problem(422, "choose a file to attach")
    name = upload_name(upload.filename)
    data = upload.file.read(engine.limits.attachment + 1)
    engine.attach(job, str(form.get("field") or ""), name, actor=user, stage=stage, data=data, uri=f"upload:{name}")


#: the forms of a job page: action -> what it asks the engine
FORMS: dict[str, Any] = {
    "set": _set,
    "attach": _attach,
    "sign": lambda e, job, user, form, stage: e.sign(job, str(form.get("signoff") or ""), actor=user, stage=stage),
    "complete": lambda e, job, user, form, stage: e.complete(job, actor=user, stage=stage),
    "reject": lambda e, job, user, form, stage: e.reject(job, str(form.get("reason") or ""), actor=user,
                                                         stage=stage),
    "cancel": lambda e, job, user, form, stage: e.cancel(job, str(form.get("reason") or ""), actor=user),
}


@router.post("/jobs/{job}/{action}")
async def command(request: Request, job: str, action: str) -> Response:
    if action not in FORMS:
        raise Problem(404, f"no form '{action}'")
    return await _in_thread(request, _run_command, job, FORMS[action])


def _run_command(request: Request, form: Any, job: str, run: Any) -> Response:
    """Run a command from a form; on refusal show the job page with the engine's reason."""
    who = _who(request)
    _checked_form(who, form)
    st = state_of(request)
    visible(st, job, who.user)
    stage = str(form.get("stage") or "") or None
    try:
        run(st.engine(), job, who.user, form, stage)
    except Exception as exc:  # the engine's refusal is shown on the page it came from
        problem = problem_of(exc)
        if problem.status >= 500:
            raise
        refused = _refused_values(st.engine(), job, form, stage, problem) if run is _set else None
        detail = getattr(exc, "labelled", "") or problem.detail  # fields named as the page's forms name them
        return _job_page(request, who, job, error=detail, status=problem.status, refused=refused, hint=problem.hint)
    return RedirectResponse(f"/jobs/{quote(job)}", status_code=303)


@router.get("/jobs/{job}/diagram.svg")
def diagram(request: Request, job: str) -> Response:
    """The pinned template's graph, drawn by Graphviz when it is installed (else 404: the page lists stages)."""
    import shutil
    import subprocess

    from sopframe.commands.graph import to_dot

    who = _who(request)
    st = state_of(request)
    loaded = visible(st, job, who.user)
    dot = shutil.which("dot")
    if dot is None:
        raise Problem(404, "Graphviz is not installed on the server")
    svg = subprocess.run([dot, "-Tsvg"], input=to_dot(loaded.graph).encode("utf-8"), capture_output=True,
                         timeout=20, check=True).stdout
    return Response(svg, media_type="image/svg+xml",
                    headers={"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"})


@router.get("/inbox", response_class=HTMLResponse)
def inbox(request: Request) -> Response:
    from sopframe.server.views import inbox_view
    from sopframe.services.inbox import format_seconds, inbox as inbox_of

    who = _who(request)
    st = state_of(request)
    engine = st.engine()
    items = inbox_view(engine.store, inbox_of(engine.store, st.roles, who.user, engine.clock()))
    return _page(request, "inbox.html", who=who, items=items, span=format_seconds)


@router.get("/sops", response_class=HTMLResponse)
def sops(request: Request) -> Response:
    from sopframe.core.engine.sops import master_list

    who = _who(request)
    return _page(request, "sops.html", who=who, sops=master_list(state_of(request).engine().store))
