"""The JSON API under ``/api/v1``: the same services and engine as the CLI, the caller as the actor."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from pydantic import BaseModel, Field

from sopframe.core.safetext import escape
from sopframe.errors import JobError
from sopframe.server.problems import Problem
from sopframe.server.security import NOT_SIGNED_IN, SAFE_METHODS, Principal, authenticate, check_csrf
from sopframe.server.state import ServerState

__all__ = ["router", "principal", "member", "state_of", "visible", "upload_name"]

router = APIRouter(prefix="/api/v1")


def state_of(request: Request) -> ServerState:
    return request.app.state.sopframe


def principal(request: Request) -> Principal:
    """The authenticated caller, who must hold a role; changes from a session need its CSRF header."""
    return caller(request)


def member(request: Request) -> Principal:
    """Like :func:`principal`, but a member of a ``groups`` entry who holds no role is let in too
    (for what concerns them as a person: their own training status)."""
    return caller(request, groups_too=True)


def caller(request: Request, groups_too: bool = False) -> Principal:
    st = state_of(request)
    who = authenticate(request, st)
    if who is None:
        raise Problem(401, NOT_SIGNED_IN)
    if request.method not in SAFE_METHODS and not check_csrf(who, request.headers.get("x-csrf-token")):
        raise Problem(403, "missing or wrong CSRF token (send the session's token as X-CSRF-Token)")
    if not st.holds_any(who.user, groups_too):
        raise Problem(403, f"{who.user} holds no role in the configuration, so may see and do nothing here")
    return who


def visible(st: ServerState, job: str, user: str) -> Any:
    """The job (or sub-job) if the user may see it; otherwise the same 404 as for a job that does not exist."""
    unknown = Problem(404, f"unknown job '{escape(job)}'")
    try:
        loaded = st.engine().load(job)
    except JobError as exc:
        if exc.kind == "not_found":
            raise unknown from None
        raise
    if not st.may_read(loaded.template, user):
        raise unknown
    return loaded


def upload_name(filename: str | None) -> str:
    """An uploaded document's name as it is recorded: path separators as ``_``, then one line of visible text
    (control and formatting characters, such as a right-to-left override that would show ``invoice<RLO>fdp.exe``
    as ``invoiceexe.pdf``, written as escapes), at most 200 characters."""
    return escape((filename or "").replace("/", "_").replace("\\", "_"))[:200] or "upload"


def _standing(st: ServerState, job: str) -> dict[str, Any]:
    from sopframe.core.engine.standing import standing

    return standing(st.engine(), job)


class StartBody(BaseModel):
    template: str = Field(description="The id of a template an installed pack ships (`sopframe templates`).")
    title: str | None = None
    reason: str | None = Field(default=None, description="Why a template that is not the current published version "
                                                           "of the SOP it implements is started (recorded).")


class FieldsBody(BaseModel):
    values: dict[str, Any] = Field(description="field -> value, each checked against the field's type")
    stage: str | None = None


class SignBody(BaseModel):
    signoff: str
    stage: str | None = None


class StageBody(BaseModel):
    stage: str | None = None


class ReasonBody(BaseModel):
    reason: str
    stage: str | None = None


@router.get("/me", summary="Who you are and which roles you hold")
def me(request: Request, who: Principal = Depends(principal)) -> dict[str, Any]:
    st = state_of(request)
    return {"user": who.user, "roles": st.roles.roles_of(who.user), "via": who.via, "scope": who.scope,
            "csrf": who.session.csrf if who.session else None}


@router.get("/inbox", summary="What waits on you: stages you own and sign-offs you may (or may not) give")
def inbox(request: Request, who: Principal = Depends(principal)) -> dict[str, Any]:
    from sopframe.services.inbox import inbox as inbox_of

    st = state_of(request)
    engine = st.engine()
    return {"items": [i.to_dict() for i in inbox_of(engine.store, st.roles, who.user, engine.clock())]}


@router.get("/jobs", summary="Jobs you may see, a page at a time (cursor pagination, job-id order)")
def list_jobs(request: Request, status: str | None = Query(None, pattern="^(open|completed|cancelled)$"),
              template: str | None = None, assigned_to: str | None = None, overdue: bool = False,
              since: str | None = None, cursor: str | None = None, limit: int = Query(50, ge=1, le=500),
              who: Principal = Depends(principal)) -> dict[str, Any]:
    from sopframe.services.jobs import list_jobs as page_of

    st = state_of(request)
    items: list[dict[str, Any]] = []
    after = cursor
    while True:  # pages are filtered by what the caller may see: read on until one is full or none is left
        engine = st.engine()
        page = page_of(engine.store, engine.roles, clock=engine.clock, status=status, template=template,
                       assigned_to=assigned_to, overdue=overdue, since=since, cursor=after, limit=limit)
        for i, s in enumerate(page.items):
            after = s.job
            if st.may_read(st.template_of(s.sha256, s.job), who.user):
                items.append(s.to_dict())
            if len(items) == limit:
                last = i == len(page.items) - 1 and page.next_cursor is None
                return {"items": items, "next_cursor": None if last else s.job}
        if page.next_cursor is None:
            return {"items": items, "next_cursor": None}


@router.post("/jobs", status_code=201, summary="Start a job from a shipped template")
def start(request: Request, body: StartBody, who: Principal = Depends(principal)) -> dict[str, Any]:
    from sopframe.core.templates import find_shipped
    from sopframe.services.jobs import start_job

    st = state_of(request)
    text, path = find_shipped(st.plugins, body.template)
    state = start_job(st.engine(), st.plugins, text, path, actor=who.user, title=body.title,
                      reason=body.reason)
    return _standing(st, state.job_id)


@router.get("/jobs/{job}", summary="Where a job stands: open stages, owners, what is missing, SLA time left")
def show(request: Request, job: str, who: Principal = Depends(principal)) -> dict[str, Any]:
    st = state_of(request)
    visible(st, job, who.user)
    return _standing(st, job)


def _act(request: Request, job: str, who: Principal, command: Any) -> dict[str, Any]:
    """Run ``command(engine, user)`` on a job the caller may see; answer with where the job stands then."""
    st = state_of(request)
    visible(st, job, who.user)
    command(st.engine(), who.user)
    return _standing(st, job)


@router.post("/jobs/{job}/fields", summary="Set fields of an open stage")
def set_fields(request: Request, job: str, body: FieldsBody, who: Principal = Depends(principal)) -> dict[str, Any]:
    return _act(request, job, who, lambda e, user: e.set_fields(job, body.values, actor=user, stage=body.stage))


@router.post("/jobs/{job}/attachments", summary="Attach a document to a file field (kept by its SHA-256)")
def attach(request: Request, job: str, field: str = Form(...), stage: str | None = Form(None),
           file: UploadFile = File(...), who: Principal = Depends(principal)) -> dict[str, Any]:
    data = file.file.read(state_of(request).limits.attachment + 1)
    name = upload_name(file.filename)
    return _act(request, job, who, lambda e, user: e.attach(job, field, name, actor=user, stage=stage, data=data,
                                                            uri=f"upload:{name}"))


@router.post("/jobs/{job}/signoffs", summary="Give a sign-off (role and segregation of duties enforced)")
def sign(request: Request, job: str, body: SignBody, who: Principal = Depends(principal)) -> dict[str, Any]:
    return _act(request, job, who, lambda e, user: e.sign(job, body.signoff, actor=user, stage=body.stage))


@router.post("/jobs/{job}/complete", summary="Complete an open stage (its gate is checked)")
def complete(request: Request, job: str, body: StageBody, who: Principal = Depends(principal)) -> dict[str, Any]:
    return _act(request, job, who, lambda e, user: e.complete(job, actor=user, stage=body.stage))


@router.post("/jobs/{job}/reject", summary="Send an open stage back to its rework stage")
def reject(request: Request, job: str, body: ReasonBody, who: Principal = Depends(principal)) -> dict[str, Any]:
    return _act(request, job, who, lambda e, user: e.reject(job, body.reason, actor=user, stage=body.stage))


@router.post("/jobs/{job}/cancel", summary="Cancel a job and its sub-jobs")
def cancel(request: Request, job: str, body: ReasonBody, who: Principal = Depends(principal)) -> dict[str, Any]:
    return _act(request, job, who, lambda e, user: e.cancel(job, body.reason, actor=user))


@router.get("/jobs/{job}/history", summary="The job's events, oldest first (cursor: the last seq seen)")
def history(request: Request, job: str, cursor: int = Query(0, ge=0), limit: int = Query(200, ge=1, le=1000),
            who: Principal = Depends(principal)) -> dict[str, Any]:
    st = state_of(request)
    visible(st, job, who.user)
    events = [e for e in st.engine().history(job) if e.seq > cursor]
    page = events[:limit]
    return {"items": [e.to_dict() for e in page],
            "next_cursor": page[-1].seq if len(events) > limit else None}


@router.get("/jobs/{job}/verify", summary="Check the job's hash chain, pinned template and read model")
def verify(request: Request, job: str, who: Principal = Depends(principal)) -> dict[str, Any]:
    from sopframe.core.jobcheck import verify_jobs

    st = state_of(request)
    loaded = visible(st, job, who.user)
    return next(iter(verify_jobs(st.engine().store, [loaded.root]))).to_dict()


@router.get("/sops", summary="The SOP master list: published versions, effective and review dates")
def sops(request: Request, who: Principal = Depends(principal)) -> dict[str, Any]:
    from sopframe.core.engine.sops import master_list

    return {"items": [e.to_dict() for e in master_list(state_of(request).engine().store)]}


@router.get("/overdue", summary="SOPs past their review date and open stages past their SLA")
def overdue(request: Request, who: Principal = Depends(principal)) -> dict[str, Any]:
    from sopframe.core.engine.sops import overdue as find_overdue

    st = state_of(request)
    items = []
    for i in find_overdue(st.engine()):
        if i.kind == "sla":
            try:
                visible(st, i.ref, who.user)
            except Problem:
                continue
        items.append(i.to_dict())
    return {"items": items}
