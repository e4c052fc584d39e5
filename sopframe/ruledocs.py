"""Rule documentation that travels with the package.

docs/rules.md (core rules) and docs/compliance.md (the bundled compliance
rules) are installed as package data of ``sopframe_docs``, so ``sopframe
explain CODE`` and SARIF ``help`` show a rule's full section, with its wrong
and right example, without a network or a checkout.  Rules that run one
check (the compliance rules: one per framework citing it) share a section
about that check, named by ``Rule.shared_docs``, shown after their own.  A
rule documented on a page that is not installed (a third-party plugin's own
docs) falls back to its summary and ``explanation``.

Where findings point a reader: ``sopframe explain CODE``, or, when the
``docs-url`` configuration key names where the docs are published, that
URL with the rule's page and anchor.
"""

from __future__ import annotations

import re
from functools import lru_cache

TYPE_CHECKING = False  # not typing's: importing typing costs start-up, and type checkers know the name
if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.diagnostics import Rule

__all__ = ["section", "heading_section", "rule_text", "help_uri", "pointer"]

_HEADING = re.compile(r"^(#{2,6}) (.+)$")


@lru_cache(maxsize=8)
def _page(name: str) -> str | None:
    """The text of an installed docs page (``rules.md``), or ``None``."""
    from importlib import resources

    try:
        return resources.files("sopframe_docs").joinpath(name).read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError, NotADirectoryError, OSError):
        return None


def heading_section(docs_page: str, heading: str) -> str | None:
    """The Markdown under the ``heading`` of ``docs_page`` (without the heading), or ``None``.

    The section ends at the next heading of its level or above; ``None``
    when the page is not installed (not under ``docs/``), has no such
    heading, or the section is empty.
    """
    if not docs_page.startswith("docs/"):
        return None
    text = _page(docs_page[len("docs/"):])
    if text is None:
        return None
    lines = text.splitlines()
    want = heading.strip()
    for i, line in enumerate(lines):
        m = _HEADING.match(line)
        if m and m.group(2).strip() == want:
            level = len(m.group(1))
            body = []
            fenced = False
            for nxt in lines[i + 1:]:
                if nxt.startswith("```"):
                    fenced = not fenced
                h = None if fenced else _HEADING.match(nxt)
                if h and len(h.group(1)) <= level:
                    break
                body.append(nxt)
            return "\n".join(body).strip() or None
    return None


def section(docs_page: str, code: str, slug: str) -> str | None:
    """The Markdown under the ``CODE slug`` heading of ``docs_page`` (without the heading), or ``None``."""
    return heading_section(docs_page, f"{code} {slug}")


def rule_text(rule: "Rule") -> str:
    """A rule's full explanation in Markdown.

    Its own docs section (else its summary), its ``explanation`` unless the
    section already holds it, then the section it shares with other rules
    (``Rule.shared_docs``: what they check, with examples) under its heading.
    A rule documented on a page that is not installed (a third-party
    plugin's own docs) gets its summary and ``explanation``.
    """
    own = section(rule.docs_page, rule.code, rule.slug)
    shared = heading_section(rule.docs_page, rule.shared_docs) if rule.shared_docs else None
    extra = rule.explanation.strip()
    parts = [own or rule.summary]
    if extra and not (own and extra[:40] in own):
        parts.append(extra)
    if shared:
        parts.append(f"### {rule.shared_docs.strip()}\n\n{shared}")
    return "\n\n".join(part for part in parts if part)


def help_uri(docs: str, docs_url: str | None) -> str | None:
    """Where a rule's docs anchor (``docs/rules.md#sop101-dag-cycle``) is published, or ``None``.

    An anchor on a page of its own (a plugin's ``docs_page`` given as an
    ``https://`` URL) is that page.  An anchor on a page installed with
    sopframe is published under ``docs_url``, but only when that page
    documents the rule: a plugin rule left with the default ``docs_page``
    is not on sopframe's pages, and a link there would lead nowhere.
    """
    page, _, anchor = docs.partition("#")
    if "://" in page:
        return docs
    if not docs_url or not _documents(page.lstrip("/"), anchor):
        return None
    return docs_url.rstrip("/") + "/" + docs.lstrip("/")


@lru_cache(maxsize=1024)
def _documents(page: str, anchor: str) -> bool:
    """Whether the installed ``page`` has the section of ``anchor`` (``sop101-dag-cycle``)."""
    code, _, slug = anchor.partition("-")
    return bool(code and slug) and heading_section(page, f"{code.upper()} {slug}") is not None


def pointer(code: str, docs: str, docs_url: str | None) -> str:
    """Where a finding sends its reader: the published URL when configured, else the ``explain`` command."""
    return help_uri(docs, docs_url) or f"sopframe explain {code}"
