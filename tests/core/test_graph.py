"""TemplateGraph: nodes, edges, dominance and field lookup."""

from __future__ import annotations

import networkx as nx
import pytest

from testsupport import data_file
from sopframe.core.builder import build_template
from sopframe.core.graph import FieldLookup, TemplateGraph, build_graph
from sopframe.core.schema import base_schema, structure_findings
from sopframe.core.yamlsource import parse_text
from sopframe.testing import TemplateBuilder

HEAD = TemplateBuilder("demo", title="Demo procedure").role("engineer", "Does the work").head_yaml() + "stages:\n"


def graph_of(text: str) -> TemplateGraph:
    doc, problems = parse_text("t.yaml", text)
    assert doc is not None, problems
    assert structure_findings(doc, base_schema()) == []
    return build_graph(build_template(doc))


def edges(tg: TemplateGraph, kind: str) -> set[tuple[str, str]]:
    return {(u, v) for u, v, k in tg.graph.edges(data="kind") if k == kind}


@pytest.fixture(scope="module")
def example() -> TemplateGraph:
    return graph_of(data_file("template-example.yaml").read_text("utf-8"))


# ------------------------------------------------------------- construction

def test_example_nodes_are_namespaced(example: TemplateGraph) -> None:
    assert example.start == "initiated"
    assert set(example.graph.nodes) == {
        "initiated", "draft", "technical_review", "test_run", "components",
        "components/classification/tech_approval", "components/classification/training",
        "components/communication/comms_approval", "components/communication/training",
        "security_review", "approval", "training_rollout",
    }
    # two sub-jobs both have a `training` stage: distinct nodes, distinct stages
    a = example.stage("components/classification/training")
    b = example.stage("components/communication/training")
    assert a is not b and a.scope == ("components", "classification") and b.node == "components/communication/training"
    assert a.owner == "it_lead" and b.owner == "ops_lead"  # sub-job owners are the default
    assert example.scopes[()][:2] == ["initiated", "draft"]
    assert example.scopes[("components", "communication")] == [
        "components/communication/comms_approval", "components/communication/training"]


def test_example_split_and_rejoin_edges(example: TemplateGraph) -> None:
    assert edges(example, "split") == {
        ("components", "components/classification/tech_approval"),
        ("components", "components/communication/comms_approval"),
    }
    assert edges(example, "rejoin") == {
        ("components/classification/training", "security_review"),
        ("components/communication/training", "security_review"),
    }
    assert ("components/classification/tech_approval", "components/classification/training") in edges(example, "next")
    # the split stage itself has no `next`
    assert not any(u == "components" for u, _ in edges(example, "next"))
    assert example.ends == ["training_rollout"]
    assert example.subjob_nodes(example.stage("components")) == {
        n for n in example.graph.nodes if n.startswith("components/")}


def test_rework_is_kept_apart(example: TemplateGraph) -> None:
    assert sorted(example.rework) == [("security_review", "draft"), ("technical_review", "draft"),
                                      ("test_run", "draft")]
    for src, dst in example.rework:
        assert not example.graph.has_edge(src, dst)
    assert nx.is_directed_acyclic_graph(example.graph)
    assert example.dangling == []


def test_parallel_and_conditional_routes() -> None:
    tg = graph_of(HEAD + """\
  start:
    owner: engineer
    fields:
      size:
        type: choice
        options:
          - small
          - large
    next:
      when: size
      is:
        small: quick
        large: full
      otherwise: full
  quick:
    owner: engineer
    next:
      - a
      - b
  full:
    owner: engineer
  a:
    owner: engineer
  b:
    owner: engineer
""")
    assert edges(tg, "next") == {("start", "quick"), ("start", "full"), ("quick", "a"), ("quick", "b")}
    routing = tg.stage("start").next
    assert routing is not None and routing.conditional and not routing.parallel
    assert routing.targets == ("quick", "full")
    assert tg.stage("quick").next.parallel
    assert sorted(tg.ends) == ["a", "b", "full"]


NESTED = HEAD + """\
  start:
    owner: engineer
    fields:
      ticket:
        type: text
    next: outer
  outer:
    split:
      one:
        suffix: A
        owner: engineer
        stages:
          inner:
            split:
              deep:
                suffix: X
                stages:
                  work:
                    owner: engineer
                    fields:
                      result:
                        type: text
                    next: check
                  check:
                    owner: engineer
              shallow:
                suffix: Y
                owner: engineer
                stages:
                  look:
                    fields:
                      result:
                        type: text
            rejoin: after
          after:
            title: After the inner split
      two:
        suffix: B
        owner: engineer
        stages:
          other:
            title: The other sub-job
    rejoin: finish
  finish:
    owner: engineer
"""


def test_nested_splits() -> None:
    tg = graph_of(NESTED)
    assert edges(tg, "split") == {
        ("outer", "outer/one/inner"),
        ("outer", "outer/two/other"),
        ("outer/one/inner", "outer/one/inner/deep/work"),
        ("outer/one/inner", "outer/one/inner/shallow/look"),
    }
    assert edges(tg, "rejoin") == {
        ("outer/one/inner/deep/check", "outer/one/after"),
        ("outer/one/inner/shallow/look", "outer/one/after"),
        # `inner` carries on at its own rejoin, so `after` ends sub-job one
        ("outer/one/after", "finish"),
        ("outer/two/other", "finish"),
    }
    assert tg.ends == ["finish"]
    assert tg.stage("outer/one/inner/deep/work").scope == ("outer", "one", "inner", "deep")
    assert tg.stage("outer/one/inner/shallow/look").owner == "engineer"
    assert tg.stage("outer/one/inner/deep/work").owner == "engineer"
    assert tg.subjob_nodes(tg.stage("outer/one/inner")) == {
        "outer/one/inner/deep/work", "outer/one/inner/deep/check", "outer/one/inner/shallow/look"}
    assert ("outer", "one", "inner", "shallow") in tg.scopes


def test_dangling_references_are_recorded() -> None:
    tg = graph_of(HEAD + """\
  start:
    owner: engineer
    next: nowhere
  review:
    owner: engineer
    rework: elsewhere
""")
    got = sorted((d.stage.node, d.target, d.key, d.loc.line, d.loc.col) for d in tg.dangling)
    assert got == [("review", "elsewhere", "rework", 13, 13), ("start", "nowhere", "next", 10, 11)]
    assert tg.rework == []
    assert list(tg.graph.edges) == []


def test_empty_stage_mapping_has_no_start() -> None:
    from sopframe.core.model import Template

    tg = build_graph(Template(id="x", title="x", version="1.0.0", kind="change", file="x"))
    assert tg.start is None and tg.idom == {} and tg.dominators("anything") == []


# ---------------------------------------------------------------- dominance

def test_dominators_of_the_example(example: TemplateGraph) -> None:
    assert example.dominators("initiated") == []
    assert example.dominators("draft") == ["initiated"]
    assert example.dominators("security_review") == [
        "components", "test_run", "technical_review", "draft", "initiated"]
    assert example.dominators("components/communication/training") == [
        "components/communication/comms_approval", "components", "test_run", "technical_review",
        "draft", "initiated"]
    assert example.dominates("draft", "approval")
    assert example.dominates("approval", "approval")
    assert not example.dominates("approval", "draft")
    # one branch of the split does not dominate the rejoin
    assert not example.dominates("components/classification/training", "security_review")
    assert all(example.reachable(n) for n in example.graph.nodes)


def test_dominance_with_branches_and_unreachable() -> None:
    tg = graph_of(HEAD + """\
  start:
    owner: engineer
    next:
      - left
      - right
  left:
    owner: engineer
    next: join
  right:
    owner: engineer
    next: join
  join:
    owner: engineer
  orphan:
    owner: engineer
    next: join
""")
    assert tg.dominators("join") == ["start"]
    assert not tg.dominates("left", "join")
    assert not tg.reachable("orphan") and tg.dominators("orphan") == []
    assert tg.reachable("join")


# ---------------------------------------------------------------- field lookup

def test_lookup_field_in_the_example(example: TemplateGraph) -> None:
    approval = example.stage("approval")
    own = example.lookup_field(approval, "effective_date")
    assert own.stage is approval and own.field is approval.fields["effective_date"] and not own.not_on_every_path
    earlier = example.lookup_field(approval, "sop_ref")
    assert earlier.stage is example.stage("draft") and earlier.field.type == "text"
    explicit = example.lookup_field(approval, "draft.version")
    assert explicit.stage is example.stage("draft") and explicit.field.id == "version"
    assert example.lookup_field(approval, "drafts.version") == FieldLookup(unknown_stage="drafts")
    missing = example.lookup_field(approval, "draft.nothing")
    assert missing.field is None and missing.stage is example.stage("draft")
    assert example.lookup_field(approval, "no_such_field") == FieldLookup()


def test_lookup_from_inside_a_subjob(example: TemplateGraph) -> None:
    training = example.stage("components/classification/training")
    # an outer stage's field, seen from inside a sub-job
    assert example.lookup_field(training, "sop_ref").stage is example.stage("draft")
    # a sibling stage by id resolves inside the sub-job first
    assert example.find_stage(training, "tech_approval") is example.stage("components/classification/tech_approval")
    assert example.find_stage(training, "draft") is example.stage("draft")
    assert example.find_stage(training, "comms_approval") is None
    # both sub-jobs capture staff_trained, and every path to the rejoin passes
    # through one of them; but a name is one stage's field, and neither is on
    # every path: it does not count as captured
    sec = example.stage("security_review")
    look = example.lookup_field(sec, "staff_trained")
    assert look.field is not None and look.per_path
    assert look.not_on_every_path[:2] == (example.stage("components/classification/training"),
                                          example.stage("components/communication/training"))
    # but a field captured in one sub-job only is not
    comms = example.stage("components/communication/comms_approval")
    look = example.lookup_field(comms, "staff_trained")
    assert look.field is not None and look.not_on_every_path != ()


def test_lookup_field_not_on_every_path() -> None:
    tg = graph_of(NESTED)
    check = tg.stage("outer/one/inner/deep/check")
    assert tg.lookup_field(check, "result").stage is tg.stage("outer/one/inner/deep/work")
    assert tg.lookup_field(check, "ticket").stage is tg.stage("start")
    after = tg.stage("outer/one/after")
    # captured in both nested sub-jobs: every path to `after` passes one of them, but not one on every path
    look = tg.lookup_field(after, "result")
    assert look.field is not None and look.per_path and len(look.not_on_every_path) == 2
    # inside sub-job `two`, no path passes through either
    other = tg.stage("outer/two/other")
    look = tg.lookup_field(other, "result")
    assert {s.node for s in look.not_on_every_path} == {
        "outer/one/inner/deep/work", "outer/one/inner/shallow/look"}
    named = tg.lookup_field(after, "look.result")  # `look` is not in after's scope, nor outward
    assert named == FieldLookup(unknown_stage="look")
    finish = tg.stage("finish")
    assert tg.lookup_field(finish, "start.ticket").not_on_every_path == ()
    assert tg.field_names() == {"ticket", "result"}


def test_lookup_explicit_stage_not_dominating() -> None:
    tg = graph_of(HEAD + """\
  start:
    owner: engineer
    next:
      - left
      - right
  left:
    owner: engineer
    fields:
      note:
        type: text
    next: join
  right:
    owner: engineer
    next: join
  join:
    owner: engineer
  orphan:
    owner: engineer
""")
    join = tg.stage("join")
    look = tg.lookup_field(join, "left.note")
    assert look.field is not None and look.not_on_every_path == (tg.stage("left"),)
    look = tg.lookup_field(join, "note")
    assert look.not_on_every_path == (tg.stage("left"),)
    # from an unreachable stage the field is found without complaint (SOP102 reports it)
    orphan = tg.stage("orphan")
    assert tg.lookup_field(orphan, "note").not_on_every_path == ()
    assert tg.lookup_field(orphan, "left.note").not_on_every_path == ()


def _nx_idom(g: "nx.DiGraph", start: str) -> dict[str, str]:
    idom = dict(nx.immediate_dominators(g, start))
    idom[start] = start  # networkx >= 3.5 leaves the start node out
    return idom


def test_dominators_without_networkx_equal_networkx_on_random_graphs() -> None:
    import random

    from sopframe.core.dominators import immediate_dominators, reachable_avoiding

    rng = random.Random(20261204)
    for _ in range(300):
        n = rng.randint(1, 25)
        nodes = [f"n{i}" for i in range(n)]
        succ: dict[str, list[str]] = {v: [] for v in nodes}
        for _ in range(rng.randint(0, 3 * n)):
            a, b = rng.choice(nodes), rng.choice(nodes)  # cycles and self-loops too
            if b not in succ[a]:
                succ[a].append(b)
        g = nx.DiGraph()
        g.add_nodes_from(nodes)
        g.add_edges_from((a, b) for a in nodes for b in succ[a])
        assert immediate_dominators(succ, "n0") == _nx_idom(g, "n0")
        avoid = set(rng.sample(nodes[1:], min(len(nodes) - 1, rng.randint(0, 3))))
        blocked = g.subgraph(v for v in nodes if v not in avoid)
        assert reachable_avoiding(succ, "n0", avoid) == {"n0", *nx.descendants(blocked, "n0")}


def test_template_dominators_equal_networkx(example: TemplateGraph) -> None:
    assert example.start is not None
    assert example.idom == _nx_idom(example.graph, example.start)
