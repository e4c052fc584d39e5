"""Where commands write files: every ``-o``/``--output`` path is checked here, before any work is done.

A path that exists already is refused unless ``--force`` is given; the job
store's own file (and its SQLite journal files) is refused even then; a
folder that does not exist is a usage error naming the path.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Iterable, TypeVar

import click

from sopframe.errors import UsageError

__all__ = ["force_option", "check_output", "store_files", "write_output"]

F = TypeVar("F", bound=Callable[..., Any])

#: Files SQLite keeps beside a database: writing over one of them breaks the store just as well.
_COMPANIONS = ("", "-wal", "-shm", "-journal")


def force_option(f: F) -> F:
    return click.option("--force", is_flag=True,
                        help="Replace the output file if it exists already (never the job store's own file).")(f)


def _resolved(path: Path | str) -> Path:
    return Path(os.path.abspath(os.path.expanduser(str(path)))).resolve()


def store_files(ctx: click.Context | None, store_url: str | None, store: object = None) -> list[Path]:
    """The files of the job store a command names (``--store``, else the settings), and of ``store`` when
    it is open: an embedded SQLite store's file and the journal files beside it.  A store in a server
    (PostgreSQL) or in memory has none."""
    names: list[str] = []
    path = getattr(store, "path", None)
    if isinstance(path, str) and path != ":memory:":
        names.append(path)
    url = store_url
    if url is None and ctx is not None:
        from sopframe.commands.common import settings_for

        url = settings_for(ctx).store_url
    if url and url.startswith("sqlite:///") and len(url) > len("sqlite:///"):
        names.append(url[len("sqlite:///"):])
    return [_resolved(name + suffix) for name in dict.fromkeys(names) for suffix in _COMPANIONS]


def check_output(path: Path | str, *, force: bool = False, protected: Iterable[Path] = (),
                 option: str = "-o", dash: bool = False) -> Path:
    """``path`` checked as a file to write (with ``dash``, ``-`` is standard output and passes): its folder must exist, it
    must not be a folder, a file already there is refused without ``force``, and a ``protected`` file
    (the job store's) is refused always.  Raises :class:`UsageError` naming the path; writes nothing."""
    from sopframe.core.safetext import escape

    out = Path(path)
    if dash and str(path) == "-":
        return out
    shown = escape(str(path))
    target = _resolved(out)
    if target in set(protected):
        raise UsageError(f"{option} {shown}: that is the job store's own file; refusing to write over it",
                         hint="choose another path (--force does not apply to the store)")
    if out.is_dir():
        raise UsageError(f"{option} {shown}: is a folder, not a file", hint="give a file name inside it")
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise UsageError(f"{option} {shown}: the folder {escape(str(parent))} does not exist",
                         hint="create it first, or choose another path")
    if (out.exists() or out.is_symlink()) and not force:
        raise UsageError(f"{option} {shown}: the file exists already; refusing to overwrite it",
                         hint="choose another path, or pass --force to replace it")
    return out


def write_output(path: Path, data: bytes | str, *, option: str = "-o") -> None:
    """Write ``data`` to ``path`` (already checked with :func:`check_output`); an operating-system error
    is a usage error naming the path."""
    from sopframe.core.safetext import escape

    try:
        if isinstance(data, str):
            path.write_text(data, encoding="utf-8")
        else:
            path.write_bytes(data)
    except OSError as exc:
        raise UsageError(f"{option} {escape(str(path))}: cannot write: {exc.strerror or exc}") from None
