"""Rules sopframe reports about plugins themselves.

They have no check: the plugin manager and the rule runner report them when
a plugin fails to load, a rule crashes, or a rule code collides.  They are
listed here so that ``sopframe rules`` and ``sopframe explain`` know them.
"""

from __future__ import annotations

from sopframe.core.diagnostics import Rule, Severity

E = Severity.ERROR

PLUGIN_FAILED = Rule(
    "SOP900", "plugin-failed", E, "A plugin failed to load or one of its hooks raised.",
    "The plugin is named; everything else still runs. Use --strict-plugins (or strict-plugins "
    "in the configuration) to make this fatal, or disable the plugin.")
RULE_CRASHED = Rule(
    "SOP901", "rule-crashed", E, "A rule raised an error instead of returning findings.",
    "The plugin and rule are named; the other rules still ran on the template. `validate` fails on it: a "
    "check that did not run proves nothing, so CI does not pass a template it could not check (fix, "
    "upgrade or disable the plugin). Loading a template to run it (`job start`, `load_template`) is not "
    "refused for it, as the fault is the plugin's, not the template's; `job start` says so on standard "
    "error. With --strict-plugins a crashing rule is fatal everywhere (exit 3).")
RULE_CODE_COLLISION = Rule(
    "SOP902", "rule-code-collision", E, "A plugin registered a rule code that is taken or malformed.",
    "Each plugin's rule codes use their own prefix of capital letters and at least three digits; "
    "SOP is reserved for sopframe. The later rule is skipped.")

RULES = [PLUGIN_FAILED, RULE_CRASHED, RULE_CODE_COLLISION]
