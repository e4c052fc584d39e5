"""Rules applied while reading a file; they have no graph check of their own."""

from __future__ import annotations

from sopframe.core.diagnostics import Rule, Severity

E = Severity.ERROR

YAML_SYNTAX = Rule(
    "SOP001", "yaml-syntax", E, "The file is not well-formed YAML.",
    "The YAML parser stopped at the position shown. Usual causes are tabs used for indentation, "
    "a key without a colon, or a value indented less than its key.")
YAML_DISALLOWED = Rule(
    "SOP002", "yaml-disallowed", E, "The file uses YAML features templates refuse.",
    "Templates are read with strictyaml: block style only. Duplicate keys, flow style ({...} and "
    "[...]), anchors and aliases (&x, *x) and tags (!!int) are refused because they hide what a "
    "reviewer reads. Write mappings and lists one item per line; quote text that starts with "
    "{, [, & or *.")
EMPTY_FILE = Rule(
    "SOP003", "empty-file", E, "The file holds no template.",
    "The file is empty or holds only comments.")
NOT_TEXT = Rule(
    "SOP004", "not-text", E, "The file is binary or not UTF-8 text.",
    "Templates are UTF-8 text. The position shown is the first byte that is not, or the first "
    "character YAML does not allow (control characters such as U+0001).")
FILE_TOO_LARGE = Rule(
    "SOP005", "file-too-large", E, "The file is larger than the size limit.",
    "Files over the limit (1 MiB by default) are refused before parsing. Split the procedure "
    "into several templates, or raise `max-file-size` in the configuration.")
NESTING_TOO_DEEP = Rule(
    "SOP006", "nesting-too-deep", E, "Mappings and lists are nested more than 64 levels deep.",
    "Templates are refused when mappings and lists are nested more than 64 levels within each other "
    "(about 15 levels of splits within splits). No real procedure comes near it; the limit keeps "
    "reading and checking bounded. The position shown is the first mapping or list past it.")
UNKNOWN_KEY = Rule(
    "SOP010", "unknown-key", E, "A key the template language does not define.",
    "Every mapping in a template has a fixed set of keys (see docs/templates.md); an unknown "
    "key is usually a typo, and the message suggests the closest known key.")
MISSING_KEY = Rule(
    "SOP011", "missing-key", E, "A key the template language requires is missing.",
    "For example a template without `stages:`, a field without `type:` or a sign-off without "
    "`role:`.")
INVALID_VALUE = Rule(
    "SOP012", "invalid-value", E, "A value of the wrong kind or outside the allowed values.",
    "The message names what was expected: a list, a mapping, one of a set of words, an id, a "
    "semantic version and so on.")

RULES = [YAML_SYNTAX, YAML_DISALLOWED, EMPTY_FILE, NOT_TEXT, FILE_TOO_LARGE, NESTING_TOO_DEEP, UNKNOWN_KEY, MISSING_KEY, INVALID_VALUE]
