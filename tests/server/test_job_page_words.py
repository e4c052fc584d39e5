"""What the job page says in words: recorded values as people read them, what is missing by the labels its forms
show, and refusal hints that never name a command-line option."""

from __future__ import annotations

import html
import re
from typing import Any

from serversupport import FORMS_TEMPLATE, TEMPLATE, Server, csrf_of, sign_in, token_for

#: the forms template with titles on a required field, a sign-off and a gate
TITLED = FORMS_TEMPLATE.replace(
    "      notes:\n        type: longtext\n",
    "      notes:\n        type: longtext\n        title: Notes for the <i>reviewer</i>\n        required: yes\n",
).replace(
    "      checked:\n        role: it_lead\n",
    "      checked:\n        role: it_lead\n        title: Findings checked by the lead\n",
).replace(
    "      outcome:\n        type: choice\n",
    "      outcome:\n        type: choice\n        title: Outcome of the check\n",
).replace(
    "    next: close\n",
    "    gate:\n      outcome: pass\n    next: close\n",
)


def _client(server: Server, user: str) -> Any:
    client = server.client()
    sign_in(client, user)
    return client


def _history(page: str) -> list[str]:
    rows = re.findall(r"<tr><td>\d+</td><td>[^<]*</td><td>[^<]*</td><td>field\.set</td><td>([^<]*)</td></tr>", page)
    return [html.unescape(r) for r in rows]


def _missing(page: str) -> list[str]:
    box = re.search(r'<div class="missing">.*?<ul>(.*?)</ul>', page, re.S)
    assert box is not None, page
    return [html.unescape(m) for m in re.findall(r"<li>(.*?)</li>", box.group(1))]


def test_the_history_shows_values_as_people_read_them_not_as_python_writes_them(server: Server) -> None:
    engine = server.state.engine()
    job = str(engine.start(FORMS_TEMPLATE, "form-check.yaml", actor="alice").job_id)
    engine.set_fields(job, {"summary": "it's <b>fine</b>", "areas": ["network", "docs"], "outcome": "pass",
                            "findings": [{"id": "F1", "score": "3"}, {"id": "F2"}]}, actor="alice")
    engine.set_fields(job, {"summary": ""}, actor="alice")
    page = _client(server, "alice").get(f"/jobs/{job}").text
    assert "&lt;b&gt;fine&lt;/b&gt;" in page and "<b>fine</b>" not in page  # text as it is, escaped as HTML
    assert _history(page) == ["write.summary = it's <b>fine</b>", "write.areas = network, docs",
                              "write.outcome = pass", "write.findings = 2 items: (id: F1, score: 3); (id: F2)",
                              "write.summary = (empty)"]
    # the API keeps the recorded values as they are, for programs
    values = [e["data"]["value"] for e in server.client().get(f"/api/v1/jobs/{job}/history",
                                                             headers=token_for(server, "alice", "read")).json()[
        "items"] if e["type"] == "field.set"]
    assert values[1] == ["network", "docs"] and values[3] == [{"id": "F1", "score": "3"}, {"id": "F2"}]


def test_what_is_missing_is_named_as_the_forms_label_it(server: Server) -> None:
    engine = server.state.engine()
    job = str(engine.start(TITLED, "form-check.yaml", actor="alice").job_id)
    engine.set_fields(job, {"outcome": "fail"}, actor="alice")
    alice = _client(server, "alice")
    page = alice.get(f"/jobs/{job}").text
    assert _missing(page) == ["field \u201cNotes for the <i>reviewer</i>\u201d is required and not set",
                              "sign-off \u201cFindings checked by the lead\u201d by role it_lead is not given",
                              "gate: field \u201cOutcome of the check\u201d must equal pass, but is fail"]
    assert "Notes for the &lt;i&gt;reviewer&lt;/i&gt;" in page  # a title is text, never markup
    for label in ("Notes for the &lt;i&gt;reviewer&lt;/i&gt;", "Outcome of the check"):
        assert re.search(rf"<label>{re.escape(label)}", page), label  # the same words as the form's labels
    # a refused completion names them the same way, one a line
    r = alice.post(f"/jobs/{job}/complete", data={"csrf": csrf_of(alice), "stage": "write"})
    assert r.status_code == 422
    refusal = html.unescape(re.search(r'id="refusal">(.*?)</p>', r.text, re.S).group(1))  # type: ignore[union-attr]
    assert "cannot complete: 3 things still missing:\n  - field \u201cNotes for the <i>reviewer</i>\u201d" in refusal
    assert "'notes'" not in refusal
    # the CLI and the API keep the ids they take
    shown = server.client().get(f"/api/v1/jobs/{job}", headers=token_for(server, "alice", "read")).json()
    assert shown["open_stages"][0]["missing"][0] == "field 'notes' (longtext) is required and not set"


def test_refusal_hints_of_the_api_and_the_page_name_no_command_line_option(server: Server) -> None:
    mike = token_for(server, "mike")
    client = server.client()
    job = client.post("/api/v1/jobs", json={"template": TEMPLATE}, headers=mike).json()["job"]
    # the API's callers send JSON, not options: its hints name none
    r = client.post(f"/api/v1/jobs/{job}/cancel", headers=mike, json={"reason": "  "})
    assert r.status_code == 422 and r.json()["hint"] == "give the reason"
    r = client.post(f"/api/v1/jobs/{job}/fields", headers=mike, json={"values": {}})
    assert r.status_code == 422 and "FIELD=VALUE" not in r.text
    page = _client(server, "mike")
    r = page.post(f"/jobs/{job}/set", data={"csrf": csrf_of(page), "stage": "initiated", "f:sop_title": "x",
                                            "f:sop_title_2": "y", "f:nosuch": "z"})
    # what the page says, not its markup: a form's random CSRF token may hold "--"
    said = re.sub(r"<[^>]*>", " ", r.text.split("<main>", 1)[-1])
    assert r.status_code == 422 and "--" not in html.unescape(said)


def test_a_web_reject_without_a_reason_says_so_without_a_command_line_option(server: Server) -> None:
    from server.test_api import _initiate_and_draft

    client = server.client()
    job = client.post("/api/v1/jobs", json={"template": TEMPLATE}, headers=token_for(server, "mike")).json()["job"]
    _initiate_and_draft(server, client, job)
    lee = _client(server, "lee")  # it_lead, owns technical_review, which reworks to the draft
    r = lee.post(f"/jobs/{job}/reject", data={"csrf": csrf_of(lee), "stage": "technical_review", "reason": "  "})
    assert r.status_code == 422
    assert "a reason is required to reject a stage" in r.text
    assert '<p class="hint" id="refusal-hint">give the reason</p>' in r.text and "--reason" not in r.text
