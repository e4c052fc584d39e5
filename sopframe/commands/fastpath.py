"""Answer ``sopframe validate`` from the result cache before click is imported.

When every file is already in the result cache, the run is mostly start-up:
the interpreter, click (about 20 ms) and the installed plugins' metadata
(about 30 ms, avoided by :mod:`sopframe.core.sitestamp`).  This module reads
the command line for the common ``validate`` options itself and, if the cache
holds everything, prints the report with the same code the full command uses
(:mod:`sopframe.commands.validate_run`).

It gives up, and lets the full command run, at anything else: an option it
does not know, ``--help``, standard input, SARIF output, ``--no-cache``, a
file not in the cache, any error at all (the full command words the error),
or ``SOPFRAME_NO_FASTPATH`` set.  Giving up prints nothing.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # not typing's: importing typing costs start-up, and type checkers know the name
if TYPE_CHECKING:  # pragma: no cover
    from typing import Sequence

__all__ = ["answer_from_cache", "ENV_OFF"]

#: set (to anything) to always run the full command
ENV_OFF = "SOPFRAME_NO_FASTPATH"

_GLOBAL_VALUES = {"--config": "config", "--disable-plugin": "disabled"}
_VALUES = {
    "--format": "fmt", "--select": "select", "--ignore": "ignore", "--fail-level": "fail_level",
    "--stdin-filename": "stdin_filename", "--framework": "frameworks", "--cache-dir": "cache_dir",
    "--jobs": "jobs", "-j": "jobs", "--max-file-size": "max_file_size",
}
_REPEATABLE = {"select", "ignore", "frameworks", "disabled"}


def _parse(argv: Sequence[str]) -> dict[str, object] | None:
    """The options of ``[global options] validate [options] PATH...``, or ``None`` for anything unusual."""
    opts: dict[str, object] = {"select": [], "ignore": [], "frameworks": [], "disabled": [], "paths": []}
    args = list(argv)
    in_validate = False
    while args:
        arg = args.pop(0)
        if not in_validate:
            if arg == "validate":
                in_validate = True
                continue
            if arg == "--strict-plugins":
                opts["strict"] = True
                continue
            table = _GLOBAL_VALUES
        else:
            if not arg.startswith("-"):
                opts["paths"].append(arg)  # type: ignore[union-attr]
                continue
            if arg in ("--color", "--no-color"):
                opts["color"] = arg == "--color"
                continue
            table = _VALUES
        name, eq, value = arg.partition("=")
        if name == "-j" or not name.startswith("--"):
            name, eq, value = (arg[:2], "=", arg[2:]) if arg.startswith("-j") and len(arg) > 2 else (arg, "", "")
        key = table.get(name)
        if key is None:
            return None  # an option this reader does not know, or one that needs the full command
        if not eq:
            if not args:
                return None
            value = args.pop(0)
        if not value or value.startswith("-"):
            return None
        if key in _REPEATABLE:
            opts[key].append(value)  # type: ignore[union-attr]
        else:
            opts[key] = value
    if not in_validate or not opts["paths"] or "-" in opts["paths"]:  # type: ignore[operator]
        return None
    return opts


def _checked(opts: dict[str, object]) -> dict[str, object] | None:
    """Values the full command would accept, converted as it converts them; else ``None``."""
    from sopframe.commands.validate_run import FAIL_LEVELS, FORMATS

    if opts.get("fmt") not in (None, *FORMATS):
        return None
    level = opts.get("fail_level")
    if level is not None:
        if str(level).lower() not in FAIL_LEVELS:
            return None
        opts["fail_level"] = str(level).lower()
    for key in ("jobs", "max_file_size"):
        if key in opts:
            try:
                number = int(str(opts[key]))
            except ValueError:
                return None
            if number < 1:
                return None
            opts[key] = number
    return opts


def _plain_streams() -> bool:
    """Both standard streams take any text (else click's own stream handling is wanted)."""
    import codecs

    for stream in (sys.stdout, sys.stderr):
        encoding = getattr(stream, "encoding", None)
        if not encoding or codecs.lookup(encoding).name != "utf-8":
            return False
    return True


def answer_from_cache(argv: Sequence[str]) -> int | None:
    """Print the report and return the exit code if the cache answers ``argv``; else ``None``, having printed nothing."""
    if os.environ.get(ENV_OFF) or "validate" not in argv:
        return None
    try:
        opts = _parse(argv)
        if opts is None or _checked(opts) is None or not _plain_streams():
            return None
        from sopframe.commands.validate_run import answer, make_request, open_cache
        from sopframe.config import load_config

        req = make_request(
            paths=opts["paths"], config=load_config(opts.get("config")),  # type: ignore[arg-type]
            disabled=opts["disabled"], strict=opts.get("strict"),  # type: ignore[arg-type]
            fmt=opts.get("fmt"), select=opts["select"], ignore=opts["ignore"],  # type: ignore[arg-type]
            frameworks=opts["frameworks"], fail_level=opts.get("fail_level"),  # type: ignore[arg-type]
            max_file_size=opts.get("max_file_size"), color=opts.get("color"),  # type: ignore[arg-type]
        )
        outcome = answer(req, open_cache(req, opts.get("cache_dir")), sys.stdout)  # type: ignore[arg-type]
        if outcome is None:
            return None
    except Exception:  # the full command meets the same problem and words it
        return None
    try:
        for to_stderr, text in outcome.lines:
            stream = sys.stderr if to_stderr else sys.stdout
            stream.write(text + "\n")
            stream.flush()
    except BrokenPipeError:  # the reader went away (`| head`): exit 1 quietly, as the click command does
        devnull = os.open(os.devnull, os.O_WRONLY)
        for stream in (sys.stdout, sys.stderr):
            try:
                os.dup2(devnull, stream.fileno())
            except (OSError, ValueError):
                pass
        return 1
    return outcome.code
