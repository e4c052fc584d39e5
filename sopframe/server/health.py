"""``/healthz`` and ``/readyz``: what a load balancer, a container orchestrator or a monitor asks the server.

Neither needs a sign-in, and neither says more than whether the server can
do its work: no store address, no version, no error text (the server's log
has the cause).

* ``GET /healthz``: the process answers requests (liveness); it reads nothing.
* ``GET /readyz``: this worker can serve jobs now: its job store answers and
  holds the schema version this server was built for (readiness).  503 while
  the database cannot be reached, or after an upgrade until `sopframe store
  migrate` has run; 200 again as soon as it can.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
_NO_CACHE = {"Cache-Control": "no-store"}


@router.get("/healthz")
def healthz() -> JSONResponse:
    return JSONResponse({"status": "ok"}, headers=_NO_CACHE)


@router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    """Runs in a worker thread (FastAPI runs plain functions there): it uses that thread's store connection."""
    from sopframe.core.store import SCHEMA_VERSION

    log = logging.getLogger("sopframe.server")
    try:
        version = request.app.state.sopframe.engine().store.schema_version()
    except Exception as exc:  # noqa: BLE001 - any failure to reach the store makes the worker not ready
        log.warning("not ready: the job store cannot be used: %s", getattr(exc, "message", exc))
        return _unavailable("the job store cannot be used right now")
    if version != SCHEMA_VERSION:
        log.warning("not ready: the job store is at schema version %s, this server needs %s", version,
                    SCHEMA_VERSION)
        return _unavailable("the job store's schema is not the version this server needs")
    return JSONResponse({"status": "ready"}, headers=_NO_CACHE)


def _unavailable(reason: str) -> JSONResponse:
    return JSONResponse({"status": "unavailable", "reason": reason}, status_code=503, headers=_NO_CACHE)
