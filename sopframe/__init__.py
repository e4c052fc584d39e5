"""sopframe: audit-ready IT standard operating procedures as tracked workflow jobs.

The public API is small and every name is listed in ``__all__``: what plugin
authors and programs import comes from here (docs/api.md has the stability
policy).  Every other module is private and may change in any release.
Heavy modules load on first use, so that ``import sopframe`` stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sopframe._lazy import lazy_getattr

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "CheckContext",
    "Framework",
    "Finding",
    "Location",
    "Rule",
    "Severity",
    "SchemaExtension",
    "Template",
    "TemplateGraph",
    "Store",
    "Notifier",
    "DeliveryError",
    "Notification",
    "Trigger",
    "hookimpl",
    "Settings",
    "resolve_settings",
    "load_template",
    "validate_paths",
    "SopframeError",
    "UsageError",
    "ConfigError",
    "TemplateError",
    "PluginError",
    "JobError",
    "StoreError",
    "ConflictError",
    "IntegrityError",
]

#: name -> the module that defines it (imported on first use)
_LAZY = {
    "CheckContext": "sopframe.core.frameworks",
    "Framework": "sopframe.core.frameworks",
    "Finding": "sopframe.core.diagnostics",
    "Location": "sopframe.core.diagnostics",
    "Rule": "sopframe.core.diagnostics",
    "Severity": "sopframe.core.diagnostics",
    "SchemaExtension": "sopframe.core.schema",
    "Template": "sopframe.core.model",
    "TemplateGraph": "sopframe.core.graph",
    "Store": "sopframe.core.store",
    "Notifier": "sopframe.core.notify.notifier",
    "DeliveryError": "sopframe.core.notify.notifier",
    "Notification": "sopframe.core.notify.model",
    "Trigger": "sopframe.core.notify.model",
    "hookimpl": "sopframe.hookspecs",
    "Settings": "sopframe.settings",
    "resolve_settings": "sopframe.settings",
    "load_template": "sopframe.api",
    "validate_paths": "sopframe.api",
    "SopframeError": "sopframe.errors",
    "UsageError": "sopframe.errors",
    "ConfigError": "sopframe.errors",
    "TemplateError": "sopframe.errors",
    "PluginError": "sopframe.errors",
    "JobError": "sopframe.errors",
    "StoreError": "sopframe.errors",
    "ConflictError": "sopframe.errors",
    "IntegrityError": "sopframe.errors",
}

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.api import load_template, validate_paths
    from sopframe.core.diagnostics import Finding, Location, Rule, Severity
    from sopframe.core.frameworks import CheckContext, Framework
    from sopframe.core.graph import TemplateGraph
    from sopframe.core.model import Template
    from sopframe.core.notify.model import Notification, Trigger
    from sopframe.core.notify.notifier import DeliveryError, Notifier
    from sopframe.core.schema import SchemaExtension
    from sopframe.core.store import Store
    from sopframe.errors import (
        ConfigError,
        ConflictError,
        IntegrityError,
        JobError,
        PluginError,
        SopframeError,
        StoreError,
        TemplateError,
        UsageError,
    )
    from sopframe.hookspecs import hookimpl
    from sopframe.settings import Settings, resolve_settings


__getattr__ = lazy_getattr(__name__, globals(), _LAZY)


def __dir__() -> list[str]:
    return sorted(__all__)
