"""What several commands share: configuration and plugins from the context."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.config import Config
    from sopframe.pluginmanager import Plugins


def config_for(ctx: click.Context) -> "Config":
    obj = ctx.find_root().ensure_object(dict)
    if "config" not in obj:
        from sopframe.config import load_config

        obj["config"] = load_config(obj.get("config_path"))
    return obj["config"]


def plugins_for(ctx: click.Context) -> "Plugins":
    obj = ctx.find_root().ensure_object(dict)
    if "plugins" not in obj:
        from sopframe.pluginmanager import load_plugins

        config = config_for(ctx)
        strict = obj.get("strict_plugins")
        if strict is None:
            strict = bool(config.get("strict-plugins", False))
        disabled = [*config.get("disable-plugins", []), *obj.get("disabled", [])]
        obj["plugins"] = load_plugins(disabled=disabled, strict=strict)
    return obj["plugins"]
