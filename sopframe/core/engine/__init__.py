"""The job runtime: templates run as tracked, event-sourced jobs.

* :mod:`.events`  the event record, its canonical encoding and the hash chain
* :mod:`.state`   folding a job's events into its current state
* :mod:`.engine`  the commands: checked against the pinned template, appending events
* :mod:`.clock`   where "now" comes from (injectable for tests)
* :mod:`.ids`     job ids from a template's ``job_id`` pattern
* :mod:`.sops`    the SOP master list and overdue work, read from events
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["Engine", "Event", "NewEvent", "JobState", "fold", "verify_chain"]

# loaded on first use: store plugins import .events, and every command loads plugins
_LAZY = {
    "Engine": "sopframe.core.engine.engine",
    "Event": "sopframe.core.engine.events",
    "NewEvent": "sopframe.core.engine.events",
    "verify_chain": "sopframe.core.engine.events",
    "JobState": "sopframe.core.engine.state",
    "fold": "sopframe.core.engine.state",
}

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.engine.engine import Engine
    from sopframe.core.engine.events import Event, NewEvent, verify_chain
    from sopframe.core.engine.state import JobState, fold


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'sopframe.core.engine' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
