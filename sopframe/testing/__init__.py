"""Test helpers for sopframe plugin authors, and a pytest plugin.

With sopframe installed, pytest loads this module in every project (through
the ``pytest11`` entry point), so it stays light to import: the helpers load
what they need when first used.

Fixtures
    ``sopframe_plugins``
        A factory: ``sopframe_plugins("acme", my_module, strict=False)``
        returns a fresh :class:`~sopframe.pluginmanager.Plugins` with
        sopframe's core rules plus only the plugins named (entry-point names
        of installed plugins, plugin modules or objects, or ``(name, obj)``).
        See :func:`make_plugins`.
    ``template_builder``
        A new :class:`TemplateBuilder` for each call:
        ``template_builder("my-id", kind="change")``.

Helpers (also importable without pytest fixtures)
    :class:`TemplateBuilder`
        Builds valid template YAML fluently: ``.role()``, ``.stage()``,
        ``.field()``, ``.signoff()``, ``.set()``, then ``.to_yaml()``.
    :func:`validate`
        ``validate(text_or_builder, plugins=...) -> list[Finding]``.
    :func:`make_plugins`, :func:`codes`

Example::

    from sopframe.testing import codes, validate

    def test_cab_role_required(sopframe_plugins, template_builder):
        plugins = sopframe_plugins("acme")
        t = template_builder(kind="change").role("requester").stage("request", owner="requester")
        assert "ACME101" in codes(validate(t, plugins=plugins))

Layout: one small submodule per kit (:mod:`.builder`, :mod:`.plugins`,
:mod:`.validation`); this module only defines the fixtures and re-exports the
helpers lazily through ``_LAZY``.  A new kit (a contract suite, say) goes in
its own submodule and is added to ``_LAZY`` and ``__all__`` here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from sopframe._lazy import lazy_getattr

__all__ = ["TemplateBuilder", "make_plugins", "validate", "codes", "to_yaml", "StoreContract", "make_events"]

_LAZY = {
    "TemplateBuilder": "sopframe.testing.builder",
    "to_yaml": "sopframe.testing.builder",
    "make_plugins": "sopframe.testing.plugins",
    "validate": "sopframe.testing.validation",
    "codes": "sopframe.testing.validation",
    "StoreContract": "sopframe.testing.store_contract",
    "make_events": "sopframe.testing.store_contract",
}

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.pluginmanager import Plugins
    from sopframe.testing.builder import TemplateBuilder, to_yaml
    from sopframe.testing.plugins import make_plugins
    from sopframe.testing.validation import codes, validate


__getattr__ = lazy_getattr(__name__, globals(), _LAZY)


try:
    import pytest
except ImportError:  # pragma: no cover - the helpers still work without pytest
    pytest = None  # type: ignore[assignment]

if pytest is not None:

    @pytest.fixture
    def sopframe_plugins() -> Callable[..., "Plugins"]:
        """Factory for a fresh plugin manager with only the plugins named.

        ``sopframe_plugins(*specs, strict=False)``; see
        :func:`sopframe.testing.make_plugins`.
        """
        from sopframe.testing.plugins import make_plugins

        return make_plugins

    @pytest.fixture
    def template_builder() -> Callable[..., "TemplateBuilder"]:
        """Factory for :class:`sopframe.testing.TemplateBuilder` objects.

        ``template_builder(template_id="test-template", *, title=..., version="1.0.0",
        kind="change", chain=True)``.
        """
        from sopframe.testing.builder import TemplateBuilder

        return TemplateBuilder
