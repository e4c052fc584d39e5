"""An audience member acknowledges an SOP on the training page, in a real headless Chromium."""

from __future__ import annotations

from pathlib import Path

from browsersupport import chromium_page
from serversupport import USERS, make_server, running, sign_in_page
from server.test_reports_api import CONFIG, REF

from sopframe.testing.sop_lifecycle import publish


def test_reading_the_statement_and_acknowledging(tmp_path: Path) -> None:
    server = make_server(tmp_path, users=(*USERS, "rita", "rob", "tom", "owen"),
                         extra_roles='responder = ["rita", "rob"]\n', extra_toml=CONFIG)
    publish(server.state.engine())
    try:
        with running(server.app) as base, chromium_page() as page:
            sign_in_page(page, base, "rob", "/training")
            row = page.locator(f"section[data-sop='{REF}'] tr[data-person='rob']")
            assert "pending" in row.inner_text()
            assert "I have read this procedure and will follow it." in page.locator("blockquote").inner_text()
            page.click(f"section[data-sop='{REF}'] form.ack button")
            page.wait_for_url(f"{base}/training?sop={REF}")
            assert "acknowledged" in page.locator(f"tr[data-person='rob']").inner_text()
            assert page.locator("form.ack").count() == 0
        assert [a.person for a in server.state.engine().store.ack_rows(REF)] == ["rob"]
    finally:
        server.state.close()
