"""One settings object, resolved once: command line, then environment, then configuration, then defaults."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from sopframe.settings import CommandLine, Settings, resolve_settings


def _project(tmp_path: Path, text: str) -> Path:
    (tmp_path / "sopframe.toml").write_text(text, "utf-8")
    return tmp_path


def test_defaults_without_configuration_or_environment(tmp_path: Path) -> None:
    s = resolve_settings(environ={}, start=tmp_path)
    assert (s.config.file, s.disabled_plugins, s.strict_plugins, s.frameworks) == (None, (), False, None)
    assert (s.cache_dir, s.store_url, s.max_file_size, s.fail_level) == (
        Path(".sopframe_cache"), "sqlite:///sopframe.db", 1024 * 1024, "error")


def test_command_line_then_environment_then_configuration(tmp_path: Path) -> None:
    project = _project(tmp_path, 'cache-dir = "cfg-cache"\nstore = "memory://cfg"\nstrict-plugins = true\n'
                                 'disable-plugins = ["a"]\nframeworks = ["soc2"]\nmax-file-size = 10\n')
    from_config = resolve_settings(environ={}, start=project)
    assert from_config.cache_dir == project.resolve() / "cfg-cache"  # relative to the configuration file
    assert (from_config.store_url, from_config.strict_plugins, from_config.frameworks) == (
        "memory://cfg", True, ("soc2",))
    assert from_config.frameworks_source == "configuration"
    env = {"SOPFRAME_CACHE_DIR": "env-cache", "SOPFRAME_STORE": "memory://env", "SOPFRAME_DISABLE_PLUGINS": "b, c"}
    from_env = resolve_settings(environ=env, start=project)
    assert (from_env.cache_dir, from_env.store_url) == (Path("env-cache"), "memory://env")
    assert from_env.disabled_plugins == ("a", "b", "c")  # blocking lists add up
    cli = CommandLine(cache_dir="cli-cache", store="memory://cli", strict_plugins=False, disabled_plugins=("d",),
                      frameworks=("iso27001,pci-dss",), max_file_size=99, fail_level="Warning")
    s = resolve_settings(cli, environ=env, start=project)
    assert (s.cache_dir, s.store_url, s.strict_plugins, s.max_file_size, s.fail_level) == (
        Path("cli-cache"), "memory://cli", False, 99, "warning")
    assert s.disabled_plugins == ("a", "b", "c", "d") and s.frameworks == ("iso27001", "pci-dss")
    assert s.frameworks_source == "--framework"
    assert resolve_settings(CommandLine(no_cache=True), environ=env, start=project).cache_dir is None


def test_settings_are_frozen_and_give_rules_their_context(tmp_path: Path) -> None:
    project = _project(tmp_path, '[policy]\nscan-every = "1 month"\n')
    s = resolve_settings(environ={}, start=project)
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.store_url = "memory://"  # type: ignore[misc]
    with pytest.raises(TypeError):
        s.policy["scan-every"] = "1 day"  # type: ignore[index]
    ctx = s.check_context()
    assert ctx.frameworks is None and ctx.policy == {"scan-every": "1 month"}
    assert isinstance(s, Settings)


def test_an_invalid_configuration_value_names_the_file(tmp_path: Path) -> None:
    from sopframe.errors import ConfigError

    project = _project(tmp_path, "max-file-size = 0\n")
    with pytest.raises(ConfigError, match="max-file-size"):
        resolve_settings(environ={}, start=project)
