"""The ``sopframe`` command (and ``python -m sopframe``): :func:`sopframe.cli.main`."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import NoReturn

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Run ``sopframe`` with ``argv`` (default: ``sys.argv[1:]``); always ends with :exc:`SystemExit`."""
    from sopframe.cli import main as run

    run(list(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":  # pragma: no cover
    main()
