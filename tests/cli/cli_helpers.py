"""Helpers for the CLI tests: run the ``sopframe`` entry point in-process, and small templates."""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Callable

import pytest

from sopframe.__main__ import main


def _root_conftest() -> ModuleType:
    """tests/conftest.py itself: ``from conftest import`` finds whichever conftest was imported last."""
    name = "_sopframe_tests_root_conftest"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).resolve().parents[1] / "conftest.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules[name] = module
    return sys.modules[name]


#: a file of the team's shared folder, or skip the test where it is absent
shared_file: Callable[[str], Path] = _root_conftest().shared_file

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
template: demo
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
template: demo
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
