"""The template a job is pinned to, rebuilt from the text stored in its start event."""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING, Callable

from sopframe.errors import JobError

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.graph import TemplateGraph
    from sopframe.core.model import Template

__all__ = ["pinned_template", "pinned_by_sha"]

#: sha256 -> compiled template and graph, least recently used first (bounded)
_CACHE: "OrderedDict[str, tuple[Template, TemplateGraph]]" = OrderedDict()
_CACHE_SIZE = 64


def pinned_by_sha(sha256: str, file: str, text_of: Callable[[str], str | None], job: str | None = None,
                  text: str = "") -> tuple["Template", "TemplateGraph"]:
    """The compiled template for a hash: from the cache, else from ``text`` or ``text_of(sha256)``."""
    hit = _CACHE.get(sha256)
    if hit is not None:
        _CACHE.move_to_end(sha256)
        return hit
    text = text or text_of(sha256) or ""
    if not text:
        raise JobError(f"the job's template (sha256 {sha256[:12]}...) is missing from the store", job=job,
                       hint="run `sopframe job verify` on the job")
    return pinned_template(text, file, sha256, job)


def pinned_template(text: str, file: str, sha256: str = "", job: str | None = None) -> tuple["Template", "TemplateGraph"]:
    """The template and graph for stored template text (cached by content hash).

    The text was validated when the job started; here it is only rebuilt.
    A text whose hash is not ``sha256`` was altered in the store.
    """
    import hashlib

    actual = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if sha256 and actual != sha256:
        raise JobError(f"the stored template text does not match its hash {sha256[:12]}...",
                       job=job, hint="run `sopframe job verify` on the job")
    hit = _CACHE.get(actual)
    if hit is None:
        from sopframe.core.builder import build_template
        from sopframe.core.graph import build_graph
        from sopframe.core.yamlsource import parse_text

        doc, problems = parse_text(file or "template.yaml", text)
        if doc is None:
            raise JobError(f"the stored template cannot be read: {problems[0].message if problems else '?'}",
                           job=job)
        template = build_template(doc)
        hit = (template, build_graph(template))
        _CACHE[actual] = hit
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    else:
        _CACHE.move_to_end(actual)
    return hit
