"""One identity per person: how user names are compared, and the role table.

Every name sopframe compares -- the acting user, the users of the ``roles``
configuration, the values of ``user`` fields -- goes through
:func:`normalise`: surrounding whitespace trimmed, Unicode NFKC, case-folded.
``Alice``, ``alice `` and ``ａｌｉｃｅ`` (full-width) are one person.  Names
with control or invisible formatting characters are refused, and so are
names that mix scripts (``аlice`` with a Cyrillic ``а``): they exist to be
mistaken for someone else.

A second name for a person (an e-mail address for a user name) counts only
through the explicit ``aliases`` table: ``"alice@example.com" = "alice"``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterable, Mapping, NamedTuple

__all__ = ["normalise", "name_problem", "check_name", "scripts_of", "RoleTable", "RolesProblem", "roles_from_toml"]

#: characters that are never part of a name: controls, invisible formatting, line and paragraph separators
_BAD_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"}
#: scripts whose letters look alike (Latin a, Cyrillic а, Greek α ...): a name may use only one of them
_LOOKALIKE_SCRIPTS = {"LATIN", "CYRILLIC", "GREEK", "ARMENIAN", "CHEROKEE", "COPTIC", "GEORGIAN"}


@lru_cache(maxsize=1024)  # every command compares its actor with the holders of a role, again and again
def normalise(name: str) -> str:
    """The form a name is compared and stored in: trimmed, NFKC, case-folded (NFKC again after folding)."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name.strip()).casefold())


def scripts_of(text: str) -> set[str]:
    """The scripts of a name's letters (``LATIN``, ``CYRILLIC`` ...), from the Unicode character names."""
    out: set[str] = set()
    for ch in text:
        if not ch.isalpha():
            continue
        try:
            word = unicodedata.name(ch).split(" ", 1)[0]
        except ValueError:
            continue
        out.add(word)
    return out


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a user name, or None."""
    if not name.strip():
        return "a user name cannot be empty"
    bad = sorted({ch for ch in name if unicodedata.category(ch) in _BAD_CATEGORIES})
    if bad:
        shown = ", ".join(f"U+{ord(ch):04X}" for ch in bad)
        return f"a user name cannot contain control or invisible characters ({shown})"
    scripts = scripts_of(normalise(name)) & _LOOKALIKE_SCRIPTS
    if len(scripts) > 1:
        return (f"a user name cannot mix scripts ({', '.join(sorted(s.lower() for s in scripts))}): "
                "it would look like someone else's")
    return None


def check_name(name: str, max_length: int | None = None) -> str:
    """The normalised name; raise ``ValueError`` saying why it cannot be one."""
    problem = name_problem(name)
    if problem:
        raise ValueError(problem)
    canonical = normalise(name)
    if max_length is not None and len(canonical) > max_length:
        raise ValueError(f"a user name can be at most {max_length} characters, got {len(canonical)}")
    return canonical


class RolesProblem(NamedTuple):
    """A problem in a roles configuration, and where it is (a TOML key or value to find by scanning)."""

    message: str
    key: str  # the role (or alias) the problem is in
    value: str | None = None  # the user name, if it is about one


@dataclass(frozen=True)
class RoleTable:
    """Role -> the (normalised) users who hold it, and alias -> user."""

    holders_of: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    aliases: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def build(cls, roles: Mapping[str, Iterable[str]] | None,
              aliases: Mapping[str, str] | None = None) -> "RoleTable":
        """A table from plain data; raise ``ValueError`` saying what is wrong with a bad one."""
        problems = table_problems(roles or {}, aliases or {})
        if problems:
            raise ValueError(problems[0].message)
        alias_map = {normalise(a): normalise(u) for a, u in (aliases or {}).items()}
        holders = {str(r): tuple(dict.fromkeys(alias_map.get(normalise(u), normalise(u))
                                               for u in ([users] if isinstance(users, str) else users)))
                   for r, users in (roles or {}).items()}
        return cls(holders, alias_map)

    def canonical(self, name: str) -> str:
        """The person a name means: normalised, then through the aliases."""
        n = normalise(name)
        return self.aliases.get(n, n)

    def holders(self, role: str | None) -> tuple[str, ...]:
        return self.holders_of.get(role, ()) if role else ()

    def holds(self, user: str, role: str | None) -> bool:
        return bool(role) and self.canonical(user) in self.holders(role)

    def roles_of(self, user: str) -> list[str]:
        u = self.canonical(user)
        return [r for r, users in self.holders_of.items() if u in users]

    def __bool__(self) -> bool:
        return bool(self.holders_of)


def table_problems(roles: Mapping[str, Any], aliases: Mapping[str, Any]) -> list[RolesProblem]:
    """Everything wrong with a roles table and its aliases, in the order written."""
    out: list[RolesProblem] = []
    for role, users in roles.items():
        if isinstance(users, str):
            users = [users]
        if not isinstance(users, list) or not all(isinstance(u, str) for u in users):
            out.append(RolesProblem(f"roles.{role} must be a list of user names, got {users!r}", str(role)))
            continue
        seen: dict[str, str] = {}
        for u in users:
            problem = name_problem(u)
            if problem:
                out.append(RolesProblem(f"roles.{role}: {u!r}: {problem}", str(role), u))
                continue
            n = normalise(u)
            if n in seen:
                out.append(RolesProblem(f"roles.{role}: {seen[n]!r} and {u!r} are the same person once "
                                        f"normalised ({n!r}); list each person once", str(role), u))
            seen[n] = u
    known = {normalise(u) for users in roles.values() if isinstance(users, list) for u in users
             if isinstance(u, str) and not name_problem(u)}
    for alias, user in aliases.items():
        if not isinstance(user, str):
            out.append(RolesProblem(f"aliases.{alias} must be a user name, got {user!r}", str(alias)))
            continue
        for name in (alias, user):
            problem = name_problem(name)
            if problem:
                out.append(RolesProblem(f"aliases: {name!r}: {problem}", str(alias), name))
        if not name_problem(alias) and normalise(alias) in known:
            out.append(RolesProblem(f"aliases: {alias!r} is itself a user of the roles table; an alias must "
                                    "be another name for one person", str(alias)))
    return out


def roles_from_toml(text: str, roles: Mapping[str, Any], aliases: Mapping[str, Any], file: str,
                    table: str = "") -> RoleTable:
    """The role table of a configuration file; raise ``ValueError`` naming ``file:line`` on a bad one.

    ``table`` is the prefix of the tables in the file (``tool.sopframe.`` in pyproject.toml).
    """
    problems = table_problems(roles, aliases)
    if problems:
        p = problems[0]
        section = "aliases" if p.message.startswith("aliases") else "roles"
        raise ValueError(f"{file}:{find_line(text, table + section, p.key, p.value)}: {p.message}")
    return RoleTable.build(roles, aliases)


def find_line(text: str, section: str, key: str, value: str | None = None) -> int:
    """The line (1-based) of ``key`` in TOML table ``section`` (of ``value`` on it or after it, if given).

    tomllib reports no positions, so the text is scanned: the ``[section]``
    header, then the key's assignment, then the quoted value.  1 if not found.
    """
    lines = text.splitlines()
    header = re.compile(r"\s*\[\s*" + r"\s*\.\s*".join(map(re.escape, section.split("."))) + r"\s*\]")
    any_header = re.compile(r"\s*\[")
    assign = re.compile(r"\s*(?:" + re.escape(key) + r"|\"" + re.escape(key) + r"\"|'" + re.escape(key) + r"')\s*=")
    start = next((i for i, line in enumerate(lines) if header.match(line)), None)
    if start is None:
        dotted = re.compile(r"\s*" + re.escape(section.rsplit(".", 1)[-1]) + r"\s*\.\s*" + re.escape(key) + r"\s*=")
        return next((i + 1 for i, line in enumerate(lines) if dotted.match(line)), 1)
    for i in range(start + 1, len(lines)):
        if any_header.match(lines[i]) and not lines[i].lstrip().startswith("[\""):
            break
        if assign.match(lines[i]):
            if value is None:
                return i + 1
            quoted = (f'"{value}"', f"'{value}'")
            for j in range(i, len(lines)):
                if any(q in lines[j] for q in quoted):
                    return j + 1
                if j > i and (assign.match(lines[j]) or any_header.match(lines[j])):
                    break
            return i + 1
    return start + 1
