"""Helpers for plugin tests: real distributions on a temporary path, and the CLI in a subprocess.

A distribution written here is what pip would leave in site-packages: a
``<name>-<version>.dist-info`` folder with ``METADATA`` and
``entry_points.txt``, next to the plugin's modules.  ``importlib.metadata``
finds it on ``sys.path`` (or ``PYTHONPATH`` for a subprocess) like any
installed package.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from importlib.metadata import distributions
from pathlib import Path
from typing import Any, Iterator, Mapping

import pytest

from sopframe.testing import TemplateBuilder

#: A plugin that works: one warning-level rule that reports every template once.
GOOD = '''
from sopframe import Rule, Severity, hookimpl

def _check(tg):
    yield RULE.finding(f"template {tg.template.id!r} seen by the good plugin", at=tg.template.loc)

RULE = Rule("GOOD101", "good-seen", Severity.WARNING, "Reports every template once.", check=_check)

@hookimpl
def sopframe_rules():
    return [RULE]
'''


def write_dist(site: Path, dist: str, plugins: Mapping[str, str], modules: Mapping[str, str],
               version: str = "1.2.3") -> Path:
    """Install a distribution by hand: ``plugins`` maps entry-point name to module, ``modules`` name to source."""
    site.mkdir(parents=True, exist_ok=True)
    info = site / f"{dist.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n", "utf-8")
    lines = ["[sopframe]", *(f"{name} = {target}" for name, target in plugins.items())]
    (info / "entry_points.txt").write_text("\n".join(lines) + "\n", "utf-8")
    for module, source in modules.items():
        path = site / (module.replace(".", "/") + ".py")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source), "utf-8")
    return info


def entry_points_in(site: Path) -> list[Any]:
    """The ``sopframe`` entry points of the distributions below ``site``, sorted by name."""
    eps = [ep for d in distributions(path=[str(site)]) for ep in d.entry_points if ep.group == "sopframe"]
    return sorted(eps, key=lambda ep: ep.name)


def marker_module(marker: Path) -> str:
    """Source of a plugin module that records its import in ``marker`` and then fails."""
    return f'''
from pathlib import Path
with Path({str(marker)!r}).open("a") as fh:
    fh.write("imported\\n")
raise RuntimeError("this plugin module must not be imported")
'''


def valid_template(path: Path, template_id: str = "plain") -> Path:
    """Write a template that passes every core rule."""
    text = (TemplateBuilder(template_id).role("requester", "Raises it")
            .stage("request", owner="requester").field("summary", required=True)
            .stage("done", owner="requester").to_yaml())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return path


def run_sopframe(args: list[str], *, site: Path | None, cwd: Path,
                 env: Mapping[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run ``python -m sopframe ARGS`` with ``site`` on PYTHONPATH and a clean plugin environment."""
    environ = {k: v for k, v in os.environ.items()
               if k not in ("SOPFRAME_DISABLE_PLUGINS", "SOPFRAME_DEBUG", "SOPFRAME_NO_PLUGIN_COMMANDS")}
    if site is not None:
        environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(site), environ.get("PYTHONPATH", "")) if p)
    environ["NO_COLOR"] = "1"
    environ.update(env or {})
    return subprocess.run([sys.executable, "-m", "sopframe", *args], cwd=cwd, env=environ,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A temporary site-packages folder on ``sys.path``; modules imported from it are forgotten afterwards."""
    path = tmp_path / "site"
    path.mkdir()
    monkeypatch.syspath_prepend(str(path))
    yield path
    for name, module in list(sys.modules.items()):
        if str(getattr(module, "__file__", None) or "").startswith(str(path)):
            del sys.modules[name]
