"""The template JSON Schema: the single source of truth for structure.

The base schema ships as ``template.schema.json`` beside this module (editors
and check-jsonschema can use it unchanged).  Plugins extend it through the
``sopframe_schema_extensions`` hook with new field types, template kinds,
frameworks or top-level keys.  :func:`structure_findings` validates a parsed
document and turns every schema error into a positioned finding.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any, Iterable, Iterator, Mapping

from sopframe.core.diagnostics import Finding, Location, Rule
from sopframe.core.rules.structure import INVALID_VALUE, MISSING_KEY, UNKNOWN_KEY
from sopframe.core.yamlsource import ParsedDocument, Path_
from sopframe.errors import did_you_mean

__all__ = ["SchemaExtension", "base_schema", "build_schema", "structure_findings"]


@dataclass(frozen=True)
class SchemaExtension:
    """What a plugin adds to the template language.

    ``field_types`` and ``kinds`` and ``frameworks`` are new enum values;
    ``properties`` are new optional top-level keys with their JSON Schema.
    """

    field_types: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    frameworks: tuple[str, ...] = ()
    properties: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    plugin: str = ""


@lru_cache(maxsize=1)
def _base_text() -> str:
    return resources.files("sopframe.core").joinpath("template.schema.json").read_text("utf-8")


def base_schema() -> dict[str, Any]:
    """A fresh copy of the schema with no plugin extensions."""
    return json.loads(_base_text())


def build_schema(extensions: Iterable[SchemaExtension] = (), frameworks: Iterable[str] = ()) -> dict[str, Any]:
    """The base schema with every extension merged in.

    The framework ids come from plugins alone (``frameworks``, the ids the
    ``sopframe_frameworks`` hook declares, and extensions' ``frameworks``);
    the base schema names none, and accepts any id when no plugin declares one.
    """
    schema = base_schema()
    defs = schema["$defs"]
    known = list(dict.fromkeys(frameworks))
    for ext in extensions:
        for key, values in (("fieldType", ext.field_types), ("kind", ext.kinds)):
            enum = defs[key]["enum"]
            enum.extend(v for v in values if v not in enum)
        known.extend(v for v in ext.frameworks if v not in known)
        for name, sub in ext.properties.items():
            if name not in schema["properties"]:
                schema["properties"][name] = copy.deepcopy(dict(sub))
    if known:
        defs["framework"]["enum"] = known
    return schema


_ANNOTATIONS = frozenset({"$ref", "title", "description", "default", "examples", "$comment"})


def inline_refs(schema: Mapping[str, Any]) -> dict[str, Any]:
    """``schema`` with each ``$ref`` to a definition that does not lead back to itself replaced by it.

    Following a ``$ref`` costs jsonschema a registry lookup every time a value
    is checked: about 40% of validating a template.  Definitions on a cycle
    (a stage's sub-jobs hold stages) stay references.  A reference's sibling
    annotations are dropped, as the error messages read the definition's
    (``_resolve``); what is accepted and every error are unchanged.
    """
    defs: Mapping[str, Any] = schema.get("$defs", {})

    def target(node: Any) -> str | None:
        if isinstance(node, Mapping) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/$defs/") \
                and set(node) <= _ANNOTATIONS:
            return node["$ref"][len("#/$defs/"):]
        return None

    def refs(node: Any) -> Iterator[str]:
        if isinstance(node, Mapping):
            if isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/$defs/"):
                yield node["$ref"][len("#/$defs/"):]
            for value in node.values():
                yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    uses = {name: set(refs(d)) for name, d in defs.items()}

    def leads_back(name: str) -> bool:
        seen, todo = set(), list(uses.get(name, ()))
        while todo:
            n = todo.pop()
            if n == name:
                return True
            if n not in seen:
                seen.add(n)
                todo.extend(uses.get(n, ()))
        return False

    cyclic = {name for name in defs if leads_back(name)}

    def sub(node: Any) -> Any:
        name = target(node)
        if name is not None and name in defs and name not in cyclic:
            return sub(defs[name])
        if isinstance(node, Mapping):
            return {k: sub(v) for k, v in node.items()}
        if isinstance(node, list):
            return [sub(v) for v in node]
        return node

    return sub(schema)


@lru_cache(maxsize=8)
def _validator_for(schema_json: str) -> Any:
    from jsonschema import Draft202012Validator

    schema = json.loads(schema_json)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(inline_refs(schema))


def validator(schema: Mapping[str, Any]) -> Any:
    return _validator_for(json.dumps(schema, sort_keys=True))


# --------------------------------------------------------------------------- errors

def describe(path: Path_) -> str:
    """Say in words where ``path`` is: "field 'x' of stage 'draft'"."""
    parts: list[str] = []
    p = list(path)
    i = 0
    words = {"fields": "field", "signoffs": "sign-off", "split": "sub-job", "roles": "role", "gate": "gate condition on"}
    while i < len(p):
        k = p[i]
        if k == "stages" and i + 1 < len(p):
            parts.append(f"stage {p[i + 1]!r}")
            i += 2
        elif k in words and i + 1 < len(p):
            parts.append(f"{words[k]} {p[i + 1]!r}")
            i += 2
        else:
            parts.append(repr(k) if isinstance(k, str) else f"item {k + 1}")
            i += 1
    if not parts:
        return "the template"
    return " in ".join(reversed(parts))


def _finding(rule: Rule, message: str, loc: Location, hint: str = "") -> Finding:
    return rule.finding(message, at=loc, hint=hint)


def _json_type(value: Any) -> str:
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    return "scalar"


def _resolve(schema: Mapping[str, Any], root: Mapping[str, Any]) -> Mapping[str, Any]:
    while "$ref" in schema and schema["$ref"].startswith("#/$defs/"):
        schema = root["$defs"][schema["$ref"].split("/")[-1]]
    return schema


def _expected(schema: Mapping[str, Any], root: Mapping[str, Any]) -> str:
    s = _resolve(schema, root)
    if "title" in s:
        return s["title"]
    if "enum" in s:
        return "one of: " + ", ".join(str(v) for v in s["enum"])
    t = s.get("type")
    names = {"object": "a mapping", "array": "a list", "string": "text"}
    if isinstance(t, list):  # e.g. a sub-job's suffix: ["string", "integer"]
        return " or ".join(names.get(x, str(x)) for x in t)
    return names[t] if isinstance(t, str) and t in names else str(t or "another value")


#: what a ``job_id`` pattern may contain between braces
_ID_PLACEHOLDERS = ("year", "month", "day", "template", "seq")


def job_id_problem(pattern: str) -> str | None:
    """What is wrong with a ``job_id`` pattern, in words (None if nothing this function knows of)."""
    import re

    seqs = 0
    for m in re.finditer(r"\{([^{}]*)\}|[{}]", pattern):
        if m.group(1) is None:
            return f"an unmatched {m.group(0)!r}"
        name, colon, width = m.group(1).partition(":")
        if name not in _ID_PLACEHOLDERS:
            return f"unknown placeholder {m.group(0)!r} (known: {', '.join('{' + p + '}' for p in _ID_PLACEHOLDERS)})"
        if colon and name != "seq":
            return f"{{{name}}} takes no width"
        if colon and not re.fullmatch(r"[0-9]{1,2}", width):
            if not re.fullmatch(r"[0-9]+", width):
                return f"the width of {m.group(0)!r} must be a number of digits from 1 to 99"
            return (f"the width of {m.group(0)!r} is over 99 digits" if int(width) > 99
                    else f"the width of {m.group(0)!r} must be written in at most two digits")
        seqs += name == "seq"
    if seqs > 1:
        return "{seq} may appear only once"
    if not seqs:
        return "a job id pattern must contain {seq}, such as ITSOP-{year}-{seq:02}"
    return None


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value == "":
        return "an empty value"
    return repr(value)


def _translate(err: Any, doc: ParsedDocument, root: Mapping[str, Any]) -> Iterator[Finding]:
    path: Path_ = tuple(err.absolute_path)
    where = describe(path)
    v = err.validator
    if "propertyNames" in list(err.relative_schema_path)[-2:-1] and isinstance(err.instance, str):
        v = "propertyNames"  # a key's own check (pattern, ...) fails: report it at that key, not the mapping's
    if v in ("anyOf", "oneOf"):
        # Descend into the alternative that matches the value's shape, so that
        # a mistake inside a mapping is reported as precisely as anywhere else.
        shape = _json_type(err.instance)
        inner = [e for e in (err.context or []) if shape != "scalar" and _branch_shape(e, root) == shape]
        if inner:
            for e in inner:
                yield from _translate(e, doc, root)
            return
        yield _finding(INVALID_VALUE, f"{where}: expected {_expected(err.schema, root)}, got {_show(err.instance)}",
                       doc.value_at(path))
        return
    if v == "additionalProperties" and isinstance(err.instance, dict):
        allowed = list(err.schema.get("properties", {}))
        for key in err.instance:
            if key in allowed:
                continue
            hint = f"allowed keys here: {', '.join(allowed)}" if allowed else ""
            yield _finding(UNKNOWN_KEY, f"unknown key {key!r} in {where}{did_you_mean(key, allowed)}",
                           doc.key_at((*path, key)), hint)
        return
    if v == "required" and isinstance(err.instance, dict):
        for key in err.validator_value:
            if key not in err.instance:
                prop = _resolve(err.schema.get("properties", {}).get(key, {}), root)
                what = prop.get("description") or prop.get("title") or ""
                yield _finding(MISSING_KEY, f"{where} is missing the required key {key!r}",
                               doc.key_at(path) if path else doc.key_at(path),
                               f"add `{key}:`" + (f" ({what[0].lower()}{what[1:]})" if what else ""))
        return
    if v == "propertyNames":
        name = err.instance
        yield _finding(INVALID_VALUE, f"{name!r} is not a valid name in {where}: expected {_expected(err.schema, root)}",
                       doc.key_at((*path, name)), "ids start with a letter and use letters, digits, _ and -")
        return
    if v == "enum":
        choices = [str(c) for c in err.validator_value]
        shown = [c for c in choices if c not in ("True", "False", "Yes", "No", "on", "off", "true", "false")] or choices
        # suggest only a word the hint lists: never `on` for `n`, which would mean the opposite
        yield _finding(INVALID_VALUE, f"{where}: {_show(err.instance)} is not allowed{did_you_mean(str(err.instance), shown)}",
                       doc.value_at(path), f"use one of: {', '.join(dict.fromkeys(shown))}")
        return
    if v in ("minProperties", "minItems"):
        yield _finding(INVALID_VALUE, f"{where} must not be empty", doc.value_at(path))
        return
    if v == "uniqueItems":
        yield _finding(INVALID_VALUE, f"{where} lists the same value twice", doc.value_at(path), "remove the repeated item")
        return
    if v == "pattern":
        wrong = job_id_problem(err.instance) if path == ("job_id",) and isinstance(err.instance, str) else None
        yield _finding(INVALID_VALUE, f"{where}: {wrong or 'expected ' + _expected(err.schema, root)}, got "
                       f"{_show(err.instance)}", doc.value_at(path),
                       "placeholders: {year}, {month}, {day}, {template} and {seq} once, with an optional width "
                       "of 1-99 digits ({seq:03})" if wrong else "")
        return
    if v == "type":
        yield _finding(INVALID_VALUE, f"{where}: expected {_expected(err.schema, root)}, got {_show(err.instance)}",
                       doc.value_at(path))
        return
    yield _finding(INVALID_VALUE, f"{where}: {err.message}", doc.value_at(path))  # pragma: no cover - other keywords


def _branch_shape(err: Any, root: Mapping[str, Any]) -> str:
    """The shape of value an anyOf alternative describes."""
    # err.relative_schema_path starts with the alternative's index
    s = _resolve(err.schema, root) if isinstance(err.schema, Mapping) else {}
    # errors deeper than the alternative itself always concern that alternative
    if len(err.relative_path) > 0:
        return "object" if isinstance(err.relative_path[0], str) else "array"
    t = s.get("type")
    if t in ("object", "array"):
        return t
    return "scalar"


def structure_findings(doc: ParsedDocument, schema: Mapping[str, Any]) -> list[Finding]:
    """Validate ``doc`` against ``schema``; every error becomes a finding."""
    if not isinstance(doc.data, dict):
        # a document that is one scalar is read as its whole text
        got = _show(doc.data.strip() if isinstance(doc.data, str) else doc.data)
        return [_finding(INVALID_VALUE, f"a template must be a mapping of keys to values, got {got}",
                         doc.value_at(()), "start with `template: my-procedure` on the first line")]
    seen: set[tuple] = set()
    out: list[Finding] = []
    for err in validator(schema).iter_errors(doc.data):
        for f in _translate(err, doc, schema):
            key = (f.line, f.col, f.code, f.message)
            if key not in seen:
                seen.add(key)
                out.append(f)
    return sorted(out, key=lambda f: f.sort_key)
