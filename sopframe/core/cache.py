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
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from sopframe.core.diagnostics import Finding, Severity

__all__ = ["ResultCache", "DEFAULT_CACHE_DIR", "cache_salt"]

DEFAULT_CACHE_DIR = ".sopframe_cache"
FORMAT = 1


def cache_salt(version: str, plugins: Iterable[Sequence[str]], settings: Mapping[str, Any]) -> str:
    """What, besides a file's bytes, decides its findings."""
    material = json.dumps(
        {"format": FORMAT, "sopframe": version, "plugins": sorted(map(list, plugins)), "settings": settings},
        sort_keys=True, default=str,
    )
    return hashlib.sha256(material.encode()).hexdigest()


def _encode(findings: Sequence[Finding]) -> list[dict[str, Any]]:
    out = []
    for f in findings:
        d = f.to_dict()
        d.pop("file", None)  # the same bytes under another name give the same findings
        out.append(d)
    return out


def _decode(rows: Sequence[Mapping[str, Any]], file: str) -> list[Finding]:
    return [
        Finding(code=r["code"], slug=r["slug"], severity=Severity.parse(r["severity"]), message=r["message"],
                file=file, line=int(r["line"]), col=int(r["col"]), hint=r["hint"], plugin=r["plugin"],
                template=r["template"], stage=r["stage"], docs_page=r["docs"].split("#", 1)[0])
        for r in rows
    ]


class ResultCache:
    """Findings per file content, in a directory."""

    def __init__(self, directory: str | os.PathLike[str], salt: str) -> None:
        self.directory = Path(directory)
        self.salt = salt
        self.hits = 0
        self.misses = 0

    def key(self, data: bytes) -> str:
        h = hashlib.sha256(self.salt.encode())
        h.update(b"\0")
        h.update(data)
        return h.hexdigest()

    def _path(self, key: str) -> Path:
        return self.directory / f"v{FORMAT}" / key[:2] / f"{key}.json"

    def get(self, data: bytes, file: str) -> list[Finding] | None:
        key = self.key(data)
        try:
            raw = self._path(key).read_bytes()
            entry = json.loads(raw)
            payload = json.dumps(entry["findings"], sort_keys=True)
            if entry.get("key") != key or entry.get("sha256") != hashlib.sha256(payload.encode()).hexdigest():
                raise ValueError("checksum mismatch")
            findings = _decode(entry["findings"], file)
        except (OSError, ValueError, KeyError, TypeError):
            self.misses += 1
            return None
        self.hits += 1
        return findings

    def put(self, data: bytes, findings: Sequence[Finding]) -> None:
        key = self.key(data)
        rows = _encode(findings)
        payload = json.dumps(rows, sort_keys=True)
        self._write(self._path(key),
                    {"key": key, "sha256": hashlib.sha256(payload.encode()).hexdigest(), "findings": rows})

    # ------------------------------------------------------------- manifest
    # What a run learnt from the loaded plugins (their load problems, the rule
    # codes and frameworks they know), kept under the same salt, so that a run
    # whose every file is cached can answer without importing any plugin.

    def get_manifest(self) -> dict[str, Any] | None:
        try:
            entry = json.loads(self._manifest_path().read_bytes())
            payload = json.dumps(entry["manifest"], sort_keys=True)
            if entry.get("salt") != self.salt or entry.get("sha256") != hashlib.sha256(payload.encode()).hexdigest():
                return None
            manifest = entry["manifest"]
            manifest["problems"] = [replace(f, file=f"<plugin {f.plugin}>")
                                    for f in _decode(manifest["problems"], "")]
            return manifest
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put_manifest(self, problems: Sequence[Finding], rules: Sequence[tuple[str, str]],
                     frameworks: Sequence[str]) -> None:
        manifest = {"problems": _encode(problems), "rules": [list(r) for r in rules],
                    "frameworks": list(frameworks)}
        payload = json.dumps(manifest, sort_keys=True)
        self._write(self._manifest_path(), {"salt": self.salt, "manifest": manifest,
                                            "sha256": hashlib.sha256(payload.encode()).hexdigest()})

    def _manifest_path(self) -> Path:
        return self.directory / f"v{FORMAT}" / f"run-{self.salt[:32]}.json"

    def _write(self, path: Path, entry: Mapping[str, Any]) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
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
        self._tag(self.directory / f"v{FORMAT}")

    @staticmethod
    def _tag(root: Path) -> None:
        tag = root.parent / "CACHEDIR.TAG"
        if not tag.exists():
            try:
                tag.write_text("Signature: 8a477f597d28d172789f06886806bc55\n"
                               "# This directory holds sopframe's validation cache; it can be deleted.\n")
                (root.parent / ".gitignore").write_text("*\n")
            except OSError:
                pass
