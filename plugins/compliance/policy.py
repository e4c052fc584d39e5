"""Organisation-policy values: configurable limits with defaults.

Only PCI DSS sets numbers; every other limit a check compares with is the
organisation's own policy.  Set them in ``[tool.sopframe.policy]`` (or the
``[policy]`` table of sopframe.toml)::

    [tool.sopframe.policy]
    leaver-revocation = "4h"
    dr-drill-every = "6 months"

A value the template does not reach is a warning that says it is policy,
except where a standard asks for "immediately" and the policy value is only
the longest delay accepted as immediate (``pci-leaver-revocation``, PCI DSS
8.2.5): exceeding that one is an error, and the configuration may shorten it
but never lengthen it past its default (24 hours): "immediately" is not a
number an organisation can relax.

Limits compare calendar-true (:func:`sopframe.core.durations.within`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Mapping

from sopframe.core.durations import Duration, DurationError, parse_duration, parse_interval, within

__all__ = ["DEFAULTS", "GAPS_POLICY_KEYS", "INTERVAL_KEYS", "Limit", "ResolvedLimit", "policy_value", "bind_limits"]

#: policy key -> (default, what it limits)
DEFAULTS: dict[str, tuple[str, str]] = {
    "sop-review-every": ("12 months", "longest interval between reviews of a published SOP"),
    "leaver-revocation": ("24h", "longest time to revoke the access of a leaver"),
    "pci-leaver-revocation": ("24h", "longest delay PCI templates accept as revoking a leaver at once"),
    "access-review-every": ("6 months", "longest interval between periodic access reviews"),
    "inactive-account-limit": ("90d", "longest time an unused account stays enabled"),
    "patch-critical": ("1 month", "deadline to remediate a critical vulnerability"),
    "patch-high": ("30d", "deadline to remediate a high vulnerability"),
    "patch-medium": ("90d", "deadline to remediate a medium vulnerability"),
    "scan-every": ("3 months", "longest interval between vulnerability scans"),
    "dr-drill-every": ("12 months", "longest interval between continuity or recovery drills"),
    "restore-test-every": ("12 months", "longest interval between backup restoration tests"),
    "incident-plan-test-every": ("12 months", "longest interval between tests of the incident response plan"),
    "responder-training-every": ("12 months", "longest interval between trainings of incident responders"),
    "log-review-every": ("1d", "longest interval between reviews of security logs"),
    "log-retention": ("12 months", "shortest time security logs are kept"),
    "log-available": ("3 months", "shortest time security logs stay immediately available"),
}
#: keys `sopframe gaps` reads (its own numbers, and the intervals its evidence is judged by)
GAPS_POLICY_KEYS = ("leaver-revocation", "sop-review-every", "dr-drill-every", "patch-critical", "patch-high",
                    "patch-medium", "scan-every", "restore-test-every", "incident-plan-test-every")
#: keys whose values are intervals or retention periods (read with parse_interval: `m` refused)
INTERVAL_KEYS = frozenset(k for k in DEFAULTS if k.endswith("-every") or k.startswith("log-"))


def _parse(key: str, text: str) -> Duration:
    return parse_interval(text) if key in INTERVAL_KEYS else parse_duration(text)


def policy_value(key: str, policy: Mapping[str, Any]) -> tuple[Duration, str, str | None]:
    """The policy duration for ``key``: (value, text, problem with the configured value)."""
    default = DEFAULTS[key][0]
    raw = policy.get(key)
    if raw is None:
        return _parse(key, default), default, None
    try:
        return _parse(key, str(raw)), str(raw), None
    except DurationError as exc:
        return (_parse(key, default), default,
                f"policy value {key} = {raw!r} in the configuration is not a duration ({exc}"
                f"{'; ' + exc.hint if exc.hint else ''}); the default {default} is used")


@dataclass(frozen=True)
class ResolvedLimit:
    value: Duration
    text: str
    #: True when exceeding it is an error (a standard's number, or a policy cap for a standard's "immediately")
    standard: bool
    #: how to say where the number comes from: "PCI DSS 6.3.3" or "policy leaver-revocation"
    source: str
    problem: str | None = None
    #: a lower bound (a retention period), not an upper one
    minimum: bool = False
    #: when the standard's clock starts, if it says ("from the patch's release"); "" when it is the template's
    basis: str = ""


@dataclass(frozen=True)
class Limit:
    """A bound on a duration: a number a standard sets, or a policy key.

    ``minimum`` makes it a lower bound (logs kept at least 12 months).
    ``enforced`` makes a policy value an error when exceeded: the standard
    (``set_by``) asks for "immediately" and the policy says how long that may be,
    never longer than the key's default (a longer configured value is reported
    and the default used).
    """

    standard: str | None = None
    policy: str | None = None
    #: who sets the standard's number, for messages ("PCI DSS 6.3.3")
    set_by: str = ""
    minimum: bool = False
    enforced: bool = False
    #: when the standard's period starts, where it is not what the template counts from ("from the patch's
    #: release"): said in messages, so a number is never compared with a clock it does not belong to unnoticed
    basis: str = ""
    #: the run's organisation-policy values (``CheckContext.policy``), bound by :meth:`bound`
    values: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def bound(self, values: Mapping[str, Any]) -> "Limit":
        """This limit, reading policy values from ``values`` (the rule binds the run's context)."""
        return replace(self, values=values)

    def resolved(self) -> "ResolvedLimit":
        """The limit under the policy values it is bound to."""
        return self.resolve(self.values)

    def resolve(self, policy: Mapping[str, Any]) -> ResolvedLimit:
        if self.standard is not None:
            return ResolvedLimit(parse_interval(self.standard), self.standard, True, self.set_by,
                                 minimum=self.minimum, basis=self.basis)
        assert self.policy is not None
        value, text, problem = policy_value(self.policy, policy)
        if self.enforced and problem is None:
            default = DEFAULTS[self.policy][0]
            cap = _parse(self.policy, default)
            if not within(value, cap):
                problem = (f"policy value {self.policy} = {text!r} in the configuration is longer than the {default} "
                           f"accepted as immediate for {self.set_by}, which sets no delay; {default} is used")
                value, text = cap, default
        source = f"{self.set_by}, policy {self.policy}" if self.enforced else f"policy {self.policy}"
        return ResolvedLimit(value, text, self.enforced, source, problem, self.minimum)


def bind_limits(params: Mapping[str, Any], policy: Mapping[str, Any]) -> dict[str, Any]:
    """A check's parameters with every limit (alone, or in a mapping of limits) reading the run's policy."""
    def bind(value: Any) -> Any:
        if isinstance(value, Limit):
            return value.bound(policy)
        if isinstance(value, Mapping) and value and all(isinstance(v, Limit) for v in value.values()):
            return {k: v.bound(policy) for k, v in value.items()}
        return value

    return {key: bind(value) for key, value in params.items()}
