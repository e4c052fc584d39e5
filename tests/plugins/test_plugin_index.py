"""Plugins imported when a hook they implement is first called, as the plugin index says; never a hook missed."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from plugin_helpers import entry_points_in, site, write_dist  # noqa: F401 (fixture)
from sopframe.pluginindex import PluginIndex
from sopframe.pluginmanager import load_plugins

#: a store backend for ``fake://`` that records each import of its module in a file beside it
STORE = '''
from pathlib import Path
with (Path(__file__).parent / "imports.log").open("a") as fh:
    fh.write("store\\n")
from sopframe import hookimpl

@hookimpl
def sopframe_store(url):
    return f"store for {url}" if url.startswith("fake://") else None
'''

#: a rules plugin that records its import
RULES = '''
from pathlib import Path
with (Path(__file__).parent / "imports.log").open("a") as fh:
    fh.write("rules\\n")
from sopframe import Rule, Severity, hookimpl

@hookimpl
def sopframe_rules():
    return [Rule("IDX101", "indexed", Severity.INFO, "A rule.", check=lambda tg: [])]
'''


def _load(site: Path, cache: Path):
    for name in ("idx_store", "idx_rules"):
        sys.modules.pop(name, None)  # each load is a new process as far as the plugins can tell
    return load_plugins(entry_points=lambda: entry_points_in(site), index_dir=cache)


def _imports(site: Path) -> list[str]:
    log = site / "imports.log"
    lines = log.read_text().split() if log.exists() else []
    log.unlink(missing_ok=True)
    return lines


def _install(site: Path) -> None:
    write_dist(site, "acme-idx", {"idx-store": "idx_store", "idx-rules": "idx_rules"},
               {"idx_store": STORE, "idx_rules": RULES})


def test_a_hook_imports_only_the_plugins_that_implement_it(site: Path, tmp_path: Path) -> None:
    _install(site)
    cache = tmp_path / "cache"
    first = _load(site, cache)
    assert first.store("fake://a") == "store for fake://a"
    assert sorted(_imports(site)) == ["rules", "store"]  # no index yet: every plugin is imported
    index = json.loads((cache / "plugins-v1.json").read_text())["hooks"]
    assert index["idx-store"] == ["sopframe_store"] and index["idx-rules"] == ["sopframe_rules"]

    second = _load(site, cache)
    assert second.store("fake://b") == "store for fake://b"
    assert _imports(site) == ["store"]
    assert [r.code for r in second.rules() if r.plugin == "idx-rules"] == ["IDX101"]  # imported on its hook
    assert _imports(site) == ["rules"]
    assert {i.name: i.status for i in second.infos}["idx-rules"] == "loaded"


def test_an_edited_plugin_makes_the_index_stale_so_its_new_hook_is_honoured(site: Path, tmp_path: Path) -> None:
    _install(site)
    cache = tmp_path / "cache"
    _load(site, cache).store("fake://a")
    _imports(site)
    # the rules plugin learns to open stores too: the index said it had no store hook
    (site / "idx_rules.py").write_text(RULES + '''
@hookimpl(tryfirst=True)
def sopframe_store(url):
    return "the rules plugin's store" if url.startswith("late://") else None
''')
    plugins = _load(site, cache)
    assert plugins.store("late://x") == "the rules plugin's store"
    assert sorted(_imports(site)) == ["rules", "store"]


def test_a_damaged_or_foreign_index_is_ignored(site: Path, tmp_path: Path) -> None:
    _install(site)
    cache = tmp_path / "cache"
    _load(site, cache).store("fake://a")
    _imports(site)
    path = cache / "plugins-v1.json"
    entry = json.loads(path.read_text())
    entry["hooks"]["idx-store"] = []  # claims the store plugin has no hooks, checksum left as it was
    path.write_text(json.dumps(entry))
    assert _load(site, cache).store("fake://b") == "store for fake://b"
    assert sorted(_imports(site)) == ["rules", "store"]


def test_a_plugin_that_failed_to_import_is_tried_again_for_every_hook(site: Path, tmp_path: Path) -> None:
    write_dist(site, "acme-broken", {"idx-broken": "idx_broken"}, {"idx_broken": "import not_a_module_anywhere\n"})
    cache = tmp_path / "cache"
    first = load_plugins(entry_points=lambda: entry_points_in(site), index_dir=cache)
    first.load_all()
    assert not (cache / "plugins-v1.json").exists()  # a failure records nothing, so nothing was written
    index = PluginIndex(cache, [i for i in first.infos if i.name == "idx-broken"])
    assert index.implements("idx-broken", "sopframe_store")  # unknown: imported for any hook
    plugins = load_plugins(entry_points=lambda: entry_points_in(site), index_dir=cache)
    assert plugins.store("sqlite:///x.db") is None
    assert any("idx-broken" in p.message and "failed to load" in p.message for p in plugins.problems)
