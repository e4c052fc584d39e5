"""Configuration: ``[tool.sopframe]`` in pyproject.toml, or sopframe.toml.

Found from the working directory upward: the first ``sopframe.toml``, or the
first ``pyproject.toml`` that has a ``[tool.sopframe]`` table, wins.  Keys use
dashes (``fail-level``); command-line options override them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sopframe.errors import ConfigError, did_you_mean

__all__ = ["Config", "find_config", "load_config", "key_position", "key_line", "KNOWN_KEYS", "ENV_DISABLE"]

#: plugins never to import, comma-separated, besides ``--disable-plugin`` and ``disable-plugins``
ENV_DISABLE = "SOPFRAME_DISABLE_PLUGINS"

#: key -> (type, description); other parts of sopframe read the tables
KNOWN_KEYS: dict[str, tuple[type, str]] = {
    "select": (list, "rule codes or prefixes to report (default: all)"),
    "ignore": (list, "rule codes or prefixes never to report"),
    "fail-level": (str, "lowest severity that makes validate exit 1: error, warning or info"),
    "disable-plugins": (list, "plugins never to import"),
    "strict-plugins": (bool, "make a plugin failure fatal (exit 3)"),
    "max-file-size": (int, "largest template file accepted, in bytes"),
    "cache-dir": (str, "where validation results are cached"),
    "store": (str, "job store URL (sqlite:///sopframe.db, postgresql://..., memory://)"),
    "roles": (dict, "role -> list of users who hold it, for running jobs"),
    "aliases": (dict, "another name -> the user it means (an e-mail address for a user name)"),
    "groups": (dict, "group -> list of users, for SOP acknowledgement audiences (group:NAME)"),
    "training": (dict, "acknowledgement defaults: grace (e.g. 30d), reacknowledge-every (e.g. 12 months)"),
    "limits": (dict, "size limits for job input: text-length, reason-length, title-length, name-length, "
                     "attachment-size, attachments-root"),
    "server": (dict, "`sopframe serve`: readers (roles that see every job), secure-cookies, session-hours, "
                     "oidc (issuer, client-id, client-secret-env, username-claim, label)"),
    "policy": (dict, "organisation-policy values used by compliance checks"),
    "frameworks": (list, "frameworks to check, overriding what templates claim"),
    "notify": (dict, "notifications: channels, routes (trigger -> channels), lead and escalation times, retries"),
    "people": (dict, "user -> their addresses per channel type or name ({ email = ... }), for notifications"),
    "docs-url": (str, "where the docs/ pages are published: findings and SARIF helpUri link there"),
}


@dataclass(frozen=True)
class Config:
    """Configuration values and the file they came from (``None`` when there is none)."""

    file: str | None = None
    values: Mapping[str, Any] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    @property
    def path(self) -> Path | None:
        """The configuration file, if there is one."""
        return None if self.file is None else Path(self.file)

    def where(self, *keys: str) -> str | None:
        """``file:line`` of the key at path ``keys`` below sopframe's table (``"notify", "channels", "mail",
        "port"``), or of the nearest enclosing key or table written; None without a file."""
        if self.file is None:
            return None
        try:
            text = Path(self.file).read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            return self.file
        prefix = ("tool", "sopframe") if Path(self.file).name == "pyproject.toml" else ()
        return f"{self.file}:{key_line(text, (*prefix, *keys))}"

    @property
    def directory(self) -> str:
        """The directory relative paths in the configuration start from: its file's, else the working one."""
        return os.path.dirname(self.file) if self.file else os.getcwd()


def find_config(start: "str | os.PathLike[str] | None" = None) -> tuple[str, dict[str, Any]] | None:
    """The nearest configuration file from ``start`` (default: the working directory) upward, and its table."""
    here = os.path.realpath(start or os.getcwd())
    while True:
        candidate = os.path.join(here, "sopframe.toml")
        if os.path.isfile(candidate):
            return candidate, _read(candidate)
        candidate = os.path.join(here, "pyproject.toml")
        if os.path.isfile(candidate):
            data = _read(candidate)
            tool = data.get("tool", {})
            if isinstance(tool, dict) and "sopframe" in tool:
                table = tool["sopframe"]
                if not isinstance(table, dict):
                    raise ConfigError("[tool.sopframe] must be a table", path=candidate)
                return candidate, table
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def _read(path: str) -> dict[str, Any]:
    import tomllib

    text = ""
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        import re

        message = str(exc)
        m = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
        where = f"{path}:{m.group(1)}:{m.group(2)}" if m else str(path)
        end = re.search(r"\s*\(at end of document\)$", message)
        if end:  # the file ended inside something left open: point at its last position
            where = f"{path}:{text.count(chr(10)) + 1}:{len(text.rsplit(chr(10), 1)[-1]) + 1}"
            message = message[: end.start()] + " before the end of the file"
        elif m:
            message = message[: m.start()]
        raise ConfigError(f"invalid TOML: {message}", path=where) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read: {exc}", path=str(path)) from None


def load_config(explicit: str | None = None, start: "str | os.PathLike[str] | None" = None) -> Config:
    """Load configuration from ``explicit`` or the nearest config file."""
    if explicit:
        if not os.path.isfile(explicit):
            raise ConfigError("configuration file not found", path=explicit)
        data = _read(explicit)
        if os.path.basename(explicit) == "pyproject.toml":
            tool = data.get("tool", {})
            data = tool.get("sopframe", {}) if isinstance(tool, dict) else {}
            if not isinstance(data, dict):
                raise ConfigError("[tool.sopframe] must be a table", path=explicit)
        found: tuple[str, dict[str, Any]] | None = (explicit, data)
    else:
        found = find_config(start)
    if found is None:
        return Config()
    path, values = found
    _check(values, path)
    return Config(path, values)


def key_position(path: "str | os.PathLike[str]", key: str) -> str:
    """``path:line:col`` of ``key``'s assignment (inside ``[tool.sopframe]`` if there is one), else ``path``."""
    import re

    try:
        with open(path, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
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


_BARE = r"[A-Za-z0-9_-]+"
_KEY = r"(?:[A-Za-z0-9_-]+|\"(?:[^\"\\\\]|\\\\.)*\"|'[^']*')"
_DOTTED = re.compile(r"\s*(" + _KEY + r"(?:\s*\.\s*" + _KEY + r")*)\s*")
_HEADER = re.compile(r"\s*\[\[?" + _DOTTED.pattern + r"\]\]?\s*(?:#.*)?$")
_ASSIGN = re.compile(_DOTTED.pattern + "=")


def _split(dotted: str) -> tuple[str, ...]:
    parts = re.findall(_KEY, dotted)
    return tuple(p[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape") if p.startswith('"')
                 else p[1:-1] if p.startswith("'") else p for p in parts)


def _inline(lines: list[str], start: int, key: str) -> int | None:
    """The line of ``key = `` inside the inline table or array whose assignment starts on ``start``."""
    pattern = re.compile(r"[{,]\s*(?:" + re.escape(key) + r"|\"" + re.escape(key) + r"\"|'" + re.escape(key)
                         + r"')\s*=")
    for i in range(start, len(lines)):
        if i > start and (_HEADER.match(lines[i]) or _ASSIGN.match(lines[i])):
            return None
        if pattern.search(lines[i]):
            return i
    return None


def key_line(text: str, keys: Sequence[str]) -> int:
    """The line (1-based) where the TOML key at path ``keys`` is written: its own assignment, inside an
    inline table, or else the line of the nearest enclosing key or table header (1 if none)."""
    lines = text.splitlines()
    want = tuple(keys)
    current: tuple[str, ...] = ()
    best, best_len = 1, 0
    for i, line in enumerate(lines):
        header = _HEADER.match(line)
        if header:
            current = _split(header.group(1))
            path = current
        else:
            assign = _ASSIGN.match(line)
            if not assign:
                continue
            path = current + _split(assign.group(1))
        if path == want:
            return i + 1
        if len(path) > best_len and want[: len(path)] == path:
            best, best_len = i + 1, len(path)
            if not header and len(want) > len(path):
                inner = _inline(lines, i, want[len(path)])
                if inner is not None:
                    best, best_len = inner + 1, len(path) + 1
    return best


def _check(values: Mapping[str, Any], path: str) -> None:
    for key, value in values.items():
        if key not in KNOWN_KEYS:
            raise ConfigError(f"unknown key {key!r}{did_you_mean(key, KNOWN_KEYS)}", path=key_position(path, key),
                              hint=f"known keys: {', '.join(KNOWN_KEYS)}")
        typ, _ = KNOWN_KEYS[key]
        if not isinstance(value, typ) or (typ is int and isinstance(value, bool)):
            name = {list: "a list", str: "a string", bool: "true or false", int: "a whole number",
                    dict: "a table"}.get(typ, str(typ))
            raise ConfigError(f"{key!r} must be {name}, got {value!r}", path=key_position(path, key))
        if typ is list and isinstance(value, list) and not all(isinstance(item, str) for item in value):
            raise ConfigError(f"{key!r} must be a list of strings, got {value!r}", path=key_position(path, key))
    if "fail-level" in values and str(values["fail-level"]).lower() not in ("error", "warning", "info"):
        raise ConfigError(f"'fail-level' must be error, warning or info, got {values['fail-level']!r}",
                          path=key_position(path, "fail-level"))
