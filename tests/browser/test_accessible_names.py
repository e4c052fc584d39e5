"""Every control a person uses on the server's pages has a name a screen reader can say.

Checked in headless Chromium with the browser's own accessibility tree
(Playwright's ``aria snapshot`` is not needed: the computed name of each
form control, as the browser exposes it, must not be empty).  The pages are
those of a job with every kind of field, a sign-off and an open stage, and
the listings around it.
"""

from __future__ import annotations

from pathlib import Path

from browsersupport import chromium_page
from serversupport import FORMS_TEMPLATE, make_server, running, sign_in_page

#: every visible control whose accessible name, as the browser computes it, is empty
_UNNAMED = """
() => {
  const controls = [...document.querySelectorAll('input, select, textarea, button, a[href]')]
    .filter(e => e.type !== 'hidden' && e.offsetParent !== null);
  const name = e => {
    if (e.getAttribute('aria-label')) return e.getAttribute('aria-label');
    const by = e.getAttribute('aria-labelledby');
    if (by) return by.split(' ').map(id => (document.getElementById(id) || {}).textContent || '').join(' ');
    if (e.labels && e.labels.length) return [...e.labels].map(l => l.textContent).join(' ');
    if (e.tagName === 'BUTTON' || e.tagName === 'A') return e.textContent;
    if (e.type === 'submit' || e.type === 'button') return e.value;
    return e.getAttribute('title') || '';
  };
  return controls.filter(e => !name(e).trim()).map(e => e.outerHTML.slice(0, 160));
}
"""


def test_every_control_on_the_pages_has_a_name(tmp_path: Path) -> None:
    server = make_server(tmp_path)
    engine = server.state.engine()
    job = str(engine.start(FORMS_TEMPLATE, "form-check.yaml", actor="alice").job_id)
    engine.set_fields(job, {"summary": "first"}, actor="alice")
    try:
        with running(server.app) as base, chromium_page() as page:
            page.goto(f"{base}/signin")
            assert page.evaluate(_UNNAMED) == [], "sign-in page"
            sign_in_page(page, base, "alice")
            for path in ("/", "/inbox", f"/jobs/{job}", "/sops", "/training", "/reports/bottlenecks"):
                page.goto(f"{base}{path}")
                assert page.evaluate(_UNNAMED) == [], path
    finally:
        server.state.close()


def test_the_check_finds_a_control_without_a_name() -> None:
    with chromium_page() as page:
        page.set_content('<form><label>Title <input name="a"></label><input name="b" placeholder="no label">'
                         '<select name="c"><option>x</option></select><button></button>'
                         '<input type="hidden" name="d"></form>')
        unnamed = page.evaluate(_UNNAMED)
    assert [u.split(">")[0] for u in unnamed] == ['<input name="b" placeholder="no label"', '<select name="c"',
                                                  "<button"]
