"""The public Python API's entry points that need plugins: they load them as the settings say.

Core (:mod:`sopframe.core.validate`) never discovers plugins; these
functions are where a program that did not load any gets them, from
:func:`sopframe.settings.resolve_settings` (the environment, the nearest
configuration file, the defaults) unless it passes its own.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.model import Template
    from sopframe.core.validate import Report
    from sopframe.pluginmanager import Plugins
    from sopframe.settings import Settings

__all__ = ["validate_paths", "load_template", "load_plugins_for"]


def load_plugins_for(settings: Settings | None = None) -> Plugins:
    """The installed plugins, as ``settings`` (default: resolved now) block them or make them strict."""
    from sopframe.pluginmanager import load_plugins
    from sopframe.settings import resolve_settings

    settings = settings or resolve_settings()
    return load_plugins(disabled=settings.disabled_plugins, strict=settings.strict_plugins)


def validate_paths(paths: Iterable[str | os.PathLike[str]], *, plugins: Plugins | None = None,
                   settings: Settings | None = None) -> Report:
    """Validate template files and directories (recursively) and return every finding.

    ``settings`` (default: resolved from the environment and the nearest
    configuration file) decide the frameworks, the policy, the largest file
    and, when ``plugins`` is not given, which plugins load.
    """
    from sopframe.core.validate import validate_paths as validate
    from sopframe.settings import resolve_settings

    settings = settings or resolve_settings()
    plugins = plugins or load_plugins_for(settings)
    return validate([os.fspath(p) for p in paths], plugins=plugins, max_bytes=settings.max_file_size,
                    context=settings.check_context())


def load_template(path: str | os.PathLike[str], *, plugins: Plugins | None = None,
                  settings: Settings | None = None) -> Template:
    """Load and validate one template; raise :class:`sopframe.TemplateError` on any error finding."""
    from sopframe.core.validate import load_template as load
    from sopframe.settings import resolve_settings

    settings = settings or resolve_settings()
    return load(path, plugins=plugins or load_plugins_for(settings), context=settings.check_context())
