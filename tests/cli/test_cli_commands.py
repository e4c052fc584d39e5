"""The other commands (schema, graph, rules, explain), --version, unknown commands and internal errors."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Sequence

import click
import pytest
from cli_helpers import BROKEN, CLEAN, invoke, write
from testsupport import data_file

import sopframe
from sopframe.core.schema import SchemaExtension, base_schema
from sopframe.hookspecs import hookimpl
from sopframe.pluginmanager import load_plugins


def _no_entry_point_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    from importlib.metadata import entry_points

    names = ",".join(ep.name for ep in entry_points(group="sopframe"))
    monkeypatch.setenv("SOPFRAME_DISABLE_PLUGINS", names)


# ---------------------------------------------------------------- schema
def test_schema_is_the_base_schema_without_extending_plugins(capsys: pytest.CaptureFixture[str],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    _no_entry_point_plugins(monkeypatch)
    r = invoke(capsys, "schema")
    assert r.code == 0
    assert json.loads(r.out) == base_schema()
    assert json.loads(invoke(capsys, "schema", "--base").out) == base_schema()


class _Acme:
    @hookimpl
    def sopframe_schema_extensions(self) -> Sequence[SchemaExtension]:
        return [SchemaExtension(kinds=("acme-audit",), properties={"acme": {"type": "string"}})]


def test_schema_includes_a_plugins_extension(capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    plugins = load_plugins(extra=[("acme", _Acme())], only=())
    monkeypatch.setattr("sopframe.commands.inspect.plugins_for", lambda ctx: plugins)
    extended = json.loads(invoke(capsys, "schema").out)
    assert extended != base_schema()
    assert "acme-audit" in json.dumps(extended) and "acme-audit" not in json.dumps(base_schema())
    assert json.loads(invoke(capsys, "schema", "--base").out) == base_schema()


# ----------------------------------------------------------------- graph
def _mermaid_ids(out: str) -> dict[str, str]:
    """Stage title -> Mermaid node id."""
    return {m.group(2).replace("<br/>", " "): m.group(1)
            for m in re.finditer(r'^\s*(s\d+)(?:\[|\{\{)"([^"]+?)<br/><small>', out, re.M)}


def test_graph_mermaid_of_the_shared_example(capsys: pytest.CaptureFixture[str]) -> None:
    example = data_file("template-example.yaml")
    r = invoke(capsys, "graph", str(example))
    assert r.code == 0, r.err
    lines = r.out.splitlines()
    assert lines[0] == "flowchart TD"
    ids = _mermaid_ids(r.out)
    # both sub-jobs are subgraphs holding their own stages
    blocks = re.findall(r"^\s*subgraph (\S+)\[\"([^\"]+)\"\]\n(.*?)^\s*end$", r.out, flags=re.M | re.S)
    # long titles are broken into lines, so the two side by side neither overlap nor get clipped
    assert [(title, len(re.findall(r'^\s*s\d+\[', body, re.M))) for _, title, body in blocks] == [
        ("Incident classification and<br/>escalation procedure (-A)", 2),
        ("Communication and<br/>stakeholder notification<br/>procedure (-B)", 2),
    ]
    assert ids["Technical lead approval"] in blocks[0][2] and ids["Comms lead approval"] in blocks[1][2]
    # the rework routes go back to the draft, drawn dotted
    draft = ids["Draft written"]
    for source in ("Technical review", "Test run", "Security and compliance review"):
        assert f'  {ids[source]} -.->|"rework"| {draft}' in lines
    # the split fans out to both sub-jobs, and both rejoin: thick edges named for what they are
    split = ids["Split into component procedures"]
    assert f'  {split} ==>|"split"| {ids["Technical lead approval"]}' in lines
    assert f'  {split} ==>|"split"| {ids["Comms lead approval"]}' in lines
    review = ids["Security and compliance review"]
    assert sum(1 for line in lines if line.endswith(f'==>|"rejoin"| {review}')) == 2
    assert not [line for line in lines if re.search(r"--> (s\d+)$", line) and line.split()[-1] == review]


def test_graph_dot_of_the_shared_example(capsys: pytest.CaptureFixture[str]) -> None:
    example = data_file("template-example.yaml")
    r = invoke(capsys, "graph", "--format", "dot", str(example))
    assert r.code == 0, r.err
    assert r.out.startswith('digraph "itsop-incident-management" {')
    assert r.out.rstrip().endswith("}")
    assert 'subgraph "cluster_components/classification" {' in r.out
    assert 'subgraph "cluster_components/communication" {' in r.out
    for source in ("technical_review", "test_run", "security_review"):
        assert f'"{source}" -> "draft" [label="rework", style=dashed, constraint=false];' in r.out
    assert '"initiated" [label="SOP initiated\\nit_manager"];' in r.out
    # every quoted string is closed on its own line
    assert all(line.count('"') % 2 == 0 for line in r.out.splitlines())


def test_graph_of_a_broken_template_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "broken.yaml", BROKEN)
    r = invoke(capsys, "graph", str(path))
    assert r.code == 2
    assert r.out == ""
    assert f"{path}:9:12: owner of stage 'start' names role 'enginer'" in r.err
    assert "(and 2 more)" in r.err and "sopframe validate" in r.err
    assert "Traceback" not in r.err


@pytest.mark.parametrize("args", [["nope.yaml"], ["--format", "svg", "x.yaml"]])
def test_graph_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                            monkeypatch: pytest.MonkeyPatch, args: list[str]) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "x.yaml", CLEAN)
    r = invoke(capsys, "graph", *args)
    assert r.code == 2
    assert ("nope.yaml" in r.err) if args == ["nope.yaml"] else ("svg" in r.err)


def test_graph_of_a_clean_template(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "clean.yaml", CLEAN)
    r = invoke(capsys, "graph", str(path))
    assert r.code == 0
    assert r.out.splitlines() == ["flowchart TD", '  s0["start<br/><small>engineer</small>"]',
                                  '  s1["finish<br/><small>engineer</small>"]', "  s0 --> s1"]


ROUTED = """\
template: route-demo
title: Route demo
version: 1.0.0
kind: change
roles:
  engineer: Does the work
stages:
  check:
    title: Check "fast"
    owner: engineer
    fields:
      outcome:
        type: choice
        options:
          - pass
          - fail
          - skip
        required: yes
    next:
      when: outcome
      is:
        fail: fix
        skip: fix
      otherwise: done
  fix:
    owner: engineer
    next: done
  done:
    owner: engineer
"""


def test_graph_labels_conditional_routes_in_both_formats(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "routed.yaml", ROUTED)
    mermaid = invoke(capsys, "graph", str(path))
    assert mermaid.code == 0, mermaid.err
    assert mermaid.out.splitlines()[-3:] == ['  s0 -->|"outcome = fail, skip"| s1', '  s0 -->|"otherwise"| s2',
                                             "  s1 --> s2"]
    assert '  s0["Check #quot;fast#quot;<br/><small>engineer</small>"]' in mermaid.out.splitlines()
    dot = invoke(capsys, "graph", "--format", "dot", str(path))
    assert dot.out.startswith('digraph "route-demo" {')
    assert '  "check" [label="Check \\"fast\\"\\nengineer"];' in dot.out.splitlines()
    assert dot.out.splitlines()[-4:] == ['  "check" -> "fix" [label="outcome = fail, skip"];',
                                         '  "check" -> "done" [label="otherwise"];',
                                         '  "fix" -> "done" [label="next"];', "}"]


# ----------------------------------------------------------------- rules
def test_rules_text_and_json_agree_and_codes_are_unique(capsys: pytest.CaptureFixture[str]) -> None:
    text = invoke(capsys, "rules")
    data = json.loads(invoke(capsys, "rules", "--format", "json").out)
    assert text.code == 0
    codes = [r["code"] for r in data]
    assert len(codes) == len(set(codes)), "rule codes must be unique"
    core_slugs = [r["slug"] for r in data if r["plugin"] == "core"]
    assert len(core_slugs) == len(set(core_slugs)), "core rule slugs must be unique"
    assert codes == sorted(codes)
    assert {"SOP001", "SOP101", "SOP900", "SOP901", "SOP902"} <= set(codes)
    assert [line.split()[0] for line in text.out.splitlines()] == codes
    for r in data:
        assert r["severity"] in ("error", "warning", "info") and r["summary"]
        page = "docs/rules.md" if r["plugin"] == "core" else r["docs"].split("#")[0]
        assert r["docs"] == f"{page}#{r['code'].lower()}-{r['slug']}"


# --------------------------------------------------------------- explain
@pytest.mark.parametrize("name", ["SOP101", "sop101", "dag-cycle"])
def test_explain_by_code_or_slug(capsys: pytest.CaptureFixture[str], name: str) -> None:
    r = invoke(capsys, "explain", name)
    assert r.code == 0
    assert r.out.startswith("SOP101 dag-cycle (error, plugin core)\n")
    # the full section of the installed rules reference, with its examples; no path that is gone after install
    assert "**Wrong**" in r.out and "**Right**" in r.out and "rework:" in r.out
    assert "docs/rules.md" not in r.out and "Online:" not in r.out


def test_explain_links_the_published_docs_when_configured(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "sopframe.toml").write_text('docs-url = "https://sop.example.org/sopframe/"\n', "utf-8")
    monkeypatch.chdir(tmp_path)
    r = invoke(capsys, "explain", "SOP101")
    assert r.code == 0
    assert r.out.rstrip().endswith("Online: https://sop.example.org/sopframe/docs/rules.md#sop101-dag-cycle")


def test_explain_a_slug_shared_by_plugins_explains_each(capsys: pytest.CaptureFixture[str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from sopframe.core.diagnostics import Rule, Severity

    class Twins:
        @hookimpl
        def sopframe_rules(self) -> Sequence[Rule]:
            return [Rule("TWA101", "same-check", Severity.ERROR, "Framework A's view."),
                    Rule("TWB101", "same-check", Severity.WARNING, "Framework B's view.")]

    plugins = load_plugins(extra=[("twa", Twins())], only=())
    monkeypatch.setattr("sopframe.commands.inspect.plugins_for", lambda ctx: plugins)
    r = invoke(capsys, "explain", "same-check")
    assert r.code == 0
    heads = [line for line in r.out.splitlines() if re.match(r"^[A-Z]+\d+ ", line)]
    assert heads == ["TWA101 same-check (error, plugin twa)", "TWB101 same-check (warning, plugin twa)"]
    r = invoke(capsys, "explain", "twb101")
    assert r.out.startswith("TWB101 same-check (warning, plugin twa)\n") and "TWA101" not in r.out


@pytest.mark.parametrize(("name", "suggestion"), [("dag-cylce", "dag-cycle"), ("SOP0001", "SOP001")])
def test_explain_unknown_exits_2_with_suggestion(capsys: pytest.CaptureFixture[str], name: str,
                                                 suggestion: str) -> None:
    r = invoke(capsys, "explain", name)
    assert r.code == 2
    assert f"no rule {name!r} (did you mean {suggestion!r}?)" in r.err
    assert r.out == ""


# ------------------------------------------------------- the group itself
@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version(capsys: pytest.CaptureFixture[str], flag: str) -> None:
    r = invoke(capsys, flag)
    assert (r.code, r.out) == (0, f"sopframe {sopframe.__version__}\n")


def test_unknown_command_suggests_the_closest(capsys: pytest.CaptureFixture[str]) -> None:
    r = invoke(capsys, "valdate", "x.yaml")
    assert r.code == 2
    assert "no such command 'valdate' (did you mean 'validate'?)" in r.err


@pytest.mark.parametrize("args, said", [
    (("store", "stauts"), "no such command 'stauts' (did you mean 'status'?)"),
    (("job", "histroy", "X"), "no such command 'histroy' (did you mean 'history'?)"),
    (("notify", "lsit"), "no such command 'lsit' (did you mean 'list'?)"),
    (("sops", "shwo"), "no such command 'shwo' (did you mean 'show'?)"),
])
def test_an_unknown_subcommand_suggests_the_closest_as_the_top_level_does(
        capsys: pytest.CaptureFixture[str], args: tuple[str, ...], said: str) -> None:
    r = invoke(capsys, *args)
    assert r.code == 2 and said in r.err


def test_unknown_option_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    r = invoke(capsys, "validate", "--colour", "x.yaml")
    assert r.code == 2 and "--colour" in r.err


def test_help_lists_the_core_commands(capsys: pytest.CaptureFixture[str]) -> None:
    r = invoke(capsys, "--help")
    assert r.code == 0
    for name in ("validate", "schema", "graph", "rules", "explain"):
        assert re.search(rf"^  {name}\s", r.out, re.M), name


def _boom(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("simulated failure")


def test_internal_error_exits_3_without_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "clean.yaml", CLEAN)
    monkeypatch.delenv("SOPFRAME_DEBUG", raising=False)
    monkeypatch.setattr("sopframe.core.validate.validate_text", _boom)
    r = invoke(capsys, "validate", str(path))
    assert r.code == 3
    assert "sopframe: internal error: RuntimeError: simulated failure" in r.err
    assert "SOPFRAME_DEBUG=1" in r.err
    assert "Traceback" not in r.err and "File \"" not in r.err


def test_sopframe_debug_shows_the_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sopframe.cli import main

    path = write(tmp_path, "clean.yaml", CLEAN)
    monkeypatch.setenv("SOPFRAME_DEBUG", "1")
    monkeypatch.setattr("sopframe.core.validate.validate_text", _boom)
    with pytest.raises(RuntimeError, match="simulated failure"):
        main(["validate", str(path)])


def test_a_command_that_raises_a_click_exception_exits_2(capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(ctx: click.Context) -> Any:
        raise click.ClickException("bad thing")

    monkeypatch.setattr("sopframe.commands.inspect.plugins_for", explode)
    r = invoke(capsys, "rules")
    assert (r.code, r.err.strip()) == (2, "Error: bad thing")


def test_keyboard_interrupt_exits_130(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupt(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    path = write(tmp_path, "clean.yaml", CLEAN)
    monkeypatch.setattr("sopframe.core.validate.validate_text", interrupt)
    r = invoke(capsys, "validate", str(path))
    assert r.code == 130 and "Aborted." in r.err and "Traceback" not in r.err


def test_public_names_resolve() -> None:
    for name in sopframe.__all__:
        assert getattr(sopframe, name) is not None, name
    assert sorted(dir(sopframe)) == sorted(sopframe.__all__)
    with pytest.raises(AttributeError):
        sopframe.not_a_name  # noqa: B018


def test_graph_of_a_shipped_template_by_its_id(capsys: pytest.CaptureFixture[str]) -> None:
    r = invoke(capsys, "graph", "itsop-incident-management")
    assert r.code == 0, r.err
    assert r.out.startswith("flowchart TD\n") and '==>|"split"|' in r.out
    r = invoke(capsys, "graph", "itsop-incident-managment")
    assert r.code == 2
    assert "no template file or shipped template 'itsop-incident-managment'" in r.err
    assert "did you mean 'itsop-incident-management'" in r.err


MARKUP = """\
template: markup-demo
title: Markup
version: 1.0.0
kind: change
roles:
  engineer: Does the work
stages:
  start:
    title: <b>Bold</b> & "quoted" No#1
    owner: engineer
"""


def test_mermaid_shows_markup_in_titles_as_typed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = invoke(capsys, "graph", str(write(tmp_path, "markup.yaml", MARKUP)))
    assert r.code == 0, r.err
    assert ('  s0["#lt;b#gt;Bold#lt;/b#gt; #amp; #quot;quoted#quot; No#35;1<br/><small>engineer</small>"]'
            in r.out.splitlines())


@pytest.mark.parametrize("source", ["template-example.yaml", "markup"])
def test_graphviz_renders_the_dot_output(tmp_path: Path, capsys: pytest.CaptureFixture[str], source: str) -> None:
    import shutil
    import subprocess

    dot = shutil.which("dot")
    if dot is None:
        pytest.skip("Graphviz `dot` is not installed (Debian package graphviz; .ci/run installs it)")
    path = data_file(source) if source.endswith(".yaml") else write(tmp_path, "markup.yaml", MARKUP)
    r = invoke(capsys, "graph", "--format", "dot", str(path))
    assert r.code == 0, r.err
    svg = subprocess.run([dot, "-Tsvg"], input=r.out, capture_output=True, text=True)
    assert svg.returncode == 0 and svg.stderr == "", svg.stderr
    assert "<svg" in svg.stdout
    if source == "markup":
        assert "&lt;b&gt;Bold&lt;/b&gt; &amp; &quot;quoted&quot; No#1" in svg.stdout  # text, not markup
    else:
        assert svg.stdout.count('class="cluster"') == 2 and "rejoin" in svg.stdout
