"""Checks across the files of one run: two different templates must not share a ``template:`` id.

Jobs, the SOP master list and ``sopframe graph ID`` find a template by its id, so two files
that claim the same id with different content are ambiguous.  The same file checked in twice
(identical bytes) is not a problem.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from sopframe.core.diagnostics import Finding, Severity

__all__ = ["duplicate_template_ids"]

_ID_LINE = re.compile(rb"^template:[ \t]*[\"']?([^\s\"'#]+)", re.M)


def duplicate_template_ids(paths: Iterable[str]) -> list[Finding]:
    """A SOP114 finding at the ``template:`` line of every file whose id another file, with other
    content, also claims (each names the first such file)."""
    first: dict[bytes, tuple[str, str]] = {}  # id -> (file, digest) of the first file with that id
    found: list[Finding] = []
    for path in paths:
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError:
            continue  # reported by the file's own validation
        m = _ID_LINE.search(data)
        if m is None:
            continue
        ident, digest = m.group(1), hashlib.sha256(data).hexdigest()
        if ident not in first:
            first[ident] = (path, digest)
            continue
        other, other_digest = first[ident]
        if other_digest == digest:
            continue
        line = data.count(b"\n", 0, m.start()) + 1
        col = m.start(1) - m.start() + 1
        name = ident.decode("utf-8", "replace")
        found.append(Finding(
            "SOP114", "duplicate-id", Severity.ERROR,
            f"template id {name!r} is also the id of {other}, whose content differs",
            file=path, line=line, col=col, template=name,
            hint="give each template its own id, or keep a single copy of it"))
    return found
