"""Immediate dominators of a graph given as successor lists.

The algorithm is Cooper, Harvey and Kennedy's "A Simple, Fast Dominance
Algorithm" (2001), the one networkx's ``immediate_dominators`` implements.
It is written out here because a job command needs dominators (a field is
visible from a stage when a stage on every path before it captures it) and
importing networkx costs a job command more than the command itself; the
validation rules still use networkx.  Immediate dominators are unique, so
the two give the same answer (tests/core/test_graph.py checks it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

__all__ = ["immediate_dominators", "reachable_avoiding"]


def immediate_dominators(succ: Mapping[str, Sequence[str]], start: str) -> dict[str, str]:
    """node -> its immediate dominator, for every node reachable from ``start`` (``start`` maps to itself)."""
    order = _reverse_postorder(succ, start)
    index = {n: i for i, n in enumerate(order)}
    preds: dict[str, list[str]] = {n: [] for n in order}
    for n in order:
        for m in succ.get(n, ()):
            preds[m].append(n)
    idom = {start: start}

    def intersect(a: str, b: str) -> str:
        while a != b:
            while index[a] > index[b]:
                a = idom[a]
            while index[b] > index[a]:
                b = idom[b]
        return a

    changed = True
    while changed:
        changed = False
        for n in order[1:]:
            new = None
            for p in preds[n]:
                if p in idom:
                    new = p if new is None else intersect(p, new)
            if new is not None and idom.get(n) != new:
                idom[n] = new
                changed = True
    return idom


def reachable_avoiding(succ: Mapping[str, Sequence[str]], start: str, avoid: set[str]) -> set[str]:
    """The nodes reachable from ``start`` along paths that never enter ``avoid`` (``start`` included)."""
    seen = {start}
    todo = [start]
    while todo:
        for m in succ.get(todo.pop(), ()):
            if m not in seen and m not in avoid:
                seen.add(m)
                todo.append(m)
    return seen


def _reverse_postorder(succ: Mapping[str, Sequence[str]], start: str) -> list[str]:
    seen = {start}
    post: list[str] = []
    stack = [(start, iter(succ.get(start, ())))]
    while stack:
        node, children = stack[-1]
        for child in children:
            if child not in seen:
                seen.add(child)
                stack.append((child, iter(succ.get(child, ()))))
                break
        else:
            stack.pop()
            post.append(node)
    post.reverse()
    return post
