"""Validating many files: the result cache, and all cores when it pays.

Results come back in the order of the paths given, whatever the scheduling,
so output is deterministic.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Callable, Sequence

from sopframe.core.diagnostics import Finding
from sopframe.core.frameworks import CheckContext
from sopframe.core.rules.plugin_problems import PLUGIN_FAILED, RULE_CRASHED
from sopframe.core.validate import FileResult, read_file, validate_bytes

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.cache import ResultCache
    from sopframe.pluginmanager import Plugins

__all__ = ["validate_many", "PARALLEL_MIN_FILES", "PARALLEL_MIN_BYTES", "default_jobs"]

#: below these, starting worker processes costs more than it saves
PARALLEL_MIN_FILES = 8
PARALLEL_MIN_BYTES = 128 * 1024

#: a crash is not a result: the next run tries again
_NOT_CACHED = frozenset({PLUGIN_FAILED.code, RULE_CRASHED.code})

_worker: dict[str, Any] = {}


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def _work(item: tuple[str, bytes]) -> list[Finding]:
    path, data = item
    return validate_bytes(data, path, plugins=_worker["plugins"], schema=_worker["schema"],
                          max_bytes=_worker["max_bytes"], context=_worker["context"]).findings


def _forkable() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def _pool() -> Any:
    """The executor class (a function, so that tests can watch it being used)."""
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor


def validate_many(
    paths: Sequence[str],
    *,
    plugins: "Plugins",
    max_bytes: int,
    cache: "ResultCache | None" = None,
    jobs: int | None = None,
    context: CheckContext | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[FileResult]:
    """Validate ``paths`` in the run ``context``; cached results are reused, the rest may run in parallel.

    ``progress`` is called with how many more files are done, as they are
    (cached and unreadable ones at once), for a progress indicator.

    Worker processes are forked, so they share the loaded plugins; the
    context travels to them as an argument.  Where processes cannot be
    forked, files are validated one by one.
    """
    schema = plugins.schema()
    plugins.rules()  # load rules once, before any worker is forked
    results: list[FileResult | None] = [None] * len(paths)
    todo: list[tuple[int, str, bytes]] = []
    for i, path in enumerate(paths):
        data = read_file(path)
        if isinstance(data, FileResult):
            results[i] = data
            continue
        hit = cache.get(data, path) if cache is not None else None
        if hit is not None:
            results[i] = FileResult(path, hit)
        else:
            todo.append((i, path, data))
    step = progress or (lambda n: None)
    step(len(paths) - len(todo))
    jobs = default_jobs() if jobs is None else max(1, jobs)
    size = sum(len(d) for _, _, d in todo)
    if jobs > 1 and len(todo) >= PARALLEL_MIN_FILES and size >= PARALLEL_MIN_BYTES and _forkable():
        import multiprocessing

        _worker.update(plugins=plugins, schema=schema, max_bytes=max_bytes, context=context)
        try:
            with _pool()(max_workers=min(jobs, len(todo)),
                                     mp_context=multiprocessing.get_context("fork")) as pool:
                chunk = max(1, len(todo) // (jobs * 4))
                found = []
                for findings in pool.map(_work, [(p, d) for _, p, d in todo], chunksize=chunk):
                    found.append(findings)
                    step(1)
        finally:
            _worker.clear()
        for (i, path, data), findings in zip(todo, found):
            results[i] = FileResult(path, findings)
    else:
        for i, path, data in todo:
            results[i] = validate_bytes(data, path, plugins=plugins, schema=schema, max_bytes=max_bytes,
                                        context=context)
            step(1)
    if cache is not None:
        for i, path, data in todo:
            result = results[i]
            if result is not None and not any(f.code in _NOT_CACHED for f in result.findings):
                cache.put(data, result.findings)
    return [r for r in results if r is not None]
