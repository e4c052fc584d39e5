"""A cache of validation results, keyed by everything that decides them.

An entry's key is the SHA-256 of the file's bytes together with sopframe's
version, the plugins loaded and their versions, and the configuration that
affects findings.  Entries are JSON files written atomically (a temporary
file renamed into place), so concurrent runs never see half an entry; each
carries a checksum of its own payload, and an entry that is unreadable,
corrupt or from another format version is ignored and rebuilt, never
trusted.  The default directory is ``.sopframe_cache/`` in the working
directory (``cache-dir`` in the configuration, ``--cache-dir`` or
``SOPFRAME_CACHE_DIR`` move it; ``--no-cache`` bypasses it).
"""

from __future__ import annotations

import hashlib
import json
import os

TYPE_CHECKING = False  # not typing's: importing typing costs start-up, and type checkers know the name
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Callable, Iterable, Mapping, Sequence

    from sopframe.core.diagnostics import Finding

__all__ = ["ResultCache", "DEFAULT_CACHE_DIR", "cache_salt", "remembered_plugins"]

DEFAULT_CACHE_DIR = ".sopframe_cache"
FORMAT = 1


def cache_salt(version: str, plugins: Iterable[Sequence[str]], settings: Mapping[str, Any]) -> str:
    """What, besides a file's bytes, decides its findings."""
    material = json.dumps(
        {"format": FORMAT, "sopframe": version, "plugins": sorted(map(list, plugins)), "settings": settings},
        sort_keys=True, default=str,
    )
    return hashlib.sha256(material.encode()).hexdigest()


def remembered_plugins(directory: str | os.PathLike[str], stamp: str,
                       compute: Callable[[], list[tuple[str, str, str]]]) -> list[tuple[str, str, str]]:
    """The installed plugins as ``compute`` finds them, remembered under ``stamp``
    (:func:`sopframe.core.sitestamp.site_stamp`) so later runs need not read
    every distribution's metadata again."""
    top = os.fspath(directory)
    path = os.path.join(top, f"v{FORMAT}", f"plugins-{stamp[:32]}.json")
    found = _read_checked(path, "plugins", stamp=stamp)
    if isinstance(found, list) and all(isinstance(p, list) and len(p) == 3 for p in found):
        return [(str(a), str(b), str(c)) for a, b, c in found]
    plugins = compute()
    _write_checked(top, path, "plugins", [list(p) for p in plugins], stamp=stamp)
    return plugins


def _encode(findings: Sequence[Finding]) -> list[dict[str, Any]]:
    out = []
    for f in findings:
        d = f.to_dict()
        d.pop("file", None)  # the same bytes under another name give the same findings
        out.append(d)
    return out


def _decode(rows: Sequence[Mapping[str, Any]], file: str) -> list[Finding]:
    from sopframe.core.diagnostics import Finding, Severity

    return [
        Finding(code=r["code"], slug=r["slug"], severity=Severity.parse(r["severity"]), message=r["message"],
                file=file, line=int(r["line"]), col=int(r["col"]), hint=r["hint"], plugin=r["plugin"],
                template=r["template"], stage=r["stage"], docs_page=r["docs"].split("#", 1)[0])
        for r in rows
    ]


class ResultCache:
    """Findings per file content, and what whole runs printed, in a directory."""

    #: whole runs kept (each distinct list of files, options and contents is one)
    MAX_RUNS = 512

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
        rows = _read_checked(self._path(key), "findings", key=key)
        try:
            return None if rows is None else _decode(rows, file)
        except (ValueError, KeyError, TypeError, AttributeError):
            return None

    def put(self, data: bytes, findings: Sequence[Finding]) -> None:
        key = self.key(data)
        _write_checked(self.directory, self._path(key), "findings", _encode(findings), key=key)

    # ------------------------------------------------------------- whole runs
    # What one run printed, keyed by everything it depends on: the salt, the
    # files (names and contents) and the request (format, selection, colour,
    # the configuration file...).  A repeated run reads one entry, and needs
    # none of the code that turns findings into a report.

    def run_key(self, files: Sequence[tuple[str, bytes]], request: Mapping[str, Any]) -> str:
        """The key of a run over ``files`` (name and bytes, in order) asked for as ``request`` says."""
        h = hashlib.sha256(self.salt.encode())
        h.update(json.dumps(request, sort_keys=True, default=str).encode())
        for name, data in files:
            h.update(f"\0{len(name)}:{name}\0".encode("utf-8", "surrogateescape"))
            h.update(self.key(data).encode())
        return h.hexdigest()

    def _run_path(self, key: str) -> str:
        return os.path.join(self.directory, f"v{FORMAT}", "runs", f"{key}.json")

    def get_run(self, key: str) -> dict[str, Any] | None:
        """What the run with this key printed, as :meth:`put_run` kept it; else ``None``."""
        path = self._run_path(key)
        run = _read_checked(path, "run", key=key)
        if not isinstance(run, dict):
            return None
        try:
            os.utime(path)  # recently used: pruning keeps it
        except OSError:
            pass
        return run

    def put_run(self, key: str, run: Mapping[str, Any]) -> None:
        """Keep what a run printed; past :attr:`MAX_RUNS` kept runs, the least recently used go."""
        path = self._run_path(key)
        _write_checked(self.directory, path, "run", dict(run), key=key)
        _prune(os.path.dirname(path), self.MAX_RUNS)

    # ------------------------------------------------------------- manifest
    # What a run learnt from the loaded plugins (their load problems, the rule
    # codes and frameworks they know), kept under the same salt, so that a run
    # whose every file is cached can answer without importing any plugin.

    def get_manifest(self) -> dict[str, Any] | None:
        manifest = _read_checked(self._manifest_path(), "manifest", salt=self.salt)
        if not isinstance(manifest, dict):
            return None
        try:
            from dataclasses import replace

            manifest["problems"] = [replace(f, file=f"<plugin {f.plugin}>") for f in _decode(manifest["problems"], "")]
            return manifest
        except (ValueError, KeyError, TypeError, AttributeError):
            return None

    def put_manifest(self, problems: Sequence[Finding], rules: Sequence[tuple[str, str]],
                     frameworks: Sequence[str]) -> None:
        manifest = {"problems": _encode(problems), "rules": [list(r) for r in rules],
                    "frameworks": list(frameworks)}
        _write_checked(self.directory, self._manifest_path(), "manifest", manifest, salt=self.salt)

    def _manifest_path(self) -> str:
        return os.path.join(self.directory, f"v{FORMAT}", f"run-{self.salt[:32]}.json")


def _digest(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _read_checked(path: str, field: str, **identity: str) -> Any:
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


def _write_checked(top: str, path: str, field: str, payload: Any, **identity: str) -> None:
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


def _prune(directory: str, most: int) -> None:
    """Remove the least recently used entries of ``directory`` down to three quarters of ``most``,
    once there are more than ``most``."""
    try:
        with os.scandir(directory) as it:
            entries = [e for e in it if e.name.endswith(".json") and not e.name.startswith(".")]
        if len(entries) <= most:
            return
        entries.sort(key=lambda e: e.stat().st_mtime_ns)
        for entry in entries[: len(entries) - most * 3 // 4]:
            os.unlink(entry.path)
    except OSError:
        pass  # another run pruned first, or the directory is not writable: only costs space


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
