"""Rules about the shape of the job: cycles, reachability, splits, rework.

Findings that follow from another one say so (``Finding.follows``), so
reports show the cause first and hide the rest: a stage stuck on a cycle
follows from the cycle (SOP101); a lost stage that another lost stage
routes to follows from the first of them; and the first follows from a
split's missing ``rejoin`` (SOP104) when it is where the split most likely
meant to continue.
"""

from __future__ import annotations

from typing import Iterator

from sopframe.core.diagnostics import Finding, Rule, Severity
from sopframe.core.graph import TemplateGraph
from sopframe.core.model import Stage

E = Severity.ERROR


def _cycle_components(tg: TemplateGraph) -> list[set[str]]:
    """The sets of stages that route in a cycle (a stage routing to itself is one)."""
    import networkx as nx

    g = tg.graph
    return [comp for comp in nx.strongly_connected_components(g)
            if len(comp) > 1 or g.has_edge(next(iter(comp)), next(iter(comp)))]


def _cycle_path(tg: TemplateGraph, comp: set[str]) -> list[str]:
    """One cycle through ``comp``, from its first stage in the file; SOP101 is reported at its last stage."""
    import networkx as nx

    first = min(comp, key=lambda n: (tg.stage(n).loc.line, n))
    return [u for u, _ in nx.find_cycle(tg.graph.subgraph(comp), source=first)]


def _cycles(tg: TemplateGraph) -> Iterator[Finding]:
    for comp in _cycle_components(tg):
        cycle = _cycle_path(tg, comp)
        path = " -> ".join([*cycle, cycle[0]])
        st = tg.stage(cycle[-1])
        # point at the route that closes the cycle, not just at the stage's `next`
        closing = tg.stage(cycle[0]).id
        at = st.next.target_locs.get(closing, st.at("next")) if st.next is not None else st.at("next")
        yield CYCLE.finding(
            f"stages form a cycle: {path}", at=at, stage=st.node,
            hint="a job only moves forward; to send it back for corrections, declare `rework:` "
                 "on the later stage instead of routing `next` to an earlier one",
        )


def _intended_rejoin(tg: TemplateGraph, split: Stage) -> str | None:
    """The stage a split without ``rejoin`` most likely meant to rejoin at (its node), or ``None``.

    The stage outside the sub-jobs that their stages route to, else the
    stage listed right after the split in its scope.
    """
    inside = split.node + "/"
    for d in tg.dangling:
        if d.key == "next" and d.stage.node.startswith(inside):
            target = tg.find_stage(d.stage, d.target)
            if target is not None and target.scope == split.scope:
                return target.node
    nodes = tg.scopes.get(split.scope, [])
    i = nodes.index(split.node) if split.node in nodes else -1
    return nodes[i + 1] if 0 <= i < len(nodes) - 1 else None


def _meant_rejoins(tg: TemplateGraph) -> dict[str, str]:
    """Stage node -> the SOP104 finding (``CODE stage``) of a split that most likely meant to rejoin there."""
    out: dict[str, str] = {}
    for st in tg.stages():
        if st.split and not st.rejoin:
            meant = _intended_rejoin(tg, st)
            if meant:
                out.setdefault(meant, f"{NO_REJOIN.code} {st.node}")
    return out


def _unreachable(tg: TemplateGraph) -> Iterator[Finding]:
    if tg.start is None:
        return
    import networkx as nx

    seen = nx.descendants(tg.graph, tg.start) | {tg.start}
    lost = [st for st in tg.stages() if st.node not in seen]
    if not lost:
        return
    # A lost stage that another lost stage routes to follows from it: only the first of a lost region is a
    # cause of its own, unless it is where a split without `rejoin` most likely meant to continue.
    order = {st.node: i for i, st in enumerate(lost)}
    regions = nx.condensation(tg.graph.subgraph(order))
    first_of: dict[str, str] = {}
    for c in nx.topological_sort(regions):
        if regions.in_degree(c) == 0:
            head = min(regions.nodes[c]["members"], key=order.__getitem__)
            for d in (c, *nx.descendants(regions, c)):
                for node in regions.nodes[d]["members"]:
                    first_of.setdefault(node, head)
    meant = _meant_rejoins(tg)
    for st in lost:
        head = first_of[st.node]
        yield UNREACHABLE.finding(
            f"stage {st.node!r} can never be reached from the first stage {tg.start!r}",
            at=st.loc, stage=st.node,
            hint="route to it with `next:` from an earlier stage, or remove it",
            follows=meant.get(st.node) if head == st.node else f"{UNREACHABLE.code} {head}",
        )


def _no_end(tg: TemplateGraph) -> Iterator[Finding]:
    import networkx as nx

    ends = tg.ends
    if not ends and tg.start is None:
        return
    can_finish: set[str] = set(ends)
    for e in ends:
        can_finish |= nx.ancestors(tg.graph, e)
    stuck = [st for st in tg.stages() if st.node not in can_finish]
    if not stuck:
        return
    # each cycle is reported (SOP101) at the last stage of its path: a stage stuck on it follows from that
    cycles = [(comp, _cycle_path(tg, comp)[-1]) for comp in _cycle_components(tg)]
    for st in stuck:
        ahead = nx.descendants(tg.graph, st.node) | {st.node}
        cause = next((at for comp, at in cycles if comp & ahead), None)
        yield NO_END.finding(
            f"stage {st.node!r} cannot reach an end: every way on loops back",
            at=st.loc, stage=st.node,
            hint="give the job a way to finish: a stage with no `next` is an end",
            follows=f"{CYCLE.code} {cause}" if cause else None,
        )


def _split_without_rejoin(tg: TemplateGraph) -> Iterator[Finding]:
    for st in tg.stages():
        if st.split and not st.rejoin:
            meant = _intended_rejoin(tg, st)
            name = tg.stage(meant).id if meant else None
            yield NO_REJOIN.finding(
                f"stage {st.node!r} splits the job into {', '.join(st.split)} but names no `rejoin` stage",
                at=st.at("split"), stage=st.node,
                hint=(f"add `rejoin: {name}` if {name!r} is the stage that waits until every sub-job is complete"
                      if name else "add `rejoin: <stage>` naming the stage that waits until every sub-job "
                      "is complete"),
            )
        if st.split and st.next is not None:
            yield ESCAPE.finding(
                f"split stage {st.node!r} also has `next`: the job would move on without waiting for its sub-jobs",
                at=st.at("next"), stage=st.node,
                hint="remove `next` from the split stage; the job continues at its `rejoin` stage",
            )


def _escapes(tg: TemplateGraph) -> Iterator[Finding]:
    for d in tg.dangling:
        if d.key == "next" and d.stage.scope and tg.find_stage(d.stage, d.target) is not None:
            yield ESCAPE.finding(
                f"stage {d.stage.node!r} in sub-job {d.stage.scope[-1]!r} routes to {d.target!r}, "
                "outside its sub-job",
                at=d.loc, stage=d.stage.node,
                hint="a sub-job's stages route only among themselves; the job continues at the split's "
                     "`rejoin` stage once every sub-job has finished",
            )
    for st in tg.stages():
        if not (st.split and st.rejoin):
            continue
        rejoin = tg.node_in_scope(st.scope, st.rejoin)
        if rejoin is None or rejoin == st.node:
            continue
        # Sub-job stages are entered only from the split and leave only to
        # the rejoin, so the rejoin is bypassed exactly when a reachable
        # stage outside the sub-jobs leads into it.
        inside = st.node + "/"
        via = [p for p in tg.graph.predecessors(rejoin) if not p.startswith(inside) and tg.reachable(p)]
        if via:
            yield ESCAPE.finding(
                f"rejoin stage {st.rejoin!r} of split {st.node!r} can be reached without the sub-jobs "
                f"(from {', '.join(repr(v) for v in via)})",
                at=st.at("rejoin"), stage=st.node,
                hint="only the split's sub-jobs may lead into its rejoin stage",
            )


def _rework(tg: TemplateGraph) -> Iterator[Finding]:
    for src, dst in tg.rework:
        st = tg.stage(src)
        if not tg.reachable(src):
            continue
        if src == dst or not tg.dominates(dst, src):
            why = "is this stage itself" if src == dst else "is not before it on every path"
            yield REWORK.finding(
                f"rework target {st.rework!r} of stage {st.node!r} {why}",
                at=st.at("rework"), stage=st.node,
                hint="rework sends a rejected job back to a stage every path passes through before this one",
            )


CYCLE = Rule("SOP101", "dag-cycle", E, "Stages route in a cycle.",
             "A job's stages form a directed acyclic graph: `next` only moves forward. Going back for "
             "corrections is declared with `rework:`, which is a back edge, not a cycle. The message "
             "prints the cycle's path.", _cycles)
UNREACHABLE = Rule("SOP102", "unreachable-stage", E, "A stage no path from the first stage reaches.",
                   "Jobs start at the first stage listed under `stages:`. A stage nothing routes to "
                   "is dead procedure text.", _unreachable)
NO_END = Rule("SOP103", "no-path-to-end", E, "A stage from which the job can never finish.",
              "An end is a stage with no `next`. Every stage must have a path to one.", _no_end)
NO_REJOIN = Rule("SOP104", "split-without-rejoin", E, "A split that names no rejoin stage.",
                 "A stage with `split:` runs its sub-jobs in parallel; `rejoin:` names the stage that "
                 "waits until they are all complete.", _split_without_rejoin)
ESCAPE = Rule("SOP105", "branch-escapes-split", E, "A sub-job routes outside itself, or the rejoin is bypassed.",
              "Sub-job stages route only among themselves. The rejoin stage of a split must be reachable "
              "only through its sub-jobs, and the split stage itself has no `next`.", _escapes)
REWORK = Rule("SOP106", "rework-not-earlier", E, "A rework target that is not an earlier stage on every path.",
              "`rework:` names where a rejected stage sends the job back to. It must be a stage in the "
              "same scope that every path passes through before the rejecting stage.", _rework)

RULES = [CYCLE, UNREACHABLE, NO_END, NO_REJOIN, ESCAPE, REWORK]
