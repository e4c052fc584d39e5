"""The public API: what ``sopframe`` exports, and the typed example of docs/api.md."""

from __future__ import annotations

import importlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import sopframe
from testsupport import ROOT

#: what plugin authors and programs import; anything else is private
PUBLIC = {
    "__version__", "validate_paths", "load_template", "Settings", "resolve_settings",
    "Rule", "Finding", "Severity", "Location", "CheckContext", "Template", "TemplateGraph",
    "SchemaExtension", "Framework", "Store", "hookimpl", "Notifier", "DeliveryError", "Notification", "Trigger",
    "SopframeError", "UsageError", "ConfigError", "TemplateError", "PluginError", "JobError", "StoreError",
    "ConflictError", "IntegrityError",
}

API_DOC = ROOT / "docs" / "api.md"


def test_all_lists_exactly_the_public_names_and_each_resolves() -> None:
    assert set(sopframe.__all__) == PUBLIC and len(sopframe.__all__) == len(PUBLIC)
    for name in sopframe.__all__:
        value = getattr(sopframe, name)
        if name != "__version__":
            module = importlib.import_module(sopframe._LAZY[name])  # type: ignore[attr-defined]
            assert getattr(module, name) is value


def test_what_plugin_docs_send_authors_to_is_public() -> None:
    """The hook docs name ``sopframe.X`` for what a plugin returns or raises, never a private module."""
    text = (ROOT / "docs" / "plugins.md").read_text("utf-8") + Path(sopframe.hookspecs.__file__).read_text("utf-8")
    assert not re.findall(r"sopframe\.(?:core\.store\.Store|errors\.\w+Error|core\.frameworks\.Framework)", text)
    docs = (ROOT / "docs" / "plugins.md").read_text("utf-8")
    assert not re.findall(r"`sopframe\.core\.[\w.]+\(", docs)  # no private function to call


def test_a_notifier_checks_its_options_with_a_public_helper() -> None:
    from sopframe import Notifier

    problems = Notifier.option_problems({"type": "pager", "hots": "x", "port": "eighty"}, {"host": "text",
                                                                                          "port": "port"})
    assert len(problems) == 2 and problems[0].startswith("`hots`: unknown option") and "host" in problems[0]
    assert problems[1].startswith("`port`")


def test_every_public_name_is_documented() -> None:
    text = API_DOC.read_text("utf-8")
    missing = [n for n in sorted(PUBLIC - {"__version__"}) if f"`{n}" not in text]
    assert missing == []


def _example() -> str:
    text = API_DOC.read_text("utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) == 1, "docs/api.md has one Python example"
    return blocks[0]


def test_the_api_example_runs(tmp_path: Path) -> None:
    namespace: dict[str, object] = {}
    exec(compile(_example(), "docs/api.md", "exec"), namespace)
    templates = ROOT / "templates"
    assert namespace["count_errors"](templates) == 0  # type: ignore[operator]
    broken = tmp_path / "broken.yaml"
    broken.write_text("template: x\n", "utf-8")
    assert namespace["title_of"](broken).startswith("(invalid: ")  # type: ignore[operator]
    shipped = next(templates.rglob("*.yaml"))
    assert not namespace["title_of"](shipped).startswith("(invalid")  # type: ignore[operator]


@pytest.mark.skipif(shutil.which("mypy") is None and importlib.util.find_spec("mypy") is None,
                    reason="mypy is not installed (pip install -e '.[test]' installs it)")
def test_the_api_example_passes_mypy_strict(tmp_path: Path) -> None:
    example = tmp_path / "api_example.py"
    example.write_text(_example(), "utf-8")
    env = {**os.environ, "MYPYPATH": str(ROOT)}  # an editable install's import hook is invisible to mypy
    r = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--follow-imports=silent",
                        str(example)], capture_output=True, text=True, timeout=300, cwd=tmp_path, env=env)
    assert r.returncode == 0, r.stdout + r.stderr


def test_a_store_backend_needs_only_public_names() -> None:
    """Every type in the signatures of `sopframe.Store`'s methods is importable from `sopframe` or
    `sopframe.storage`: a third-party backend never imports a private module to build what it returns."""
    import inspect
    import typing

    import sopframe.storage as storage
    from sopframe import Store

    public = set(sopframe.__all__) | set(storage.__all__) | set(typing.__all__) | {"None"}
    used: dict[str, str] = {}
    for klass in Store.__mro__:
        for name, member in vars(klass).items():
            if callable(member) and not name.startswith("_"):
                for word in re.findall(r"\b[A-Z]\w*", str(inspect.signature(member))):
                    used.setdefault(word, f"{klass.__name__}.{name}")
    assert {w: where for w, where in used.items() if w not in public} == {}
    for name in storage.__all__:
        assert getattr(storage, name) is not None
    assert storage.Store is Store
