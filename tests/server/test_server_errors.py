"""What a caller sees when something is wrong on the server's side, and the cookie and redirect details
around sign-in and sign-out."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient
from serversupport import TEMPLATE, Server, csrf_of, sign_in, token_for


def _failing(server: Server, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A client of ``server`` whose job pages and job API meet a defect (an exception no handler expects)."""
    import sopframe.server.api as api
    import sopframe.server.views as views

    def defect(*_a: Any, **_k: Any) -> Any:
        raise RuntimeError("secret internals: /srv/db password=hunter2")

    monkeypatch.setattr(views, "job_view", defect)
    monkeypatch.setattr(api, "visible", defect)
    return TestClient(server.app, base_url="https://testserver", raise_server_exceptions=False)


def test_a_defect_answers_500_as_problem_details_with_a_reference_and_logs_it(
        server: Server, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    client = _failing(server, monkeypatch)
    with caplog.at_level(logging.ERROR, logger="sopframe.server"):
        r = client.get("/api/v1/jobs/ITSOP-2026-0001", headers=token_for(server, "mike"))
    assert r.status_code == 500 and r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["status"] == 500 and body["title"] == "Internal error" and "hunter2" not in r.text
    ref = body["detail"].split("reference ")[1].rstrip(")")
    assert len(ref) == 12 and "log" in body["hint"]
    assert "default-src 'none'" in r.headers["content-security-policy"]
    (logged,) = [rec for rec in caplog.records if ref in rec.getMessage()]
    assert logged.exc_info and "hunter2" in str(logged.exc_info[1])  # the details stay in the log


def test_a_defect_on_a_page_shows_the_error_page_not_a_traceback(
        server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    started = server.client().post("/api/v1/jobs", json={"template": TEMPLATE}, headers=token_for(server, "mike"))
    client = _failing(server, monkeypatch)
    sign_in(client, "mike")
    r = client.get(f"/jobs/{started.json()['job']}")
    assert r.status_code == 500 and r.headers["content-type"].startswith("text/html")
    assert "Internal error" in r.text and "reference" in r.text
    assert "Traceback" not in r.text and "hunter2" not in r.text


def test_sign_out_expires_the_cookie_with_the_attributes_it_was_set_with(server: Server) -> None:
    client = server.client()
    sign_in(client, "alice")
    r = client.post("/signout", data={"csrf": csrf_of(client)}, follow_redirects=False)
    (gone,) = [c for c in r.headers.get_list("set-cookie") if c.startswith("__Host-sopframe=")]
    attributes = {a.strip().split("=")[0].lower() for a in gone.split(";")}
    # a browser ignores the deletion of a __Host- cookie that lacks Secure, and keeps sending it
    assert {"secure", "httponly", "path", "max-age"} <= attributes and "Max-Age=0" in gone
    assert "Path=/;" in gone + ";"


def test_signing_in_returns_to_the_page_with_its_query(server: Server) -> None:
    client = server.client()
    r = client.get("/?status=all&mine=true", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/signin?next=/%3Fstatus%3Dall%26mine%3Dtrue"
    form = client.get(r.headers["location"])
    assert 'value="/?status=all&amp;mine=true"' in form.text
    done = sign_in(client, "alice", next_path="/?status=all&mine=true")
    assert done.headers["location"] == "/?status=all&mine=true"


def test_a_refused_sign_in_keeps_the_user_name_typed_but_not_the_password(server: Server) -> None:
    r = sign_in(server.client(), "lee<x>", "not the password")
    assert r.status_code == 401 and 'name="user" autocomplete="username" required value="lee&lt;x&gt;"' in r.text
    assert "not the password" not in r.text


def test_error_pages_keep_the_navigation_and_sign_out_for_a_signed_in_user(server: Server) -> None:
    client = server.client()
    sign_in(client, "mike")
    missing = client.get("/jobs/NOPE-1")
    assert missing.status_code == 404 and 'action="/signout"' in missing.text and 'href="/inbox"' in missing.text
    assert f'value="{csrf_of(client)}"' in missing.text
    # a user who holds no role is refused every page: the error page is where she signs out
    nora = server.client()
    sign_in(nora, "nora")
    page = nora.get("/")
    assert page.status_code == 403 and 'action="/signout"' in page.text
    token = page.text.split('name="csrf" value="')[1].split('"')[0]
    assert nora.post("/signout", data={"csrf": token}, follow_redirects=False).status_code == 303
    assert nora.get("/api/v1/me").status_code == 401
    # signed out, an error page has no header of a user
    gone = server.client().get("/static/nothing.css")
    assert gone.status_code == 404 and 'action="/signout"' not in gone.text
