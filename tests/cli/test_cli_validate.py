"""``sopframe validate``: paths, directories, standard input, selection, fail level, exit codes, order."""

from __future__ import annotations

import io
import json
import re
import sys
from pathlib import Path

import pytest
from cli_helpers import BROKEN, CLEAN, WARN, invoke, write


@pytest.fixture()
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _findings(out: str) -> list[tuple[str, int, int, str]]:
    data = json.loads(out)
    return [(f["file"], f["line"], f["col"], f["code"]) for f in data["findings"]]


def test_clean_file_exits_0_and_says_so(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(work, "clean.yaml", CLEAN)
    r = invoke(capsys, "validate", "clean.yaml")
    assert r.code == 0, r
    assert r.out.strip() == "no problems in 1 file"


def test_errors_exit_1_with_positions(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(work, "broken.yaml", BROKEN)
    r = invoke(capsys, "validate", "--format", "json", "broken.yaml")
    assert r.code == 1
    assert _findings(r.out) == [("broken.yaml", 9, 12, "SOP107"), ("broken.yaml", 10, 11, "SOP109"),
                                ("broken.yaml", 11, 3, "SOP102")]


def test_directory_is_searched_recursively_for_yaml_and_yml(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(work, "tpl/a.yaml", CLEAN)
    write(work, "tpl/deep/er/b.yml", BROKEN)
    write(work, "tpl/notes.txt", "not a template")
    write(work, "tpl/.hidden/c.yaml", BROKEN)  # hidden directories are skipped
    r = invoke(capsys, "validate", "--format", "json", "tpl")
    assert r.code == 1
    data = json.loads(r.out)
    assert data["files"] == 2
    assert {f["file"] for f in data["findings"]} == {str(Path("tpl/deep/er/b.yml"))}


def test_files_and_directories_mix_and_duplicates_count_once(work: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    write(work, "d/a.yaml", CLEAN)
    write(work, "b.yaml", WARN)
    r = invoke(capsys, "validate", "--format", "json", "b.yaml", "d", str(Path("d/a.yaml")))
    assert r.code == 0  # a warning is under the default fail level
    assert json.loads(r.out)["files"] == 2


def test_missing_path_exits_2_naming_it(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(work, "clean.yaml", CLEAN)
    r = invoke(capsys, "validate", "clean.yaml", "nope.yaml")
    assert r.code == 2
    assert "'nope.yaml' does not exist" in r.err
    assert r.out == ""


def test_no_path_is_a_usage_error(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = invoke(capsys, "validate")
    assert r.code == 2
    assert "Missing argument" in r.err


def test_empty_directory_warns_and_passes(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (work / "empty").mkdir()
    r = invoke(capsys, "validate", "empty")
    assert r.code == 0
    assert "no template files" in r.err
    assert "no problems in 0 files" in r.out


def _stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode("utf-8")), encoding="utf-8"))


def test_stdin_with_stdin_filename(work: Path, capsys: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    _stdin(monkeypatch, BROKEN)
    r = invoke(capsys, "validate", "--stdin-filename", "ops/change.yaml", "-")
    assert r.code == 1
    first = r.out.splitlines()[0]
    assert first.startswith("ops/change.yaml:9:12: error SOP107 [undefined-role] ")
    # the source line comes from standard input, not from a file of that name
    assert "    9 |     owner: enginer" in r.out


def test_stdin_without_filename_reports_stdin(work: Path, capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    _stdin(monkeypatch, CLEAN)
    write(work, "w.yaml", WARN)
    r = invoke(capsys, "validate", "--format", "json", "-", "w.yaml")
    assert r.code == 0
    data = json.loads(r.out)
    assert data["files"] == 2
    assert _findings(r.out) == [("w.yaml", 7, 3, "SOP112")]
    _stdin(monkeypatch, BROKEN)
    r = invoke(capsys, "validate", "--format", "json", "-")
    assert {f[0] for f in _findings(r.out)} == {"<stdin>"}


@pytest.mark.parametrize(("option", "expected"), [
    (["--select", "SOP107"], ["SOP107"]),
    (["--select", "SOP10"], ["SOP107", "SOP109", "SOP102"]),          # a prefix
    (["--select", "sop107,undefined-stage"], ["SOP107", "SOP109"]),   # case-insensitive code, and a slug
    (["--select", "SOP107", "--select", "SOP102"], ["SOP107", "SOP102"]),  # repeatable
    (["--ignore", "SOP102"], ["SOP107", "SOP109"]),
    (["--ignore", "unreachable-stage", "--ignore", "SOP107"], ["SOP109"]),
    (["--select", "SOP1", "--ignore", "SOP109"], ["SOP107", "SOP102"]),
])
def test_select_and_ignore(work: Path, capsys: pytest.CaptureFixture[str], option: list[str],
                           expected: list[str]) -> None:
    write(work, "broken.yaml", BROKEN)
    r = invoke(capsys, "validate", "--format", "json", *option, "broken.yaml")
    assert [f[3] for f in _findings(r.out)] == expected


def test_ignoring_every_error_makes_the_exit_code_0(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(work, "broken.yaml", BROKEN)
    r = invoke(capsys, "validate", "--ignore", "SOP1", "broken.yaml")
    assert r.code == 0
    assert r.out.strip() == "no problems in 1 file"


@pytest.mark.parametrize(("option", "typo", "suggestion"), [
    ("--select", "undefined-rol", "undefined-role"),
    ("--ignore", "SOP9999", ""),
])
def test_unknown_selector_is_a_usage_error(work: Path, capsys: pytest.CaptureFixture[str], option: str,
                                           typo: str, suggestion: str) -> None:
    write(work, "broken.yaml", BROKEN)
    r = invoke(capsys, "validate", option, typo, "broken.yaml")
    assert r.code == 2
    assert f"{option}: no rule code, prefix or slug matches {typo!r}" in r.err
    if suggestion:
        assert f"did you mean {suggestion!r}?" in r.err


@pytest.mark.parametrize(("level", "code"), [("error", 0), ("warning", 1), ("WARNING", 1), ("info", 1)])
def test_fail_level_with_a_warning(work: Path, capsys: pytest.CaptureFixture[str], level: str, code: int) -> None:
    write(work, "warn.yaml", WARN)
    r = invoke(capsys, "validate", "--fail-level", level, "warn.yaml")
    assert r.code == code
    assert "warn.yaml:7:3: warning SOP112 [unused-role]" in r.out


def test_bad_fail_level_is_a_usage_error(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(work, "warn.yaml", WARN)
    r = invoke(capsys, "validate", "--fail-level", "fatal", "warn.yaml")
    assert r.code == 2
    assert "fatal" in r.err


def test_output_order_is_file_line_col_code_whatever_the_argument_order(
        work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(work, "b.yaml", BROKEN)
    write(work, "a.yaml", WARN)
    write(work, "c/z.yaml", BROKEN)
    outs = []
    for args in (["c", "b.yaml", "a.yaml"], ["a.yaml", "c", "b.yaml"]):
        outs.append(invoke(capsys, "validate", "--format", "json", *args).out)
    assert outs[0] == outs[1]
    found = _findings(outs[0])
    assert found == sorted(found)
    assert [f[0] for f in found] == ["a.yaml"] + ["b.yaml"] * 3 + [str(Path("c/z.yaml"))] * 3


def test_text_lines_are_sorted_too(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(work, "b.yaml", BROKEN)
    write(work, "a.yaml", WARN)
    r = invoke(capsys, "validate", "b.yaml", "a.yaml")
    heads = re.findall(r"^(\S+?):(\d+):(\d+): \w+ (\w+) ", r.out, flags=re.M)
    keys = [(f, int(line), int(col), code) for f, line, col, code in heads]
    assert keys == sorted(keys) and len(keys) == 4
