"""sopframe: audit-ready IT standard operating procedures as tracked workflow jobs.

The public API is small and every name is listed in ``__all__``; modules
not named here are private.  Heavy modules load on first use, so that
``import sopframe`` stays light.
"""

from __future__ import annotations

from sopframe._lazy import lazy_getattr

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "CheckContext",
    "Finding",
    "Location",
    "Rule",
    "Severity",
    "SchemaExtension",
    "Template",
    "TemplateGraph",
    "hookimpl",
    "load_template",
    "validate_paths",
    "SopframeError",
    "UsageError",
    "ConfigError",
    "TemplateError",
    "PluginError",
]

_LAZY = {
    "CheckContext": "sopframe.core.frameworks",
    "Finding": "sopframe.core.diagnostics",
    "Location": "sopframe.core.diagnostics",
    "Rule": "sopframe.core.diagnostics",
    "Severity": "sopframe.core.diagnostics",
    "SchemaExtension": "sopframe.core.schema",
    "Template": "sopframe.core.model",
    "TemplateGraph": "sopframe.core.graph",
    "hookimpl": "sopframe.hookspecs",
    "load_template": "sopframe.api",
    "validate_paths": "sopframe.api",
    "SopframeError": "sopframe.errors",
    "UsageError": "sopframe.errors",
    "ConfigError": "sopframe.errors",
    "TemplateError": "sopframe.errors",
    "PluginError": "sopframe.errors",
}

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.diagnostics import Finding, Location, Rule, Severity
    from sopframe.core.frameworks import CheckContext
    from sopframe.core.graph import TemplateGraph
    from sopframe.core.model import Template
    from sopframe.core.schema import SchemaExtension
    from sopframe.api import load_template, validate_paths
    from sopframe.errors import (
        ConfigError,
        PluginError,
        SopframeError,
        TemplateError,
        UsageError,
    )
    from sopframe.hookspecs import hookimpl


__getattr__ = lazy_getattr(__name__, globals(), _LAZY)


def __dir__() -> list[str]:
    return sorted(__all__)
