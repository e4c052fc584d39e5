"""A real headless Chromium for the tests of pages people look at.

Imported as ``browsersupport`` (tests/ is on ``sys.path``).  The browser is
the system's Chromium (Debian's ``chromium`` package, which ``.ci/run``
installs), driven by Playwright with ``executable_path``: Playwright's own
browser download is never used.  Outside CI a missing Chromium skips the
test with that reason; in CI (``SOPFRAME_CI=1``) it fails, so a broken
install can never pass as green.
"""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from typing import Any, Iterator

import pytest

__all__ = ["CHROMIUM_ARGS", "chromium_path", "require_chromium", "chromium_page"]

#: flags for a closed network: no background connections, no first-run work
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    """``SOPFRAME_CHROMIUM``, else ``chromium`` or ``chromium-browser`` on PATH."""
    given = os.environ.get("SOPFRAME_CHROMIUM")
    if given:
        return given if os.path.exists(given) else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


def require_chromium() -> str:
    path = chromium_path()
    if path is None:
        reason = "no Chromium on this machine (install Debian's `chromium` package or set SOPFRAME_CHROMIUM)"
        if os.environ.get("SOPFRAME_CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return path


@contextmanager
def chromium_page(**context_options: Any) -> Iterator[Any]:
    """A Playwright page in a fresh headless Chromium (a new, empty profile)."""
    path = require_chromium()
    from playwright.sync_api import sync_playwright  # in the [test] extra

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(**context_options)
            page = context.new_page()
            yield page
            context.close()
        finally:
            browser.close()
