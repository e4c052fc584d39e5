"""Commands that meet a concurrent writer are run again, in one place for every adapter.

An append that finds the job moved on raises
:class:`~sopframe.errors.ConflictError` and writes nothing; the engine then
forgets the state it had.  :class:`RetryingEngine` runs the command again,
so it re-reads the job and checks the command against where the job stands
now: if it is still allowed it is appended, if not the refusal
(:class:`~sopframe.errors.JobError`) is what the caller gets.  Attempts are
bounded, with jittered exponential backoff so that writers drift apart
instead of colliding again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from sopframe.errors import ConflictError

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.engine import Engine

__all__ = ["RetryPolicy", "RetryingEngine", "COMMANDS"]

#: the engine methods that append (and so may conflict)
COMMANDS = frozenset({"start", "set_fields", "attach", "sign", "complete", "reject", "cancel"})


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a conflicting command is run again."""

    attempts: int = 30
    base_delay: float = 0.01  # seconds before the second attempt (doubling, jittered)
    max_delay: float = 0.5

    def delay(self, attempt: int) -> float:
        """The pause after failed attempt ``attempt`` (1-based): full jitter under an exponential cap."""
        import random  # only once a command has met a conflict

        return random.uniform(0, min(self.max_delay, self.base_delay * 2 ** (attempt - 1)))


class RetryingEngine:
    """An engine whose commands are retried on conflicts; everything else passes through."""

    def __init__(self, engine: "Engine", policy: RetryPolicy = RetryPolicy(),
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.engine = engine
        self.policy = policy
        self.sleep = sleep
        self.conflicts = 0  # conflicts met and retried, for diagnostics

    def __setattr__(self, name: str, value: Any) -> None:
        if name in ("engine", "policy", "sleep", "conflicts"):
            object.__setattr__(self, name, value)
        else:  # e.g. roles: the engine's own settings
            setattr(self.engine, name, value)

    def __getattr__(self, name: str) -> Any:
        value = getattr(self.engine, name)
        if name not in COMMANDS:
            return value

        def run(*args: Any, **kwargs: Any) -> Any:
            for attempt in range(1, self.policy.attempts + 1):
                try:
                    return value(*args, **kwargs)
                except ConflictError:
                    if attempt == self.policy.attempts:
                        raise
                    self.conflicts += 1
                    self.sleep(self.policy.delay(attempt))
            raise AssertionError("unreachable")  # pragma: no cover

        return run
