"""The ASGI application: the API and web routers, problem details, security headers, static files.

``create_app(state)`` builds it for one process; ``app_from_environment``
is the factory uvicorn's workers import (``sopframe serve`` passes the
configuration file, store URL and cookie setting through the environment,
and each worker resolves the same settings from them).
"""

from __future__ import annotations

import logging
import os
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from sopframe import __version__
from sopframe.server.problems import Problem, problem_of, problem_response
from sopframe.server.security import SECURITY_HEADERS, BodyLimit, CallerFirst, body_limit_of
from sopframe.server.state import ServerState

__all__ = ["create_app", "app_from_environment", "ENV_CONFIG", "ENV_SERVE_STORE", "ENV_INSECURE"]

ENV_CONFIG = "SOPFRAME_SERVE_CONFIG"
ENV_SERVE_STORE = "SOPFRAME_SERVE_STORE"
ENV_INSECURE = "SOPFRAME_SERVE_INSECURE_COOKIES"
#: threads serving blocking work per process (each keeps its own store connection)
THREADS = 16


def _error_response(request: Request, exc: BaseException) -> Response:
    from sopframe.server.web import SignInNeeded, templates, wanted_path

    if isinstance(exc, SignInNeeded):
        return RedirectResponse(f"/signin?next={quote(exc.next_path)}", status_code=303)
    problem = problem_of(exc)
    if request.url.path.startswith("/api/"):
        return problem_response(request, problem)
    if problem.status == 401:
        return RedirectResponse(f"/signin?next={quote(wanted_path(request))}", status_code=303)
    who = _signed_in(request) if problem.status < 500 else None
    return templates.TemplateResponse(request, "error.html", {"problem": problem, "who": who},
                                      status_code=problem.status)


def _signed_in(request: Request) -> Any:
    """The session's user, for the header of an error page: without it a signed-in user (one who holds no
    role most of all) would have no way to sign out.  Only the session cookie is read (a bearer token's use
    is logged where it is checked), and a store that cannot be read leaves the header out."""
    from sopframe.server.security import Principal, cookie_name
    from sopframe.services.auth import session_for

    st = request.app.state.sopframe
    cookie = request.cookies.get(cookie_name(st.config.secure_cookies))
    if not cookie or request.headers.get("authorization"):
        return None
    try:
        session = session_for(st.engine().store, cookie)
    except Exception:  # noqa: BLE001 - the page says what went wrong; its header is not worth a second error
        return None
    return None if session is None else Principal(st.roles.canonical(session.user), "session", "write", session)


def create_app(state: ServerState) -> FastAPI:
    """The application for one process on ``state`` (closed when the application shuts down)."""
    from sopframe.server import api, api_reports, health, oidc, web, web_reports

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        import anyio.to_thread

        anyio.to_thread.current_default_thread_limiter().total_tokens = THREADS
        try:
            yield
        finally:
            state.close()

    app = FastAPI(title="sopframe", version=__version__, lifespan=lifespan, openapi_url="/api/v1/openapi.json",
                  docs_url=None, redoc_url=None,
                  description="Tracked SOP jobs: the same commands and authorisation policy as the sopframe CLI; "
                              "the authenticated user is the actor. Errors are RFC 9457 problem details.")
    app.state.sopframe = state
    app.include_router(api.router)
    app.include_router(api_reports.router)
    app.include_router(web.router)
    app.include_router(web_reports.router)
    app.include_router(oidc.router)
    app.include_router(health.router)
    app.mount("/static", StaticFiles(directory=str(Path(__file__).parent / "static")), name="static")
    limit_of = body_limit_of(state.limits.attachment)
    app.add_middleware(CallerFirst, state=state, limit_of=limit_of, refuse=_error_response)  # inside the body limit
    app.add_middleware(BodyLimit, limit_of=limit_of)

    @app.middleware("http")
    async def headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        for k, v in SECURITY_HEADERS.items():
            response.headers.setdefault(k, v)
        return response

    async def handle(request: Request, exc: Exception) -> Response:
        return await run_in_threadpool(_error_response, request, exc)  # an error page reads the session

    async def handle_http(request: Request, exc: StarletteHTTPException) -> Response:
        return await run_in_threadpool(_error_response, request, Problem(exc.status_code, str(exc.detail)))

    async def handle_unexpected(request: Request, exc: Exception) -> Response:
        """A defect: logged with its traceback under a reference the caller is shown, never the traceback itself."""
        import secrets

        ref = secrets.token_hex(6)
        logging.getLogger("sopframe.server").error("internal error %s on %s %s", ref, request.method,
                                                   request.url.path, exc_info=exc)
        response = _error_response(request, Problem(500, f"internal error (reference {ref})",
                                                    hint="the server's log has the details under that reference; "
                                                         "reload the job to see whether a command was recorded"))
        for k, v in SECURITY_HEADERS.items():  # outside the middleware that adds them to every other response
            response.headers.setdefault(k, v)
        return response

    async def handle_validation(request: Request, exc: RequestValidationError) -> Response:
        where = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}" for e in exc.errors()[:5])
        return await run_in_threadpool(_error_response, request, Problem(422, f"invalid request: {where}"))

    from sopframe.errors import SopframeError
    from sopframe.server.web import SignInNeeded

    for kind in (Problem, SopframeError, SignInNeeded):
        app.add_exception_handler(kind, handle)
    app.add_exception_handler(StarletteHTTPException, handle_http)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, handle_validation)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, handle_unexpected)
    return app


def app_from_environment() -> FastAPI:
    """The application uvicorn's worker processes build (see :mod:`sopframe.commands.serve`)."""
    from sopframe.pluginmanager import load_plugins
    from sopframe.server.state import server_config
    from sopframe.settings import CommandLine, resolve_settings

    settings = resolve_settings(CommandLine(config_path=os.environ.get(ENV_CONFIG) or None))
    plugins = load_plugins(disabled=settings.disabled_plugins, strict=settings.strict_plugins)
    insecure = os.environ.get(ENV_INSECURE) == "1"
    config = server_config(settings, secure_cookies=False if insecure else None)
    return create_app(ServerState.build(settings, plugins, config, os.environ.get(ENV_SERVE_STORE) or None))
