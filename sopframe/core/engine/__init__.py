"""The job runtime: templates run as tracked, event-sourced jobs.

* :mod:`.events`  the event record, its canonical encoding and the hash chain
* :mod:`.state`   folding a job's events into its current state
* :mod:`.engine`  the commands: checked against the pinned template and the policy, appending events;
  composed from :mod:`.command` (a command in progress), :mod:`.inputs` (what a command names and
  enters), :mod:`.gates` and :mod:`.readiness` (what stops a stage), :mod:`.routing` (entering, splits,
  joins, the end), :mod:`.signoffs` (sign-offs bind what they approve), :mod:`.sla` (deadlines and
  breaches), :mod:`.publishing` (the forward-only master list), :mod:`.documents` (attachments),
  :mod:`.lists` (list fields: one sub-job per item) and :mod:`.anchors` (deadlines from recorded dates,
  comparisons across fields)
* :mod:`.clock`   where "now" comes from (injectable for tests)
* :mod:`.ids`     job ids from a template's ``job_id`` pattern
* :mod:`.sops`    the SOP master list and overdue work, read from events
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sopframe._lazy import lazy_getattr

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


__getattr__ = lazy_getattr(__name__, globals(), _LAZY)
