"""Which plugin rules are registered: each code once, each code prefix owned by one plugin, ``SOP`` kept for
sopframe; findings of a plugin's rule name that plugin."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any, Callable, Iterable

from sopframe.core.diagnostics import Finding, Rule

__all__ = ["claim_rules"]

_CODE = re.compile(r"^([A-Z][A-Z0-9]*?)([0-9]{3,})$")


def claim_rules(items: Iterable[tuple[str, Rule]], core: str) -> tuple[list[Rule], list[tuple[str, str]]]:
    """The rules to register, with their owning plugin filled in, and (plugin, problem) for each one refused."""
    rules: list[Rule] = []
    refused: list[tuple[str, str]] = []
    owner_of_code: dict[str, str] = {}
    owner_of_prefix: dict[str, str] = {}
    for plugin, rule in items:
        m = _CODE.match(rule.code)
        prefix = m.group(1) if m else rule.code
        problem = None
        if not m:
            problem = f"rule code {rule.code!r} is not capital letters followed by 3+ digits"
        elif plugin != core and prefix == "SOP":
            problem = f"rule code {rule.code!r} uses the prefix SOP, which is reserved for sopframe"
        elif rule.code in owner_of_code:
            problem = f"rule code {rule.code!r} is already registered by plugin {owner_of_code[rule.code]!r}"
        elif owner_of_prefix.get(prefix, plugin) != plugin:
            problem = f"rule prefix {prefix!r} of {rule.code!r} belongs to plugin {owner_of_prefix[prefix]!r}"
        if problem:
            refused.append((plugin, problem))
            continue
        owner_of_code[rule.code] = plugin
        owner_of_prefix.setdefault(prefix, plugin)
        check = rule.check if plugin == core or rule.check is None else _owned(rule, plugin)
        rules.append(replace(rule, plugin=plugin, check=check))
    return rules, refused


def _owned(rule: Rule, plugin: str) -> Callable[[Any, Any], Iterable[Finding]]:
    """Wrap a plugin rule's check so every finding names the plugin and is a Finding.

    A rule usually builds findings with the :class:`Rule` object it defined,
    whose ``plugin`` is still the default; the registered copy knows better.
    The wrapper takes the check context, whichever form the check has.
    """

    def run(tg: Any, ctx: Any) -> Iterable[Finding]:
        for finding in rule.run(tg, ctx):
            if not isinstance(finding, Finding):
                raise TypeError(f"the check yielded {type(finding).__name__}, expected sopframe.Finding")
            yield finding if finding.plugin == plugin else replace(finding, plugin=plugin)

    return run
