"""Which files a run validates: the same files, spelled the same way, as pathlib finds them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sopframe.core.paths import TEMPLATE_SUFFIXES, collect_paths
from sopframe.errors import UsageError


def _pathlib_reference(paths: list[str]) -> list[str]:
    """The rule written with pathlib: recursive glob, no hidden parts, files or dangling links."""
    out: list[str] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            out.extend(sorted(
                str(c) for c in path.rglob("*")
                if c.suffix in TEMPLATE_SUFFIXES and (c.is_file() or (c.is_symlink() and not c.exists()))
                and not any(part.startswith(".") for part in c.relative_to(path).parts)))
        elif path.is_file():
            out.append(str(path))
    return list(dict.fromkeys(out))


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("a.yaml", "b.yml", "c.YAML", "d.txt", ".hidden.yaml", "sub/e.yaml", ".git/f.yaml",
                 "sub/.cache/g.yml", "sub/deep/x.y.yaml", "dir.yaml/i.yaml", "with space/j.yaml"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("template: t\n", "utf-8")
    (tmp_path / "link.yaml").symlink_to("a.yaml")
    (tmp_path / "dangling.yaml").symlink_to("missing.yaml")
    (tmp_path / "loop.yaml").symlink_to("loop.yaml")
    (tmp_path / "linked-dir").symlink_to("sub")  # not followed
    (tmp_path / "linked-dir.yaml").symlink_to("sub")  # a directory, not a template
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "pipe.yaml")  # not a regular file
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("args", [
    ["."], ["./"], ["<root>"], ["<root>/"], ["sub"], ["./sub/"], ["sub//deep"], ["sub/../sub"],
    ["a.yaml", "./a.yaml", "sub/../a.yaml"], [".", "sub"], ["sub", "."], ["link.yaml", "dir.yaml"],
])
def test_same_files_and_spelling_as_pathlib(tree: Path, args: list[str]) -> None:
    args = [a.replace("<root>", str(tree)) for a in args]
    found = collect_paths(args)
    assert found == _pathlib_reference(args)
    assert found  # every case finds something: the comparison is not vacuous


def test_what_is_found_below_a_directory(tree: Path) -> None:
    assert collect_paths(["."]) == ["a.yaml", "b.yml", "dangling.yaml", "dir.yaml/i.yaml", "link.yaml", "loop.yaml",
                                    "sub/deep/x.y.yaml", "sub/e.yaml", "with space/j.yaml"]


def test_missing_and_dangling_paths_are_usage_errors(tree: Path) -> None:
    with pytest.raises(UsageError, match="'nope.yaml' does not exist"):
        collect_paths(["nope.yaml"])
    with pytest.raises(UsageError, match="symbolic link that does not resolve"):
        collect_paths(["dangling.yaml"])
