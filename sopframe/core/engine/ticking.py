"""``tick``: the time-based events that are due (SLA breaches), appended to every open job.

Each job is a command of its own, through the engine's single commit path:
a job another writer changed meanwhile is read again (a few attempts), and
a job with nothing due writes nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sopframe.core.engine.clock import to_text
from sopframe.core.engine.command import Command
from sopframe.core.engine.sla import record_breaches
from sopframe.core.sopref import is_record_stream
from sopframe.errors import ConflictError

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.engine.engine import Engine

__all__ = ["tick_jobs"]

#: attempts per job when another writer keeps changing it
ATTEMPTS = 3


def tick_jobs(engine: "Engine", actor: str) -> dict[str, list[str]]:
    """Record the breaches due on every open job (SOP record streams have none): job -> stages."""
    done: dict[str, list[str]] = {}
    for job in engine.store.job_ids():
        if is_record_stream(job):
            continue
        for _attempt in range(ATTEMPTS):
            loaded = engine.load(job)
            if loaded.state.status != "open":
                break
            now = engine.clock()
            cmd = Command(loaded, actor, to_text(now), loaded.state.copy())
            record_breaches(cmd, now)
            if not cmd.pending:
                break
            try:
                engine._commit(cmd)
            except ConflictError:
                continue
            done[job] = [ev.data["stage"] for ev in cmd.pending]
            break
    return done
