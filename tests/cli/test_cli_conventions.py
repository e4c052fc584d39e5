"""Command-line conventions: -q/-v, FORCE_COLOR and TERM=dumb, a progress bar only on a terminal,
and shell completion of rule codes."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import BROKEN, CLEAN, invoke, write


@pytest.fixture()
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("NO_COLOR", "FORCE_COLOR", "TERM", "GITHUB_ACTIONS"):
        monkeypatch.delenv(name, raising=False)
    write(tmp_path, "clean.yaml", CLEAN)
    write(tmp_path, "broken.yaml", BROKEN)
    return tmp_path


def test_quiet_prints_findings_only(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    loud = invoke(capsys, "validate", "--no-cache", "clean.yaml", "broken.yaml")
    quiet = invoke(capsys, "-q", "validate", "--no-cache", "clean.yaml", "broken.yaml")
    assert quiet.code == loud.code == 1
    assert loud.out.splitlines()[-1] == "3 errors in 2 files"
    assert quiet.out.splitlines() == loud.out.splitlines()[:-1]
    clean = invoke(capsys, "--quiet", "validate", "--no-cache", "clean.yaml")
    assert (clean.code, clean.out, clean.err) == (0, "", "")
    # the whole-run cache keeps a quiet run apart from a loud one
    for _ in range(2):
        assert invoke(capsys, "validate", "clean.yaml").out == "no problems in 1 file\n"
        assert invoke(capsys, "-q", "validate", "clean.yaml").out == ""


def test_verbose_says_what_was_checked_and_skipped(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(work, "compose.yaml", "services:\n  db:\n    image: postgres\n")
    r = invoke(capsys, "-v", "validate", "--no-cache", "--skip-non-templates", ".")
    assert r.code == 1
    assert "sopframe: skipped 'compose.yaml': no top-level `template:` or `stages:` key" in r.err
    assert "sopframe: checked 2 files, skipped 1 that are not templates" in r.err
    assert invoke(capsys, "-q", "-v", "validate", "clean.yaml").code == 2


@pytest.mark.parametrize(("env", "coloured"), [
    ({"FORCE_COLOR": "1"}, True),
    ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
    ({"FORCE_COLOR": "0"}, False),
    ({"TERM": "dumb"}, False),
    ({}, False),  # captured output is not a terminal
])
def test_colour_follows_force_color_no_color_and_term(work: Path, capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch, env: dict[str, str],
                                                      coloured: bool) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    r = invoke(capsys, "validate", "--no-cache", "broken.yaml")
    assert r.code == 1
    assert ("\x1b[" in r.out) is coloured


def test_colour_off_on_a_dumb_terminal(work: Path) -> None:
    out = _on_terminal(work, ["validate", "--no-cache", "broken.yaml"], TERM="dumb", stdout_too=True)
    assert "broken.yaml:9:12" in out and "\x1b[" not in out
    out = _on_terminal(work, ["validate", "--no-cache", "broken.yaml"], TERM="xterm", stdout_too=True)
    assert "\x1b[" in out


def _on_terminal(cwd: Path, args: list[str], stdout_too: bool = False, **env: str) -> str:
    """What the command writes to a pseudo-terminal on stderr (and stdout, if asked)."""
    master, slave = pty.openpty()
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("SOPFRAME_") and k not in
                ("NO_COLOR", "FORCE_COLOR", "GITHUB_ACTIONS")}
    full_env.update(env)
    proc = subprocess.Popen([sys.executable, "-m", "sopframe", *args], cwd=cwd, env=full_env,
                            stdout=slave if stdout_too else subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            break
        try:
            data = os.read(master, 65536)
        except OSError:  # the other end closed
            break
        if not data:
            break
        chunks.append(data)
    proc.wait()
    os.close(master)
    return b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.slow
def test_progress_bar_only_for_long_runs_on_a_terminal(work: Path) -> None:
    many = work / "many"
    for i in range(60):
        write(many, f"t{i:02}.yaml", CLEAN)
    shown = _on_terminal(work, ["validate", "--no-cache", "-j", "1", "many"])
    assert "validating" in shown and "60/60" in shown
    assert _on_terminal(work, ["-q", "validate", "--no-cache", "-j", "1", "many"]) == ""
    few = _on_terminal(work, ["validate", "--no-cache", "clean.yaml"])
    assert "validating" not in few
    r = subprocess.run([sys.executable, "-m", "sopframe", "validate", "--no-cache", "many"], cwd=work,
                       capture_output=True, text=True)
    assert r.returncode == 0 and r.stderr == ""  # not a terminal: silent


def test_rule_codes_complete_for_select_ignore_and_explain(work: Path) -> None:
    def complete(*words: str) -> list[str]:
        env = {**os.environ, "COMP_WORDS": " ".join(("sopframe", *words)), "COMP_CWORD": str(len(words)),
               "_SOPFRAME_COMPLETE": "bash_complete"}
        r = subprocess.run([sys.executable, "-m", "sopframe"], env=env, capture_output=True, text=True)
        return [line.split(",", 1)[1] for line in r.stdout.splitlines()]

    assert complete("explain", "SOP10") == [f"SOP10{i}" for i in range(1, 10)]
    assert "ISO101" in complete("explain", "ISO")
    assert complete("validate", "--select", "SOP101,dag") == ["SOP101,dag-cycle"]
    assert "SOP112" in complete("validate", "--ignore", "SOP11")
