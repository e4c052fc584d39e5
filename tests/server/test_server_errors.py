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
