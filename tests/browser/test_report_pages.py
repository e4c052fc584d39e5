"""Training status and the bottleneck report in a real headless Chromium: reached from the navigation, each
user's view, and the report's inline style allowed by its own Content-Security-Policy (and nothing else)."""

from __future__ import annotations

from pathlib import Path

from browsersupport import chromium_page
from serversupport import USERS, make_server, running, sign_in_page

from sopframe.testing.sop_lifecycle import publish

CONFIG = """training-readers = ["trainer"]

[groups]
oncall = ["owen", "rita"]
"""


def test_training_and_bottleneck_pages_from_the_navigation(tmp_path: Path) -> None:
    server = make_server(tmp_path, users=(*USERS, "rita", "rob", "owen"), extra_roles='responder = ["rita", "rob"]\n',
                         extra_toml=CONFIG)
    publish(server.state.engine())
    refused: list[str] = []
    try:
        with running(server.app) as base, chromium_page() as page:
            page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
            sign_in_page(page, base, "alice")  # the SOP's author: everyone's row
            page.click("nav a[href='/training']")
            page.wait_for_url(f"{base}/training")
            rows = page.locator("section[data-sop='SOP-T-001'] tbody tr")
            assert [rows.nth(i).get_attribute("data-person") for i in range(rows.count())] == ["owen", "rita", "rob"]
            assert page.locator("section[data-sop='SOP-T-001']").get_attribute("data-view") == "all"

            page.goto(f"{base}/")
            page.click("nav a[href='/reports/bottlenecks']")
            page.wait_for_url(f"{base}/reports/bottlenecks")
            assert page.locator("svg[role=img]").count() >= 1
            # the inline <style> applied: the table's collapse and the header's shade come from it
            assert page.eval_on_selector("table", "t => getComputedStyle(t).borderCollapse") == "collapse"
            assert page.eval_on_selector("thead th", "t => getComputedStyle(t).backgroundColor") == \
                "rgb(242, 242, 242)"

            page.context.clear_cookies()  # the report page is a document of its own, without the site's header
            sign_in_page(page, base, "rob")  # a member of the audience: his own row only
            page.goto(f"{base}/training")
            rows = page.locator("section[data-sop='SOP-T-001'] tbody tr")
            assert rows.count() == 1 and rows.first.get_attribute("data-person") == "rob"
            assert rows.first.locator("td").nth(1).inner_text().startswith("pending")
        assert refused == []  # nothing on either page was blocked
    finally:
        server.state.close()
