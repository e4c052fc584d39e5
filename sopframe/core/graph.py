"""A template as a graph of stages, and the questions rules and the engine ask of it.

Nodes are stage ids; stages of a sub-job are namespaced under their split
(``components/classification/tech_approval``).  Edges are ``next`` routes,
``split`` edges from a split stage to each sub-job's first stage and
``rejoin`` edges from each sub-job's last stages to the rejoin stage.  Rework
routes are declared back edges: they are kept apart (``rework``) and are not
part of the DAG.

The nodes and edges are kept in plain maps, enough for a running job
(lookups, successors, descendants, paths, dominators: :mod:`.dominators`);
the networkx ``DiGraph`` the validation rules query is built from them on
first use (:attr:`TemplateGraph.graph`), so job commands never import networkx.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterator, Mapping, NamedTuple

from sopframe.core.location import Location
from sopframe.core.dominators import immediate_dominators, reachable_avoiding
from sopframe.core.model import FieldDef, Stage, SubJob, Template

if TYPE_CHECKING:  # pragma: no cover
    import networkx as nx

__all__ = ["TemplateGraph", "Dangling", "FieldLookup", "build_graph", "ITEM"]

#: how a per-item sub-job's stages name the columns of their item: ``item.severity``
ITEM = "item."


class Dangling(NamedTuple):
    """A stage reference that names no stage of its scope."""

    stage: Stage
    target: str
    key: str  # next, rework or rejoin
    loc: Location


class FieldLookup(NamedTuple):
    """The result of resolving a field reference from a stage."""

    field: FieldDef | None = None
    stage: Stage | None = None  # the stage that captures it
    #: captured, but not on every path before the referencing stage
    not_on_every_path: tuple[Stage, ...] = ()
    #: every path passes through one of ``not_on_every_path``, but through no one of them on every path
    per_path: bool = False
    #: the reference names a stage that does not exist (``stage.field``)
    unknown_stage: str | None = None
    #: ``item.column`` inside a per-item sub-job: the sub-job's scope (its node prefix)
    item_scope: str | None = None
    #: ``item.column`` naming no column of the list (or used outside a per-item sub-job)
    unknown_column: str | None = None


@dataclass
class TemplateGraph:
    """The template, its graph, and what rules need to query it."""

    template: Template
    start: str | None
    #: scope (sub-job path) -> its stages' nodes in order
    scopes: dict[tuple[str, ...], list[str]] = field(default_factory=dict)
    dangling: list[Dangling] = field(default_factory=list)
    rework: list[tuple[str, str]] = field(default_factory=list)
    _idom: dict[str, str] | None = None
    _order: dict[str, tuple[int, int]] | None = None
    _captures: dict[str, list[Stage]] | None = None
    #: node -> stage, in the order the nodes were added
    _stage_of: dict[str, Stage] = field(default_factory=dict)
    #: (source, target) -> kind (next, split, rejoin), in the order the edges were added
    _edges: dict[tuple[str, str], str] = field(default_factory=dict)
    #: node -> its successors, in edge order
    _succ: dict[str, list[str]] = field(default_factory=dict)
    _nx: "nx.DiGraph | None" = None

    def add_node(self, stage: Stage) -> None:
        self._stage_of[stage.node] = stage
        self._succ.setdefault(stage.node, [])

    def add_edge(self, source: str, target: str, kind: str) -> None:
        """An edge between two added nodes; adding one again only changes its kind (as networkx does)."""
        if (source, target) not in self._edges:
            self._succ[source].append(target)
        self._edges[(source, target)] = kind
        self._nx = None

    @property
    def graph(self) -> "nx.DiGraph":
        """The stages as a networkx ``DiGraph`` (node data ``stage``, edge data ``kind``), built on first use."""
        if self._nx is None:
            import networkx as nx

            g = nx.DiGraph()
            for node, stage in self._stage_of.items():
                g.add_node(node, stage=stage)
            for (source, target), kind in self._edges.items():
                g.add_edge(source, target, kind=kind)
            self._nx = g
        return self._nx

    # ------------------------------------------------------------------ lookups
    def __contains__(self, node: object) -> bool:
        return node in self._stage_of

    def stage(self, node: str) -> Stage:
        return self._stage_of[node]

    def stages(self) -> Iterator[Stage]:
        """Every stage, sub-jobs' too, in the graph's node order."""
        return iter(self._stage_of.values())

    def node_in_scope(self, scope: tuple[str, ...], stage_id: str) -> str | None:
        node = "/".join((*scope, stage_id))
        return node if node in self._stage_of else None

    def subjob_nodes(self, split: Stage) -> set[str]:
        """Every node inside the sub-jobs of a split stage (nested ones too)."""
        prefix = split.node + "/"
        return {n for n in self._stage_of if n.startswith(prefix)}

    @property
    def ends(self) -> list[str]:
        return [n for n in self._stage_of if not self._succ[n]]

    def descendants(self, node: str) -> set[str]:
        """Every node reachable from ``node`` by ``next``, split and rejoin edges, ``node`` left out."""
        seen: set[str] = set()
        todo = list(self._succ.get(node, ()))
        while todo:
            n = todo.pop()
            if n not in seen:
                seen.add(n)
                todo.extend(self._succ[n])
        seen.discard(node)
        return seen

    def has_path(self, source: str, target: str) -> bool:
        """Whether ``target`` can be reached from ``source`` (a node always reaches itself)."""
        return source == target or target in self.descendants(source)

    # --------------------------------------------------------------- dominance
    @property
    def idom(self) -> dict[str, str]:
        """node -> its immediate dominator, for every reachable node (the start maps to itself)."""
        if self._idom is None:
            self._idom = immediate_dominators(self._succ, self.start) if self.start else {}
        return self._idom

    def dominators(self, node: str) -> list[str]:
        """Strict dominators of ``node``, nearest first (empty if unreachable)."""
        out: list[str] = []
        idom = self.idom
        if node not in idom:
            return out
        while True:
            parent = idom[node]
            if parent == node:
                return out
            out.append(parent)
            node = parent

    @property
    def _dom_order(self) -> dict[str, tuple[int, int]]:
        """Pre- and post-order numbers of the dominator tree: O(1) dominance tests."""
        if self._order is None:
            children: dict[str, list[str]] = {}
            for n, parent in self.idom.items():
                if n != parent:
                    children.setdefault(parent, []).append(n)
            order: dict[str, tuple[int, int]] = {}
            if self.start is not None:
                counter = 0
                pre: dict[str, int] = {}
                stack: list[tuple[str, bool]] = [(self.start, False)]
                while stack:
                    n, done = stack.pop()
                    if done:
                        order[n] = (pre[n], counter)
                        counter += 1
                        continue
                    pre[n] = counter
                    counter += 1
                    stack.append((n, True))
                    stack.extend((c, False) for c in children.get(n, ()))
            self._order = order
        return self._order

    def dominates(self, a: str, b: str) -> bool:
        """Whether every path from the start to ``b`` passes through ``a``."""
        if a == b:
            return True
        order = self._dom_order
        if a not in order or b not in order:
            return False
        return order[a][0] < order[b][0] and order[b][1] < order[a][1]

    def reachable(self, node: str) -> bool:
        return node in self.idom

    def together(self, a: str, b: str) -> bool:
        """Whether one job can pass through both stages: one leads to the other, or they lie on parallel
        branches (of a `next` without `when`, or of a split's sub-jobs)."""
        if a == b or b in self.descendants(a) or a in self.descendants(b):
            return True
        for st in self.stages():
            if not (st.split or (st.next is not None and st.next.parallel)):
                continue
            ahead = [self.descendants(n) | {n} for n in self._succ.get(st.node, ())]
            if any(a in x and b in y for i, x in enumerate(ahead) for j, y in enumerate(ahead) if i != j):
                return True
        return False

    # ----------------------------------------------------------------- fields
    def all_fields(self) -> Iterator[tuple[Stage, FieldDef]]:
        for st in self.stages():
            for f in st.fields.values():
                yield st, f

    def captured_by(self, field_id: str) -> list[Stage]:
        """The stages that declare a field of this name, in document order."""
        if self._captures is None:
            index: dict[str, list[Stage]] = {}
            for st, f in self.all_fields():
                index.setdefault(f.id, []).append(st)
            self._captures = index
        return self._captures.get(field_id, [])

    def find_stage(self, from_stage: Stage, stage_id: str) -> Stage | None:
        """A stage by id, looked up from ``from_stage``'s scope outward."""
        scope = from_stage.scope
        while True:
            node = self.node_in_scope(scope, stage_id)
            if node:
                return self.stage(node)
            if not scope:
                return None
            scope = scope[:-2] if len(scope) >= 2 else ()

    def lookup_field(self, at: Stage, ref: str) -> FieldLookup:
        """Resolve ``field`` or ``stage.field`` as seen from stage ``at``.

        A field is visible if the stage itself captures it or a stage on
        every path before it (a dominator) does: the nearest such stage.
        Stages that capture the same name on different paths do not make a
        field visible (``not_on_every_path``, with ``per_path`` set): a job
        reads one stage's value, which may lie on a path it did not take.
        """
        if ref.startswith(ITEM):
            return self.item_column(at, ref[len(ITEM):])
        if "." in ref:
            sid, fid = ref.split(".", 1)
            st = self.find_stage(at, sid)
            if st is None:
                return FieldLookup(unknown_stage=sid)
            f = st.fields.get(fid)
            if f is None:
                return FieldLookup(stage=st)
            if st.node == at.node or self.dominates(st.node, at.node) or not self.reachable(at.node):
                return FieldLookup(field=f, stage=st)
            return FieldLookup(field=f, stage=st, not_on_every_path=(st,))
        if ref in at.fields:
            return FieldLookup(field=at.fields[ref], stage=at)
        order = self._dom_order
        dominating = [st for st in self.captured_by(ref) if self.dominates(st.node, at.node)]
        if dominating:  # the nearest one: deepest in the dominator tree
            st = max(dominating, key=lambda st: order[st.node][0])
            return FieldLookup(field=st.fields[ref], stage=st)
        elsewhere = tuple(self.captured_by(ref))
        if elsewhere:
            first = elsewhere[0]
            if not self.reachable(at.node):
                return FieldLookup(field=first.fields[ref], stage=first)  # reported as unreachable
            # A running job reads one stage's value (``stage``), so stages capturing the same name on
            # different paths do not make it certain: the value read may be on a path the job did not take.
            per_path = len(elsewhere) > 1 and self._every_path_passes(at.node, {s.node for s in elsewhere})
            return FieldLookup(field=first.fields[ref], stage=first, not_on_every_path=elsewhere, per_path=per_path)
        return FieldLookup()

    def item_list(self, at: Stage) -> tuple[str, "FieldDef | None"] | None:
        """The innermost per-item sub-job around ``at``: its scope and the list field it runs over."""
        scope = at.scope
        while len(scope) >= 2:
            split_node = "/".join(scope[:-1])
            split = self._stage_of.get(split_node)
            sub = split.split.get(scope[-1]) if split is not None else None
            if split is not None and sub is not None and sub.for_each:
                return "/".join(scope), self.lookup_field(split, sub.for_each).field
            scope = scope[:-2]
        return None

    def item_column(self, at: Stage, column: str) -> FieldLookup:
        """``item.column`` as seen from a stage of a per-item sub-job."""
        found = self.item_list(at)
        if found is None:
            return FieldLookup(unknown_column=column)
        scope, lst = found
        col = lst.columns.get(column) if lst is not None else None
        if col is None:
            return FieldLookup(unknown_column=column, item_scope=scope)
        return FieldLookup(field=col, stage=at, item_scope=scope)

    def _every_path_passes(self, node: str, through: set[str]) -> bool:
        """Whether every path from the start to ``node`` passes through ``through``."""
        if self.start is None or self.start in through:
            return self.start is not None
        return node not in reachable_avoiding(self._succ, self.start, through)

    def field_names(self) -> set[str]:
        self.captured_by("")
        return set(self._captures or ())


def build_graph(template: Template) -> TemplateGraph:
    """Turn a template into its graph; unknown targets are kept as dangling."""
    tg = TemplateGraph(template=template, start=None)

    def add_scope(stages: Mapping[str, Stage], scope: tuple[str, ...]) -> list[str]:
        nodes = []
        for st in stages.values():
            tg.add_node(st)
            nodes.append(st.node)
            for sub in st.split.values():
                add_scope(sub.stages, (*scope, st.id, sub.id))
        tg.scopes[scope] = nodes
        return nodes

    add_scope(template.stages, ())
    if template.stages:
        tg.start = next(iter(template.stages.values())).node

    def scope_ends(sub: SubJob) -> list[str]:
        # a sub-job ends at stages with nowhere to go: no `next`, and no
        # split that carries on at its own rejoin
        return [st.node for st in sub.stages.values() if st.next is None and not (st.split and st.rejoin)]

    for st in list(tg.stages()):
        if st.next is not None:
            for target in st.next.targets:
                node = tg.node_in_scope(st.scope, target)
                loc = st.next.target_locs.get(target, st.at("next"))
                if node is None:
                    tg.dangling.append(Dangling(st, target, "next", loc))
                else:
                    tg.add_edge(st.node, node, "next")
        if st.rework:
            node = tg.node_in_scope(st.scope, st.rework)
            if node is None:
                tg.dangling.append(Dangling(st, st.rework, "rework", st.at("rework")))
            else:
                tg.rework.append((st.node, node))
        if st.split:
            rejoin = None
            if st.rejoin:
                rejoin = tg.node_in_scope(st.scope, st.rejoin)
                if rejoin is None:
                    tg.dangling.append(Dangling(st, st.rejoin, "rejoin", st.at("rejoin")))
            for sub in st.split.values():
                if sub.stages:
                    first = next(iter(sub.stages.values()))
                    tg.add_edge(st.node, first.node, "split")
                if rejoin:
                    for end in scope_ends(sub):
                        tg.add_edge(end, rejoin, "rejoin")
    return tg

