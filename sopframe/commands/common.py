"""What several commands share: the settings (resolved once) and the plugins they load."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.config import Config
    from sopframe.pluginmanager import Plugins
    from sopframe.settings import Settings


def settings_for(ctx: click.Context) -> "Settings":
    """The process's settings: the global options over the environment, the configuration and
    the defaults (:func:`sopframe.settings.resolve_settings`), resolved on first use."""
    obj = ctx.find_root().ensure_object(dict)
    if "settings" not in obj:
        from sopframe.settings import CommandLine, resolve_settings

        obj["settings"] = resolve_settings(obj.get("command_line") or CommandLine())
    return obj["settings"]


def config_for(ctx: click.Context) -> "Config":
    """The configuration file and its values (part of the settings)."""
    return settings_for(ctx).config


def plugins_for(ctx: click.Context) -> "Plugins":
    """The plugins, as the settings say (disabled plugins, strict mode), once per process.

    Each plugin is imported when a hook it implements is first called (the
    plugin index under the cache directory says which; see
    :mod:`sopframe.pluginindex`): a job command imports the store backends,
    not the compliance plugins.  With ``--no-cache`` every plugin is imported.
    """
    obj = ctx.find_root().ensure_object(dict)
    if "plugins" not in obj:
        from sopframe.pluginmanager import load_plugins

        settings = settings_for(ctx)
        obj["plugins"] = load_plugins(disabled=settings.disabled_plugins, strict=settings.strict_plugins,
                                      index_dir=settings.cache_dir)
    return obj["plugins"]


def framework_selection(ctx: click.Context, settings: "Settings") -> list[str] | None:
    """Frameworks to check, as ``settings`` say (``--framework``, else the ``frameworks``
    configuration key, else ``None``: each template's own claims), checked against the plugins.

    An id no schema or plugin knows is a usage error (or a configuration error
    when it comes from the configuration).
    """
    from sopframe.errors import ConfigError, UsageError, did_you_mean

    if settings.frameworks is None:
        return None
    chosen = list(settings.frameworks)
    from_config = settings.frameworks_source == "configuration"
    plugins = plugins_for(ctx)
    known = list(plugins.schema()["$defs"]["framework"].get("enum", []))
    for fw in chosen:
        if fw not in known:
            message = f"unknown framework {fw!r}{did_you_mean(fw, known)}"
            hint = f"known frameworks: {', '.join(known)}"
            if from_config:
                raise ConfigError(f"'frameworks': {message}", path=str(settings.config.path), hint=hint)
            raise UsageError(f"--framework: {message}", hint=hint)
    return list(dict.fromkeys(chosen))


def warn_plugin_problems(ctx: click.Context) -> None:
    """Say on standard error which plugins failed, for commands that list things.

    Without this a plugin that failed to load would silently drop its rules
    or templates from ``sopframe rules`` and ``sopframe templates``.
    """
    obj = ctx.find_root().ensure_object(dict)
    plugins = obj.get("plugins")
    if plugins is None or obj.get("_warned"):
        return
    obj["_warned"] = True
    for finding in plugins.problems:
        click.echo(f"sopframe: warning: {finding.message}", err=True)


def checked_policy(ctx: click.Context) -> dict[str, object]:
    """The ``policy`` configuration table, refusing keys no loaded framework plugin reads."""
    from sopframe.errors import ConfigError, did_you_mean

    config = config_for(ctx)
    policy = dict(settings_for(ctx).policy)
    known: dict[str, str] = {}
    for fw in plugins_for(ctx).frameworks():
        known.update(fw.policy)
    if known:
        for key in policy:
            if key not in known:
                raise ConfigError(f"unknown policy key {key!r}{did_you_mean(key, known)}", path=config.where("policy", key),
                                  hint="policy keys and defaults: " + ", ".join(f"{k} = {v!r}"
                                                                                for k, v in sorted(known.items())))
    return policy

