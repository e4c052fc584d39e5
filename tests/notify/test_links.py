"""``[notify] link``: messages point at the team server's pages instead of naming commands.

People told about a job are often not command-line users (a director asked
for a sign-off, staff asked to acknowledge an SOP): with the server's address
configured, a message links to the job's page or the Training page.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from notify.support import TEMPLATE, engine_with, routing
from sopframe.config import load_config
from sopframe.errors import ConfigError
from sopframe.notifyconfig import notify_settings
from sopframe.pluginmanager import load_plugins
from sopframe_plugins.store_memory import MemoryStore

LINK = "https://sop.example.com"


def test_messages_link_to_the_job_page() -> None:
    store = MemoryStore()
    engine = engine_with(store, routing(link=LINK))
    job = engine.start(TEMPLATE, "tiny.yaml", actor="alice").job_id
    engine.set_fields(job, {"summary": "done"}, actor="alice")
    engine.complete(job, actor="alice")
    notes = [r.note for r in store.notifications()]
    entered = next(n for n in notes if n.kind == "stage.entered")
    wanted = next(n for n in notes if n.kind == "signoff.wanted")
    assert f"What it needs to move on: {LINK}/jobs/{job}\n" in entered.body
    assert "sopframe " not in entered.body + wanted.body  # no command for people who never run one
    assert f"- lead, by role lead\nSign on the job's page: {LINK}/jobs/{job}\n" in wanted.body


def test_without_a_link_messages_name_the_commands() -> None:
    store = MemoryStore()
    engine = engine_with(store, routing())
    job = engine.start(TEMPLATE, "tiny.yaml", actor="alice").job_id
    entered = store.notifications()[0].note
    assert f"What it needs to move on: sopframe job show {job}\n" in entered.body


def test_a_reference_is_quoted_in_the_address() -> None:
    route = routing(link=LINK)
    assert route.job_place("ITSOP-2026-01/A B") == f"{LINK}/jobs/ITSOP-2026-01%2FA%20B"
    assert route.ack_place("SOP-IR-001") == f"{LINK}/training?sop=SOP-IR-001"


def _config(tmp_path: Path, link: str) -> None:
    path = tmp_path / "sopframe.toml"
    path.write_text('[notify]\nlink = ' + link + '\n[notify.channels.mail]\ntype = "email"\nhost = "smtp.example.com"\n'
                    'from = "s@example.com"\n', "utf-8")
    notify_settings(load_config(str(path)), load_plugins().notifiers(), secrets=False)


def test_the_link_is_read_from_the_configuration(tmp_path: Path) -> None:
    path = tmp_path / "sopframe.toml"
    path.write_text('[notify]\nlink = "https://sop.example.com/"\n', "utf-8")
    assert notify_settings(load_config(str(path)), load_plugins().notifiers(), secrets=False).routing.link == LINK  # without the trailing /


@pytest.mark.parametrize("link, message", [
    ('"sop.example.com"', "is not an http(s) address"),
    ('"ftp://sop.example.com"', "is not an http(s) address"),
    ('"https://me:pw@sop.example.com"', "may not hold a user name, password, query or fragment"),
    ('"https://sop.example.com/?x=1"', "may not hold a user name, password, query or fragment"),
    ("42", "must be the server's address as text"),
])
def test_a_bad_link_is_a_configuration_error_naming_the_line(tmp_path: Path, link: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        _config(tmp_path, link)
    assert message in str(info.value)
    assert "sopframe.toml:2" in str(info.value.path)


def test_reminders_of_a_deadline_link_to_the_job_page_too() -> None:
    from sopframe.core.engine.clock import FixedClock
    from sopframe.core.notify.timed import timed_notifications

    clock = FixedClock("2026-01-05T09:00:00+00:00")
    store = MemoryStore()
    engine = engine_with(store, routing(lead="6h", link=LINK), clock)
    job = engine.start(TEMPLATE, "tiny.yaml", actor="alice").job_id
    clock.advance(hours=20)
    soon = timed_notifications(store, engine.notify, clock())[0]
    assert soon.kind == "sla.due_soon" and f"Open it: {LINK}/jobs/{job}\n" in soon.body
