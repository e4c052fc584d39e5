"""The JSON API end to end: a job driven through its stages by several users with API tokens."""

from __future__ import annotations

from typing import Any

from serversupport import TEMPLATE, Server, token_for


def _start(server: Server, client: Any, user: str = "mike") -> str:
    r = client.post("/api/v1/jobs", json={"template": TEMPLATE, "title": "Incident SOP"},
                    headers=token_for(server, user))
    assert r.status_code == 201, r.text
    return str(r.json()["job"])


def _initiate_and_draft(server: Server, client: Any, job: str) -> None:
    mike, alice = token_for(server, "mike"), token_for(server, "alice")
    r = client.post(f"/api/v1/jobs/{job}/fields", headers=mike, json={"values": {
        "sop_title": "Incident management", "it_process": "IM", "author": "alice", "draft_due": "2026-01-20"}})
    assert r.status_code == 200, r.text
    assert client.post(f"/api/v1/jobs/{job}/complete", headers=mike, json={}).status_code == 200
    r = client.post(f"/api/v1/jobs/{job}/fields", headers=alice, json={"values": {
        "sop_ref": "ITSOP-2026-7", "version": "1.0", "draft_date": "2026-01-10"}})
    assert r.status_code == 200, r.text
    r = client.post(f"/api/v1/jobs/{job}/attachments", headers=alice, data={"field": "draft_document"},
                    files={"file": ("draft.docx", b"draft v1", "application/octet-stream")})
    assert r.status_code == 200, r.text
    assert client.post(f"/api/v1/jobs/{job}/complete", headers=alice, json={}).status_code == 200


def test_a_job_runs_through_the_api_with_each_user_as_the_actor(server: Server) -> None:
    client = server.client()
    job = _start(server, client)
    _initiate_and_draft(server, client, job)
    shown = client.get(f"/api/v1/jobs/{job}", headers=token_for(server, "lee", "read")).json()
    assert [s["stage"] for s in shown["open_stages"]] == ["technical_review"]
    assert shown["open_stages"][0]["missing"]  # sign-offs and the review date are still missing

    # alice wrote the draft: the engine refuses her the it_lead sign-off, and says why
    r = client.post(f"/api/v1/jobs/{job}/signoffs", headers=token_for(server, "alice"), json={"signoff": "it_lead"})
    assert r.status_code == 403
    assert r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert problem["status"] == 403 and problem["kind"] == "forbidden"
    assert "segregation of duties" in problem["detail"] and "alice" in problem["detail"]

    # the inbox service says the same: alice sees the sign-off as barred, lee as his to give
    alice_inbox = client.get("/api/v1/inbox", headers=token_for(server, "alice", "read")).json()["items"]
    barred = [i for i in alice_inbox if i["job"] == job and i["signoff"] == "it_lead"]
    assert len(barred) == 1 and barred[0]["may_act"] is False and "not_by: author" in barred[0]["reason"]
    lee = token_for(server, "lee")
    lee_inbox = client.get("/api/v1/inbox", headers=lee).json()["items"]
    assert any(i["job"] == job and i["signoff"] == "it_lead" and i["may_act"] for i in lee_inbox)
    assert client.post(f"/api/v1/jobs/{job}/signoffs", headers=lee, json={"signoff": "it_lead"}).status_code == 200
    again = client.post(f"/api/v1/jobs/{job}/signoffs", headers=lee, json={"signoff": "it_lead"})
    assert again.status_code == 409 and "already given by lee" in again.json()["detail"]
    bad = client.post(f"/api/v1/jobs/{job}/fields", headers=lee, json={"values": {"review_date": "soon"}})
    assert bad.status_code == 422 and bad.json()["field"] == "review_date"

    history = client.get(f"/api/v1/jobs/{job}/history", headers=lee).json()["items"]
    signed = [e for e in history if e["type"] == "signoff.given"]
    assert [(e["actor"], e["data"]["signoff"]) for e in signed] == [("lee", "it_lead")]
    assert {e["actor"] for e in history} == {"mike", "alice", "lee"}
    verified = client.get(f"/api/v1/jobs/{job}/verify", headers=lee).json()
    assert verified["ok"] is True and verified["events"] == len(history)


def test_history_and_job_lists_page_by_cursor(server: Server) -> None:
    client = server.client()
    jobs = [_start(server, client) for _ in range(3)]
    reader = token_for(server, "audrey", "read")
    first = client.get("/api/v1/jobs?limit=2", headers=reader).json()
    assert [j["job"] for j in first["items"]] == sorted(jobs)[:2] and first["next_cursor"] == sorted(jobs)[1]
    second = client.get(f"/api/v1/jobs?limit=2&cursor={first['next_cursor']}", headers=reader).json()
    assert [j["job"] for j in second["items"]] == sorted(jobs)[2:] and second["next_cursor"] is None
    whole = client.get(f"/api/v1/jobs/{jobs[0]}/history", headers=reader).json()["items"]
    page = client.get(f"/api/v1/jobs/{jobs[0]}/history?limit=1", headers=reader).json()
    rest = client.get(f"/api/v1/jobs/{jobs[0]}/history?cursor={page['next_cursor']}", headers=reader).json()
    assert page["items"] + rest["items"] == whole and rest["next_cursor"] is None


def test_errors_are_problem_details(server: Server) -> None:
    client = server.client()
    lee = token_for(server, "lee")
    r = client.get("/api/v1/jobs/NOPE-1", headers=lee)
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["detail"] == "unknown job 'NOPE-1'" and r.json()["instance"] == "/api/v1/jobs/NOPE-1"
    r = client.post("/api/v1/jobs", headers=lee, json={"title": "no template"})
    assert r.status_code == 422 and "template" in r.json()["detail"]
    r = client.post("/api/v1/jobs", headers=lee, json={"template": "no-such-template"})
    assert r.status_code == 422 and "no shipped template" in r.json()["detail"]
    r = client.post("/api/v1/jobs", headers=lee, json={"template": TEMPLATE})  # lee may not start one
    assert r.status_code == 403 and "lee may not" in r.json()["detail"]


def test_sop_master_list_overdue_and_openapi(server: Server) -> None:
    client = server.client()
    reader = token_for(server, "audrey", "read")
    assert client.get("/api/v1/sops", headers=reader).json() == {"items": []}
    assert client.get("/api/v1/overdue", headers=reader).json() == {"items": []}
    spec = client.get("/api/v1/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    for path in ("/api/v1/jobs", "/api/v1/inbox", "/api/v1/jobs/{job}/signoffs", "/api/v1/jobs/{job}/history", "/api/v1/sops",
                 "/api/v1/overdue", "/api/v1/jobs/{job}/verify", "/api/v1/jobs/{job}/attachments"):
        assert path in spec["paths"]
    assert "/signin" not in spec["paths"]  # pages are not part of the API


def test_a_template_implementing_an_unpublished_sop_starts_only_with_a_recorded_reason(tmp_path: Any) -> None:
    from serversupport import make_server

    s = make_server(tmp_path, users=("mike",), extra_roles='service_desk = ["mike"]\n')
    client, auth = s.client(), token_for(s, "mike")
    refused = client.post("/api/v1/jobs", json={"template": "incident-response"}, headers=auth)
    assert refused.status_code >= 400 and "not on the SOP master list" in refused.json()["detail"]
    assert s.store().job_ids() == []
    r = client.post("/api/v1/jobs", json={"template": "incident-response", "reason": "SOP-IR-001 not yet published"},
                    headers=auth)
    assert r.status_code == 201, r.text
    started = s.store().read(r.json()["job"])[0]
    assert started.type == "job.started" and started.data["sop"]["reason"] == "SOP-IR-001 not yet published"


def test_the_board_form_starts_an_unpublished_sop_template_with_its_reason(tmp_path: Any) -> None:
    """The web form takes the same reason as the API, so the bundled templates start from a browser too."""
    from serversupport import csrf_of, make_server, sign_in

    s = make_server(tmp_path, users=("mike",), extra_roles='service_desk = ["mike"]\n')
    client = s.client()
    sign_in(client, "mike")
    board = client.get("/")
    assert board.status_code == 200 and 'name="reason"' in board.text
    refused = client.post("/jobs", data={"template": "incident-response", "csrf": csrf_of(client)},
                          follow_redirects=False)
    assert refused.status_code >= 400 and "not on the SOP master list" in refused.text
    assert s.store().job_ids() == []
    r = client.post("/jobs", data={"template": "incident-response", "reason": "SOP-IR-001 not yet published",
                                   "csrf": csrf_of(client)}, follow_redirects=False)
    assert r.status_code == 303, r.text
    (job,) = s.store().job_ids()
    assert s.store().read(job)[0].data["sop"]["reason"] == "SOP-IR-001 not yet published"


def test_list_items_that_are_not_objects_are_422_naming_the_field(tmp_path: Any) -> None:
    from serversupport import make_server

    s = make_server(tmp_path, users=("sam",), extra_roles='vuln_analyst = ["sam"]\n')
    client, auth = s.client(), token_for(s, "sam")
    r = client.post("/api/v1/jobs", json={"template": "vulnerability-remediation", "reason": "not yet published"},
                    headers=auth)
    assert r.status_code == 201, r.text
    job = r.json()["job"]
    r = client.post(f"/api/v1/jobs/{job}/fields", headers=auth, json={"values": {
        "source": "internal-scan", "scan_reference": "SCAN-1", "scanned_at": "2026-01-02T09:00:00Z"}})
    assert r.status_code == 200, r.text
    r = client.post(f"/api/v1/jobs/{job}/attachments", headers=auth, data={"field": "scan_report"},
                    files={"file": ("scan.csv", b"id\nCVE-1\n", "text/csv")})
    assert r.status_code == 200, r.text
    assert client.post(f"/api/v1/jobs/{job}/complete", headers=auth, json={}).status_code == 200
    for bad in ([1], [None], [[]]):
        r = client.post(f"/api/v1/jobs/{job}/fields", headers=auth, json={"values": {"findings": bad}})
        assert r.status_code == 422, (bad, r.text)
        problem = r.json()
        assert problem["field"] == "findings" and "item 1: expected an object with the columns id" in problem["detail"]
    s.state.close()


def test_a_json_value_of_the_wrong_kind_is_refused_and_nothing_recorded(server: Server) -> None:
    client = server.client()
    job = _start(server, client)
    mike = token_for(server, "mike")
    before = client.get(f"/api/v1/jobs/{job}/history", headers=mike).json()["items"]
    for value, kind in (({"a": 1}, "an object"), (["x"], "an array"), (True, "a boolean"), (None, "null"),
                        (1.10, "a number")):
        r = client.post(f"/api/v1/jobs/{job}/fields", headers=mike,
                        json={"values": {"it_process": "IM", "sop_title": value}})
        assert r.status_code == 422, r.text
        assert r.headers["content-type"] == "application/problem+json"
        problem = r.json()
        assert problem["field"] == "sop_title" and problem["stage"] == "initiated" and problem["job"] == job
        assert f"text field: expected a string, got {kind}" in problem["detail"]
    after = client.get(f"/api/v1/jobs/{job}/history", headers=mike).json()["items"]
    assert after == before
    assert not any(e["type"] == "field.set" for e in after)
