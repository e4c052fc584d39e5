"""sopframe reads YAML with strictyaml's own loader but skips its slow schema
pass; this differential test shows the same documents accepted and refused,
with the same data, as ``strictyaml.load(text, Any())``."""

from __future__ import annotations

import random

import pytest
import strictyaml

from testsupport import ROOT
from sopframe.core.yamlsource import parse_text

CORPUS = [
    "a: 1\n",
    "a: 1\nb:\n  - x\n  - y\n",
    "# comment\na: |\n  multi\n  line\nb: >\n  folded\n  text\n",
    "a:\nb: ''\nc: \"quoted: yes\"\n",
    "a: 1\na: 2\n",
    "a: {x: 1}\n",
    "a: [1, 2]\n",
    "a: &x 1\nb: *x\n",
    "a: !!int 3\n",
    "a: 1\n  b: 2\n",
    "a:\n\tb: 1\n",
    "- just\n- a list\n",
    "plain scalar\n",
    "a: 'unterminated\n",
    "a:\n  b:\n    c:\n      d: deep\n",
    "? complex key\n: value\n",
    "a: yes\nb: no\nc: 1.0\nd: 2026-01-01\ne: null\n",
    "a: x # trailing comment\n# between\nb: y\n",
    "a: '{not flow}'\nb: '[nor this]'\nc: '&literal'\n",
    "key with spaces: v\n'quoted key': w\n",
    "a:\n  - b: 1\n    c: 2\n  - d: 3\n",
    "a: 1\n---\nb: 2\n",
    "a: %percent\n",
    "a: @at\n",
    "a: `tick\n",
    "? - a\n  - b\n: c\n",  # a list as a key: strictyaml fails an assertion; sopframe refuses it
    "'q':  #c\n        long:|2\n    \"a\\tb\"\n\n",  # a comment layout strictyaml's reader cannot handle
]


def _strict(text: str):
    try:
        return True, strictyaml.load(text, strictyaml.Any()).data
    except strictyaml.exceptions.StrictYAMLError:
        return False, None
    except strictyaml.ruamel.error.YAMLError:
        return False, None
    except (AssertionError, NotImplementedError):  # strictyaml's reader gives up: a refusal
        return False, None


def _ours(text: str):
    doc, findings = parse_text("t.yaml", text)
    if doc is None:
        assert findings and findings[0].code in ("SOP001", "SOP002", "SOP004", "SOP006"), findings
        return False, None
    return True, doc.data


def _mutations(text: str, n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    lines = text.splitlines(keepends=True)
    out = []
    for _ in range(n):
        ls = list(lines)
        op = rng.randrange(6)
        i = rng.randrange(len(ls))
        if op == 0:
            del ls[i]
        elif op == 1:
            ls.insert(i, ls[rng.randrange(len(ls))])
        elif op == 2:
            ls[i] = " " + ls[i]
        elif op == 3:
            ls[i] = ls[i].replace(": ", ": {", 1)
        elif op == 4:
            j = rng.randrange(len(ls))
            ls[i], ls[j] = ls[j], ls[i]
        else:
            ls[i] = ls[i][: rng.randrange(len(ls[i]) + 1)] + rng.choice(["&", "*", "!!", "[", "'", ":", "\t", "#"]) + "\n"
        out.append("".join(ls))
    return out


@pytest.mark.parametrize("text", CORPUS)
def test_same_acceptance_and_data_on_corpus(text: str) -> None:
    assert _ours(text) == _strict(text)


def test_same_acceptance_on_mutated_templates() -> None:
    sources = sorted((ROOT / "templates").rglob("*.yaml"))
    assert sources, "bundled templates are missing"
    checked = accepted = 0
    for k, path in enumerate(sources[:4]):
        head = "".join(path.read_text("utf-8").splitlines(keepends=True)[:80])
        for text in _mutations(head, 40, seed=k):
            ours, theirs = _ours(text), _strict(text)
            assert ours[0] == theirs[0], text
            if ours[0]:
                accepted += 1
                assert ours[1] == theirs[1]
            checked += 1
    assert checked >= 60 and 0 < accepted < checked
