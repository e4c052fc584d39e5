"""Organisation-policy values: configurable limits with defaults.

Only PCI DSS sets numbers; every other limit a check compares with is the
organisation's own policy.  Set them in ``[tool.sopframe.policy]`` (or the
``[policy]`` table of sopframe.toml)::

    [tool.sopframe.policy]
    leaver-revocation = "4h"
    dr-drill-every = "6 months"

A value the template does not reach is a warning that says it is policy.
"""

from __future__ import annotations

from dataclasses import dataclass

from sopframe.core.durations import Duration, parse_duration
from sopframe.core.frameworks import current_settings

__all__ = ["DEFAULTS", "Limit", "ResolvedLimit", "policy_value"]

#: policy key -> (default, what it limits)
DEFAULTS: dict[str, tuple[str, str]] = {
    "sop-review-every": ("12 months", "longest interval between reviews of a published SOP"),
    "leaver-revocation": ("24h", "longest time to revoke the access of a leaver"),
    "access-review-every": ("6 months", "longest interval between periodic access reviews"),
    "inactive-account-limit": ("90d", "longest time an unused account stays enabled"),
    "patch-critical": ("30d", "deadline to remediate a critical vulnerability"),
    "patch-high": ("30d", "deadline to remediate a high vulnerability"),
    "patch-medium": ("90d", "deadline to remediate a medium vulnerability"),
    "scan-every": ("3 months", "longest interval between vulnerability scans"),
    "dr-drill-every": ("12 months", "longest interval between continuity or recovery drills"),
}


def policy_value(key: str) -> tuple[Duration, str, str | None]:
    """The policy duration for ``key``: (value, text, problem with the configured value)."""
    default = DEFAULTS[key][0]
    raw = current_settings().policy.get(key)
    if raw is None:
        return parse_duration(default), default, None
    try:
        return parse_duration(str(raw)), str(raw), None
    except ValueError as exc:
        return (parse_duration(default), default,
                f"policy value {key} = {raw!r} in the configuration is not a duration ({exc}); "
                f"the default {default} is used")


@dataclass(frozen=True)
class ResolvedLimit:
    value: Duration
    text: str
    #: True when a standard sets the number (exceeding it is an error)
    standard: bool
    #: how to say where the number comes from: "PCI DSS 6.3.3" or "policy leaver-revocation"
    source: str
    problem: str | None = None


@dataclass(frozen=True)
class Limit:
    """An upper bound on a duration: a number a standard sets, or a policy key."""

    standard: str | None = None
    policy: str | None = None
    #: who sets the standard's number, for messages ("PCI DSS 6.3.3")
    set_by: str = ""

    def resolve(self) -> ResolvedLimit:
        if self.standard is not None:
            return ResolvedLimit(parse_duration(self.standard), self.standard, True, self.set_by)
        assert self.policy is not None
        value, text, problem = policy_value(self.policy)
        return ResolvedLimit(value, text, False, f"policy {self.policy}", problem)
