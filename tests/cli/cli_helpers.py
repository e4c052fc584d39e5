"""Helpers for the CLI tests: run the ``sopframe`` entry point in-process, and small templates."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from sopframe.__main__ import main


#: no findings at all
CLEAN = """\
template: demo
title: Demo procedure
version: 1.0.0
kind: change
roles:
  engineer: Does the work
stages:
  start:
    owner: engineer
    next: finish
  finish:
    owner: engineer
"""

#: one warning: SOP112 unused-role at 7:3
WARN = """\
template: demo-warn
title: Demo procedure
version: 1.0.0
kind: change
roles:
  engineer: Does the work
  auditor: Never used
stages:
  start:
    owner: engineer
"""

#: errors: SOP107 at 9:12, SOP109 at 10:11, SOP102 at 11:3
BROKEN = """\
template: demo-broken
title: Demo procedure
version: 1.0.0
kind: change
roles:
  engineer: Does the work
stages:
  start:
    owner: enginer
    next: finsh
  finish:
    owner: engineer
"""


@dataclass
class Result:
    code: int
    out: str
    err: str


def invoke(capsys: pytest.CaptureFixture[str], *argv: str) -> Result:
    """Run the real entry point; it must end with SystemExit, like the console script."""
    capsys.readouterr()  # drop anything printed before
    with pytest.raises(SystemExit) as exc:
        main(list(argv))
    out, err = capsys.readouterr()
    code = exc.value.code
    assert code is None or isinstance(code, int), f"exit code {code!r} is not an int"
    return Result(code or 0, out, err)


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return path
