"""``sopframe users`` and ``sopframe tokens``: accounts and API tokens kept in the store, hashed."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import pytest

from sopframe.core.store import open_store
from sopframe.pluginmanager import load_plugins

from .conftest import Cli

PASSWORD = "a long enough password"


def _with_stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(text))


def test_accounts_and_tokens_through_the_cli(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    store = f"memory://accounts-{uuid.uuid4().hex}"
    _with_stdin(monkeypatch, PASSWORD + "\n")
    r = cli("users", "add", "Lee", "--password-stdin", "--store", store)
    assert r.code == 0 and "account lee created" in r.out
    _with_stdin(monkeypatch, PASSWORD + "\n")
    again = cli("users", "add", "lee", "--password-stdin", "--store", store)
    assert again.code == 2 and "already has an account" in again.err
    _with_stdin(monkeypatch, "short\n")
    weak = cli("users", "add", "sam", "--password-stdin", "--store", store)
    assert weak.code == 2 and "at least 12 characters" in weak.err
    bad = cli("users", "add", "l\u200bee", "--password-stdin", "--store", store)
    assert bad.code == 2 and "invisible" in bad.err

    made = cli("tokens", "create", "lee", "--scope", "write", "--days", "7", "--label", "ci", "--store", store)
    assert made.code == 0 and made.out.startswith("sft_")
    listed = cli("tokens", "list", "--format", "json", "--store", store).json()
    assert [(t["user"], t["scope"], t["label"], t["revoked_at"]) for t in listed] == [("lee", "write", "ci", None)]
    assert made.out.strip() not in cli("tokens", "list", "--store", store).out  # the secret is never shown again
    raw = open_store(store, load_plugins())
    assert made.out.strip().rsplit("_", 1)[-1] not in raw.tokens()[0].secret_hash
    assert raw.account("lee") is not None and raw.account("lee").password_hash.startswith("$argon2id$")  # type: ignore[union-attr]

    assert cli("tokens", "create", "lee", "--scope", "admin", "--store", store).code == 2
    disabled = cli("users", "disable", "lee", "--store", store)
    assert disabled.code == 0 and "tokens revoked" in disabled.out
    assert cli("tokens", "list", "--format", "json", "--store", store).json()[0]["revoked_at"]
    assert cli("users", "list", "--format", "json", "--store", store).json()[0]["disabled"] is True
    revoked = cli("tokens", "revoke", listed[0]["id"], "--store", store)
    assert revoked.code == 2 and "already revoked" in revoked.err
    _with_stdin(monkeypatch, PASSWORD + "!\n")
    assert cli("users", "passwd", "lee", "--password-stdin", "--store", store).code == 0
    assert cli("users", "list", "--format", "json", "--store", store).json()[0]["disabled"] is False
    missing = cli("users", "passwd", "nobody", "--password-stdin", "--store", store)
    assert missing.code == 2 and "no account 'nobody'" in missing.err
    kinds = [e.kind for e in raw.audit_log(user="lee")]
    assert {"account.created", "token.created", "account.disabled", "account.password"} <= set(kinds)


@pytest.mark.parametrize("args", [("users", "list"), ("tokens", "list"), ("users", "disable", "lee"),
                                  ("tokens", "create", "lee")])
def test_account_commands_on_a_mistyped_store_say_so_and_create_nothing(cli: Cli, tmp_path: Path,
                                                                       args: tuple[str, ...]) -> None:
    typo = tmp_path / "tema.db"
    r = cli(*args, "--store", f"sqlite:///{typo}")
    assert r.code == 2 and "does not exist" in r.err and not typo.exists()  # not "no accounts" from a new empty file


def test_adding_the_first_account_creates_the_store(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _with_stdin(monkeypatch, PASSWORD + "\n")
    url = f"sqlite:///{tmp_path / 'team.db'}"
    assert cli("users", "add", "lee", "--password-stdin", "--store", url).code == 0
    assert cli("users", "list", "--store", url).out.startswith("lee")
