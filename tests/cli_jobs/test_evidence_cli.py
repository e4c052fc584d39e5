"""The command line's side of trustworthy evidence: identities from configuration, escaped output,
SLA breaches on record, ``tick`` and ``overdue``."""

from __future__ import annotations

from pathlib import Path

from .conftest import Cli

SLA_TEMPLATE = """\
template: quick
title: Quick fix
version: 1.0.0
kind: change
job_id: Q-{seq:03}
roles:
  author: Does it
stages:
  fix:
    owner: author
    sla: 1m
    fields:
      note:
        type: text
"""


def test_a_roles_table_naming_one_person_twice_is_refused_with_its_line(cli: Cli) -> None:
    Path("sopframe.toml").write_text('[roles]\nauthor = ["alice"]\nlead = [\n  "lee",\n  "LEE",\n]\n', "utf-8")
    r = cli("job", "start", "tiny.yaml")
    assert r.code == 2 and "sopframe.toml:5: roles.lead: 'lee' and 'LEE' are the same person" in r.err


def test_a_mixed_script_name_is_refused_with_its_line(cli: Cli) -> None:
    Path("sopframe.toml").write_text('[roles]\nauthor = ["alice", "\u0430lice"]\n', "utf-8")
    r = cli("job", "start", "tiny.yaml")
    assert r.code == 2 and "sopframe.toml:2:" in r.err and "mix scripts" in r.err


def test_an_alias_counts_as_the_person_only_when_configured(cli: Cli) -> None:
    Path("sopframe.toml").write_text('[roles]\nauthor = ["alice"]\nlead = ["lee"]\n'
                                     '[aliases]\n"alice@example.com" = "alice"\n', "utf-8")
    assert cli("job", "start", "tiny.yaml", user="Alice@Example.com").code == 0
    history = cli("job", "history", "TINY-001", "--format", "json").json()
    assert history[0]["actor"] == "alice"
    assert cli("job", "set", "TINY-001", "summary=x", user="alice@example.org").code == 1


def test_injected_text_is_escaped_in_every_printer(cli: Cli) -> None:
    forged = "ok\n   9  2026-01-01T00:00:00Z  diane  signoff.given  approve: lead\x1b[2J"
    assert cli("job", "start", "tiny.yaml", "--title", forged).code == 0
    assert cli("job", "set", "TINY-001", f"summary={forged}").code == 0
    for args in (("job", "history", "TINY-001"), ("job", "show", "TINY-001"), ("job", "list")):
        out = cli(*args).out
        assert "\x1b" not in out and "\n   9  2026" not in out, args
    r = cli("job", "set", "TINY-001", "summary=x", user="alice\nsigned by diane")
    assert r.code == 1 and "\n" not in r.err.split("hint")[0].strip() and "U+000A" in r.err
    shown = cli("job", "show", "TINY-001", "--format", "json").out
    assert "\x1b" not in shown and "\\u001b" in shown


def test_history_escapes_a_field_value_once(cli: Cli) -> None:
    assert cli("job", "start", "tiny.yaml").code == 0
    assert cli("job", "set", "TINY-001", "summary=it's \"q\"").code == 0
    assert cli("job", "set", "TINY-001", "summary=\x1b[31mred\u202e\\").code == 0
    assert cli("job", "cancel", "TINY-001", "--reason", "\x1b[31mred").code == 0
    lines = cli("job", "history", "TINY-001").out.splitlines()
    assert lines[2].endswith("write.summary = it's \"q\""), lines[2]  # as typed, not as Python writes it
    assert lines[3].endswith("write.summary = \\x1b[31mred\\u202e\\\\"), lines[3]  # escaped once, as a reason
    assert lines[4].endswith("job.cancelled      \\x1b[31mred"), lines[4]  # the same escape as a reason's
    assert "\x1b" not in "".join(lines) and "\u202e" not in "".join(lines)


def test_overdue_exits_1_and_tick_records_the_breach(cli: Cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import sopframe.core.engine.clock as clock

    Path("quick.yaml").write_text(SLA_TEMPLATE, "utf-8")
    assert cli("job", "start", "quick.yaml").code == 0
    assert cli("overdue").code == 0
    from datetime import datetime, timedelta

    later = clock.system_clock() + timedelta(minutes=5)

    class Later(datetime):
        @classmethod
        def now(cls, tz=None):  # type: ignore[no-untyped-def,override]
            return later

    monkeypatch.setattr(clock, "datetime", Later)  # the system clock, five minutes on
    r = cli("overdue")
    assert r.code == 1 and "sla     Q-001 stage fix" in r.out
    assert cli("overdue", "--exit-zero").code == 0
    r = cli("tick", "--as", "cron")
    assert r.code == 0 and "Q-001: recorded SLA breach of fix" in r.out
    assert cli("tick", "--as", "cron").out.strip() == "nothing due"
    assert cli("job", "complete", "Q-001").code == 0
    assert "(late)" in cli("job", "history", "Q-001").out
    since = later.date().isoformat()
    r = cli("overdue", "--since", since)
    assert r.code == 0 and "breach  Q-001 stage fix" in r.out
    assert cli("overdue", "--since", "soon").code == 2


def test_a_bad_limits_table_is_refused_with_its_line(cli: Cli) -> None:
    Path("sopframe.toml").write_text('[roles]\nauthor = ["alice"]\n[limits]\ntext-length = 10\nname-lenght = 3\n',
                                     "utf-8")
    r = cli("job", "start", "tiny.yaml")
    assert r.code == 2 and "sopframe.toml:5: limits: unknown key 'name-lenght'" in r.err


def test_limits_from_the_configuration_apply(cli: Cli) -> None:
    Path("sopframe.toml").write_text('[roles]\nauthor = ["alice"]\n[limits]\ntext-length = 10\n', "utf-8")
    assert cli("job", "start", "tiny.yaml").code == 0
    r = cli("job", "set", "TINY-001", "summary=" + "x" * 11)
    assert r.code == 1 and "over the limit of 10" in r.err
    assert cli("job", "set", "TINY-001", "summary=" + "x" * 10).code == 0
