"""A non-editable install carries what sopframe needs at run time: the
template schema, the built-in plugins and the bundled templates."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from testsupport import ROOT


@pytest.mark.slow
def test_wheel_contains_schema_plugins_and_bundled_templates(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    for name in ("sopframe", "plugins", "templates"):
        shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path / "dist"
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                        "-w", str(out), str(src)], capture_output=True, text=True)
    if r.returncode != 0 and "No module named" in r.stderr:
        pytest.skip(f"cannot build a wheel here: {r.stderr.strip().splitlines()[-1]}")
    assert r.returncode == 0, r.stderr
    (wheel,) = out.glob("sopframe-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "sopframe/core/template.schema.json" in names
    shipped = {n for n in names if n.startswith("sopframe_templates/") and n.endswith(".yaml")}
    expected = {"sopframe_templates/" + p.relative_to(ROOT / "templates").as_posix()
                for p in (ROOT / "templates").rglob("*.yaml")}
    assert shipped == expected and len(expected) >= 8
    assert {"sopframe_plugins/bundled_templates.py", "sopframe_plugins/compliance/iso27001.py",
            "sopframe_plugins/store_sqlite.py"} <= names
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "[sopframe]" in text and "bundled-templates = sopframe_plugins.bundled_templates" in text
