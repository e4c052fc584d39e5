"""The example in-house plugin, installed for real with pip into a temporary virtual environment.

The virtual environment sees the current environment's packages (sopframe
and its dependencies) and gets only the example installed into it, without
dependencies or build isolation, so no network is needed.  Everything is
then checked through that environment's ``python -m sopframe``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sysconfig
import venv
from pathlib import Path
from typing import Iterator

import pytest

from sopframe.testing import TemplateBuilder

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "inhouse-plugin"

pytestmark = pytest.mark.slow


def _can_build_wheels() -> str | None:
    """Why setuptools cannot build the example here, or None if it can."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        major_minor = tuple(int(p) for p in version("setuptools").split(".")[:2])
    except (PackageNotFoundError, ValueError):
        return "setuptools is not installed"
    if major_minor < (70, 1) and importlib.util.find_spec("wheel") is None:
        return "setuptools < 70.1 needs the 'wheel' package to build (pip install -e '.[test]')"
    if importlib.util.find_spec("pip") is None:
        return "pip is not installed"
    return None


def _unavailable(reason: str) -> None:
    """Skip with the reason, except in CI, where the test must run."""
    if os.environ.get("SOPFRAME_CI"):
        pytest.fail(f"the example plugin cannot be installed in CI: {reason}")
    pytest.skip(reason)


def _run(cmd: list[str], cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOPFRAME_", "PIP_"))}
    env.update(NO_COLOR="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """(python of a fresh venv with the example installed, a work directory)."""
    reason = _can_build_wheels()
    if reason:
        _unavailable(reason)
    base = tmp_path_factory.mktemp("example-plugin")
    source = base / "acme-sopframe"
    shutil.copytree(EXAMPLE, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    env_dir = base / "venv"
    try:
        venv.EnvBuilder(system_site_packages=True, with_pip=False).create(env_dir)
    except Exception as exc:  # no venv module support on this interpreter
        _unavailable(f"cannot create a virtual environment: {type(exc).__name__}: {exc}")
    python = env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    if not python.exists():
        _unavailable("cannot create a virtual environment: no interpreter in it")
    # system_site_packages reaches the base interpreter only; when the tests run
    # inside a virtual environment, make its packages (sopframe, pip) visible too.
    purelib = _run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], base)
    outer = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    lines = "".join(f"import site; site.addsitedir({p!r})\n" for p in sorted(outer))
    Path(purelib.stdout.strip(), "_current_environment.pth").write_text(lines, "utf-8")
    pip = _run([str(python), "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--no-index", "-q",
                str(source)], base, timeout=120)
    assert pip.returncode == 0, pip.stdout + pip.stderr
    work = base / "work"
    work.mkdir()
    yield python, work


def _sopframe(installed: tuple[Path, Path], *args: str) -> subprocess.CompletedProcess[str]:
    python, work = installed
    return _run([str(python), "-m", "sopframe", *args], work)


def test_plugins_lists_the_example_with_distribution_and_version(installed: tuple[Path, Path]) -> None:
    r = _sopframe(installed, "plugins", "--format", "json")
    assert r.returncode == 0, r.stderr
    rows = {row["name"]: row for row in json.loads(r.stdout)}
    acme = rows["acme"]
    assert (acme["status"], acme["distribution"], acme["version"]) == ("loaded", "acme-sopframe", "1.0.0")
    assert acme["module"] == "acme_sopframe.plugin"
    assert acme["hooks"] == ["sopframe_rules", "sopframe_template_dirs"]
    text = _sopframe(installed, "plugins").stdout
    assert any(ln.startswith("acme ") and "acme-sopframe 1.0.0" in ln for ln in text.splitlines())


def test_its_rule_is_listed_and_explained(installed: tuple[Path, Path]) -> None:
    rules = {r["code"]: r for r in json.loads(_sopframe(installed, "rules", "--format", "json").stdout)}
    assert rules["ACME101"]["plugin"] == "acme" and rules["ACME101"]["slug"] == "change-needs-cab"
    explain = _sopframe(installed, "explain", "ACME101")
    assert explain.returncode == 0
    assert "ACME101 change-needs-cab (error, plugin acme)" in explain.stdout
    off = _sopframe(installed, "--disable-plugin", "acme", "rules")
    assert off.returncode == 0 and "ACME101" not in off.stdout


def test_its_rule_reports_in_validate(installed: tuple[Path, Path]) -> None:
    _, work = installed
    no_cab = (TemplateBuilder("no-cab", kind="change").role("requester", "Raises it")
              .stage("request", owner="requester").field("summary", required=True).to_yaml())
    (work / "no-cab.yaml").write_text(no_cab, "utf-8")
    r = _sopframe(installed, "validate", "no-cab.yaml")
    assert r.returncode == 1
    assert "ACME101" in r.stdout and "defines no role 'cab'" in r.stdout
    assert "Traceback" not in r.stdout + r.stderr


def test_its_template_pack_is_listed_and_valid(installed: tuple[Path, Path]) -> None:
    rows = {t["id"]: t for t in json.loads(_sopframe(installed, "templates", "--format", "json").stdout)}
    fw = rows["acme-firewall-change"]
    assert fw["plugin"] == "acme" and fw["valid"] is True and fw["kind"] == "change"
    text = _sopframe(installed, "templates").stdout
    assert any(ln.startswith("acme-firewall-change") and " acme " in ln for ln in text.splitlines())


def test_the_examples_own_tests_pass_with_the_test_kit(installed: tuple[Path, Path]) -> None:
    python, work = installed
    tests = work.parent / "acme-sopframe" / "tests"      # the copy that was installed
    r = _run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(work),
              "-c", os.devnull, str(tests)], work)
    assert r.returncode == 0, r.stdout + r.stderr
    assert " passed" in r.stdout
