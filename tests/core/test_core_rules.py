"""Every core rule has a bad fixture that triggers it at an exact position and a
good fixture (its fix) that is clean.

Fixtures live in ``fixtures/rules/<CODE>-bad.yaml`` and ``<CODE>-good.yaml``.
A bad fixture declares where its findings must be, one header line each::

    # expect: SOP101 at 18:11

The rules are discovered from :func:`sopframe.core.rules.all_rules`, so a new
rule without fixtures fails here.  Inputs that cannot be written as a text
fixture (binary, not UTF-8, too large) are made from their good fixture.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sopframe.core.rules import all_rules
from sopframe.core.validate import validate_bytes
from sopframe.pluginmanager import Plugins, load_plugins

FIXTURES = Path(__file__).parent / "fixtures" / "rules"
CODES = [rule.code for rule in all_rules()]
#: rules whose bad input the tests generate from the good fixture
#: (SOP006, nesting too deep: tests/robustness/test_bad_input.py generates it)
GENERATED = ("SOP004", "SOP005", "SOP006")
EXPECT = re.compile(r"^# expect: (?P<code>[A-Z]+[0-9]{3,}) at (?P<line>[0-9]+):(?P<col>[0-9]+)\s*$")


@pytest.fixture(scope="module")
def plugins() -> Plugins:
    return load_plugins(entry_points=lambda: [])


def expectations(path: Path) -> list[tuple[str, int, int]]:
    """The ``# expect:`` header lines of a fixture, in order."""
    out = []
    for line in path.read_text("utf-8").splitlines():
        if not line.startswith("#"):
            break
        m = EXPECT.match(line)
        if m:
            out.append((m["code"], int(m["line"]), int(m["col"])))
    return out


def positions(findings, code: str) -> list[tuple[int, int]]:
    return sorted((f.line, f.col) for f in findings if f.code == code)


def test_core_rules_are_discovered() -> None:
    # the parametrisation below is only as good as the discovery it relies on
    assert len(CODES) == len(set(CODES)) >= 26
    assert {"SOP001", "SOP012", "SOP101", "SOP118"} <= set(CODES)


@pytest.mark.parametrize("code", CODES)
def test_rule_has_fixtures(code: str) -> None:
    assert (FIXTURES / f"{code}-good.yaml").is_file(), f"add fixtures/rules/{code}-good.yaml"
    if code not in GENERATED:
        bad = FIXTURES / f"{code}-bad.yaml"
        assert bad.is_file(), f"add fixtures/rules/{code}-bad.yaml"
        expected = expectations(bad)
        assert expected, f"{bad.name} declares no `# expect: {code} at LINE:COL`"
        assert {c for c, _, _ in expected} == {code}


def test_no_stray_fixtures() -> None:
    names = {p.name for p in FIXTURES.glob("*.yaml")}
    known = {f"{c}-{kind}.yaml" for c in CODES for kind in ("good", "bad")}
    assert names <= known, f"fixtures for no rule: {sorted(names - known)}"


@pytest.mark.parametrize("code", [c for c in CODES if c not in GENERATED])
def test_bad_fixture_triggers_rule_at_position(code: str, plugins: Plugins) -> None:
    bad = FIXTURES / f"{code}-bad.yaml"
    result = validate_bytes(bad.read_bytes(), bad.name, plugins=plugins)
    expected = sorted((line, col) for _, line, col in expectations(bad))
    assert positions(result.findings, code) == expected, [
        (f.code, f.line, f.col, f.message) for f in result.findings
    ]
    for f in result.findings:
        assert f.file == bad.name
        assert f.message and f.slug


@pytest.mark.parametrize("code", CODES)
def test_good_fixture_is_clean(code: str, plugins: Plugins) -> None:
    good = FIXTURES / f"{code}-good.yaml"
    result = validate_bytes(good.read_bytes(), good.name, plugins=plugins)
    assert result.findings == []
    assert result.template is not None


# ----------------------------------------------------------- generated inputs

def test_sop004_invalid_utf8_position(plugins: Plugins) -> None:
    good = (FIXTURES / "SOP004-good.yaml").read_text("utf-8")
    # Latin-1 is not UTF-8: the first bad byte is the é of "Procédure" (line 3).
    data = good.encode("latin-1")
    result = validate_bytes(data, "latin1.yaml", plugins=plugins)
    assert [(f.code, f.line, f.col) for f in result.findings] == [("SOP004", 3, 12)]
    assert "0xe9" in result.findings[0].message


def test_sop004_column_counts_characters_not_bytes(plugins: Plugins) -> None:
    # a valid two-byte é earlier on the line must count as one column
    data = "title: Procédure d".encode() + b"\xe9monstration\n"
    result = validate_bytes(data, "mixed.yaml", plugins=plugins)
    assert [(f.code, f.line, f.col) for f in result.findings] == [("SOP004", 1, 19)]


def test_sop004_after_bom_names_the_right_byte(plugins: Plugins) -> None:
    data = b"\xef\xbb\xbftemplate: demo\ntitle: Caf\xe9\n"
    result = validate_bytes(data, "bom.yaml", plugins=plugins)
    assert [(f.code, f.line, f.col) for f in result.findings] == [("SOP004", 2, 11)]
    assert "0xe9" in result.findings[0].message


def test_sop004_nul_byte_position(plugins: Plugins) -> None:
    good = (FIXTURES / "SOP004-good.yaml").read_bytes()
    data = good.replace("engineer: Ingénieur".encode(), b"engineer: \x00\x01\x02")
    assert data != good
    result = validate_bytes(data, "binary.yaml", plugins=plugins)
    assert [(f.code, f.line, f.col) for f in result.findings] == [("SOP004", 7, 13)]
    assert "NUL" in result.findings[0].message


def test_sop004_nul_byte_with_crlf(plugins: Plugins) -> None:
    data = b"template: demo\r\ntitle: x\r\n  \x00"
    result = validate_bytes(data, "crlf.yaml", plugins=plugins)
    assert [(f.code, f.line, f.col) for f in result.findings] == [("SOP004", 3, 3)]


def test_sop005_file_too_large(plugins: Plugins) -> None:
    good = (FIXTURES / "SOP005-good.yaml").read_bytes()
    limit = len(good)
    assert validate_bytes(good, "small.yaml", plugins=plugins, max_bytes=limit).findings == []
    bad = good + b"# one byte too many\n"
    result = validate_bytes(bad, "large.yaml", plugins=plugins, max_bytes=limit)
    assert [(f.code, f.line, f.col) for f in result.findings] == [("SOP005", 1, 1)]
    assert f"{limit:,}" in result.findings[0].message
    assert result.template is None
