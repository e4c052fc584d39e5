"""Running ``sopframe`` commands in-process against a named memory store."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sopframe.__main__ import main
from sopframe.testing.store_contract import _TINY_TEMPLATE

ROLES_TOML = """\
[roles]
author = ["alice"]
lead = ["lee", "alice"]
"""


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


class Cli:
    def __init__(self, capsys: pytest.CaptureFixture[str], store: str) -> None:
        self.capsys = capsys
        self.store = store

    def __call__(self, *args: str, user: str | None = "alice", store: bool = True) -> Result:
        argv = list(args)
        if store and argv and argv[0] in ("job", "sops", "overdue", "tick", "inbox", "report") and "--store" not in argv:
            argv += ["--store", self.store]
        if user and argv and argv[0] == "job" and "--as" not in argv and argv[1] not in ("show", "list", "history",
                                                                               "verify"):
            argv += ["--as", user]
        self.capsys.readouterr()
        with pytest.raises(SystemExit) as info:
            main(argv)
        captured = self.capsys.readouterr()
        assert "Traceback" not in captured.err, captured.err
        return Result(int(info.value.code or 0), captured.out, captured.err)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SOPFRAME_STORE", raising=False)
    monkeypatch.delenv("SOPFRAME_USER", raising=False)
    (tmp_path / "sopframe.toml").write_text(ROLES_TOML, "utf-8")
    (tmp_path / "tiny.yaml").write_text(_TINY_TEMPLATE, "utf-8")
    return Cli(capsys, f"memory://cli-{uuid.uuid4().hex}")
