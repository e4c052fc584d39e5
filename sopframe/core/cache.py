"""A cache of validation results, keyed by everything that decides them.

An entry's key is the SHA-256 of the file's bytes together with a digest of
the code that produced the findings (the sources of sopframe and of every
loaded plugin's package: :func:`source_digest`), the loaded plugins and
their versions, and the configuration that affects findings.  An edit to a
rule, in sopframe or a plugin, changes the key at once.  Entries are JSON
files written atomically (a temporary file renamed into place), so
concurrent runs never see half an entry; each carries a checksum of its own
payload, and an entry that is unreadable, corrupt or from another format
version is ignored and rebuilt, never trusted.  The default directory is
``.sopframe_cache/`` in the working directory (``cache-dir`` in the
configuration, ``--cache-dir`` or ``SOPFRAME_CACHE_DIR`` move it;
``--no-cache`` bypasses it).
"""

from __future__ import annotations

import hashlib
import json
import os

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.diagnostics import Finding

__all__ = ["ResultCache", "DEFAULT_CACHE_DIR", "cache_salt", "source_digest", "read_checked", "write_checked"]

DEFAULT_CACHE_DIR = ".sopframe_cache"
FORMAT = 3


def cache_salt(code: str, settings: Mapping[str, Any]) -> str:
    """What, besides a file's bytes, decides its findings: the code (a digest of
    its sources) and the settings."""
    material = json.dumps(
        {"format": FORMAT, "code": code, "settings": settings},
        sort_keys=True, default=str,
    )
    return hashlib.sha256(material.encode()).hexdigest()


def source_digest(roots: Iterable[Path]) -> str:
    """A digest of every Python source file under ``roots`` (packages or single
    modules): each file's path and bytes.

    The bytes rather than modification times, so no edit can hide behind a
    coarse clock; the tree is walked with :func:`os.scandir` (``Path.rglob``
    cost three times as much as reading and hashing the 77 files of
    ``sopframe/core``, about 9 ms a job command: docs/performance.md).
    """
    h = hashlib.sha256()
    for root in sorted({os.fspath(r) for r in roots}):
        for path in _sources(root):
            try:
                with open(path, "rb") as fh:
                    data = fh.read()
            except OSError:
                continue
            h.update(f"{path}\0{len(data)}\0".encode("utf-8", "surrogateescape"))
            h.update(data)
    return h.hexdigest()


def _sources(root: str) -> list[str]:
    """The ``*.py`` files under ``root`` (or ``root`` itself, a file), in path order; ``__pycache__`` skipped."""
    try:
        with os.scandir(root) as it:
            entries = sorted(it, key=lambda e: e.name)
    except NotADirectoryError:
        return [root]
    except OSError:
        return []
    found: list[str] = []
    for e in entries:
        if e.is_dir():
            if e.name != "__pycache__":
                found.extend(_sources(e.path))
        elif e.name.endswith(".py"):
            found.append(e.path)
    return found


def _encode(findings: Sequence[Finding]) -> list[dict[str, Any]]:
    out = []
    for f in findings:
        d = f.to_dict()
        d.pop("file", None)  # the same bytes under another name give the same findings
        out.append(d)
    return out


def _decode(rows: Sequence[Mapping[str, Any]], file: str) -> list[Finding]:
    from sopframe.core.diagnostics import Finding, Severity  # validating needs them; the source digests do not

    return [
        Finding(code=r["code"], slug=r["slug"], severity=Severity.parse(r["severity"]), message=r["message"],
                file=file, line=int(r["line"]), col=int(r["col"]), hint=r["hint"], plugin=r["plugin"],
                template=r["template"], stage=r["stage"], docs_page=r["docs"].split("#", 1)[0],
                follows=r["follows"])
        for r in rows
    ]


class ResultCache:
    """Findings per file content, in a directory."""

    def __init__(self, directory: str | os.PathLike[str], salt: str) -> None:
        self.directory = os.fspath(directory)
        self.salt = salt

    def key(self, data: bytes) -> str:
        h = hashlib.sha256(self.salt.encode())
        h.update(b"\0")
        h.update(data)
        return h.hexdigest()

    def _path(self, key: str) -> str:
        return os.path.join(self.directory, f"v{FORMAT}", key[:2], f"{key}.json")

    def get(self, data: bytes, file: str) -> list[Finding] | None:
        """The findings kept for these bytes, reported under ``file``; else ``None``."""
        key = self.key(data)
        rows = read_checked(self._path(key), "findings", key=key)
        try:
            return None if rows is None else _decode(rows, file)
        except (ValueError, KeyError, TypeError, AttributeError):
            return None

    def put(self, data: bytes, findings: Sequence[Finding]) -> None:
        key = self.key(data)
        write_checked(self.directory, self._path(key), "findings", _encode(findings), key=key)


def _digest(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def read_checked(path: str, field: str, **identity: str) -> Any:
    """The ``field`` of the entry at ``path`` if it is whole, carries ``identity``
    and matches its checksum; else ``None``."""
    try:
        with open(path, "rb") as fh:
            entry = json.loads(fh.read())
        if any(entry.get(k) != v for k, v in identity.items()) or entry.get("sha256") != _digest(entry[field]):
            return None
        return entry[field]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def write_checked(top: str, path: str, field: str, payload: Any, **identity: str) -> None:
    """Write an entry atomically (a temporary file renamed into place); a failure only costs speed."""
    entry = {**identity, field: payload, "sha256": _digest(payload)}
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = os.path.join(os.path.dirname(path), f".tmp-{os.getpid()}-{os.urandom(8).hex()}.json")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(entry, fh)
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
    except OSError:
        return  # a cache that cannot be written only costs speed
    _tag(top)


def _tag(top: str) -> None:
    """Mark the cache directory (CACHEDIR.TAG) for backup tools, and keep it out of version control."""
    tag = os.path.join(top, "CACHEDIR.TAG")
    if not os.path.exists(tag):
        try:
            with open(tag, "w", encoding="utf-8") as fh:
                fh.write("Signature: 8a477f597d28d172789f06886806bc55\n"
                         "# This directory holds sopframe's validation cache; it can be deleted.\n")
            with open(os.path.join(top, ".gitignore"), "w", encoding="utf-8") as fh:
                fh.write("*\n")
        except OSError:
            pass
