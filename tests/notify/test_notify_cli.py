"""`sopframe notify run|list|status|retry`, `sopframe tick` enqueueing, and the [notify] configuration's errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_jobs.conftest import Cli, cli  # noqa: F401 - the fixture
from notify.servers import Receiver, smtp_server

CONFIG = """\
[roles]
author = ["alice"]
lead = ["lee", "alice"]

[people]
alice = {{ email = "alice@example.com" }}
lee = {{ email = "lee@example.com" }}

[notify]
lead = "6h"
escalate-after = "2h"
escalate-to = "lead"
max-attempts = 2

[notify.routes]
"stage.entered" = ["mail"]
"sla.due_soon" = ["mail", "hook"]
"sla.breached" = ["hook"]
"sla.escalated" = ["mail"]

[notify.channels.mail]
type = "email"
host = "127.0.0.1"
port = {smtp}
security = "none"
from = "sop@example.com"

[notify.channels.hook]
type = "webhook"
url = "{hook}"
secret-env = "SOPFRAME_TEST_HOOK_SECRET"
"""


@pytest.fixture
def configured(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:  # noqa: F811
    monkeypatch.setenv("SOPFRAME_TEST_HOOK_SECRET", "s3")
    return cli


def _write(tmp_path: Path, smtp: int, hook: str) -> None:
    (tmp_path / "sopframe.toml").write_text(CONFIG.format(smtp=smtp, hook=hook), "utf-8")


def test_commands_enqueue_and_notify_run_delivers(configured: Cli, tmp_path: Path) -> None:
    cli = configured
    with smtp_server() as box, Receiver() as rx:
        _write(tmp_path, box.port, rx.url)
        job = cli("job", "start", "tiny.yaml", "--format", "json").json()["job"]
        assert cli("notify", "status", "--store", cli.store).out.split() == [
            "pending", "1", "sending", "0", "delivered", "0", "dead", "0"]
        r = cli("notify", "run", "--once", "--store", cli.store)
        assert r.code == 0 and r.out.strip() == "delivered 1, to retry 0, dead-lettered 0"
        assert [m.recipients for m in box.mails] == [["alice@example.com"]]
        assert job in box.mails[0].message["Subject"]
        assert cli("notify", "run", "--store", cli.store).out.strip() == "nothing due"
        listed = cli("notify", "list", "--store", cli.store, "--format", "json").json()
        assert [(n["kind"], n["status"], n["recipient"]) for n in listed] == [
            ("stage.entered", "delivered", "alice@example.com")]


def test_tick_enqueues_time_based_notifications_once(configured: Cli, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    cli = configured
    _write(tmp_path, 1, "http://127.0.0.1:1/hook")
    cli("job", "start", "tiny.yaml")
    before = len(cli("notify", "list", "--store", cli.store, "--format", "json").json())
    import sopframe.core.engine.clock as clock
    from datetime import datetime, timedelta

    later = clock.system_clock() + timedelta(hours=20)  # the 1d SLA of `write` runs out within the 6h lead

    class Later(datetime):
        @classmethod
        def now(cls, tz=None):  # type: ignore[no-untyped-def,override]
            return later

    monkeypatch.setattr(clock, "datetime", Later)  # the system clock, twenty hours on
    r = cli("tick", "--as", "cron")
    assert r.out.strip() == "enqueued 2 time-based notifications"  # mail to alice, and the webhook
    assert cli("tick", "--as", "cron").out.strip() == "nothing due"  # a second tick adds nothing
    rows = cli("notify", "list", "--store", cli.store, "--format", "json").json()
    assert [n["kind"] for n in rows[before:]] == ["sla.due_soon", "sla.due_soon"]


def test_dead_letters_are_listed_and_retried(configured: Cli, tmp_path: Path) -> None:
    cli = configured
    with Receiver(statuses=[410]) as rx:
        _write(tmp_path, 1, rx.url)
        (tmp_path / "sopframe.toml").write_text((tmp_path / "sopframe.toml").read_text().replace(
            '"stage.entered" = ["mail"]', '"stage.entered" = ["hook"]'), "utf-8")
        cli("job", "start", "tiny.yaml", "--title", "Fix \x1b[31mred\x1b[0m")
        r = cli("notify", "run", "--store", cli.store)
        assert "dead-lettered 1" in r.out and "HTTP 410" in r.err
        listed = cli("notify", "list", "--status", "dead", "--store", cli.store).out
        assert "#1 dead" in listed and "HTTP 410" in listed and "\x1b" not in listed
        assert cli("notify", "retry", "--store", cli.store).code == 2  # ids or --all-dead
        assert cli("notify", "retry", "--all-dead", "--store", cli.store).out.strip() == \
            "1 notification will be sent again"
        assert "delivered 1" in cli("notify", "run", "--store", cli.store).out
        r = cli("notify", "retry", "1", "99", "--store", cli.store)  # delivered now, and an id that never was
        assert r.code == 0 and r.out.strip() == "0 notifications will be sent again"
        assert "note: #1, #99 are not dead-lettered" in r.err
    assert len(rx.requests) == 2


@pytest.mark.parametrize("change, message, line", [
    (('"sla.breached" = ["hook"]', '"sla.breach" = ["hook"]'), "unknown trigger 'sla.breach'", 18),
    (('"sla.escalated" = ["mail"]', '"sla.escalated" = ["mial"]'), "unknown channel 'mial'", 19),
    (('type = "webhook"', 'type = "pager"'), "no notifier for type 'pager'", 29),
    (('lead = "6h"', 'lead = "soon"'), "notify.lead", 10),
    (('host = "127.0.0.1"\n', ''), "needs `host`", 22),
])
def test_configuration_errors_name_the_file_and_line(configured: Cli, tmp_path: Path, change: tuple[str, str],
                                                     message: str, line: int) -> None:
    _write(configured and tmp_path, 1, "http://127.0.0.1:1/hook")
    path = tmp_path / "sopframe.toml"
    path.write_text(path.read_text().replace(*change), "utf-8")
    r = configured("job", "start", "tiny.yaml")
    assert r.code == 2 and message in r.err
    assert f"sopframe.toml:{line}" in r.err, r.err


def test_validate_checks_template_notify_against_the_configured_channels(configured: Cli, tmp_path: Path) -> None:
    _write(tmp_path, 1, "http://127.0.0.1:1/hook")
    text = (tmp_path / "tiny.yaml").read_text().replace(
        "stages:\n", "notify:\n  sla.breached:\n    channels:\n      - hook\n      - pager\nstages:\n", 1)
    (tmp_path / "t.yaml").write_text(text, "utf-8")
    r = configured("validate", "--no-cache", "t.yaml")
    assert r.code == 1 and "SOP120" in r.out and "unknown channel 'pager'" in r.out
    assert "t.yaml:13:9:" in r.out and "unknown channel 'hook'" not in r.out


def test_a_missing_secret_stops_delivery_but_not_job_commands(configured: Cli, tmp_path: Path) -> None:
    _write(tmp_path, 1, "http://127.0.0.1:1/hook")
    path = tmp_path / "sopframe.toml"
    path.write_text(path.read_text().replace("SOPFRAME_TEST_HOOK_SECRET", "NOT_SET_ANYWHERE"), "utf-8")
    assert configured("job", "start", "tiny.yaml").code == 0  # planning needs no secret
    r = configured("notify", "run", "--store", configured.store)
    assert r.code == 2 and "'NOT_SET_ANYWHERE' is not set" in r.err and "sopframe.toml:31" in r.err
    assert "pending 1" in configured("notify", "status", "--store", configured.store).out
