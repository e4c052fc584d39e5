"""A release build is complete and installs: ``python -m build`` (without
isolation, so it works offline), ``twine check``, then the wheel installed
in a fresh virtual environment outside the checkout validates a bundled
template and explains a rule from the docs it carries."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest

from testsupport import ROOT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("release")
    src = tmp / "src"
    src.mkdir()
    for name in ("pyproject.toml", "setup.py", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, src / name)
    for name in ("sopframe", "plugins", "templates", "docs"):  # not the compiled module an editable install built
        shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.so", "*.pyd"))
    out = tmp / "dist"
    r = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "-o", str(out), str(src)],
                       capture_output=True, text=True, cwd=tmp)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    # no deprecation (license table) and no package-data warnings
    warnings = [line for line in (r.stdout + r.stderr).splitlines()
                if "warning" in line.lower() and "byte-compil" not in line]
    assert warnings == []
    return out


def test_twine_accepts_both_artifacts(dist: Path) -> None:
    files = sorted(str(p) for p in dist.iterdir())
    assert len(files) == 2
    r = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", *files], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_wheel_and_sdist_carry_schema_types_license_and_docs(dist: Path) -> None:
    (wheel,) = dist.glob("sopframe-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"sopframe/core/template.schema.json", "sopframe_templates/sopframe.schema.json", "sopframe/py.typed",
            "sopframe_docs/rules.md", "sopframe_docs/compliance.md"} <= names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    shipped = {n for n in names if n.startswith("sopframe_templates/") and n.endswith(".yaml")}
    expected = {"sopframe_templates/" + p.relative_to(ROOT / "templates").as_posix()
                for p in (ROOT / "templates").rglob("*.yaml")}
    assert shipped == expected and len(expected) >= 8
    assert {"sopframe_plugins/bundled_templates.py", "sopframe_plugins/compliance/iso27001.py",
            "sopframe_plugins/store_sqlite.py"} <= names
    meta = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert "License-Expression: Apache-2.0" in meta and "License-File: LICENSE" in meta
    assert "Classifier: Typing :: Typed" in meta and "Project-URL: Source, " in meta
    assert "](docs/" not in meta, "README links must work on a package index"
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "bundled-templates = sopframe_plugins.bundled_templates" in zipfile.ZipFile(wheel).read(entry_points).decode()
    (sdist,) = dist.glob("sopframe-*.tar.gz")
    members = {m.split("/", 1)[1] for m in tarfile.open(sdist).getnames() if "/" in m}
    assert {"LICENSE", "templates/sopframe.schema.json", "sopframe/py.typed", "docs/rules.md"} <= members
    assert {"setup.py", "plugins/_chainproof.c", "plugins/_chainproof_scan.c", "plugins/_chainproof_scan.h",
            "plugins/_chainproof_text.h"} <= members, \
        "the sdist builds the compiled verifier"


def test_the_wheel_carries_the_compiled_verifier_where_it_could_be_built(dist: Path) -> None:
    from sopframe_plugins import store_proof

    (wheel,) = dist.glob("sopframe-*.whl")
    compiled = [n for n in zipfile.ZipFile(wheel).namelist() if n.startswith("sopframe_plugins/_chainproof")]
    if store_proof.compiled() is None:  # this machine cannot build it: the wheel is pure Python
        assert compiled == [] and wheel.name.endswith("-py3-none-any.whl")
    else:
        assert len(compiled) == 1 and compiled[0].endswith(".so")


def test_installed_wheel_validates_and_explains_outside_the_checkout(dist: Path, tmp_path: Path) -> None:
    (wheel,) = dist.glob("sopframe-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    site = Path(subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    # the dependencies come from this environment (offline); sopframe itself only from the wheel
    (site / "zz_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    r = subprocess.run([str(py), "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOPFRAME_", "PYTHON"))}
    work = tmp_path / "elsewhere"
    work.mkdir()
    where = subprocess.run([str(py), "-c", "import sopframe, sopframe_templates as t; print(sopframe.__file__); "
                            "print(t.__file__)"], capture_output=True, text=True, cwd=work, env=env, check=True)
    assert all(line.startswith(str(site)) for line in where.stdout.split()), where.stdout
    templates = Path(where.stdout.split()[1]).parent
    assert json.loads((templates / "sopframe.schema.json").read_text("utf-8"))["$schema"]
    sop = venv / "bin" / "sopframe"
    r = subprocess.run([str(sop), "validate", "--no-cache", str(templates / "incident" / "incident-response.yaml")],
                       capture_output=True, text=True, cwd=work, env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    r = subprocess.run([str(sop), "explain", "SOP101"], capture_output=True, text=True, cwd=work, env=env)
    assert r.returncode == 0 and "Wrong" in r.stdout and "Right" in r.stdout, r.stdout + r.stderr
