"""docs/rules.md documents every core rule under the anchor findings link to."""

from __future__ import annotations

import re

from testsupport import ROOT


def _anchors(text: str) -> set[str]:
    out = set()
    for heading in re.findall(r"^#{2,3} (.+)$", text, flags=re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        out.add(slug)
    return out


def test_every_core_rule_has_a_section_matching_its_docs_anchor() -> None:
    from sopframe.core.rules import all_rules

    text = (ROOT / "docs" / "rules.md").read_text("utf-8")
    anchors = _anchors(text)
    for rule in all_rules():
        anchor = rule.docs.split("#", 1)[1]
        assert anchor in anchors, f"docs/rules.md has no section for {rule.code} {rule.slug}"
        assert rule.docs.startswith("docs/rules.md#")
