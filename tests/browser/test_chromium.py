"""The browser the page tests rely on draws SVG served from 127.0.0.1."""

from __future__ import annotations

import http.server
import threading
from pathlib import Path

from browsersupport import chromium_page

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>probe</title></head>
<body><svg id="chart" width="200" height="100" role="img" aria-label="probe">
<rect id="bar" x="10" y="10" width="120" height="40" fill="#336"/></svg></body></html>"""


def test_headless_chromium_lays_out_svg_from_loopback(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text(PAGE, encoding="utf-8")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            super().__init__(*args, directory=str(tmp_path), **kwargs)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with chromium_page() as page:
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/index.html")
            assert page.title() == "probe"
            box = page.locator("#bar").bounding_box()
            assert box is not None and round(box["width"]) == 120 and round(box["height"]) == 40
    finally:
        server.shutdown()
        thread.join()
