"""The template a job is pinned to: compiled once per text, kept in memory and (given a
:class:`~sopframe.core.compiled.CompiledTemplates`) on disk, else rebuilt from the stored text."""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING, Callable

from sopframe.errors import JobError

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.compiled import CompiledTemplates
    from sopframe.core.graph import TemplateGraph
    from sopframe.core.model import Template

__all__ = ["pinned_template", "pinned_by_sha"]

#: sha256 -> compiled template and graph, least recently used first (bounded)
_CACHE: "OrderedDict[str, tuple[Template, TemplateGraph]]" = OrderedDict()
_CACHE_SIZE = 64


def pinned_by_sha(sha256: str, file: str, text_of: Callable[[str], str | None], job: str | None = None,
                  text: str = "", compiled: "CompiledTemplates | None" = None) -> tuple["Template", "TemplateGraph"]:
    """The compiled template for a hash: from memory, else from ``compiled``, else from ``text`` or
    ``text_of(sha256)``, checked against the hash and compiled."""
    hit = _CACHE.get(sha256)
    if hit is not None:
        _CACHE.move_to_end(sha256)
        return hit
    kept = compiled.get(sha256) if compiled is not None else None
    if kept is not None:
        return _remember(sha256, kept)
    text = text or text_of(sha256) or ""
    if not text:
        raise JobError(f"the job's template (sha256 {sha256[:12]}...) is missing from the store", job=job,
                       hint="the job's verification says more", cli_hint="run `sopframe job verify` on the job")
    return pinned_template(text, file, sha256, job, compiled)


def pinned_template(text: str, file: str, sha256: str = "", job: str | None = None,
                    compiled: "CompiledTemplates | None" = None) -> tuple["Template", "TemplateGraph"]:
    """The template and graph for stored template text (cached by content hash; kept in ``compiled``).

    The text was validated when the job started; here it is only rebuilt.
    A text whose hash is not ``sha256`` was altered in the store.
    """
    import hashlib

    actual = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if sha256 and actual != sha256:
        raise JobError(f"the stored template text does not match its hash {sha256[:12]}...",
                       job=job, hint="the job's verification says more", cli_hint="run `sopframe job verify` on the job")
    hit = _CACHE.get(actual)
    if hit is not None:
        _CACHE.move_to_end(actual)
        return hit
    from sopframe.core.builder import build_template
    from sopframe.core.yamlsource import parse_text

    doc, problems = parse_text(file or "template.yaml", text)
    if doc is None:
        raise JobError(f"the stored template cannot be read: {problems[0].message if problems else '?'}",
                       job=job)
    template = build_template(doc)
    if compiled is not None:
        compiled.put(actual, template)
    return _remember(actual, template)


def _remember(sha256: str, template: "Template") -> tuple["Template", "TemplateGraph"]:
    """The template with its graph, kept in memory (least recently used dropped first)."""
    from sopframe.core.graph import build_graph

    hit = (template, build_graph(template))
    _CACHE[sha256] = hit
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return hit
