"""The ``sopframe`` command (and ``python -m sopframe``).

A ``validate`` run that the result cache answers in full is printed before
click is imported (:mod:`sopframe.commands.fastpath`); everything else goes
to the click command line, :func:`sopframe.cli.main`.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # not typing's: importing typing costs start-up, and type checkers know the name
if TYPE_CHECKING:  # pragma: no cover
    from typing import NoReturn, Sequence

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Run ``sopframe`` with ``argv`` (default: ``sys.argv[1:]``); always ends with :exc:`SystemExit`."""
    args = list(sys.argv[1:] if argv is None else argv)
    if "validate" in args:
        from sopframe.commands.fastpath import answer_from_cache

        code = answer_from_cache(args)
        if code is not None:
            sys.exit(code)
    from sopframe.cli import main as full

    full(args)


if __name__ == "__main__":  # pragma: no cover
    main()
