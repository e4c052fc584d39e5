"""Root cause first: findings that follow from another finding in the same file.

One mistake often breaks several rules: a back edge makes a cycle (SOP101),
and every stage on it then also "cannot reach an end" (SOP103); a split
with no `rejoin` (SOP104) leaves the stages after it unreachable (SOP102).
The rule that reports such a finding knows what it follows from and says so
(``Finding.follows``: ``CODE stage``, the finding that goes away once
fixed).  Reports show the cause and hide what follows from it while the
cause is reported, saying how many and how to show them (``--show-all``).

What is hidden is decided per finding, never per code: a stage that is
unreachable for a reason of its own is shown beside a missing `rejoin`, and
a follow-on whose cause is not reported (``--ignore SOP101``) is shown.
"""

from __future__ import annotations

from collections.abc import Iterable

from sopframe.core.diagnostics import Finding

__all__ = ["split_follow_ons"]


def split_follow_ons(findings: Iterable[Finding]) -> tuple[list[Finding], list[Finding]]:
    """(findings to show, follow-ons hidden), each in the given order.

    A finding is hidden when the finding it follows from is among
    ``findings`` (shown or itself hidden: a chain leads back to a shown one).
    """
    findings = list(findings)
    reported = {(f.file, f"{f.code} {f.stage}") for f in findings if f.stage}
    shown: list[Finding] = []
    hidden: list[Finding] = []
    for f in findings:
        (hidden if f.follows and (f.file, f.follows) in reported else shown).append(f)
    return shown, hidden
