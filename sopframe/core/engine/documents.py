"""Reading a document to attach: regular files only, hashed in chunks, within limits.

The file is opened without blocking (a FIFO cannot hang the command) and
checked on the open handle (no race between a check and the open): only a
regular file is read.  It is hashed in 1 MiB chunks, so memory stays
bounded whatever its size, and refused as soon as it grows past the limit.
What is recorded: the resolved absolute path, the symlink's target when the
path given was a symlink, the size and the SHA-256.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass

__all__ = ["DocumentInfo", "read_document", "Attachment", "read_attachment", "CHUNK"]

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class DocumentInfo:
    name: str
    path: str  # resolved, absolute
    symlink: str | None  # what the path given pointed to, if it was a symlink
    size: int
    sha256: str
    content: bytes | None = None  # the bytes read, when asked to keep them


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_document(path: str, *, max_size: int, root: str | None = None, keep: bool = False) -> DocumentInfo:
    """Hash the document at ``path`` (``keep``: and keep its bytes); raise ``ValueError`` saying why it cannot be
    attached."""
    given = os.path.abspath(path)
    symlink = os.readlink(given) if os.path.islink(given) else None
    resolved = os.path.realpath(given)
    if root is not None:
        real_root = os.path.realpath(root)
        if os.path.commonpath([real_root, resolved]) != real_root:
            raise ValueError(f"{resolved} is outside the attachments root {real_root}")
    try:
        fd = os.open(resolved, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise ValueError(f"cannot read it: {exc.strerror or exc}") from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise ValueError(f"it is {_kind(st.st_mode)}; only regular files can be attached")
    with os.fdopen(fd, "rb", buffering=0) as fh:
        if st.st_size > max_size:
            raise ValueError(f"it is {st.st_size} bytes, over the limit of {max_size} (limits.attachment-size)")
        h, size, blocks = hashlib.sha256(), 0, []
        while True:
            try:
                block = fh.read(CHUNK)
            except OSError as exc:
                raise ValueError(f"cannot read it: {exc.strerror or exc}") from None
            if not block:
                break
            size += len(block)
            if size > max_size:
                raise ValueError(f"it grew past the limit of {max_size} bytes while being read "
                                 "(limits.attachment-size)")
            h.update(block)
            if keep:
                blocks.append(block)
    return DocumentInfo(os.path.basename(given), resolved, symlink, size, h.hexdigest(),
                        b"".join(blocks) if keep else None)


@dataclass(frozen=True)
class Attachment:
    """What ``document.attached`` records about a document, and its bytes when they were read.

    ``kept: true`` in the record says the store keeps a copy of the bytes
    (since schema version 9): ``verify`` then re-hashes that copy.
    """

    record: dict[str, object]
    content: bytes | None = None


def read_attachment(path: str, data: bytes | None, uri: str | None, max_size: int,
                    root: str | None = None) -> Attachment:
    """The document at ``path`` (or ``data``, named by ``path``); raise ``ValueError`` saying why it cannot be
    attached (the message names the document)."""
    if data is not None:
        if len(data) > max_size:
            raise ValueError(f"the document is {len(data)} bytes, over the limit of {max_size}")
        return Attachment({"name": os.path.basename(path), "sha256": hashlib.sha256(data).hexdigest(),
                           "size": len(data), "uri": uri or str(path), "path": None, "symlink": None,
                           "kept": True}, data)
    try:
        info = read_document(str(path), max_size=max_size, root=root, keep=True)
    except ValueError as exc:
        from sopframe.core.safetext import escape

        raise ValueError(f"cannot attach document '{escape(str(path))}': {exc}") from None
    return Attachment({"name": info.name, "sha256": info.sha256, "size": info.size, "uri": uri or info.path,
                       "path": info.path, "symlink": info.symlink, "kept": True}, info.content)
