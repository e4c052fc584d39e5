"""Request bodies are bounded before anything reads them, whoever sends them (signed in or not)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any, Iterator

import pytest
from serversupport import TEMPLATE, Server, csrf_of, make_server, sign_in, token_for

from sopframe.server import security
from sopframe.server.security import UPLOAD_OVERHEAD


@pytest.fixture
def small(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    """A server whose bodies may hold 4000 bytes, and attached documents 1000."""
    monkeypatch.setattr(security, "BODY_LIMIT", 4000)
    s = make_server(tmp_path, extra_toml="\n[limits]\nattachment-size = 1000\n")
    yield s
    s.state.close()


def _big_start() -> str:
    return json.dumps({"template": TEMPLATE, "title": "x" * 5000})


def test_a_body_over_the_limit_is_refused_before_anyone_is_asked_who_is_calling(small: Server) -> None:
    client = small.client()
    r = client.post("/api/v1/jobs", content=_big_start(), headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.headers["content-type"] == "application/problem+json"
    assert "over the limit of 4000 bytes" in r.json()["detail"]
    assert r.headers["x-content-type-options"] == "nosniff"
    r = client.post("/api/v1/jobs", content=_big_start(), headers={**token_for(small, "mike"),
                                                                    "content-type": "application/json"})
    assert r.status_code == 413
    assert client.get("/api/v1/jobs", headers=token_for(small, "audrey", "read")).json()["items"] == []
    page = client.post("/signin", data={"user": "x" * 5000, "password": "y", "csrf": "z"})
    assert page.status_code == 413 and page.headers["content-type"].startswith("text/html")


def _call(app: Any, headers: list[tuple[bytes, bytes]], chunks: int) -> tuple[int, int]:
    """POST /api/v1/jobs straight to the application, the body in 1000-byte chunks: (status, chunks read)."""
    reads: list[int] = []
    messages: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        reads.append(1)
        return {"type": "http.request", "body": b"a" * 1000, "more_body": len(reads) < chunks}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "https",
             "path": "/api/v1/jobs", "raw_path": b"/api/v1/jobs", "query_string": b"", "root_path": "",
             "headers": [(b"host", b"testserver"), (b"content-type", b"application/json"), *headers],
             "client": ("192.0.2.1", 1), "server": ("testserver", 443), "state": {}}
    asyncio.run(app(scope, receive, send))
    return int(messages[0]["status"]), len(reads)


def test_a_chunked_body_is_cut_off_once_it_passes_the_limit(small: Server) -> None:
    status, read = _call(small.app, [(b"transfer-encoding", b"chunked")], 100)  # 100 000 bytes offered
    assert status == 413 and read == 5  # the fifth chunk passes 4000 bytes


def test_a_body_declared_too_large_is_not_read_at_all(small: Server) -> None:
    status, read = _call(small.app, [(b"content-length", b"1000000000")], 100)
    assert status == 413 and read == 0


def test_an_upload_may_carry_the_attachment_limit_and_no_more(small: Server) -> None:
    client = small.client()
    mike = token_for(small, "mike")
    job = client.post("/api/v1/jobs", json={"template": TEMPLATE}, headers=mike).json()["job"]
    fits = client.post(f"/api/v1/jobs/{job}/attachments", headers=mike, data={"field": "draft_document"},
                       files={"file": ("a.txt", b"a" * 3000, "text/plain")})
    assert fits.status_code == 422 and "request body" not in fits.json()["detail"]  # read, and the engine answered
    huge = b"a" * (1000 + UPLOAD_OVERHEAD + 1)
    r = client.post(f"/api/v1/jobs/{job}/attachments", headers=mike, data={"field": "draft_document"},
                    files={"file": ("a.txt", huge, "text/plain")})
    assert r.status_code == 413
    sign_in(client, "mike")
    page = client.post(f"/jobs/{job}/attach", data={"field": "draft_document", "csrf": csrf_of(client)},
                       files={"file": ("a.txt", huge, "text/plain")})
    assert page.status_code == 413 and "over the limit" in page.text
