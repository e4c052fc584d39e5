"""What a person working a job needs on its page: the item a per-item sub-job works on, when the job finished and what
it published, and a warning before a change voids sign-offs already given."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

from serversupport import FORMS_TEMPLATE, Server, csrf_of, make_server, sign_in, signed_forms_job

#: one sub-job per finding; the columns have titles, and the sub-job's gate compares with one of them
SCAN = """\
template: scan
title: Monthly scan
version: 1.0.0
kind: vulnerability
job_id: SCAN-{seq:03}
roles:
  analyst: Runs the scan
  engineer: Fixes findings
stages:
  remediate:
    owner: analyst
    fields:
      findings:
        type: list
        title: Findings of the scan
        key: id
        required: yes
        columns:
          id:
            type: text
            title: Finding id
            required: yes
          hosts:
            type: text
            title: Affected hosts
            required: yes
          found_at:
            type: date
            title: Found on
            required: yes
          in_scope:
            type: bool
            title: In the cardholder data environment
    split:
      finding:
        for_each: findings
        suffix: F
        title: Remediate
        owner: engineer
        stages:
          patch:
            fields:
              fixed_on:
                type: date
                title: Fixed on
                required: yes
            gate:
              fixed_on:
                at_least:
                  field: item.found_at
    rejoin: report
  report:
    owner: analyst
"""

ROLES = 'analyst = ["mike"]\nengineer = ["lee", "sam"]\n'


def _client(server: Server, user: str) -> Any:
    client = server.client()
    sign_in(client, user)
    return client


def _scan(tmp_path: Path) -> tuple[Server, str]:
    server = make_server(tmp_path, extra_roles=ROLES)
    engine = server.state.engine()
    job = str(engine.start(SCAN, "scan.yaml", actor="mike").job_id)
    items = [{"id": "CVE-1", "hosts": "web1, <web2>", "found_at": "2026-03-01", "in_scope": "yes"},
             {"id": "CVE-2", "hosts": "mail", "found_at": "2026-03-02"}]
    engine.set_fields(job, {"findings": items}, actor="mike")
    return server, job


def test_a_per_item_sub_job_page_shows_the_item_it_works_on(tmp_path: Path) -> None:
    server, job = _scan(tmp_path)
    try:
        page = _client(server, "lee").get(f"/jobs/{job}-FCVE-1").text
        table = re.search(r'<table class="item" id="item">(.*?)</table>', page, re.S)
        assert table is not None, page
        assert "<caption>Findings of the scan: CVE-1</caption>" in table.group(1)
        rows = [(html.unescape(k), html.unescape(v)) for k, v in
                re.findall(r'<th scope="row">(.*?)</th><td>(.*?)</td>', table.group(1))]
        assert rows == [("Finding id", "CVE-1"), ("Affected hosts", "web1, <web2>"), ("Found on", "2026-03-01"),
                        ("In the cardholder data environment", "yes")]  # the columns' order and titles
        assert "&lt;web2&gt;" in table.group(1)  # text, never markup
        assert '<table class="item"' not in _client(server, "mike").get(f"/jobs/{job}").text  # not on the job
        # the CLI's `job show` of the sub-job says it too
        from sopframe.core.engine.standing import render_standing, standing

        text = render_standing(standing(server.state.engine(), f"{job}-FCVE-2"))
        assert "  item:     id: CVE-2, hosts: mail, found_at: 2026-03-02" in text.splitlines()  # columns' order
    finally:
        server.state.close()


def test_sub_job_stages_on_the_job_page_have_ids_of_their_own_and_a_gate_names_the_compared_column(
        tmp_path: Path) -> None:
    server, job = _scan(tmp_path)
    try:
        lee = _client(server, "lee")
        page = lee.get(f"/jobs/{job}").text
        ids = re.findall(r' id="([^"]+)"', page)
        assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
        assert f'id="stage-{job}-FCVE-1-patch"' in page and f'id="stage-{job}-FCVE-2-patch"' in page
        sub = f"{job}-FCVE-1"
        r = lee.post(f"/jobs/{sub}/set", data={"csrf": csrf_of(lee), "f:fixed_on": "2026-02-01"},
                     follow_redirects=False)
        assert r.status_code == 303, r.text
        missing = html.unescape(lee.get(f"/jobs/{sub}").text)
        assert "gate: field \u201cFixed on\u201d must be at least \u201cFound on\u201d (2026-03-01), but is 2026-02-01" \
            in missing
    finally:
        server.state.close()


def test_a_finished_job_says_when_and_what_it_published(tmp_path: Path) -> None:
    from sopframe.testing.sop_lifecycle import publish

    server = make_server(tmp_path, extra_roles='responder = ["lee"]\n')
    try:
        job = publish(server.state.engine(), ref="SOP-T-009", version="2.1.0", effective="2026-01-05")
        page = _client(server, "alice").get(f"/jobs/{job}").text
        meta = re.search(r'<p class="meta">(.*?)</p>', page, re.S).group(1)  # type: ignore[union-attr]
        assert re.search(r"completed · tiny-sop 1\.0\.0 · started \d{4}-\d\d-\d\d \d\d:\d\d by alice\s+· finished "
                         r"\d{4}-\d\d-\d\d \d\d:\d\d", meta), meta
        published = re.search(r'<p class="meta" id="published">(.*?)</p>', page).group(1)  # type: ignore[union-attr]
        assert published.startswith("Published SOP-T-009 version 2.1.0, effective 2026-01-05, next review ")
    finally:
        server.state.close()


def test_the_page_warns_before_a_change_voids_sign_offs_already_given(server: Server) -> None:
    job = signed_forms_job(server, {"outcome": "pass"})  # lee signed "checked" over the stage's values
    alice = _client(server, "alice")
    page = alice.get(f"/jobs/{job}").text
    note = re.search(r'<p class="note" id="voids-write">(.*?)</p>', page, re.S)
    assert note is not None, page
    assert html.unescape(note.group(1)) == ("Changing a value or a document of this stage voids the sign-off "
                                            "already given on it (checked by lee): it must then be given again.")
    assert "voids-write" not in _client(server, "lee").get(f"/jobs/{job}").text  # he may not change them
    fresh = str(server.state.engine().start(FORMS_TEMPLATE, "form-check.yaml", actor="alice").job_id)
    assert 'class="note"' not in alice.get(f"/jobs/{fresh}").text  # nothing given yet: nothing to warn of


def test_a_list_typed_as_json_that_is_not_says_where_it_goes_wrong(server: Server) -> None:
    job = signed_forms_job(server, {"outcome": "pass"})
    alice = _client(server, "alice")
    r = alice.post(f"/jobs/{job}/set", data={"csrf": csrf_of(alice), "stage": "write",
                                             "f:findings": '[\n{"id": "F-1",}\n]'})
    assert r.status_code == 422
    said = html.unescape(re.search(r'id="refusal">(.*?)</p>', r.text, re.S).group(1))  # type: ignore[union-attr]
    assert "list field: not valid JSON (Expecting property name enclosed in double quotes: line 2 column 14): " \
           "give a JSON array of objects" in said
    assert json.loads('[{"id": "F-1"}]')  # what it should have been


def test_a_job_and_a_per_item_sub_job_are_cancelled_from_the_page_by_whoever_may(tmp_path: Path) -> None:
    server, job = _scan(tmp_path)
    try:
        mike, lee = _client(server, "mike"), _client(server, "lee")
        sub = f"{job}-FCVE-2"
        assert 'id="cancel"' not in lee.get(f"/jobs/{sub}").text  # an engineer drops no finding
        assert 'id="cancel"' not in lee.get(f"/jobs/{job}").text  # nor cancels the scan
        page = mike.get(f"/jobs/{sub}").text
        assert "Cancel this sub-job</button>" in page
        r = mike.post(f"/jobs/{sub}/cancel", data={"csrf": csrf_of(mike), "reason": "  "})
        assert r.status_code == 422 and '<p class="hint" id="refusal-hint">give the reason</p>' in r.text
        r = mike.post(f"/jobs/{sub}/cancel", data={"csrf": csrf_of(mike), "reason": "false positive <FP-7>"},
                      follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == f"/jobs/{sub}"
        engine = server.state.engine()
        assert engine.load(sub).subjob.status == "cancelled"  # type: ignore[union-attr]
        assert 'id="cancel"' not in mike.get(f"/jobs/{sub}").text  # nothing left to cancel
        # the whole job, by its starter
        assert "Cancel this job</button>" in mike.get(f"/jobs/{job}").text
        r = lee.post(f"/jobs/{job}/cancel", data={"csrf": csrf_of(lee), "reason": "not mine"})
        assert r.status_code == 403 and engine.load(job).state.status == "open"  # the engine refuses it anyway
        r = mike.post(f"/jobs/{job}/cancel", data={"csrf": csrf_of(mike), "reason": "scan ran twice"})
        assert r.status_code == 200 and engine.load(job).state.status == "cancelled"
        page = html.unescape(r.text)
        assert "cancelled" in page and "scan ran twice" in page and 'id="cancel"' not in page
    finally:
        server.state.close()


def test_a_cancelled_per_item_sub_job_says_why_on_its_page(tmp_path: Path) -> None:
    server, job = _scan(tmp_path)
    try:
        server.state.engine().cancel(f"{job}-FCVE-2", "false positive", actor="mike")
        page = _client(server, "lee").get(f"/jobs/{job}-FCVE-2").text
        meta = re.search(r'<p class="meta">(.*?)</p>', page, re.S).group(1)  # type: ignore[union-attr]
        assert meta.startswith("cancelled · ") and "false positive" in meta
    finally:
        server.state.close()
