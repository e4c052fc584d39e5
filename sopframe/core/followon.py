"""Root cause first: findings that follow from another finding in the same file.

One mistake often breaks several rules: a back edge makes a cycle (SOP101),
and every stage on it then also "cannot reach an end" (SOP103); a split
with no `rejoin` (SOP104) leaves the stages after it unreachable (SOP102),
without an end (SOP103) or with sub-jobs routing nowhere (SOP105).  Reports
show the cause and hide such follow-ons, saying how many and how to show
them (``--show-all``).
"""

from __future__ import annotations

from collections.abc import Iterable

from sopframe.core.diagnostics import Finding

__all__ = ["FOLLOW_ONS", "split_follow_ons"]

#: cause code -> codes that, in the same file, are follow-ons of it
FOLLOW_ONS: dict[str, frozenset[str]] = {
    "SOP101": frozenset({"SOP103"}),
    "SOP104": frozenset({"SOP102", "SOP103", "SOP105"}),
}


def split_follow_ons(findings: Iterable[Finding]) -> tuple[list[Finding], list[Finding]]:
    """(findings to show, follow-ons hidden), each in the given order."""
    findings = list(findings)
    follow: dict[str, set[str]] = {}
    for f in findings:
        follow.setdefault(f.file, set()).update(FOLLOW_ONS.get(f.code, ()))
    shown, hidden = [], []
    for f in findings:
        (hidden if f.code in follow.get(f.file, ()) else shown).append(f)
    return shown, hidden
