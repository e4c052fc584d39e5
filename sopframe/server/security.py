"""Who is calling: a session cookie (browsers) or a bearer API token (scripts), and the checks around them.

- ``authenticate`` finds the principal of a request, or None.  A token's
  scope must allow the method (``read``: GET and HEAD only).
- Requests with a session that change anything must carry the session's
  CSRF secret: the ``csrf`` form field, or the ``X-CSRF-Token`` header for
  API calls made by a page.  Token requests need none (no cookie is sent).
- A principal must hold at least one role of the configuration to see or do
  anything (a user without a role gets 403); the engine decides every command.
- Every response carries a Content-Security-Policy that allows no script at
  all (the pages work without JavaScript) and no other origin, and the usual
  hardening headers.
- Request bodies are bounded (:class:`BodyLimit`) before anything reads them:
  the framework parses a body before it asks who is calling, so without a
  bound anyone could make the server hold any amount of memory or disk.
  And a request that changes something is asked who is calling before its
  body is read (:class:`CallerFirst`): one from nobody signed in is refused
  without reading a byte of it, not after an upload of the attachment limit.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sopframe.services.auth import AuthError, authenticate_token, session_for

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.accounts import SessionRecord
    from sopframe.server.state import ServerState

__all__ = ["Principal", "authenticate", "cookie_name", "check_csrf", "SECURITY_HEADERS", "remote_of",
           "PRE_CSRF_COOKIE", "BodyLimit", "BODY_LIMIT", "UPLOAD_OVERHEAD", "body_limit_of", "CallerFirst",
           "OPEN_POSTS", "NOT_SIGNED_IN"]

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: the sign-in form's CSRF secret, before there is a session (double-submit cookie)
PRE_CSRF_COOKIE = "sopframe_signin"

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: the user name the engine sees as the actor."""

    user: str
    via: str  # "session" or "token"
    scope: str = "write"
    session: "SessionRecord | None" = None


def cookie_name(secure: bool) -> str:
    """``__Host-`` cookies are only accepted over HTTPS, bound to this host and path ``/``."""
    return "__Host-sopframe" if secure else "sopframe_session"


def remote_of(request: Request) -> str:
    return request.client.host if request.client else ""


#: where in a request's scope :class:`CallerFirst` keeps the caller it found (asked once: a token's use is logged)
_CALLER = "sopframe.caller"


def authenticate(request: Request, state: "ServerState") -> Principal | None:
    """The caller, from a bearer token or the session cookie; raises AuthError for a bad token."""
    known = request.scope.get("state", {}).get(_CALLER)
    if known is not None:
        return known
    store = state.engine().store
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthError("the Authorization header must be `Bearer TOKEN`")
        need = "read" if request.method in SAFE_METHODS else "write"
        record = authenticate_token(store, token.strip(), need, remote=remote_of(request))
        return Principal(state.roles.canonical(record.user), "token", record.scope)
    session = session_for(store, request.cookies.get(cookie_name(state.config.secure_cookies)))
    if session is None:
        return None
    return Principal(state.roles.canonical(session.user), "session", "write", session)


def check_csrf(principal: Principal, given: str | None) -> bool:
    """Whether a state-changing request of a session carries that session's CSRF secret."""
    if principal.via != "session":
        return True
    expected = principal.session.csrf if principal.session else ""
    return bool(given) and bool(expected) and hmac.compare_digest(str(given), expected)


#: the largest request body of anything but an upload (a form of values, a JSON command)
BODY_LIMIT = 16 * 1024 * 1024
#: what an upload's body may carry besides the document (the multipart framing and the other form fields)
UPLOAD_OVERHEAD = 1024 * 1024
_UPLOADS = re.compile(r"/api/v1/jobs/[^/]+/attachments|/jobs/[^/]+/attach")


def body_limit_of(attachment: int) -> Callable[[Scope], int]:
    """The body limit of a request: an upload's is the attachment size and its framing, anything else's
    :data:`BODY_LIMIT`."""
    upload = attachment + UPLOAD_OVERHEAD

    def limit(scope: Scope) -> int:
        is_upload = scope.get("method") == "POST" and _UPLOADS.fullmatch(scope.get("path", "")) is not None
        return upload if is_upload else BODY_LIMIT

    return limit


class BodyLimit:
    """Refuse (413) a request body over its limit: one that says it is larger before a byte of it is read, one
    that turns out larger (chunked) as soon as it passes the limit.  The refusal is raised where the body is
    read, so it is answered like every other error (a problem document or the error page)."""

    def __init__(self, app: ASGIApp, limit_of: Callable[[Scope], int]) -> None:
        self.app = app
        self.limit_of = limit_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_of(scope)
        declared = dict(scope.get("headers") or ()).get(b"content-length", b"")
        too_large = HTTPException(413, f"the request body is over the limit of {limit} bytes")
        received = 0

        async def bounded() -> Message:
            nonlocal received
            if declared.isdigit() and int(declared) > limit:
                raise too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise too_large
            return message

        await self.app(scope, bounded, send)


#: what a caller who is not signed in is told
NOT_SIGNED_IN = "sign in, or send an API token as `Authorization: Bearer TOKEN`"
#: what may be posted without being signed in: the sign-in form, and signing out (which ends what session there is)
OPEN_POSTS = frozenset({"/signin", "/signout"})


class CallerFirst:
    """Ask who is calling before a request's body is read: a request that may change something (any method but
    GET, HEAD and OPTIONS, outside :data:`OPEN_POSTS`) from nobody signed in, or with a token that is refused, is
    answered at once — 401, or the sign-in page for a browser — and its body is never read.  Without this the
    framework would read an anonymous upload up to the attachment limit before the route asks who is calling.

    The caller found is kept in the request's scope, so the route's own check does not ask (or log) twice.  A body
    declared over its limit is left to :class:`BodyLimit` (413, also unread).  ``refuse(request, error)`` makes the
    answer (it runs on a worker thread, as the store is blocking).
    """

    def __init__(self, app: ASGIApp, state: "ServerState", limit_of: Callable[[Scope], int],
                 refuse: Callable[[Request, BaseException], Any]) -> None:
        self.app = app
        self.state = state
        self.limit_of = limit_of
        self.refuse = refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") in SAFE_METHODS or scope.get("path") in OPEN_POSTS:
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or ()).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit_of(scope):
            await self.app(scope, receive, send)  # refused as too large when it is first read
            return
        from starlette.concurrency import run_in_threadpool

        from sopframe.errors import SopframeError
        from sopframe.server.problems import Problem

        request = Request(scope)  # without `receive`: nothing of the body can be read here
        try:
            who = await run_in_threadpool(authenticate, request, self.state)
            error: BaseException | None = None if who is not None else Problem(401, NOT_SIGNED_IN)
        except (SopframeError, Problem) as exc:  # a refused token, a store that cannot be read
            who, error = None, exc
        if error is None:
            scope.setdefault("state", {})[_CALLER] = who
            await self.app(scope, receive, send)
            return
        response = await run_in_threadpool(self.refuse, request, error)
        await response(scope, _no_body, send)


async def _no_body() -> Message:
    """The ``receive`` of a refused request's answer, which never reads the body it did not ask for."""
    return {"type": "http.disconnect"}
