"""Validate template text in a test and get the findings back."""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence, Union

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.diagnostics import Finding
    from sopframe.pluginmanager import Plugins
    from sopframe.testing.builder import TemplateBuilder
    from sopframe.testing.plugins import PluginSpec

__all__ = ["validate", "codes"]


def validate(source: Union[str, "TemplateBuilder"], *,
             plugins: Union["Plugins", Sequence["PluginSpec"], None] = None,
             path: str = "<template>") -> list["Finding"]:
    """Validate one template and return every finding, sorted by position.

    ``source`` is YAML text or a :class:`~sopframe.testing.TemplateBuilder`.
    ``plugins`` is a :class:`~sopframe.pluginmanager.Plugins` (from the
    ``sopframe_plugins`` fixture), or a list of plugin specs for
    :func:`~sopframe.testing.make_plugins`; by default only sopframe's core
    rules run.  Problems of the plugins themselves (a plugin that failed to
    load, SOP900) come first.  ``path`` is the file name findings carry.
    """
    from sopframe.core.validate import validate_text
    from sopframe.pluginmanager import Plugins
    from sopframe.testing.plugins import make_plugins

    text = source if isinstance(source, str) else source.to_yaml()
    if not isinstance(plugins, Plugins):
        plugins = make_plugins(*(plugins or ()))
    result = validate_text(text, path, plugins=plugins)
    return [*plugins.problems, *result.findings]


def codes(findings: Sequence["Finding"]) -> list[str]:
    """The codes of ``findings``, in order: handy in assertions."""
    return [f.code for f in findings]
