"""The package and its built-in plugins pass mypy with the settings of pyproject.toml.

Public functions are annotated (a plugin author's editor and type checker
read them), and a wrong annotation is a defect like any other: mypy runs
over ``sopframe`` and ``sopframe_plugins`` here, not only over the typed
example of docs/api.md (``test_public_api.py``).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from testsupport import ROOT

pytestmark = pytest.mark.skipif(importlib.util.find_spec("mypy") is None,
                                reason="mypy is not installed (pip install -e '.[test]' installs it)")


def _mypy(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # The built-in plugins are the package `sopframe_plugins`, kept in plugins/: an editable install's import
    # hook is invisible to mypy, so it finds them through a link named as the package.
    paths = tmp_path / "paths"
    paths.mkdir()
    (paths / "sopframe_plugins").symlink_to(ROOT / "plugins", target_is_directory=True)
    env = {**os.environ, "MYPYPATH": str(paths)}
    return subprocess.run([sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"),
                           "--cache-dir", str(tmp_path / "cache"), *args],
                          capture_output=True, text=True, timeout=600, cwd=ROOT, env=env)


def test_the_package_and_its_plugins_pass_mypy(tmp_path: Path) -> None:
    r = _mypy(tmp_path, "-p", "sopframe", "-p", "sopframe_plugins")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Success" in r.stdout


def test_the_check_finds_a_type_error(tmp_path: Path) -> None:
    """The check above can fail: the same invocation reports a wrong annotation in a module it reads."""
    bad = tmp_path / "bad_example.py"
    bad.write_text("from sopframe.core.safetext import escape\n\nn: int = escape('x')\n", "utf-8")
    r = _mypy(tmp_path, str(bad))
    assert r.returncode == 1
    assert "Incompatible types in assignment" in r.stdout
