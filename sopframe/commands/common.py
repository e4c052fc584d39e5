"""What several commands share: configuration and plugins from the context."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

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
        obj["plugins"] = load_plugins(disabled=disabled_for(ctx), strict=strict)
    return obj["plugins"]


def disabled_for(ctx: click.Context) -> list[str]:
    """Plugins the configuration and ``--disable-plugin`` block (the environment adds more)."""
    obj = ctx.find_root().ensure_object(dict)
    return [*config_for(ctx).get("disable-plugins", []), *obj.get("disabled", [])]


def framework_selection(ctx: click.Context, given: Iterable[str] = ()) -> list[str] | None:
    """Frameworks to check: ``--framework`` (comma-separated, repeatable), else the
    ``frameworks`` configuration key, else ``None`` (each template's own claims).

    An id no schema or plugin knows is a usage error (or a configuration error
    when it comes from the configuration).
    """
    from sopframe.errors import ConfigError, UsageError, did_you_mean

    chosen = [v.strip() for item in given for v in item.split(",") if v.strip()]
    from_config = not chosen
    if from_config:
        config = config_for(ctx)
        if config.get("frameworks") is None:
            return None
        chosen = [str(v) for v in config.get("frameworks", [])]
    plugins = plugins_for(ctx)
    known = list(plugins.schema()["$defs"]["framework"]["enum"])
    known += [fw.id for fw in plugins.frameworks() if fw.id not in known]
    for fw in chosen:
        if fw not in known:
            message = f"unknown framework {fw!r}{did_you_mean(fw, known)}"
            hint = f"known frameworks: {', '.join(known)}"
            if from_config:
                raise ConfigError(f"'frameworks': {message}", path=str(config_for(ctx).path), hint=hint)
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
    policy = dict(config.get("policy", {}))
    known: dict[str, str] = {}
    for fw in plugins_for(ctx).frameworks():
        known.update(fw.policy)
    if known:
        for key in policy:
            if key not in known:
                raise ConfigError(f"unknown policy key {key!r}{did_you_mean(key, known)}", path=str(config.file),
                                  hint="policy keys and defaults: " + ", ".join(f"{k} = {v!r}"
                                                                                for k, v in sorted(known.items())))
    return policy
