"""Training status and the bottleneck report over the API and as pages: each user sees what the policy lets them.

The tiny SOP-lifecycle template (``sopframe.testing.sop_lifecycle``) publishes
SOP-T-001 for the audience ``responder`` (rita, rob) and ``group:oncall``
(owen, rita); alice is its author; tom is a trainer (``training-readers``),
audrey an auditor (``readers``).  The incident template's jobs are started
by mike and name no role rita holds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest
from serversupport import TEMPLATE, USERS, Server, make_server, sign_in, token_for

from sopframe.testing.sop_lifecycle import publish

REF = "SOP-T-001"
CONFIG = """training-readers = ["trainer"]

[groups]
oncall = ["owen", "rita"]

[training]
grace = "14d"
"""


@pytest.fixture
def sops(tmp_path: Path) -> Iterator[Server]:
    s = make_server(tmp_path, users=(*USERS, "rita", "rob", "tom", "owen"),
                    extra_roles='responder = ["rita", "rob"]\n', extra_toml=CONFIG)
    yield s
    s.state.close()


def _acknowledge(server: Server, person: str) -> None:
    from sopframe.core.engine.records import SopRecords
    from sopframe.services.context import groups_from_settings

    st = server.state
    SopRecords(st.engine().store, roles=st.roles, groups=groups_from_settings(st.settings)).acknowledge(
        REF, actor=person)


def _training(server: Server, client: Any, user: str, query: str = "") -> Any:
    return client.get(f"/api/v1/training{query}", headers=token_for(server, user, "read"))


def test_training_status_shows_everyone_to_authors_trainers_and_auditors(sops: Server) -> None:
    publish(sops.state.engine())
    _acknowledge(sops, "rita")
    client = sops.client()
    for user in ("alice", "tom", "audrey"):
        r = _training(sops, client, user, f"?sop={REF}")
        assert r.status_code == 200, r.text
        (item,) = r.json()["items"]
        assert item["view"] == "all" and item["ref"] == REF and item["version"] == "1.0.0"
        people = {p["person"]: p["status"] for p in item["people"]}
        assert people == {"owen": "pending", "rita": "acknowledged", "rob": "pending"}  # 14 days from publication
        assert item["acknowledged"] == 1 and item["policy"]["audience"] == ["responder", "group:oncall"]
    # the same figures as the CLI's service, called with the same settings
    from sopframe.services.sops import training_for

    st = sops.state
    (direct,) = training_for(st.settings, st.engine().store, st.roles, st.engine().clock(), REF)
    assert [p.person for p in direct.people] == ["owen", "rita", "rob"]


def test_an_audience_member_sees_only_their_own_row(sops: Server) -> None:
    publish(sops.state.engine())
    _acknowledge(sops, "rita")
    client = sops.client()
    (item,) = _training(sops, client, "rob").json()["items"]
    assert item["view"] == "own"
    assert [(p["person"], p["status"]) for p in item["people"]] == [("rob", "pending")]
    (mine,) = _training(sops, client, "rita", f"?sop={REF}").json()["items"]
    assert [(p["person"], p["status"]) for p in mine["people"]] == [("rita", "acknowledged")]
    assert [p["person"] for p in mine["people"]] == ["rita"] and mine["undefined_groups"] == []


def test_someone_outside_the_audience_sees_nothing_and_is_refused_by_name(sops: Server) -> None:
    publish(sops.state.engine())
    client = sops.client()
    assert _training(sops, client, "lee").json() == {"items": []}  # holds a role, but none of this SOP's
    r = _training(sops, client, "lee", f"?sop={REF}")
    assert r.status_code == 403 and r.headers["content-type"] == "application/problem+json"
    assert "may not see the training status of SOP-T-001" in r.json()["detail"]
    assert _training(sops, client, "nora").status_code == 403  # no role at all
    assert client.get("/api/v1/training").status_code == 401


def test_a_group_member_without_a_role_sees_their_own_status_and_nothing_else(sops: Server) -> None:
    publish(sops.state.engine())
    client = sops.client()
    (item,) = _training(sops, client, "owen").json()["items"]  # owen is only in the group oncall
    assert item["view"] == "own" and [p["person"] for p in item["people"]] == ["owen"]
    for path in ("/api/v1/jobs", "/api/v1/inbox", "/api/v1/sops", "/api/v1/reports/bottlenecks"):
        r = client.get(path, headers=token_for(sops, "owen", "read"))
        assert r.status_code == 403 and "holds no role" in r.json()["detail"], path
    browser = sops.client()
    sign_in(browser, "owen")
    assert 'data-person="owen"' in browser.get("/training").text
    assert browser.get("/inbox").status_code == 403


def test_unknown_and_malformed_references_are_problems(sops: Server) -> None:
    publish(sops.state.engine())
    client = sops.client()
    r = _training(sops, client, "alice", "?sop=SOP-T-999")
    assert r.status_code == 404 and "not on the SOP master list" in r.json()["detail"]
    r = _training(sops, client, "alice", "?sop=sop-t-001")
    assert r.status_code == 422 and "must be written in upper case" in r.json()["detail"]


def test_a_bad_training_table_stops_the_server_at_start(tmp_path: Path) -> None:
    from sopframe.errors import ConfigError

    with pytest.raises(ConfigError, match="training.grace") as e:
        make_server(tmp_path, extra_toml='\n[training]\ngrace = "soon"\n')
    assert e.value.path and e.value.path.endswith("sopframe.toml:17")  # the line of `grace`


def _jobs_of_two_templates(server: Server) -> tuple[str, str]:
    publish(server.state.engine())  # TSOP-001: tiny-sop, completed
    client = server.client()
    r = client.post("/api/v1/jobs", json={"template": TEMPLATE, "title": "Incident"}, headers=token_for(server, "mike"))
    assert r.status_code == 201, r.text
    return "TSOP-001", str(r.json()["job"])


def _report(server: Server, client: Any, user: str, query: str = "") -> Any:
    return client.get(f"/api/v1/reports/bottlenecks{query}", headers=token_for(server, user, "read"))


def test_the_bottleneck_report_covers_only_jobs_the_user_may_read(sops: Server) -> None:
    from sopframe.reports.render import to_data
    from sopframe.services.reports import bottleneck_report

    _tiny, incident = _jobs_of_two_templates(sops)
    client = sops.client()
    everything = _report(sops, client, "audrey").json()  # an auditor reads every job
    assert everything["jobs"] == 2
    assert {g["template"] for g in everything["stages"]} == {"tiny-sop", TEMPLATE}
    rita = _report(sops, client, "rita").json()  # a responder: tiny-sop jobs only
    assert rita["jobs"] == 1 and {g["template"] for g in rita["stages"]} == {"tiny-sop"}
    assert incident not in str(rita) and "mike" not in {g["name"] for g in rita["people"]}
    mike = _report(sops, client, "mike").json()
    assert mike["jobs"] == 1 and {g["template"] for g in mike["stages"]} == {TEMPLATE}
    # the auditor's report is the CLI's JSON (the same service over the same store), but for its clock
    st = sops.state
    cli = to_data(bottleneck_report(st.engine().store, st.engine().clock()))
    assert {k: v for k, v in cli.items() if k not in ("generated_at", "stages", "roles", "people", "bottlenecks",
                                                      "weekly", "wip_ages")} == \
        {k: v for k, v in everything.items() if k not in ("generated_at", "stages", "roles", "people",
                                                           "bottlenecks", "weekly", "wip_ages")}
    assert [g["name"] for g in cli["stages"]] == [g["name"] for g in everything["stages"]]


def test_a_template_whose_jobs_the_user_may_not_read_is_refused(sops: Server) -> None:
    _jobs_of_two_templates(sops)
    client = sops.client()
    r = _report(sops, client, "rita", f"?template={TEMPLATE}")
    assert r.status_code == 403 and r.headers["content-type"] == "application/problem+json"
    assert f"may not see jobs of template '{TEMPLATE}'" in r.json()["detail"]
    ok = _report(sops, client, "mike", f"?template={TEMPLATE}&since=2020-01-01&top=1")
    assert ok.status_code == 200 and ok.json()["template"] == TEMPLATE and len(ok.json()["bottlenecks"]) <= 1
    assert _report(sops, client, "nora").status_code == 403
    assert client.get("/api/v1/reports/bottlenecks").status_code == 401
    bad = _report(sops, client, "mike", "?since=yesterday")
    assert bad.status_code == 422 and "'yesterday' is not a date" in bad.json()["detail"]
    assert _report(sops, client, "mike", "?since=2999-01-01").status_code == 422
    assert _report(sops, client, "mike", "?top=99").status_code == 422


def test_both_endpoints_are_in_the_openapi_document(sops: Server) -> None:
    paths = sops.client().get("/api/v1/openapi.json").json()["paths"]
    assert set(paths["/api/v1/training"]) == {"get"}
    assert {p["name"] for p in paths["/api/v1/training"]["get"]["parameters"]} == {"sop"}
    assert {p["name"] for p in paths["/api/v1/reports/bottlenecks"]["get"]["parameters"]} == {"template", "since",
                                                                                                 "top"}


def test_the_pages_show_the_same_views(sops: Server) -> None:
    _jobs_of_two_templates(sops)
    _acknowledge(sops, "rita")
    rob = sops.client()
    assert rob.get("/training", follow_redirects=False).status_code == 303  # no session: to the sign-in page
    sign_in(rob, "rob")
    page = rob.get("/training")
    assert page.status_code == 200 and 'href="/training"' in page.text
    assert 'data-person="rob"' in page.text and 'data-person="rita"' not in page.text
    alice = sops.client()
    sign_in(alice, "alice")
    page = alice.get("/training")
    assert all(f'data-person="{p}"' in page.text for p in ("owen", "rita", "rob"))
    report = alice.get("/reports/bottlenecks")
    assert report.status_code == 200 and "<svg" in report.text and "<script" not in report.text
    assert report.headers["content-security-policy"].startswith("default-src 'none'; style-src 'unsafe-inline'")
    assert ">write<" in report.text  # the tiny SOP template's stage: alice may read its job
    rita = sops.client()
    sign_in(rita, "rita")
    assert rita.get(f"/reports/bottlenecks?template={TEMPLATE}").status_code == 403
