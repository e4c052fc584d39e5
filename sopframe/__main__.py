"""``python -m sopframe``: the same as the ``sopframe`` command."""

from sopframe.cli import main

if __name__ == "__main__":  # pragma: no cover
    main()
