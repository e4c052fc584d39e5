"""Security cases: who gets in, with what, and what a stranger can learn."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from pathlib import Path

from serversupport import PASSWORD, TEMPLATE, Server, csrf_of, make_server, sign_in, token_for

from sopframe.services.auth import MAX_FAILURES, create_token, revoke_token


def _start_as_mike(server: Server) -> str:
    r = server.client().post("/api/v1/jobs", json={"template": TEMPLATE}, headers=token_for(server, "mike"))
    assert r.status_code == 201, r.text
    return str(r.json()["job"])


def test_without_a_session_the_api_says_401_and_pages_send_to_sign_in(server: Server) -> None:
    client = server.client()
    r = client.get("/api/v1/jobs")
    assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"
    assert r.headers["www-authenticate"].startswith("Bearer")
    page = client.get("/jobs/ITSOP-2026-01", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/signin?next=/jobs/ITSOP-2026-01"
    assert client.post("/jobs/X/sign", data={"signoff": "it_lead"}, follow_redirects=False).status_code == 303


def test_sign_in_sets_a_hardened_cookie_and_the_audit_log_records_it(server: Server) -> None:
    client = server.client()
    r = sign_in(client, "Alice")  # names are compared normalised
    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("__Host-sopframe=")
    for flag in ("HttpOnly", "Secure", "SameSite=lax", "Path=/"):
        assert flag.lower() in cookie.lower()
    assert client.get("/api/v1/me").json()["user"] == "alice"
    client.post("/signout", data={"csrf": csrf_of(client)})
    log = server.store().audit_log(user="alice")
    assert [(e.kind, e.ok) for e in log][:2] == [("signout", True), ("signin", True)]


def test_a_wrong_password_is_refused_and_repeated_failures_are_limited(server: Server) -> None:
    client = server.client()
    r = sign_in(client, "lee", "not the password")
    assert r.status_code == 401 and "wrong user name or password" in r.text
    for _ in range(MAX_FAILURES - 1):
        sign_in(client, "lee", "still wrong")
    limited = sign_in(client, "lee", PASSWORD)  # even the right password, until the window passes
    assert limited.status_code == 429 and "too many failed sign-ins" in limited.text
    assert client.get("/api/v1/me").status_code == 401
    assert sign_in(client, "sam").status_code == 303  # other users are not affected
    unknown = sign_in(server.client(), "nobody-here")
    assert unknown.status_code == 401 and "wrong user name or password" in unknown.text


def test_the_sign_in_form_needs_its_csrf_token(server: Server) -> None:
    client = server.client()
    client.get("/signin")
    r = client.post("/signin", data={"user": "alice", "password": PASSWORD, "csrf": "forged"})
    assert r.status_code == 403 and "CSRF" in r.text
    assert client.get("/api/v1/me").status_code == 401


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(server: Server) -> None:
    job = _start_as_mike(server)
    client = server.client()
    sign_in(client, "mike")
    before = len(client.get(f"/api/v1/jobs/{job}/history").json()["items"])
    r = client.post(f"/jobs/{job}/set", data={"stage": "initiated", "f:sop_title": "x"})
    assert r.status_code == 403 and "CSRF" in r.text
    r = client.post(f"/jobs/{job}/set", data={"stage": "initiated", "f:sop_title": "x", "csrf": "guess"})
    assert r.status_code == 403
    api = client.post(f"/api/v1/jobs/{job}/fields", json={"values": {"sop_title": "x"}})  # session, no header
    assert api.status_code == 403 and "CSRF" in api.json()["detail"]
    assert len(client.get(f"/api/v1/jobs/{job}/history").json()["items"]) == before
    ok = client.post(f"/jobs/{job}/set", data={"stage": "initiated", "f:sop_title": "x", "csrf": csrf_of(client)},
                     follow_redirects=False)
    assert ok.status_code == 303
    assert len(client.get(f"/api/v1/jobs/{job}/history").json()["items"]) == before + 1


def test_a_session_copied_before_sign_out_is_refused_after_it(server: Server) -> None:
    client = server.client()
    sign_in(client, "lee")
    stolen = dict(client.cookies)
    thief = server.client()
    thief.cookies.update(stolen)
    assert thief.get("/api/v1/me").json()["user"] == "lee"
    assert client.post("/signout", data={"csrf": csrf_of(client)}, follow_redirects=False).status_code == 303
    assert thief.get("/api/v1/me").status_code == 401
    assert thief.get("/", follow_redirects=False).headers["location"].startswith("/signin")


def test_signing_in_again_ends_the_session_the_browser_had(server: Server) -> None:
    client = server.client()
    sign_in(client, "lee")
    before = dict(client.cookies)
    assert sign_in(client, "mike").status_code == 303  # on a shared machine, the next person signs in
    assert client.get("/api/v1/me").json()["user"] == "mike"
    copy = server.client()
    copy.cookies.update(before)
    assert copy.get("/api/v1/me").status_code == 401  # lee's session is over, not left live in the store
    assert [e.ok for e in server.store().audit_log(user="lee", kind="signout")] == [True]


def test_a_user_without_a_role_is_forbidden(server: Server) -> None:
    client = server.client()
    assert sign_in(client, "nora").status_code == 303  # nora has an account but holds no role
    assert client.get("/api/v1/jobs").status_code == 403
    page = client.get("/")
    assert page.status_code == 403 and "holds no role" in page.text
    assert server.client().get("/api/v1/sops", headers=token_for(server, "nora", "read")).status_code == 403


def test_expired_revoked_and_read_only_tokens(server: Server) -> None:
    store = server.store()
    client = server.client()
    past = datetime.now(timezone.utc) - timedelta(days=40)
    old, _ = create_token(store, "lee", "read", days=30, clock=lambda: past)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {old}"}).status_code == 401
    text, record = create_token(store, "lee", "write")
    bearer = {"Authorization": f"Bearer {text}"}
    assert client.get("/api/v1/me", headers=bearer).status_code == 200
    revoke_token(store, record.id)
    r = client.get("/api/v1/me", headers=bearer)
    assert r.status_code == 401 and r.json()["detail"] == "invalid, expired or revoked API token"
    tampered = text[:-2] + ("aa" if not text.endswith("aa") else "bb")
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {tampered}"}).status_code == 401
    read_only = token_for(server, "mike", "read")
    r = client.post("/api/v1/jobs", json={"template": TEMPLATE}, headers=read_only)
    assert r.status_code == 403 and "does not allow write" in r.json()["detail"]
    uses = store.audit_log(kind="token.used")
    assert any(not u.ok and "revoked" in u.detail for u in uses) and any(u.ok for u in uses)


def test_holders_of_a_role_the_template_names_see_its_jobs(server: Server) -> None:
    job = _start_as_mike(server)
    client = server.client()
    # olga holds a role (ops_lead) that this template uses: she may see the job
    assert client.get(f"/api/v1/jobs/{job}", headers=token_for(server, "olga", "read")).status_code == 200


def test_jobs_of_templates_whose_roles_one_does_not_hold_look_like_no_job(tmp_path: Path) -> None:
    """oscar holds a role, but none the template names: the job is as invisible as a job that does not exist."""
    s = make_server(tmp_path, users=("mike", "oscar", "audrey"), extra_roles='other_team = ["oscar"]\n')
    client = s.client()
    job = client.post("/api/v1/jobs", json={"template": TEMPLATE}, headers=token_for(s, "mike")).json()["job"]
    oscar = token_for(s, "oscar")
    real = client.get(f"/api/v1/jobs/{job}", headers=oscar)
    fake = client.get("/api/v1/jobs/ITSOP-2026-99", headers=oscar)
    assert real.status_code == fake.status_code == 404
    assert real.json()["detail"] == f"unknown job '{job}'" and "did you mean" not in real.text
    for path in ("history", "verify"):
        assert client.get(f"/api/v1/jobs/{job}/{path}", headers=oscar).status_code == 404
    signed = client.post(f"/api/v1/jobs/{job}/signoffs", headers=oscar, json={"signoff": "it_lead"})
    assert signed.status_code == 404
    assert client.get("/api/v1/jobs", headers=oscar).json()["items"] == []
    assert [j["job"] for j in client.get("/api/v1/jobs", headers=token_for(s, "audrey")).json()["items"]] == [job]
    s.state.close()


def test_pages_escape_recorded_text_and_send_a_content_security_policy(server: Server) -> None:
    client = server.client()
    r = client.post("/api/v1/jobs", json={"template": TEMPLATE, "title": "<script>alert(1)</script>"},
                    headers=token_for(server, "mike"))
    job = r.json()["job"]
    sign_in(client, "mike")
    page = client.get(f"/jobs/{job}")
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp and "frame-ancestors 'none'" in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    assert client.get("/signin?next=//evil.example/x").text.count('value="/"') == 1  # no open redirect


def test_one_address_failing_for_several_users_is_limited_and_others_are_not(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    s = make_server(tmp_path, extra_toml="signin-failures-per-address = 3\n")
    try:
        assert s.state.config.address_failures == 3
        sprayer = TestClient(s.app, base_url="https://testserver", client=("203.0.113.7", 40000))
        for user in ("lee", "sam", "carol"):  # one wrong password each: no user reaches their own limit
            assert sign_in(sprayer, user, "not the password").status_code == 401
        limited = sign_in(sprayer, "alice", PASSWORD)
        assert limited.status_code == 429 and "too many failed sign-ins" in limited.text
        assert sprayer.get("/api/v1/me").status_code == 401
        office = TestClient(s.app, base_url="https://testserver", client=("198.51.100.20", 40000))
        assert sign_in(office, "alice").status_code == 303  # alice herself, elsewhere, is not locked out
        (entry, *_) = s.store().audit_log(kind="signin", remote="203.0.113.7")
        assert entry.user == "alice" and entry.detail.startswith("rate limited: 3 failures from this address")
    finally:
        s.state.close()


def test_the_address_limit_setting_is_checked(tmp_path: Path) -> None:
    import pytest

    from sopframe.errors import ConfigError

    with pytest.raises(ConfigError, match="signin-failures-per-address' must be a whole number"):
        make_server(tmp_path, extra_toml="signin-failures-per-address = -1\n")


def test_guessed_tokens_and_names_that_cannot_be_users_are_in_the_sign_in_log(server: Server) -> None:
    from fastapi.testclient import TestClient

    store = server.store()
    text, record = create_token(store, "lee", "write")
    client = TestClient(server.app, base_url="https://testserver", client=("203.0.113.9", 40000))
    guessed = f"sft_{record.id}_{'x' * 43}"
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {guessed}"}).status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer sft_0123_nothing"}).status_code == 401
    wrong, unknown = store.audit_log(kind="token.used", remote="203.0.113.9")[:2][::-1]
    assert (wrong.user, wrong.ok, wrong.detail) == ("lee", False, f"{record.id}: wrong secret")
    assert (unknown.user, unknown.ok, unknown.detail) == ("", False, "unknown token")
    spoof = "\u0430lice"  # a Cyrillic a: mixed scripts, never a user name
    assert sign_in(client, spoof, "not the password").status_code == 401
    (entry, *_) = store.audit_log(kind="signin", remote="203.0.113.9")
    assert not entry.ok and entry.detail == "not a user name: '\u0430lice'"


def test_an_uploaded_name_is_recorded_as_visible_text_without_separators(server: Server) -> None:
    client = server.client()
    job = _start_as_mike(server)
    mike, alice = token_for(server, "mike"), token_for(server, "alice")
    client.post(f"/api/v1/jobs/{job}/fields", headers=mike, json={"values": {
        "sop_title": "Incident management", "it_process": "IM", "author": "alice", "draft_due": "2026-01-20"}})
    assert client.post(f"/api/v1/jobs/{job}/complete", headers=mike, json={}).status_code == 200
    spoof = "invoice\u202efdp.exe"  # shown as "invoiceexe.pdf" if the override is kept
    r = client.post(f"/api/v1/jobs/{job}/attachments", headers=alice, data={"field": "draft_document"},
                    files={"file": (spoof, b"MZ", "application/pdf")})
    assert r.status_code == 200, r.text
    sign_in(client, "alice")
    page = client.post(f"/jobs/{job}/attach", data={"field": "draft_document", "csrf": csrf_of(client)},
                       files={"file": ("..\\..\\a\x1b[2Jb.txt", b"text", "text/plain")}, follow_redirects=False)
    assert page.status_code == 303
    names = [e["data"]["name"] for e in client.get(f"/api/v1/jobs/{job}/history").json()["items"]
             if e["type"] == "document.attached"]
    assert names == ["invoice\\u202efdp.exe", ".._.._a\\x1b[2Jb.txt"]
