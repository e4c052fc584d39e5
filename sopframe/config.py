"""Configuration: ``[tool.sopframe]`` in pyproject.toml, or sopframe.toml.

Found from the working directory upward: the first ``sopframe.toml``, or the
first ``pyproject.toml`` that has a ``[tool.sopframe]`` table, wins.  Keys use
dashes (``fail-level``); command-line options override them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from sopframe.errors import ConfigError, did_you_mean

__all__ = ["Config", "find_config", "load_config", "key_position", "KNOWN_KEYS"]

#: key -> (type, description); other parts of sopframe read the tables
KNOWN_KEYS: dict[str, tuple[type | tuple[type, ...], str]] = {
    "select": (list, "rule codes or prefixes to report (default: all)"),
    "ignore": (list, "rule codes or prefixes never to report"),
    "fail-level": (str, "lowest severity that makes validate exit 1: error, warning or info"),
    "disable-plugins": (list, "plugins never to import"),
    "strict-plugins": (bool, "make a plugin failure fatal (exit 3)"),
    "max-file-size": (int, "largest template file accepted, in bytes"),
    "cache-dir": (str, "where validation results are cached"),
    "store": (str, "job store URL (sqlite:///sopframe.db, postgresql://..., memory://)"),
    "roles": (dict, "role -> list of users who hold it, for running jobs"),
    "policy": (dict, "organisation-policy values used by compliance checks"),
    "frameworks": (list, "frameworks to check, overriding what templates claim"),
}


@dataclass(frozen=True)
class Config:
    """Configuration values and the file they came from (``None`` when there is none)."""

    path: Path | None = None
    values: Mapping[str, Any] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    @property
    def base_dir(self) -> Path:
        return self.path.parent if self.path else Path.cwd()


def find_config(start: Path | None = None) -> tuple[Path, dict[str, Any]] | None:
    """The nearest configuration file from ``start`` (default: the working directory) upward, and its table."""
    import tomllib

    here = (start or Path.cwd()).resolve()
    for d in (here, *here.parents):
        candidate = d / "sopframe.toml"
        if candidate.is_file():
            return candidate, _read(candidate, tomllib)
        candidate = d / "pyproject.toml"
        if candidate.is_file():
            data = _read(candidate, tomllib)
            tool = data.get("tool", {})
            if isinstance(tool, dict) and "sopframe" in tool:
                table = tool["sopframe"]
                if not isinstance(table, dict):
                    raise ConfigError("[tool.sopframe] must be a table", path=str(candidate))
                return candidate, table
    return None


def _read(path: Path, tomllib: Any) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        import re

        message = str(exc)
        m = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
        where = f"{path}:{m.group(1)}:{m.group(2)}" if m else str(path)
        raise ConfigError(f"invalid TOML: {message[: m.start()] if m else message}", path=where) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read: {exc}", path=str(path)) from None


def load_config(explicit: str | None = None, start: Path | None = None) -> Config:
    """Load configuration from ``explicit`` or the nearest config file."""
    import tomllib

    if explicit:
        p = Path(explicit)
        if not p.is_file():
            raise ConfigError("configuration file not found", path=explicit)
        data = _read(p, tomllib)
        if p.name == "pyproject.toml":
            tool = data.get("tool", {})
            data = tool.get("sopframe", {}) if isinstance(tool, dict) else {}
            if not isinstance(data, dict):
                raise ConfigError("[tool.sopframe] must be a table", path=str(p))
        found: tuple[Path, dict[str, Any]] | None = (p, data)
    else:
        found = find_config(start)
    if found is None:
        return Config()
    path, values = found
    _check(values, path)
    return Config(path, values)


def key_position(path: Path, key: str) -> str:
    """``path:line:col`` of ``key``'s assignment (inside ``[tool.sopframe]`` if there is one), else ``path``."""
    import re

    try:
        lines = path.read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return str(path)
    start = 0
    for i, line in enumerate(lines):
        if re.match(r"\s*\[\s*tool\s*\.\s*sopframe\s*\]", line):
            start = i + 1
            break
    pattern = re.compile(r"(\s*)(?:" + re.escape(key) + r"|\"" + re.escape(key) + r"\"|'" + re.escape(key) + r"')\s*=")
    for i in range(start, len(lines)):
        m = pattern.match(lines[i])
        if m:
            return f"{path}:{i + 1}:{len(m.group(1)) + 1}"
    return str(path)


def _check(values: Mapping[str, Any], path: Path) -> None:
    for key, value in values.items():
        if key not in KNOWN_KEYS:
            raise ConfigError(f"unknown key {key!r}{did_you_mean(key, KNOWN_KEYS)}", path=key_position(path, key),
                              hint=f"known keys: {', '.join(KNOWN_KEYS)}")
        typ, _ = KNOWN_KEYS[key]
        if not isinstance(value, typ) or (typ is int and isinstance(value, bool)):
            name = {list: "a list", str: "a string", bool: "true or false", int: "a whole number",
                    dict: "a table"}.get(typ, str(typ))  # type: ignore[call-overload]
            raise ConfigError(f"{key!r} must be {name}, got {value!r}", path=key_position(path, key))
        if typ is list and not all(isinstance(item, str) for item in value):
            raise ConfigError(f"{key!r} must be a list of strings, got {value!r}", path=key_position(path, key))
    if "fail-level" in values and str(values["fail-level"]).lower() not in ("error", "warning", "info"):
        raise ConfigError(f"'fail-level' must be error, warning or info, got {values['fail-level']!r}",
                          path=key_position(path, "fail-level"))
