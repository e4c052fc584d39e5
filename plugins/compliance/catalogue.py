"""Control catalogues: every control of a standard, in our own words, and whether a procedure can evidence it.

A catalogue is written as a table, one control a line: ``id | short title |
y or n``.  ``y`` means a documented procedure run as jobs can evidence the
control; ``n`` means it is met by design, technology or management
decisions a procedure template cannot show, so coverage never counts it as
a gap of the templates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

__all__ = ["Control", "Catalogue", "parse_catalogue", "titles", "evidenceable"]


@dataclass(frozen=True)
class Control:
    id: str
    title: str
    #: a procedure (a template and its jobs) can evidence it
    procedural: bool


Catalogue = Mapping[str, Control]


def parse_catalogue(table: str) -> dict[str, Control]:
    out: dict[str, Control] = {}
    for line in table.strip().splitlines():
        cid, title, flag = (part.strip() for part in line.split("|"))
        if cid in out or flag not in ("y", "n"):  # a programming error, caught by the catalogue tests
            raise ValueError(f"bad catalogue line: {line!r}")
        out[cid] = Control(cid, title, flag == "y")
    return out


def titles(catalogue: Catalogue) -> dict[str, str]:
    return {cid: c.title for cid, c in catalogue.items()}


def evidenceable(catalogue: Catalogue) -> frozenset[str]:
    return frozenset(cid for cid, c in catalogue.items() if c.procedural)
