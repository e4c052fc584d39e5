"""The template a job is pinned to, rebuilt from the text stored in its start event."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sopframe.errors import JobError

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.graph import TemplateGraph
    from sopframe.core.model import Template

__all__ = ["pinned_template"]

_CACHE: dict[str, tuple["Template", "TemplateGraph"]] = {}


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
    return hit
