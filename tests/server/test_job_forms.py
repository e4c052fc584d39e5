"""The job page's form of values: multichoice fields, line breaks, and saving what did not change."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from serversupport import Server, csrf_of, make_server, sign_in, signed_forms_job


def _client(server: Server, user: str = "alice") -> Any:
    client = server.client()
    sign_in(client, user)
    return client


def _post(client: Any, job: str, fields: dict[str, Any]) -> Any:
    data = {"stage": "write", "csrf": csrf_of(client), **{f"f:{k}": v for k, v in fields.items()}}
    return client.post(f"/jobs/{job}/set", data=data, follow_redirects=False)


def _events(server: Server, job: str) -> list[str]:
    return [e.type for e in server.state.engine().history(job)]


def _signed(server: Server, job: str) -> bool:
    return "checked" in server.state.engine().load(job).state.signoffs.get("write", {})


def test_a_multichoice_field_is_shown_with_every_stored_choice_selected(server: Server) -> None:
    job = signed_forms_job(server, {"areas": ["docs", "network"], "outcome": "pass"})
    page = _client(server).get(f"/jobs/{job}").text
    select = re.search(r'<select name="f:areas" multiple[^>]*>(.*?)</select>', page, re.S)
    assert select is not None, page
    chosen = re.findall(r'<option value="([^"]+)" selected>', select.group(1))
    assert chosen == ["network", "docs"]  # the template's order
    assert '<input type="hidden" name="f:areas" value="">' in page


def test_a_stored_list_is_edited_as_its_comma_separated_choices() -> None:
    from sopframe.server.views import _form_value

    assert _form_value(["docs", "network"]) == "docs, network"  # never "['docs', 'network']"
    assert _form_value(("a",)) == "a" and _form_value([]) == ""
    assert _form_value(True) == "yes" and _form_value(None) == ""


def test_saving_the_page_unchanged_records_nothing_and_keeps_the_signoff(server: Server) -> None:
    # set through the engine (as the CLI and the API do): LF line breaks, choices in an order of their own
    job = signed_forms_job(server, {"notes": "line one\nline two\n", "areas": ["docs", "network"],
                                    "outcome": "pass"})
    before = _events(server, job)
    client = _client(server)
    # what a browser submits for that page: CRLF in the textarea, the choices in the options' order after the
    # always-present empty value
    r = _post(client, job, {"notes": "line one\r\nline two\r\n", "areas": ["", "network", "docs"],
                            "outcome": "pass"})
    assert r.status_code == 422 and "nothing was changed" in r.text
    assert _events(server, job) == before
    assert _signed(server, job)


def test_values_typed_on_the_page_are_stored_with_lf(server: Server) -> None:
    job = signed_forms_job(server, {"outcome": "pass"})
    r = _post(_client(server), job, {"notes": "one\r\ntwo\rthree\n", "areas": [""], "outcome": "pass"})
    assert r.status_code == 303, r.text
    state = server.state.engine().load(job).state
    assert state.field_value("write", "notes") == "one\ntwo\nthree\n"
    assert state.field_value("write", "areas") is None  # untouched: not recorded
    assert _events(server, job)[-2:] == ["field.set", "signoff.voided"]  # the notes changed


def test_several_choices_are_recorded_and_choosing_none_clears_them(server: Server) -> None:
    job = signed_forms_job(server, {"areas": ["docs"]})
    client = _client(server)
    assert _post(client, job, {"areas": ["", "network", "docs"]}).status_code == 303
    assert server.state.engine().load(job).state.field_value("write", "areas") == ["network", "docs"]
    assert _post(client, job, {"areas": [""]}).status_code == 303
    assert server.state.engine().load(job).state.field_value("write", "areas") == []
    assert 'selected>' not in re.search(r'<select name="f:areas".*?</select>',  # type: ignore[union-attr]
                                        client.get(f"/jobs/{job}").text, re.S).group(0)


def test_another_field_sent_twice_is_refused(server: Server) -> None:
    job = signed_forms_job(server, {"outcome": "pass"})
    before = _events(server, job)
    r = _post(_client(server), job, {"outcome": ["pass", "fail"]})
    assert r.status_code == 422 and "field &#39;outcome&#39; was sent 2 times" in r.text
    assert _events(server, job) == before


def test_a_one_line_field_holding_line_breaks_is_edited_in_a_textarea(server: Server) -> None:
    # a browser strips line breaks from <input>: saving such a page unchanged would change the value
    job = signed_forms_job(server, {"summary": "first\nsecond", "outcome": "pass"})
    client = _client(server)
    page = client.get(f"/jobs/{job}").text
    assert re.search(r'<textarea name="f:summary"[^>]*>\nfirst\nsecond</textarea>', page), page
    before = _events(server, job)
    r = _post(client, job, {"summary": "first\r\nsecond", "notes": "", "areas": [""], "outcome": "pass"})
    assert r.status_code == 422 and "nothing was changed" in r.text
    assert _events(server, job) == before and _signed(server, job)


def test_a_refused_form_shows_again_what_was_typed_and_marks_the_field_it_names(server: Server) -> None:
    job = signed_forms_job(server, {"summary": "recorded", "outcome": "pass"})
    before = _events(server, job)
    typed = '[{"id": "F-1", "score": "11"}]'
    r = _post(_client(server), job, {"summary": "typed <b>now</b>", "notes": "one\r\ntwo", "areas": ["", "docs"],
                                      "outcome": "fail", "findings": typed})
    assert r.status_code == 422 and "field findings" in r.text and "got 11" in r.text
    assert _events(server, job) == before  # nothing of the form was recorded ...
    page = r.text  # ... and nothing typed is lost: the form holds it, for the user to correct the one field
    assert '<input name="f:summary" value="typed &lt;b&gt;now&lt;/b&gt;"' in page
    assert re.search(r'<textarea name="f:notes"[^>]*>\none\ntwo</textarea>', page), page
    assert re.findall(r'<option value="([^"]+)" selected>', _select(page, "areas")) == ["docs"]
    assert re.findall(r'<option value="([^"]+)" selected>', _select(page, "outcome")) == ["fail"]
    findings = re.search(r'<textarea name="f:findings"([^>]*)>\n(.*?)</textarea>', page, re.S)
    assert findings is not None and findings.group(2) == typed.replace('"', "&#34;")
    assert 'aria-invalid="true" aria-describedby="refusal"' in findings.group(1)
    assert page.count("aria-invalid") == 1


def _select(page: str, field: str) -> str:
    found = re.search(rf'<select name="f:{field}"[^>]*>(.*?)</select>', page, re.S)
    assert found is not None, page
    return found.group(1)


def test_a_list_field_is_edited_as_json_with_its_columns_and_saving_it_unchanged_records_nothing(
        server: Server) -> None:
    items = [{"id": "F-1", "score": "7.5"}, {"id": "F-2"}]
    job = signed_forms_job(server, {"findings": items, "outcome": "pass"})
    client = _client(server)
    page = client.get(f"/jobs/{job}").text
    shown = re.search(r'<textarea name="f:findings"[^>]*>\n(.*?)</textarea>', page, re.S)
    assert shown is not None, page
    text = shown.group(1).replace("&#34;", '"')
    assert "{'id'" not in text and json.loads(text) == items  # JSON, never a Python repr
    assert "<code>score</code>: Score (number)" in page  # the columns an item takes
    before = _events(server, job)
    r = _post(client, job, {"findings": text.replace("\n", "\r\n"), "outcome": "pass"})
    assert r.status_code == 422 and "nothing was changed" in r.text
    assert _events(server, job) == before and _signed(server, job)
    r = _post(client, job, {"findings": '[{"id": "F-3", "score": "2"}]', "outcome": "pass"})
    assert r.status_code == 303, r.text
    assert server.state.engine().load(job).state.field_value("write", "findings") == [{"id": "F-3", "score": "2"}]


def test_the_board_offers_only_templates_one_may_start_and_a_refused_start_keeps_what_was_typed(
        tmp_path: Path) -> None:
    server = make_server(tmp_path, extra_roles='vuln_analyst = ["mike"]\n')
    try:
        mike = _client(server, "mike")
        offered = re.search(r'<select name="template">(.*?)</select>', mike.get("/").text.split("Start a job")[1])
        assert offered is not None
        assert re.findall(r"<option[^>]*>([^<]+)</option>", offered.group(1)) == [
            "itsop-incident-management", "vulnerability-remediation"]  # the templates his roles start
        # its SOP is not published: refused, on the board, with the words of the page and what he typed
        r = mike.post("/jobs", data={"csrf": csrf_of(mike), "template": "vulnerability-remediation",
                                     "title": "Scan <i>42</i>", "reason": ""}, follow_redirects=False)
        assert r.status_code == 422 and "not on the SOP master list" in r.text
        assert "give a reason to start it anyway" in r.text and "--reason" not in r.text
        assert '<input name="title" value="Scan &lt;i&gt;42&lt;/i&gt;">' in r.text
        assert "<option selected>vulnerability-remediation</option>" in r.text
        assert server.store().job_ids() == []  # nothing was started
        # an auditor reads every job but starts none: no form, and a start posted anyway is refused on the board
        audrey = _client(server, "audrey")
        assert 'class="start"' not in audrey.get("/").text
        r = audrey.post("/jobs", data={"csrf": csrf_of(audrey), "template": "itsop-incident-management"},
                        follow_redirects=False)
        assert r.status_code == 403 and "start a job" in r.text and 'class="start"' not in r.text
        assert 'id="refusal"' in r.text
    finally:
        server.state.close()


def test_forms_the_policy_refuses_this_user_are_disabled_and_say_why(server: Server) -> None:
    job = signed_forms_job(server, {"outcome": "pass"})
    owner = _client(server, "alice").get(f"/jobs/{job}").text
    assert "<fieldset>" in owner and "refusal-edit-write" not in owner
    assert re.search(r'<button type="submit">Complete stage</button>', owner)
    signer = _client(server, "lee").get(f"/jobs/{job}").text  # signs this stage, does not own it
    assert "<fieldset disabled>" in signer
    why = re.search(r'id="refusal-edit-write">You may not: ([^<]+)</p>', signer)
    assert why and "lee may not record values on stage &#39;write&#39;: that needs role &#39;author&#39;" in why.group(1)
    assert re.search(r'<button type="submit" disabled>Complete stage</button>\s*<span class="refusal">You may not: ',
                     signer)
    # what the page disables, the engine refuses too: the page only says so in advance
    before = _events(server, job)
    r = _post(_client(server, "lee"), job, {"outcome": "fail"})
    assert r.status_code == 403 and _events(server, job) == before


def test_a_sub_jobs_page_lists_the_other_sub_jobs_not_itself(server: Server) -> None:
    from engine.test_standing_untitled import UNTITLED

    job = server.state.engine().start(UNTITLED, "parts.yaml", actor="lee").job_id
    client = _client(server, "lee")
    whole = client.get(f"/jobs/{job}").text
    assert "<h2>Sub-jobs</h2>" in whole and f'href="/jobs/{job}-C"' in whole
    part = client.get(f"/jobs/{job}-C").text
    assert "<h2>Sub-jobs</h2>" not in part and f'href="/jobs/{job}-C"' not in part
