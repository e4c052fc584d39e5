"""The README's Quickstart is what CI runs, and its CLI reference is complete."""

from __future__ import annotations

import re

from testsupport import ROOT


def _quickstart_commands() -> list[str]:
    text = (ROOT / "README.md").read_text("utf-8")
    section = text.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.S)
    return [b.strip() for b in blocks]


def test_quickstart_is_exactly_two_one_line_commands() -> None:
    commands = _quickstart_commands()
    assert len(commands) == 2, commands
    assert all("\n" not in c for c in commands), commands
    assert "sopframe" in commands[0]
    assert "pytest" in commands[1]


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    ci = (ROOT / ".ci" / "run").read_text("utf-8")
    lines = [ln.strip() for ln in ci.splitlines() if ln.strip() and not ln.strip().startswith("#")]
    assert lines[-1] == _quickstart_commands()[1]


def test_cli_reference_lists_every_core_command() -> None:
    from sopframe.cli import CORE_COMMANDS

    text = (ROOT / "README.md").read_text("utf-8")
    missing = [name for name in CORE_COMMANDS if f"`sopframe {name}" not in text]
    assert not missing, f"README's CLI reference lacks: {missing}"


def test_no_test_imports_the_tests_directory_as_a_package() -> None:
    """`pytest` run as the README says (not `python -m pytest`) has no checkout root on
    sys.path, so `from tests.x import y` works on a developer's machine and fails in CI;
    shared test code lives in modules beside testsupport.py instead."""
    found = [f"{path.relative_to(ROOT)}:{n}" for path in sorted((ROOT / "tests").rglob("*.py"))
             for n, line in enumerate(path.read_text("utf-8").splitlines(), 1)
             if re.match(r"\s*(from|import)\s+tests(\.|\s|$)", line)]
    assert not found, found


def test_the_template_example_validates_clean_and_starts_a_job(tmp_path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The first template a reader meets is the one under "Writing a template": it must pass `validate` and run,
    as the text after it says."""
    import pytest

    from sopframe.__main__ import main

    text = (ROOT / "README.md").read_text("utf-8")
    section = text.split("## Writing a template", 1)[1].split("\n## ", 1)[0]
    (example,) = re.findall(r"```yaml\n(.*?)```", section, flags=re.S)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "change.yaml").write_text(example, "utf-8")
    (tmp_path / "sopframe.toml").write_text('[roles]\nrequester = ["rita"]\ncab = ["carl"]\n', "utf-8")
    for argv in (["validate", "change.yaml"], ["job", "start", "change.yaml", "--as", "rita", "--store",
                                                 f"sqlite:///{tmp_path / 'jobs.db'}"]):
        with pytest.raises(SystemExit) as info:
            main(argv)
        out = capsys.readouterr()
        assert info.value.code in (0, None), (argv, out)
    assert out.out.startswith("started CHG-")
