"""Stores are plugins: the ``sopframe_store`` hook, URL dispatch and its failures."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from sopframe.core.store import DEFAULT_STORE, open_store, store_url
from sopframe.errors import PluginError, StoreError
from sopframe.hookspecs import hookimpl
from sopframe.pluginmanager import load_plugins
from sopframe_plugins.store_memory import MemoryStore


class FakeBackend:
    def __init__(self) -> None:
        self.opened: list[str] = []

    @hookimpl
    def sopframe_store(self, url: str) -> Any:
        if not url.startswith("fake://"):
            return None
        self.opened.append(url)
        return MemoryStore(url)


class BrokenBackend:
    @hookimpl
    def sopframe_store(self, url: str) -> Any:
        raise RuntimeError("boom")


def test_a_third_party_backend_is_chosen_by_its_scheme() -> None:
    fake = FakeBackend()
    plugins = load_plugins(extra=[("fake", fake)])
    store = open_store("fake://team", plugins)
    assert isinstance(store, MemoryStore) and fake.opened == ["fake://team"]
    assert isinstance(open_store("memory://", plugins), MemoryStore)  # the built-ins still answer theirs


def test_a_backend_that_crashes_is_named() -> None:
    plugins = load_plugins(extra=[("broken", BrokenBackend())])
    with pytest.raises(PluginError, match="plugin 'broken'.*sopframe_store.*RuntimeError: boom"):
        open_store("anything://", plugins)


def test_disabled_backend_is_not_asked() -> None:
    plugins = load_plugins(disabled=["store-sqlite"])
    with pytest.raises(StoreError, match="no store backend handles 'sqlite:///x.db'"):
        open_store("sqlite:///x.db", plugins)


def test_url_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    config = SimpleNamespace(get=lambda key, default=None: {"store": "sqlite:///from-config.db"}.get(key, default))
    monkeypatch.delenv("SOPFRAME_STORE", raising=False)
    assert store_url(None, None) == DEFAULT_STORE == "sqlite:///sopframe.db"
    assert store_url(None, config) == "sqlite:///from-config.db"  # type: ignore[arg-type]
    monkeypatch.setenv("SOPFRAME_STORE", "memory://env")
    assert store_url(None, config) == "memory://env"  # type: ignore[arg-type]
    assert store_url("memory://flag", config) == "memory://flag"  # type: ignore[arg-type]
