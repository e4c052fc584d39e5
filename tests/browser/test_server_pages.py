"""The web UI in a real headless Chromium against uvicorn on 127.0.0.1: a job from start to a signed review."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from browsersupport import chromium_page
from serversupport import PASSWORD, TEMPLATE, make_server, running, signed_forms_job, token_for


def _sign_in(page: Any, base: str, user: str) -> None:
    page.goto(f"{base}/")
    assert "/signin" in page.url  # no session: sent to sign in
    page.fill("input[name=user]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.signin button")
    page.wait_for_url(f"{base}/")


def _sign_out(page: Any) -> None:
    page.click("form.signout button")
    page.wait_for_url("**/signin")


def test_a_job_through_the_pages_with_segregation_of_duties(tmp_path: Path) -> None:
    server = make_server(tmp_path)
    (tmp_path / "draft.md").write_text("# Incident management\n", "utf-8")
    try:
        with running(server.app) as base, chromium_page() as page:
            # mike starts a job from the board and records the first stage
            _sign_in(page, base, "mike")
            assert page.locator("h1").inner_text() == "Jobs by stage"
            page.select_option("form.start select[name=template]", TEMPLATE)
            page.fill("form.start input[name=title]", "Incident SOP <b>v1</b>")
            page.click("form.start button")
            page.wait_for_url("**/jobs/ITSOP-*")
            job = page.url.rsplit("/", 1)[-1]
            assert "Incident SOP <b>v1</b>" in page.locator("h1").inner_text()  # shown as text, not markup
            for name, value in (("sop_title", "Incident management"), ("it_process", "IM"), ("author", "alice"),
                                ("draft_due", "2026-01-20")):
                page.fill(f"[name='f:{name}']", value)
            page.click("form.fields button")
            page.wait_for_url(f"**/jobs/{job}")
            assert page.locator("[name='f:author']").input_value() == "alice"
            page.click("#stage-initiated form[action$='/complete'] button")
            page.wait_for_url(f"**/jobs/{job}")
            assert page.locator("#stage-draft").count() == 1
            page.goto(f"{base}/")
            column = page.locator(".column[data-stage=draft]")
            assert column.locator("h2").inner_text().startswith("Draft written")  # the stage's title, as on its page
            assert job in column.inner_text()
            _sign_out(page)

            # alice writes the draft and attaches it
            _sign_in(page, base, "alice")
            page.goto(f"{base}/jobs/{job}")
            for name, value in (("sop_ref", "ITSOP-2026-7"), ("version", "1.0"), ("draft_date", "2026-01-10")):
                page.fill(f"[name='f:{name}']", value)
            page.click("form.fields button")
            page.wait_for_url(f"**/jobs/{job}")
            page.set_input_files("form.attach input[type=file]", str(tmp_path / "draft.md"))
            page.click("form.attach button")
            page.wait_for_url(f"**/jobs/{job}")
            assert "draft.md" in page.locator("form.attach").inner_text()
            page.click("#stage-draft form[action$='/complete'] button")
            page.wait_for_url(f"**/jobs/{job}")

            # her inbox lists the it_lead sign-off as one she may not give, with the reason
            page.goto(f"{base}/inbox")
            barred = page.locator(f"tr[data-job='{job}'][data-kind=signoff].barred").inner_text()
            assert "sign-off it_lead at Technical review" in barred  # the stage by its title, as the job page
            assert "You may not" in barred and "not_by: author" in barred
            page.goto(f"{base}/jobs/{job}")

            # alice also holds it_lead, but wrote the draft: the page says why she may not sign, and refuses
            reason = page.locator("#signoff-it_lead .refusal").inner_text()
            assert "segregation of duties" in reason and "alice" in reason
            page.click("#signoff-it_lead button")
            refusal = page.locator("#refusal").inner_text()
            assert "segregation of duties" in refusal
            assert "signed by" not in page.locator("#signoff-it_lead").inner_text()
            _sign_out(page)

            # lee signs as it_lead; the other reviewers sign through the API; lee completes the review
            _sign_in(page, base, "lee")
            page.goto(f"{base}/inbox")
            assert "it_lead" in page.locator(f"tr[data-job='{job}'][data-kind=signoff]").inner_text()
            page.click(f"tr[data-job='{job}'] a")
            page.wait_for_url(f"**/jobs/{job}")
            page.fill("[name='f:review_date']", "2026-01-12")
            page.click("#stage-technical_review form.fields button")
            page.wait_for_url(f"**/jobs/{job}")
            assert page.locator("#signoff-it_lead .refusal").count() == 0
            page.click("#signoff-it_lead button")
            page.wait_for_url(f"**/jobs/{job}")
            assert "signed by lee" in page.locator("#signoff-it_lead").inner_text()
            client = server.client()
            for user, signoff in (("sam", "security"), ("carol", "compliance")):
                r = client.post(f"/api/v1/jobs/{job}/signoffs", json={"signoff": signoff},
                                headers=token_for(server, user))
                assert r.status_code == 200, r.text
            page.reload()
            page.click("#stage-technical_review form[action$='/complete'] button")
            page.wait_for_url(f"**/jobs/{job}")
            assert page.locator("#stage-test_run").count() == 1

            # the history names who did what
            rows = [r.split("\t") for r in page.locator("table.history tbody tr").all_inner_texts()]
            done = [(r[2], r[3]) for r in rows]
            assert ("lee", "signoff.given") in done and ("sam", "signoff.given") in done
            assert ("alice", "document.attached") in done and ("lee", "stage.completed") in done
            assert not any(actor == "alice" and kind == "signoff.given" for actor, kind in done)
            assert "open" in page.locator("ol.stages li[data-node=test_run]").inner_text()
            assert "done" in page.locator("ol.stages li[data-node=technical_review]").inner_text()
            if shutil.which("dot"):  # Graphviz draws the diagram too where it is installed
                assert page.locator("img.diagram").evaluate("img => img.naturalWidth") > 0
    finally:
        server.state.close()


def test_saving_a_page_unchanged_keeps_the_signoff_and_typed_text_is_stored_with_lf(tmp_path: Path) -> None:
    server = make_server(tmp_path)
    # set through the engine, as the CLI and the API do: LF line breaks, choices in an order of their own
    job = signed_forms_job(server, {"notes": "first line\nsecond line", "areas": ["docs", "network"],
                                    "outcome": "pass"})
    engine = server.state.engine()
    before = [e.type for e in engine.history(job)]
    try:
        with running(server.app) as base, chromium_page() as page:
            _sign_in(page, base, "alice")
            page.goto(f"{base}/jobs/{job}")
            areas = "select[name='f:areas']"
            assert page.locator(areas).evaluate("s => s.multiple") is True
            chosen = page.locator(areas).evaluate("s => Array.from(s.selectedOptions, o => o.value)")
            assert chosen == ["network", "docs"]
            assert page.locator("textarea[name='f:notes']").input_value() == "first line\nsecond line"
            assert "signed by lee" in page.locator("#signoff-checked").inner_text()

            # Chromium submits the textarea with CRLF and the choices in the options' order: nothing changed
            with page.expect_navigation():
                page.click("form.fields button")
            assert page.url.endswith(f"/jobs/{job}/set")
            assert "nothing was changed" in page.locator("#refusal").inner_text()
            assert "signed by lee" in page.locator("#signoff-checked").inner_text()
            assert [e.type for e in engine.history(job)] == before

            # text typed in the box is stored with LF; choosing no option clears the field
            page.goto(f"{base}/jobs/{job}")
            page.fill("textarea[name='f:notes']", "alpha\nbeta")
            page.select_option(areas, [])
            with page.expect_navigation():  # the page's URL is the same before and after
                page.click("form.fields button")
            assert page.url.endswith(f"/jobs/{job}")
            state = engine.load(job).state
            assert state.field_value("write", "notes") == "alpha\nbeta"
            assert state.field_value("write", "areas") == []
            assert "signed by" not in page.locator("#signoff-checked").inner_text()  # its values changed

            # several choices are recorded, and shown chosen
            page.select_option(areas, ["storage", "docs"])
            with page.expect_navigation():  # the page's URL is the same before and after
                page.click("form.fields button")
            assert page.url.endswith(f"/jobs/{job}")
            assert engine.load(job).state.field_value("write", "areas") == ["storage", "docs"]
            chosen = page.locator(areas).evaluate("s => Array.from(s.selectedOptions, o => o.value)")
            assert chosen == ["storage", "docs"]
    finally:
        server.state.close()
