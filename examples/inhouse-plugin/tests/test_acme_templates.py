"""The template pack: every shipped template is valid under sopframe's rules and ACME's."""

from __future__ import annotations

from importlib import resources

from sopframe.testing import validate


def test_template_pack_is_registered(sopframe_plugins) -> None:
    plugins = sopframe_plugins("acme")
    assert [plugin for plugin, _ in plugins.template_dirs()] == ["acme"]


def test_every_shipped_template_is_valid(sopframe_plugins) -> None:
    plugins = sopframe_plugins("acme")
    pack = resources.files("acme_sopframe") / "templates"
    shipped = [f for d in pack.iterdir() if d.is_dir() for f in d.iterdir() if f.name.endswith(".yaml")]
    assert shipped, "the template pack is empty"
    for f in shipped:
        assert validate(f.read_text("utf-8"), plugins=plugins, path=f.name) == [], f.name
