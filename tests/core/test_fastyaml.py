"""The libyaml reader (sopframe.core.fastyaml) agrees with strictyaml.

strictyaml decides which YAML is accepted.  The fast reader either builds a
document -- and then strictyaml accepts it too, and strictyaml's path gives
the same data and the same key and value positions -- or defers, and
``parse_text`` reads the text with strictyaml as before.  These differential
tests run over the bundled templates, the rule fixtures, generated long
templates, the complete example, strictyaml's parity corpus, hand-picked edge
cases and deterministic mutations of real templates.
"""

from __future__ import annotations

import importlib.util
import random
from typing import Any

import pytest
import strictyaml

from testsupport import EXAMPLE, ROOT
from sopframe.core.fastyaml import available, parse_fast
from sopframe.core.yamlsource import iter_paths, parse_text

pytestmark = pytest.mark.skipif(not available(), reason="PyYAML with libyaml is not installed")



def _load_chain_template() -> Any:
    """benchmarks/corpus.py's generator of long templates (not a package)."""
    spec = importlib.util.spec_from_file_location("sopframe_bench_corpus", ROOT / "benchmarks" / "corpus.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.chain_template


chain_template = _load_chain_template()

try:
    from test_strictyaml_parity import CORPUS as PARITY_CORPUS
except ImportError:  # pragma: no cover - another import mode
    PARITY_CORPUS = []


def _strict_accepts(text: str) -> bool:
    try:
        strictyaml.load(text, strictyaml.Any())
    except Exception:  # strictyaml's refusals, and ruamel's own failures
        return False
    return True


def _pure(text: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """parse_text on strictyaml's path: (data, keys, values), None if refused, or the exception."""
    monkeypatch.setenv("SOPFRAME_PURE_YAML", "1")
    try:
        doc, findings = parse_text("t.yaml", text)
    except Exception as exc:  # e.g. ruamel's NotImplementedError on some comment layouts
        return exc
    finally:
        monkeypatch.delenv("SOPFRAME_PURE_YAML")
    if doc is None:
        assert findings and findings[0].code.startswith("SOP00"), findings  # a reading error
        return None
    return doc.data, doc.keys, doc.values


def _agree(text: str, monkeypatch: pytest.MonkeyPatch, strict: bool = True) -> bool:
    """Check one input; whether the fast reader took it."""
    fast = parse_fast(text, "t.yaml")
    if fast is None:
        return False
    pure = _pure(text, monkeypatch)
    assert isinstance(pure, tuple), (text, pure)
    assert fast[0] == pure[0], text
    assert list(iter_paths(fast[0])) == list(iter_paths(pure[0])), text  # the same order
    assert fast[1] == pure[1], text
    assert fast[2] == pure[2], text
    if strict:
        assert _strict_accepts(text), text
    return True


def _real_documents() -> list[tuple[str, str, bool]]:
    """(name, text, whether the fast reader must take it): templates as written."""
    docs = [(p.name, p.read_text("utf-8"), True) for p in sorted((ROOT / "templates").rglob("*.yaml"))]
    docs.append((EXAMPLE.name, EXAMPLE.read_text("utf-8"), True))
    docs += [(f"chain_template({n})", chain_template(n), True) for n in (30, 400)]
    # the rule fixtures: some are meant to be unreadable
    docs += [(p.name, p.read_bytes().decode("utf-8", errors="replace"), False)
             for p in sorted((ROOT / "tests" / "core" / "fixtures" / "rules").glob("*.yaml"))]
    return docs


REAL = _real_documents()


def test_real_documents(monkeypatch: pytest.MonkeyPatch) -> None:
    """Templates take the fast path, to the same data and the same key and value positions."""
    assert sum(must for _, _, must in REAL) >= 8
    taken = 0
    for name, text, must in REAL:
        if must:
            assert parse_fast(text, "t.yaml") is not None, name
        # (strictyaml.load's schema pass takes quadratic time: not on long templates)
        taken += _agree(text, monkeypatch, strict=len(text) < 50_000)
    assert taken > 30


@pytest.mark.parametrize("text", PARITY_CORPUS)
def test_parity_corpus(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _agree(text, monkeypatch)
    doc, _ = parse_text("t.yaml", text)
    assert (doc is not None) == _strict_accepts(text)


EDGE = [
    # empty values: strictyaml places them at the next token
    "a:\nb: x\n",
    "a:\n  b:\nc: x\n",
    "a:\n  b:\n",
    "a:",
    "a: # comment\nb: x\n",
    "a:\n# comment\nb: x\n",
    "- a:\n- b\n",
    "-\n- x\n",
    "- \n",
    ": v\n",
    "? a\n: b\n",
    "? - a\n  - b\n: c\n",
    # comments next to keys, dashes and values
    "a: # comment\n  x\n",
    "a: # comment\n  b: x\n",
    "a:  # comment\n  - x\n",
    "a:\n  # comment\n  - x\n",
    "- # comment\n  x\n",
    "- # comment\n  a: b\n",
    "a:\n\n- # c\n  - x\n",
    "a: |  # c\n  text\n",
    "q: #c\n  long:|2\n  \"a\\tb\"\n\n",
    # indentation
    "a:\n  x: 1\nb:\n    y: 2\n",
    "a:\n  x: 1\nb:\n  y: 2\n",
    "- a:\n    x: 1\n  b:\n      y: 2\n",
    "a:\n- x\n- y\nb: z\n",
    "  a: 1\n  b: 2\n",
    "a:\n b: 1\n c: 2\n",
    # scalars
    "a: 'it''s'\nb: \"say \\\"hi\\\"\"\nc: \"tab\\there\"\nd: \"slash\\/\"\n",
    "a: plain\n  continued\n\n  after a blank\n",
    "a: 'quoted\n  over\n\n  lines'\n",
    "a: |\n  keep\n\n\nb: >-\n  fold\n  this\n",
    "a: |2\n    indented\n  x\n",
    "a: |+\n  keep\n\n",
    "a: >\n\n  after blank\n",
    "a: x:y\nb: -x\nc: ?x\nd: :x\n",
    "a: =\n",
    "<<: x\n",
    "<<:\n  b: 1\nc: 2\n",
    "a: <<\n",
    "a: yes\nb: 0o17\nc: 1_000\nd: .inf\ne: ~\n",
    "a: x #y\nb: x# y\n",
    "k" * 300 + ": v\n",
    "k" * 1030 + ": v\n",
    # documents, directives, markers, encodings, characters
    "---\na: 1\n",
    "a: 1\n...\n",
    "%YAML 1.1\n---\na: 1\n",
    "a: 1\n---\nb: 2\n",
    "\ufeffa: 1\n",
    "a: 1\r\nb:\r\n  - x\r\n",
    "a: 1\rb: 2\n",
    "a: x\x85y\n",
    "a: x\u2028y\n",
    "a: \tx\n",
    "a:\n\tb: 1\n",
    "a: é—«x» 😀\nnoël: ü\n",
    "a: x\x01\n",
    # refused constructs
    "a: 1\na: 2\n",
    "'a': 1\na: 2\n",
    "a: {x: 1}\n",
    "a: [1]\n",
    "a: &x 1\nb: *x\n",
    "a: !!str 3\n",
    "a: ! 3\n",
    "a: !tag 3\n",
    "just text\n",
    "- - - x\n",
    "a:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 60)) + "  " * 60 + "v: x\n",
]


#: Inputs where strictyaml's loader (sopframe's path) and strictyaml.load
#: disagree today, whatever the fast reader does: a list as a key is read,
#: but strictyaml.load's schema pass then fails.  The fast reader defers.
PURE_PATH_GAPS = {"? - a\n  - b\n: c\n"}


@pytest.mark.parametrize("text", EDGE)
def test_edge_cases(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    took = _agree(text, monkeypatch)
    if text in PURE_PATH_GAPS:
        assert not took
        return
    try:
        doc, _ = parse_text("t.yaml", text)
    except Exception:
        assert isinstance(_pure(text, monkeypatch), Exception)
        doc = None
    assert (doc is not None) == _strict_accepts(text)


INSERTS = ["&", "*", "!!", "!", "{", "[", "]", "'", '"', ":", ": ", "#", " #", "\t", "? ", "- ", "-",
           "---", "...", "%YAML 1.1\n", "\ufeff", "\r\n", "é", "—", "😀", " ", "|", ">-", "\\", ",", "<<",
           "=", "\u2028", "\n", "\n\n"]


def _mutate(lines: list[str], rng: random.Random) -> str:
    ls = list(lines)
    for _ in range(rng.choice((1, 1, 2, 3))):
        if not ls:
            ls = ["a: b\n"]
        op = rng.randrange(9)
        i = rng.randrange(len(ls))
        if op == 0:
            del ls[i]
        elif op == 1:
            ls.insert(i, ls[rng.randrange(len(ls))])
        elif op == 2:
            ls[i] = " " * rng.randint(1, 3) + ls[i]
        elif op == 3:
            ls[i] = ls[i][1:] if ls[i].startswith(" ") else ls[i]
        elif op == 4:
            j = rng.randrange(len(ls))
            ls[i], ls[j] = ls[j], ls[i]
        elif op == 5:
            p = rng.randrange(len(ls[i]) + 1)
            ls[i] = ls[i][:p] + rng.choice(INSERTS) + ls[i][p:]
        elif op == 6:
            p = rng.randrange(len(ls[i]) + 1)
            ls[i] = ls[i][:p] + rng.choice(INSERTS) + "\n"
        elif op == 7:
            ls[i] = ls[i].rstrip("\n") + rng.choice(["", " ", " # c", ":", " x", "'"]) + "\n"
        else:
            p = rng.randrange(len(ls[i]) + 1)
            ls[i] = ls[i][:p] + ls[i][p + rng.randint(1, 4):]
    text = "".join(ls)
    r = rng.random()
    if r < 0.05:
        text = text.replace("\n", "\r\n")
    elif r < 0.08:
        text = "\ufeff" + text
    return text


def test_mutated_templates(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fast path or not, the same inputs are accepted as by strictyaml.load."""
    rng = random.Random(20261123)
    sources = [text for name, text, _ in REAL if not name.startswith("chain_template(4")]
    checked = fast = refused = 0
    for _ in range(360):
        lines = rng.choice(sources).splitlines(keepends=True)
        if len(lines) > 45:
            start = rng.randrange(len(lines) - 30)
            lines = lines[start:start + rng.randint(8, 40)]
        text = _mutate(lines, rng)
        if not text.strip():
            continue
        fast += _agree(text, monkeypatch)
        try:
            doc, findings = parse_text("t.yaml", text)
        except Exception:  # strictyaml's reader fails the same way without the fast path
            assert isinstance(_pure(text, monkeypatch), Exception), text
            doc, findings = None, []
        if any(f.code == "SOP003" for f in findings):
            continue  # only comments: refused before any YAML is read
        refused += doc is None
        assert (doc is not None) == _strict_accepts(text), text
        checked += 1
    assert checked > 300 and fast > 50 and refused > 50


def test_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def spy(text: str, file: str) -> Any:
        calls.append(file)
        return parse_fast(text, file)

    monkeypatch.setattr("sopframe.core.fastyaml.parse_fast", spy)
    monkeypatch.delenv("SOPFRAME_PURE_YAML", raising=False)
    doc, _ = parse_text("t.yaml", "a: 1\nb:\n  - x\n")
    assert calls == ["t.yaml"] and doc is not None and doc.data == {"a": "1", "b": ["x"]}
    assert doc.value_at(("b", 0)).line == 3 and doc.value_at(("b", 0)).col == 5
    monkeypatch.setenv("SOPFRAME_PURE_YAML", "1")
    doc, _ = parse_text("t.yaml", "a: 1\n")
    assert calls == ["t.yaml"] and doc is not None and doc.data == {"a": "1"}


def test_refusals_keep_strictyaml_findings() -> None:
    doc, findings = parse_text("t.yaml", "a: 1\nb:\n  c: 2\n  c: 3\n")
    assert doc is None
    assert [(f.code, f.line, f.col) for f in findings] == [("SOP002", 4, 3)]
    doc, findings = parse_text("t.yaml", "a: {x: 1}\n")
    assert [(f.code, f.line, f.col) for f in findings] == [("SOP002", 1, 4)]


def test_large_template_is_read_fast() -> None:
    import time

    text = chain_template(1500)
    began = time.perf_counter()
    fast = parse_fast(text, "big.yaml")
    took = time.perf_counter() - began
    assert fast is not None and len(fast[0]["stages"]) == 1500
    assert took < 3, took  # strictyaml's reader takes several seconds
