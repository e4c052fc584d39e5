"""Numbers a command cannot use are usage errors (exit 2), not internal errors or silently accepted."""

from __future__ import annotations

import pytest

from .conftest import Cli


@pytest.mark.parametrize("args", [
    ("notify", "run", "--loop", "--idle", "-1"),
    ("notify", "run", "--loop", "--idle", "0"),
    ("notify", "run", "--limit", "0"),
    ("notify", "run", "--limit", "-3"),
    ("notify", "list", "--limit", "0"),
    ("notify", "list", "--limit", "-3"),
])
def test_notify_refuses_a_pause_or_limit_below_its_range(cli: Cli, args: tuple[str, ...]) -> None:
    cli("job", "start", "tiny.yaml")  # a store to read
    result = cli(*args, "--store", cli.store)
    assert result.code == 2, result
    assert "Invalid value for" in result.err and args[-2] in result.err
    assert result.out == ""


def test_checkpoint_and_evidence_name_the_signing_key_as_keys_init_does(cli: Cli) -> None:
    """`keys init --private-key` writes the file that `checkpoint` and `evidence` read: the same name there;
    `--key`, the earlier spelling, still works and is not advertised."""
    assert cli("keys", "init", "--private-key", "k/cp.key").code == 0
    cli("job", "start", "tiny.yaml")
    for spelling in ("--private-key", "--key"):
        result = cli("checkpoint", spelling, "k/cp.key", "--store", cli.store)
        assert result.code == 0, result
    for command in ("checkpoint", "evidence"):
        shown = cli(command, "--help").out
        assert "--private-key FILE" in shown and "--key" not in shown.replace("--private-key", "")
    assert "--last N" in cli("evidence", "--help").out
