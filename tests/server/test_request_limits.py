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


def _call(app: Any, headers: list[tuple[bytes, bytes]], chunks: int, path: str = "/api/v1/jobs",
          content_type: bytes = b"application/json", first: bytes = b"") -> tuple[int, int, dict[bytes, bytes]]:
    """POST to ``path`` straight to the application, the body in 1000-byte chunks (the first starting with
    ``first``): (status, chunks read, response headers)."""
    reads: list[int] = []
    messages: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        reads.append(1)
        if len(reads) > chunks:  # all of it was read: the application waits for the next request
            await asyncio.sleep(3600)
        body = (first + b"a" * 1000)[:1000] if len(reads) == 1 else b"a" * 1000
        return {"type": "http.request", "body": body, "more_body": len(reads) < chunks}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "https",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(b"host", b"testserver"), (b"content-type", content_type), *headers],
             "client": ("192.0.2.1", 1), "server": ("testserver", 443), "state": {}}
    asyncio.run(asyncio.wait_for(app(scope, receive, send), 60))
    return int(messages[0]["status"]), len(reads), dict(messages[0].get("headers", []))


def _bearer(server: Server, user: str, scope: str = "write") -> tuple[bytes, bytes]:
    return b"authorization", token_for(server, user, scope)["Authorization"].encode()


def test_a_chunked_body_is_cut_off_once_it_passes_the_limit(small: Server) -> None:
    chunked = (b"transfer-encoding", b"chunked")
    status, read, _ = _call(small.app, [chunked, _bearer(small, "mike")], 100)  # 100 000 bytes offered
    assert status == 413 and read == 5  # the fifth chunk passes 4000 bytes
    status, read, _ = _call(small.app, [chunked], 100)  # from nobody signed in: not a byte of it is read
    assert status == 401 and read == 0


UPLOAD = b"multipart/form-data; boundary=x"
#: the start of an upload's body: a document follows (the rest of the chunks)
DOCUMENT = b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\n'


def test_an_anonymous_upload_is_refused_before_its_body_is_read(small: Server) -> None:
    """An upload may be as large as the attachment limit: who is calling is asked first, so nobody signed in
    (or a refused token) makes the server read none of it — not after megabytes of it."""
    job = small.client().post("/api/v1/jobs", json={"template": TEMPLATE},
                              headers=token_for(small, "mike")).json()["job"]
    api, page = f"/api/v1/jobs/{job}/attachments", f"/jobs/{job}/attach"
    for path in (api, page):
        for declared in ([], [(b"content-length", b"1000000")]):  # chunked, or declared within the upload limit
            status, read, headers = _call(small.app, declared, 1500, path, UPLOAD, DOCUMENT)
            assert read == 0, (path, declared)
            if path == api:
                assert status == 401 and headers[b"www-authenticate"].startswith(b"Bearer")
            else:  # a browser goes to sign in, and back to the job page (not to the form's address)
                assert status == 303 and headers[b"location"] == f"/signin?next=/jobs/{job}".encode()
            assert headers[b"x-content-type-options"] == b"nosniff"
    status, read, _ = _call(small.app, [(b"authorization", b"Bearer sft_nope_nope")], 1500, api, UPLOAD, DOCUMENT)
    assert status == 401 and read == 0
    status, read, _ = _call(small.app, [_bearer(small, "mike", "read")], 1500, api, UPLOAD, DOCUMENT)
    assert status == 403 and read == 0  # a read-only token uploads nothing either
    status, read, _ = _call(small.app, [(b"cookie", b"__Host-sopframe=ended-or-forged")], 1500, page, UPLOAD,
                            DOCUMENT)
    assert status == 303 and read == 0
    # a signed-in caller's upload is read (and refused as too large once it passes the limit)
    status, read, _ = _call(small.app, [_bearer(small, "mike")], 1500, api, UPLOAD, DOCUMENT)
    assert status == 413 and read == (1000 + UPLOAD_OVERHEAD) // 1000 + 1
    log = small.store().audit_log(kind="token.used")
    assert len([e for e in log if e.ok]) == 2  # the mike tokens' uses: each logged once, not once per check


def test_signing_in_and_out_are_posted_without_a_session(small: Server) -> None:
    client = small.client()
    assert sign_in(client, "alice").status_code == 303
    r = small.client().post("/signout", data={}, follow_redirects=False)  # nobody signed in: nothing to end
    assert r.status_code == 303 and r.headers["location"] == "/signin"


def test_a_body_declared_too_large_is_not_read_at_all(small: Server) -> None:
    status, read, _ = _call(small.app, [(b"content-length", b"1000000000")], 100)
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
