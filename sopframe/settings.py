"""The settings of one sopframe process: resolved once, frozen, passed down explicitly.

Every setting is decided here and nowhere else, in one order: the command
line, then the environment, then the configuration file (``[tool.sopframe]``
in pyproject.toml, or sopframe.toml: :mod:`sopframe.config`), then the
default.  Lists that block things (plugins never to import) are the union of
every source instead.  Commands receive the :class:`Settings` and hand the
parts below them need (a :class:`~sopframe.core.frameworks.CheckContext` to
rules, the disabled plugins to the plugin manager, the cache directory to
the result cache); nothing reads the environment or the configuration on
its own.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from sopframe.config import ENV_DISABLE, Config, load_config
from sopframe.core.cache import DEFAULT_CACHE_DIR
from sopframe.core.paths import DEFAULT_MAX_BYTES as DEFAULT_MAX_FILE_SIZE
from sopframe.core.store import DEFAULT_STORE, ENV_STORE
from sopframe.errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.frameworks import CheckContext

__all__ = ["Settings", "CommandLine", "resolve_settings", "ENV_DISABLE", "ENV_CACHE_DIR", "ENV_STORE",
           "DEFAULT_CACHE_DIR", "DEFAULT_STORE", "DEFAULT_MAX_FILE_SIZE", "split_values"]

#: where validation results are cached
ENV_CACHE_DIR = "SOPFRAME_CACHE_DIR"


def split_values(values: Iterable[str]) -> list[str]:
    """Repeatable, comma-separated values (``--select A,B --select C``) as one list."""
    return [v.strip() for item in values for v in item.split(",") if v.strip()]


@dataclass(frozen=True)
class CommandLine:
    """What the command line said; ``None`` (or empty) where it said nothing."""

    config_path: str | None = None
    disabled_plugins: tuple[str, ...] = ()
    strict_plugins: bool | None = None
    frameworks: tuple[str, ...] = ()
    cache_dir: str | None = None
    no_cache: bool = False
    store: str | None = None
    max_file_size: int | None = None
    fail_level: str | None = None


@dataclass(frozen=True)
class Settings:
    """Every setting of the process, each from the first source that gives it."""

    #: the configuration file and its values, as read
    config: Config = field(default_factory=Config)
    #: plugins never to import: the configuration's, the environment's and the command line's
    disabled_plugins: tuple[str, ...] = ()
    #: a plugin that fails to load or crashes is fatal
    strict_plugins: bool = False
    #: frameworks every template is checked against instead of its own claims (``None``: its claims)
    frameworks: tuple[str, ...] | None = None
    #: where ``frameworks`` came from, for messages: ``"--framework"``, ``"configuration"`` or ``""``
    frameworks_source: str = ""
    #: organisation-policy values for compliance checks
    policy: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    #: rule codes, prefixes or slugs the configuration reports only / never (the command line may narrow)
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    #: lowest severity that makes ``validate`` exit 1
    fail_level: str = "error"
    #: largest template accepted, in bytes
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    #: the result cache directory, or ``None`` with ``--no-cache``
    cache_dir: Path | None = Path(DEFAULT_CACHE_DIR)
    #: the job store URL
    store_url: str = DEFAULT_STORE
    #: role -> users who hold it, for running jobs
    roles: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def check_context(self) -> "CheckContext":
        """What rules receive: the frameworks and policy of this run."""
        from sopframe.core.frameworks import CheckContext

        from sopframe.notifyconfig import channel_names

        return CheckContext.of(self.frameworks, self.policy, channel_names(self.config))

    def with_command_line(self, cli: CommandLine) -> "Settings":
        """These settings with a command's own options over them (the command line wins)."""
        changes: dict[str, Any] = {}
        if cli.disabled_plugins:
            changes["disabled_plugins"] = tuple(dict.fromkeys([*self.disabled_plugins, *cli.disabled_plugins]))
        if cli.strict_plugins is not None:
            changes["strict_plugins"] = cli.strict_plugins
        if cli.frameworks:
            changes["frameworks"] = tuple(dict.fromkeys(split_values(cli.frameworks)))
            changes["frameworks_source"] = "--framework"
        if cli.no_cache:
            changes["cache_dir"] = None
        elif cli.cache_dir:
            changes["cache_dir"] = Path(cli.cache_dir)
        if cli.store:
            changes["store_url"] = cli.store
        if cli.max_file_size is not None:
            changes["max_file_size"] = cli.max_file_size
        if cli.fail_level is not None:
            changes["fail_level"] = cli.fail_level.strip().lower()
        return replace(self, **changes) if changes else self


def resolve_settings(cli: CommandLine = CommandLine(), *, environ: Mapping[str, str] | None = None,
                     start: str | os.PathLike[str] | None = None) -> Settings:
    """Resolve every setting: ``cli``, then ``environ`` (default: the process's), then the
    configuration file (``cli.config_path``, else the nearest from ``start`` upward), then defaults."""
    env = os.environ if environ is None else environ
    config = load_config(cli.config_path, start)
    max_file_size = int(config.get("max-file-size", DEFAULT_MAX_FILE_SIZE))
    if max_file_size < 1:
        raise ConfigError(f"'max-file-size' must be a positive number of bytes, got {max_file_size}",
                          path=str(config.file))
    # the configuration's directory is relative to the configuration file
    cache_dir = env.get(ENV_CACHE_DIR) or (
        os.path.join(config.directory, config.get("cache-dir", DEFAULT_CACHE_DIR)) if config.file
        else DEFAULT_CACHE_DIR)
    frameworks = config.get("frameworks")
    base = Settings(
        config=config,
        disabled_plugins=tuple(dict.fromkeys([*config.get("disable-plugins", []),
                                              *split_values([env.get(ENV_DISABLE, "")])])),
        strict_plugins=bool(config.get("strict-plugins", False)),
        frameworks=None if frameworks is None else tuple(dict.fromkeys(str(v) for v in frameworks)),
        frameworks_source="" if frameworks is None else "configuration",
        policy=MappingProxyType(dict(config.get("policy", {}))),
        select=tuple(config.get("select", [])),
        ignore=tuple(config.get("ignore", [])),
        fail_level=str(config.get("fail-level", "error")).strip().lower(),
        max_file_size=max_file_size,
        cache_dir=Path(cache_dir),
        store_url=env.get(ENV_STORE) or config.get("store") or DEFAULT_STORE,
        roles=MappingProxyType(dict(config.get("roles", {}) or {})),
    )
    return base.with_command_line(cli)
