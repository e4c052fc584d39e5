"""Configuration through the CLI: discovery upward, precedence, and errors that name the file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import BROKEN, WARN, invoke, write


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    write(tmp_path, "tpl/warn.yaml", WARN)
    write(tmp_path, "tpl/broken.yaml", BROKEN)
    return tmp_path


def _codes(out: str) -> list[str]:
    return [f["code"] for f in json.loads(out)["findings"]]


def test_pyproject_tool_table_applies_from_a_subdirectory(project: Path, capsys: pytest.CaptureFixture[str],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    write(project, "pyproject.toml", '[project]\nname = "x"\n\n[tool.sopframe]\nfail-level = "warning"\n'
                                     'ignore = ["SOP1"]\nselect = ["SOP1", "unused-role"]\n')
    monkeypatch.chdir(project / "tpl")
    r = invoke(capsys, "validate", "--format", "json", "warn.yaml", "broken.yaml")
    assert _codes(r.out) == []  # everything SOP1xx is ignored
    r = invoke(capsys, "validate", "warn.yaml")
    assert r.code == 0
    write(project, "pyproject.toml", '[tool.sopframe]\nfail-level = "warning"\n')
    r = invoke(capsys, "validate", "warn.yaml")
    assert r.code == 1  # the warning now fails the run


def test_pyproject_without_the_table_is_passed_over(project: Path, capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    write(project, "sopframe.toml", 'select = ["SOP107"]\n')
    write(project, "tpl/pyproject.toml", '[project]\nname = "x"\n')
    monkeypatch.chdir(project / "tpl")
    r = invoke(capsys, "validate", "--format", "json", "broken.yaml")
    assert _codes(r.out) == ["SOP107"]


def test_nearest_file_wins_and_sopframe_toml_before_pyproject(project: Path, capsys: pytest.CaptureFixture[str],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    write(project, "sopframe.toml", 'select = ["SOP109"]\n')
    write(project, "tpl/pyproject.toml", '[tool.sopframe]\nselect = ["SOP102"]\n')
    write(project, "tpl/sopframe.toml", 'select = ["SOP107"]\n')
    monkeypatch.chdir(project / "tpl")
    assert _codes(invoke(capsys, "validate", "--format", "json", "broken.yaml").out) == ["SOP107"]
    (project / "tpl/sopframe.toml").unlink()
    assert _codes(invoke(capsys, "validate", "--format", "json", "broken.yaml").out) == ["SOP102"]


def test_command_line_overrides_configuration(project: Path, capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    write(project, "sopframe.toml", 'select = ["SOP107"]\nfail-level = "warning"\n')
    monkeypatch.chdir(project)
    r = invoke(capsys, "validate", "--format", "json", "--select", "SOP109", str(Path("tpl/broken.yaml")))
    assert _codes(r.out) == ["SOP109"]
    r = invoke(capsys, "validate", "--fail-level", "error", str(Path("tpl/warn.yaml")))
    assert r.code == 0


def test_explicit_config_option(project: Path, capsys: pytest.CaptureFixture[str],
                                monkeypatch: pytest.MonkeyPatch) -> None:
    write(project, "elsewhere/custom.toml", 'ignore = ["SOP10"]\n')
    write(project, "elsewhere/pyproject.toml", '[tool.sopframe]\nselect = ["SOP102"]\n')
    monkeypatch.chdir(project / "tpl")
    cfg = str(project / "elsewhere/custom.toml")
    assert _codes(invoke(capsys, "--config", cfg, "validate", "--format", "json", "broken.yaml").out) == []
    cfg = str(project / "elsewhere/pyproject.toml")
    assert _codes(invoke(capsys, "--config", cfg, "validate", "--format", "json", "broken.yaml").out) == ["SOP102"]
    r = invoke(capsys, "--config", "missing.toml", "validate", "broken.yaml")
    assert r.code == 2 and "missing.toml: configuration file not found" in r.err


def test_unknown_key_exits_2_with_file_position_and_suggestion(project: Path, capsys: pytest.CaptureFixture[str],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = write(project, "pyproject.toml", '[project]\nname = "x"\n\n[tool.sopframe]\nselect = []\n'
                                           'fail_level = "warning"\n')
    monkeypatch.chdir(project / "tpl")
    r = invoke(capsys, "validate", "warn.yaml")
    assert r.code == 2
    assert r.out == ""
    assert f"{cfg.resolve()}:6:1: unknown key 'fail_level' (did you mean 'fail-level'?)" in r.err
    assert "Traceback" not in r.err


@pytest.mark.parametrize(("text", "message"), [
    ('fail-level = "fatal"\n', "'fail-level' must be error, warning or info"),
    ("select = \"SOP1\"\n", "'select' must be a list"),
    ("ignore = [101]\n", "'ignore' must be a list of strings"),
    ("max-file-size = true\n", "'max-file-size' must be a whole number"),
])
def test_invalid_values_exit_2_naming_the_file(project: Path, capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch, text: str, message: str) -> None:
    cfg = write(project, "sopframe.toml", text)
    monkeypatch.chdir(project)
    r = invoke(capsys, "validate", "tpl")
    assert r.code == 2, r
    assert f"sopframe: error: {cfg.resolve()}:1:1: {message}" in r.err


def test_unknown_code_in_configuration_is_a_warning_naming_the_file(
        project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    # a shared configuration may name rules of a plugin some machines lack
    cfg = write(project, "sopframe.toml", 'ignore = ["SOP1O1"]\n')
    monkeypatch.chdir(project)
    r = invoke(capsys, "validate", "tpl")
    assert r.code == 1 and "SOP107" in r.out, r  # the templates' own findings, as without the entry
    assert (f"sopframe: warning: {cfg.resolve()}:1:1: 'ignore': no installed rule matches 'SOP1O1' "
            "(did you mean") in r.err


def test_invalid_toml_exits_2_naming_file_line_and_column(project: Path, capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = write(project, "pyproject.toml", '[project]\nname = "x"\n[tool.sopframe\n')
    monkeypatch.chdir(project / "tpl")
    r = invoke(capsys, "validate", "warn.yaml")
    assert r.code == 2
    assert f"{cfg.resolve()}:3:15: invalid TOML: " in r.err
    assert "Traceback" not in r.err


@pytest.mark.parametrize("tail, where", [("", "5:1"), ("   ", "5:4")])
def test_toml_that_ends_inside_an_array_names_where_the_file_ends(project: Path, capsys: pytest.CaptureFixture[str],
                                                                 monkeypatch: pytest.MonkeyPatch, tail: str,
                                                                 where: str) -> None:
    cfg = write(project, "pyproject.toml", f'[project]\nname = "x"\n[tool.sopframe]\nignore = ["SOP101"\n{tail}')
    monkeypatch.chdir(project / "tpl")
    r = invoke(capsys, "validate", "warn.yaml")
    assert r.code == 2
    assert f"{cfg.resolve()}:{where}: invalid TOML: Unclosed array before the end of the file" in r.err


def test_tool_sopframe_that_is_not_a_table(project: Path, capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    write(project, "pyproject.toml", '[tool]\nsopframe = 3\n')
    monkeypatch.chdir(project)
    r = invoke(capsys, "validate", "tpl")
    assert r.code == 2 and "[tool.sopframe] must be a table" in r.err
