"""Exit codes are one enum, printed the same by ``--help``, the README and docs/jobs.md."""

from __future__ import annotations

import re

import pytest

from cli_helpers import invoke
from sopframe.errors import ExitCode, JobError, SopframeError, UsageError
from testsupport import ROOT


def _table(path: str) -> list[tuple[int, str]]:
    text = (ROOT / path).read_text("utf-8")
    start = text.index("**Exit codes**")
    rows = re.findall(r"^\| `(\d+)` \| (.+?) \|$", text[start:], re.M)
    return [(int(code), meaning) for code, meaning in rows[: len(ExitCode)]]


EXPECTED = [(code.value, code.meaning) for code in ExitCode]


@pytest.mark.parametrize("path", ["README.md", "docs/jobs.md"])
def test_docs_list_every_exit_code_as_the_enum_says(path: str) -> None:
    assert _table(path) == EXPECTED


def test_help_lists_every_exit_code_as_the_enum_says(capsys: pytest.CaptureFixture[str]) -> None:
    out = invoke(capsys, "--help").out
    listed = re.findall(r"^\s+(\d+)\s{2,}(.+)$", out[out.index("Exit codes:"):], re.M)
    assert [(int(c), m.strip()) for c, m in listed] == EXPECTED


def test_errors_exit_with_enum_members() -> None:
    assert SopframeError("x").exit_code is ExitCode.INTERNAL
    assert UsageError("x").exit_code is ExitCode.USAGE and JobError.exit_code is ExitCode.FAILED
