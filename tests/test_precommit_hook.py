"""The shipped pre-commit hook, tried with the real pre-commit client (``try-repo``) against a scratch
repository holding a ``.pre-commit-config.yaml``, a GitHub workflow, a compose file and two templates.

pre-commit builds the hook's environment itself (``language: python``: a virtualenv and a pip install
of this project and its dependencies), with whatever package index pip is configured for; where no
index is reachable that step fails and the test is skipped with that reason.  Everything else is local.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from testsupport import ROOT

pytestmark = pytest.mark.slow

GOOD = ROOT / "templates" / "incident" / "incident-response.yaml"
#: the good template, under an id of its own, with one stage's owner misspelt
BAD = (GOOD.read_text("utf-8").replace("template: incident-response\n", "template: incident-draft\n", 1)
       .replace("    owner: service_desk\n", "    owner: service_dsk\n", 1))


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.email=test@example.org", "-c", "user.name=test", *args], cwd=cwd,
                   check=True, capture_output=True)


@pytest.fixture(scope="module")
def repos(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, str]]:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    tmp = tmp_path_factory.mktemp("precommit")
    hook = tmp / "hook"
    hook.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE", ".pre-commit-hooks.yaml"):
        shutil.copy(ROOT / name, hook / name)
    for name in ("sopframe", "plugins", "templates", "docs"):
        shutil.copytree(ROOT / name, hook / name, ignore=shutil.ignore_patterns("__pycache__"))
    _git(hook, "init", "-q")
    _git(hook, "add", "-A")
    _git(hook, "commit", "-qm", "hook")
    scratch = tmp / "scratch"
    (scratch / ".github" / "workflows").mkdir(parents=True)
    (scratch / "templates").mkdir()
    (scratch / ".pre-commit-config.yaml").write_text("repos: []\n", "utf-8")
    (scratch / ".github" / "workflows" / "ci.yml").write_text(
        "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make test\n", "utf-8")
    (scratch / "compose.yaml").write_text("services:\n  db:\n    image: postgres:16\n", "utf-8")
    shutil.copy(GOOD, scratch / "templates" / "good.yaml")
    (scratch / "templates" / "bad.yaml").write_text(BAD, "utf-8")
    _git(scratch, "init", "-q")
    _git(scratch, "add", "-A")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp / "home"), "SOPFRAME_NO_FASTPATH": "1"}
    env.pop("VIRTUAL_ENV", None)
    return hook, scratch, env


def _try_repo(repos: tuple[Path, Path, dict[str, str]]) -> subprocess.CompletedProcess[str]:
    hook, scratch, env = repos
    r = subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(hook), "sopframe-validate",
                        "--all-files"], cwd=scratch, env=env, capture_output=True, text=True)
    if "An unexpected error has occurred" in r.stdout + r.stderr and "Installing environment" in r.stdout:
        log = Path(env["PRE_COMMIT_HOME"]) / "pre-commit.log"
        detail = log.read_text("utf-8", "replace")[-400:] if log.exists() else r.stdout[-400:]
        pytest.skip(f"pre-commit could not build the hook's environment (no package index reachable?): {detail}")
    return r


def test_a_bad_template_blocks_the_commit_and_other_yaml_is_left_alone(repos) -> None:  # type: ignore[no-untyped-def]
    r = _try_repo(repos)
    out = r.stdout
    assert r.returncode == 1, out + r.stderr
    assert "sopframe validate" in out and "Failed" in out
    line = BAD.splitlines().index("    owner: service_dsk") + 1
    assert f"templates/bad.yaml:{line}:12: error SOP107 [undefined-role]" in out
    for other in (".pre-commit-config.yaml", "ci.yml", "compose.yaml", "good.yaml", "'repos'"):
        assert other not in out.split("- exit code: 1", 1)[1], other
    assert "in 2 files" in out  # good.yaml and bad.yaml, nothing else


def test_with_the_template_fixed_the_hook_passes(repos) -> None:  # type: ignore[no-untyped-def]
    hook, scratch, env = repos
    (scratch / "templates" / "bad.yaml").write_text(GOOD.read_text("utf-8"), "utf-8")
    _git(scratch, "add", "-A")
    r = _try_repo(repos)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Passed" in r.stdout
    assert not (scratch / ".sopframe_cache").exists()  # the hook leaves no cache in the user's repository
