"""``sopframe validate`` answered from the cache before click starts: the same
output and exit code as the full command, and nothing at all when it gives up."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from cli_helpers import BROKEN, CLEAN, WARN, Result, invoke, write

import sopframe.cli
from sopframe.commands.fastpath import ENV_OFF, answer_from_cache


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project with a configuration, templates in a folder and one beside it, run from its root."""
    root = tmp_path / "project"
    for i, text in enumerate((BROKEN, WARN, CLEAN, BROKEN.replace("finsh", "finish"))):
        write(root, f"sops/t{i}.yaml", text.replace("template: demo", f"template: demo-{i}"))
    write(root, "single.yaml", WARN)
    (root / "empty").mkdir()
    # an ignore entry no rule matches: both paths must warn about it the same way
    write(root, "sopframe.toml", 'ignore = ["SOP199"]\n')
    monkeypatch.chdir(root)
    return root


def _full(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, argv: list[str]) -> Result:
    with monkeypatch.context() as m:
        m.setenv(ENV_OFF, "1")
        return invoke(capsys, *argv)


def _fast(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, argv: list[str]) -> Result:
    def no_click(*_: object, **__: object) -> None:
        raise AssertionError("the full command ran: the cache should have answered")

    with monkeypatch.context() as m:
        m.setattr(sopframe.cli, "main", no_click)
        return invoke(capsys, *argv)


@pytest.mark.parametrize("argv", [
    ["validate", "sops"],
    ["validate", "sops", "single.yaml"],
    ["validate", "--format", "json", "sops"],
    ["validate", "--format=github", "sops"],
    ["validate", "--fail-level", "warning", "single.yaml"],
    ["validate", "--fail-level=WARNING", "sops/t2.yaml"],
    ["validate", "--select", "SOP107,SOP109", "sops"],
    ["validate", "--select=sop1", "--ignore", "undefined-role", "sops"],
    ["validate", "sops", "--no-color", "-j", "2"],
    ["validate", "-j2", "--jobs=3", "sops"],
    ["validate", "--max-file-size", "100000", "sops"],
    ["validate", "--color", "sops/t0.yaml"],
    ["validate", "--framework", "iso27001", "sops/t2.yaml"],
    ["validate", "--cache-dir", "elsewhere", "sops"],
    ["--config", "sopframe.toml", "validate", "sops"],
    ["--disable-plugin", "iso27001", "validate", "sops"],
    ["validate", "empty"],
])
def test_the_cache_answers_as_the_full_command_does(capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch, project: Path,
                                                    argv: list[str]) -> None:
    def forget_the_whole_run() -> None:
        runs = list(Path(os.environ["SOPFRAME_CACHE_DIR"]).glob("v*/runs/*.json")) + list(
            project.glob("elsewhere/v*/runs/*.json"))
        assert len(runs) == 1
        runs[0].unlink()

    cold = _full(capsys, monkeypatch, argv)  # fills the cache: each file's entry, and the whole run
    forget_the_whole_run()
    warm_full = _full(capsys, monkeypatch, argv)  # the click command, from each file's entry
    warm_fast = _fast(capsys, monkeypatch, argv)  # what that run printed, kept whole
    forget_the_whole_run()
    from_entries = _fast(capsys, monkeypatch, argv)  # the fast path, from each file's entry
    assert from_entries == warm_fast == warm_full == cold
    assert cold.out  # every case prints a report


def test_github_annotations_follow_the_environment(capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch, project: Path) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    cold = _full(capsys, monkeypatch, ["validate", "sops"])
    assert cold.out.startswith("::error file=")
    assert _fast(capsys, monkeypatch, ["validate", "sops"]) == cold


@pytest.mark.parametrize("argv", [
    ["validate", "--help"],
    ["validate", "-h", "sops"],
    ["--help", "validate"],
    ["--version", "validate"],
    ["validate", "-"],
    ["validate", "--format", "sarif", "sops"],
    ["validate", "--no-cache", "sops"],
    ["validate", "--unknown-option", "sops"],
    ["validate", "--format", "yaml", "sops"],
    ["validate", "--format"],
    ["validate", "--fail-level", "fatal", "sops"],
    ["validate", "--jobs", "0", "sops"],
    ["validate", "-j", "many", "sops"],
    ["validate", "--max-file-size=-1", "sops"],
    ["validate", "--select", "-x", "sops"],
    ["validate", "--", "sops"],
    ["validate"],
    ["validate", "missing.yaml"],
    ["validate", "--select", "SOP1O7", "sops"],
    ["validate", "--framework", "iso2700", "sops"],
    ["--strict-plugins", "--disable-plugin", "nope", "--config", "missing.toml", "validate", "sops"],
    ["rules", "validate"],
])
def test_gives_up_silently_on_anything_the_full_command_must_word(capsys: pytest.CaptureFixture[str],
                                                                  monkeypatch: pytest.MonkeyPatch, project: Path,
                                                                  argv: list[str]) -> None:
    _full(capsys, monkeypatch, ["validate", "sops"])  # a warm cache for the paths named
    _full(capsys, monkeypatch, ["validate", "sops"])
    capsys.readouterr()
    assert answer_from_cache(argv) is None
    assert capsys.readouterr() == ("", "")


def test_a_changed_file_goes_to_the_full_command(capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch, project: Path) -> None:
    before = _full(capsys, monkeypatch, ["validate", "sops"])
    assert answer_from_cache(["validate", "sops"]) == before.code
    capsys.readouterr()
    write(project, "sops/t2.yaml", BROKEN)
    assert answer_from_cache(["validate", "sops"]) is None
    after = invoke(capsys, "validate", "sops")
    assert after.code == 1 and after.out != before.out
    assert answer_from_cache(["validate", "sops"]) == 1  # and now that is cached too


def test_a_changed_configuration_goes_to_the_full_command(capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch, project: Path) -> None:
    _full(capsys, monkeypatch, ["validate", "sops/t2.yaml"])
    write(project, "sopframe.toml", 'frameworks = ["iso27001"]\n')
    assert answer_from_cache(["validate", "sops/t2.yaml"]) is None
    write(project, "sopframe.toml", 'colour = "always"\n')  # not a key: the full command says so
    assert answer_from_cache(["validate", "sops/t2.yaml"]) is None
    r = invoke(capsys, "validate", "sops/t2.yaml")
    assert r.code == 2 and "unknown key 'colour'" in r.err


def test_switched_off_by_the_environment(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                         project: Path) -> None:
    _full(capsys, monkeypatch, ["validate", "sops"])
    assert answer_from_cache(["validate", "sops"]) == 1
    monkeypatch.setenv(ENV_OFF, "1")
    assert answer_from_cache(["validate", "sops"]) is None


@pytest.mark.parametrize("change", ["config-select", "config-layout", "colour", "fail-level", "github"])
def test_a_kept_run_is_not_reused_when_what_decides_the_output_changes(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, project: Path, change: str) -> None:
    argv = ["validate", "sops"]
    before = _full(capsys, monkeypatch, argv)
    assert _fast(capsys, monkeypatch, argv) == _fast(capsys, monkeypatch, argv) == before  # kept, then reused
    if change == "config-select":
        write(project, "sopframe.toml", 'ignore = ["SOP199"]\nselect = ["SOP107"]\n')
    elif change == "config-layout":  # the warning about SOP199 names the line of `ignore`
        write(project, "sopframe.toml", '# moved down a line\nignore = ["SOP199"]\n')
    elif change == "colour":
        argv = ["validate", "--color", "sops"]
    elif change == "fail-level":
        argv = ["validate", "--fail-level", "warning", "sops/t1.yaml"]
        before = _full(capsys, monkeypatch, ["validate", "sops/t1.yaml"])
        assert _fast(capsys, monkeypatch, ["validate", "sops/t1.yaml"]) == before
    else:
        monkeypatch.setenv("GITHUB_ACTIONS", "true")
    after = _full(capsys, monkeypatch, argv)
    assert after != before  # the change shows in what is printed
    assert _fast(capsys, monkeypatch, argv) == after


def test_every_option_of_validate_is_read_by_the_fast_path_or_left_to_click() -> None:
    """An option added to the click command must be taught to the fast path, or listed here as one it
    leaves to click; an option the fast path reads must still exist."""
    from sopframe.cli import cli
    from sopframe.commands import fastpath
    from sopframe.commands.validate import validate

    left_to_click = {"--no-cache", "--help"}
    fast_validate = set(fastpath._VALUES) | {"--color", "--no-color"}
    click_validate = {o for p in validate.params for o in (*p.opts, *p.secondary_opts) if o.startswith("-")}
    assert click_validate - left_to_click == fast_validate
    fast_global = set(fastpath._GLOBAL_VALUES) | {"--strict-plugins"}
    click_global = {o for p in cli.params for o in (*p.opts, *p.secondary_opts) if o.startswith("-")}
    assert click_global - {"-V", "--version", "-h", "--help"} == fast_global


_OPTIONS = [
    ["--format", "json"], ["--format=text"], ["--format", "github"], ["--select", "SOP1"],
    ["--select=SOP107,unused-role"], ["--ignore", "SOP112"], ["--ignore=sop10"], ["--fail-level", "warning"],
    ["--fail-level=INFO"], ["--color"], ["--no-color"], ["-j", "2"], ["-j3"], ["--jobs=1"],
    ["--max-file-size", "50"], ["--max-file-size=100000"], ["--framework", "soc2"], ["--cache-dir", "c2"],
    ["--stdin-filename", "x.yaml"],
]
_PATHS = [["sops"], ["single.yaml"], ["sops/t0.yaml"], ["empty"]]
#: what the full command must word (or that needs it): at most one per command line
_ODD = [
    ["--format", "sarif"], ["--format", "yml"], ["--select", "NOPE9"], ["--fail-level", "loud"], ["--color=yes"],
    ["-j0"], ["--jobs=x"], ["--framework=nist"], ["--no-cache"], ["-"], ["--"], ["-x"], ["--select"],
    ["missing.yaml"], ["--help"],
]
_GLOBALS = [[], ["--strict-plugins"], ["--disable-plugin", "soc2"], ["--config", "sopframe.toml"],
            ["--config=missing.toml"], ["-V"]]


@given(front=st.sampled_from(_GLOBALS), options=st.lists(st.sampled_from(_OPTIONS), max_size=4),
       paths=st.lists(st.sampled_from(_PATHS), min_size=1, max_size=2), odd=st.lists(st.sampled_from(_ODD), max_size=1),
       order=st.randoms(use_true_random=False))
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_command_line_is_answered_as_the_full_command_answers_it(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, project: Path, front: list[str],
        options: list[list[str]], paths: list[list[str]], odd: list[list[str]], order) -> None:
    pieces = [*options, *paths, *odd]
    order.shuffle(pieces)
    argv = [*front, "validate", *(arg for piece in pieces for arg in piece)]
    full = _full(capsys, monkeypatch, argv)
    full_again = _full(capsys, monkeypatch, argv)  # the click command, maybe from the cache
    capsys.readouterr()
    code = answer_from_cache(argv)
    fast_out, fast_err = capsys.readouterr()
    assert full_again == full
    if code is not None:  # answered early: exactly what the full command printed
        assert Result(code, fast_out, fast_err) == full
    else:
        assert (fast_out, fast_err) == ("", "")
