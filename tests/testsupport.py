"""Paths and helpers every test area shares.

Imported as ``testsupport``: pytest's ``pythonpath`` option (pyproject.toml)
puts tests/ on ``sys.path``, so every test module reaches the helpers the
same way.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import pytest

ROOT = Path(__file__).resolve().parent.parent
#: reference files the tests read, kept in the repository
DATA = ROOT / "tests" / "data"
#: the complete example template (every part of the template language)
EXAMPLE = DATA / "template-example.yaml"


def data_file(name: str) -> Path:
    """A file of tests/data (a missing one is an error, never a skip)."""
    path = DATA / name
    if not path.is_file():
        raise FileNotFoundError(f"tests/data/{name} is missing from this checkout")
    return path


def run_main(capsys: "pytest.CaptureFixture[str]", *argv: str) -> tuple[int, str, str]:
    """Run the CLI in-process: (exit code, standard output, standard error); never a traceback."""
    import pytest

    from sopframe.__main__ import main

    capsys.readouterr()
    with pytest.raises(SystemExit) as info:
        main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return int(info.value.code or 0), out, err
