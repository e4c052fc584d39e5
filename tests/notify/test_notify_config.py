"""The [notify] and [people] configuration is checked when it is read: each problem names the file, the line
of the key itself, and the key; nothing wrong is left for delivery to find."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_jobs.conftest import Cli, cli  # noqa: F401 - the fixture
from notify.servers import smtp_server
from notify.test_notify_cli import CONFIG, _write, configured  # noqa: F401 - the fixture

HOOK = "http://127.0.0.1:1/h"
#: (text replaced, its replacement, what the error says, the line it names); lines as in test_notify_cli.CONFIG
PROBLEMS = [
    ('alice = { email = "alice@example.com" }', 'alice = { email = "alice@example.com, attacker@evil.example" }',
     "people.alice.email: not a single mail address", 6),
    ('lee = { email = "lee@example.com" }', 'lee = { email = "not an address" }',
     "people.lee.email: not a single mail address", 7),
    ('lee = { email = "lee@example.com" }', 'lee = { mail = "Lee <lee@example.com>" }',  # by channel name
     "people.lee.mail: not a single mail address", 7),
    ('escalate-to = "lead"', 'escalate-to = "laed"', "notify.escalate-to: unknown role 'laed' (did you mean 'lead'?)",
     12),
    ('escalate-to = "lead"', 'escalate-to = ["author", "bosses"]', "unknown role 'bosses'", 12),
    ("port = 25", 'port = "abc"', "notify.channels.mail: `port` must be a whole number", 24),
    ("port = 25", "port = 0", "`port` must be a whole number", 24),
    ('security = "none"\n', 'security = "none"\nprot = 25\n', "`prot`: unknown option (did you mean 'port'?)", 26),
    ('host = "127.0.0.1"', 'host = ["a"]', "`host` must be a non-empty string", 23),
    ('from = "sop@example.com"\n', 'from = "sop@example.com"\npassword = "hunter2"\n',
     "notify.channels.mail.password: secrets are never written in the file", 27),
    ('secret-env = "SOPFRAME_TEST_HOOK_SECRET"', 'secret = "s3"',
     "notify.channels.hook.secret: secrets are never written in the file", 31),
    (f'url = "{HOOK}"\n', f'url = "{HOOK}"\ntimeout = "soon"\n', "`timeout` must be a number of seconds", 31),
    (f'url = "{HOOK}"\n', f'url = "{HOOK}"\nca-file = "nowhere.pem"\n', "`ca-file`: no such file 'nowhere.pem'", 31),
    ('secret-env = "SOPFRAME_TEST_HOOK_SECRET"', 'secret-env = 3', "secret-env must name an environment variable", 31),
]


@pytest.mark.parametrize("old, new, message, line", PROBLEMS)
def test_a_bad_entry_is_refused_when_the_configuration_is_read(configured: Cli, tmp_path: Path, old: str,  # noqa: F811
                                                               new: str, message: str, line: int) -> None:
    text = CONFIG.format(smtp=25, hook=HOOK)
    assert old in text
    (tmp_path / "sopframe.toml").write_text(text.replace(old, new), "utf-8")
    for argv in (("job", "start", "tiny.yaml"), ("notify", "run", "--store", configured.store)):
        r = configured(*argv)
        assert r.code == 2 and message in r.err, r.err
        assert f"sopframe.toml:{line}: " in r.err, r.err


@pytest.mark.parametrize("entry", ['channels = "x"', 'routes = "x"', 'routes = ["a"]'])
def test_a_notify_entry_of_the_wrong_type_is_a_usage_error(cli: Cli, tmp_path: Path, entry: str) -> None:  # noqa: F811
    (tmp_path / "sopframe.toml").write_text(f"[notify]\n{entry}\n", "utf-8")
    r = cli("notify", "run", "--store", "memory://")
    key = entry.split()[0]
    assert r.code == 2 and f"sopframe.toml:2: notify.{key} must be a table" in r.err, r.err


def test_people_must_be_a_table(cli: Cli, tmp_path: Path) -> None:  # noqa: F811
    (tmp_path / "sopframe.toml").write_text('[notify]\nlead = "1h"\n\n[people]\nann = "ann@example.com"\n', "utf-8")
    r = cli("notify", "run", "--store", "memory://")
    assert r.code == 2 and "sopframe.toml:5: people.ann must be a table of addresses" in r.err, r.err


PYPROJECT = """\
[project]
name = "x"

[tool.sopframe.roles]
author = ["alice"]
lead = ["lee"]

[tool.sopframe.notify]
routes = {{ "stage.entered" = ["{route}"] }}

[tool.sopframe.notify.channels.mail]
type = "email"
host = "127.0.0.1"
from = "sop@example.com"
"""


def test_an_inline_table_in_pyproject_names_the_line_of_its_key(cli: Cli, tmp_path: Path) -> None:  # noqa: F811
    (tmp_path / "sopframe.toml").unlink()
    (tmp_path / "pyproject.toml").write_text(PYPROJECT.format(route="mial"), "utf-8")
    r = cli("notify", "run", "--store", "memory://")
    assert r.code == 2 and "pyproject.toml:9: notify.routes.stage.entered: unknown channel 'mial'" in r.err, r.err


def test_a_good_configuration_still_delivers_to_one_address_each(configured: Cli, tmp_path: Path) -> None:  # noqa: F811
    with smtp_server() as box:
        _write(tmp_path, box.port, "http://127.0.0.1:1/hook")
        configured("job", "start", "tiny.yaml")
        r = configured("notify", "run", "--once", "--store", configured.store)
    assert r.code == 0 and [m.recipients for m in box.mails] == [["alice@example.com"]]


def test_a_person_written_with_capitals_is_mailed_as_the_role_holder(configured: Cli,  # noqa: F811
                                                                      tmp_path: Path) -> None:
    """[roles] and [people] name people the same way: `Alice` in both is one person, compared case-folded."""
    with smtp_server() as box:
        _write(tmp_path, box.port, "http://127.0.0.1:1/hook")
        path = tmp_path / "sopframe.toml"
        path.write_text(path.read_text().replace('author = ["alice"]', 'author = ["Alice"]').replace(
            'alice = { email = "alice@example.com" }', '"Alice " = { email = "alice@example.com" }'), "utf-8")
        configured("job", "start", "tiny.yaml")
        r = configured("notify", "run", "--once", "--store", configured.store)
    assert r.code == 0 and [m.recipients for m in box.mails] == [["alice@example.com"]]


def test_two_people_entries_for_one_person_are_refused(configured: Cli, tmp_path: Path) -> None:  # noqa: F811
    _write(tmp_path, 1, "http://127.0.0.1:1/hook")
    path = tmp_path / "sopframe.toml"
    path.write_text(path.read_text().replace('lee = { email = "lee@example.com" }',
                                             'lee = { email = "lee@example.com" }\nLEE = { email = "x@example.com" }'),
                    "utf-8")
    r = configured("job", "start", "tiny.yaml")
    assert r.code == 2 and "people.LEE: a second entry for 'lee'" in r.err and "sopframe.toml:8" in r.err, r.err
