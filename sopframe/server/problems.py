"""Errors as RFC 9457 problem details (``application/problem+json``) for the API, pages for the web UI."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sopframe.errors import ConflictError, JobError, SopframeError, StoreError, TemplateError, UsageError

__all__ = ["Problem", "problem_of", "problem_response", "STATUS_OF_KIND"]

#: a refused command's kind (:class:`sopframe.errors.JobError`) -> HTTP status
STATUS_OF_KIND = {"forbidden": 403, "not_found": 404, "conflict": 409, "invalid": 422}

_TITLES = {400: "Bad request", 401: "Not signed in", 403: "Forbidden", 404: "Not found", 409: "Conflict",
           413: "Too large", 422: "Unprocessable request", 429: "Too many requests", 500: "Internal error",
           502: "Bad gateway", 503: "Store unavailable"}


class Problem(Exception):
    """An error with an HTTP status; ``detail`` is shown to the caller."""

    def __init__(self, status: int, detail: str, *, title: str | None = None, hint: str = "",
                 extra: dict[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.title = title or _TITLES.get(status, "Error")
        self.hint = hint
        self.extra = extra or {}


def problem_of(exc: BaseException) -> Problem:
    """The problem an error is, for callers: refusals keep the engine's message (and reason)."""
    from sopframe.services.auth import AuthError

    if isinstance(exc, Problem):
        return exc
    if isinstance(exc, AuthError):
        return Problem(429 if exc.limited else 403 if exc.forbidden else 401, exc.message, hint=exc.hint)
    if isinstance(exc, JobError):
        extra = {k: v for k, v in (("job", exc.job), ("stage", exc.stage), ("field", exc.field)) if v}
        return Problem(STATUS_OF_KIND.get(exc.kind, 422), exc.message, hint=exc.hint,
                       title=f"Command refused ({exc.kind})", extra={**extra, "kind": exc.kind})
    if isinstance(exc, ConflictError):
        return Problem(409, exc.message, hint=exc.hint)
    if isinstance(exc, TemplateError):
        return Problem(422, exc.message)
    if isinstance(exc, UsageError):
        return Problem(422, exc.message, hint=exc.hint)
    if isinstance(exc, StoreError):
        import logging

        logging.getLogger("sopframe.server").error("store error: %s", exc.message)
        return Problem(503, "the job store cannot be used right now", hint="see the server's log")
    if isinstance(exc, SopframeError):
        return Problem(400, exc.message, hint=exc.hint)
    return Problem(500, "internal error", title="Internal error")


def problem_response(request: Request, problem: Problem) -> Response:
    body: dict[str, Any] = {"type": "about:blank", "title": problem.title, "status": problem.status,
                            "detail": problem.detail, "instance": request.url.path}
    if problem.hint:
        body["hint"] = problem.hint
    body.update(problem.extra)
    headers = {"WWW-Authenticate": 'Bearer realm="sopframe"'} if problem.status == 401 else None
    return JSONResponse(body, status_code=problem.status, media_type="application/problem+json", headers=headers)
