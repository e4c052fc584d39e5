"""What the robustness tests share: running the CLI in-process, a small valid
template, and a block-style YAML writer for mutated data."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from sopframe.__main__ import main

#: A small template that is valid with every bundled plugin loaded: a split
#: with two sub-jobs and a rejoin, sign-offs with segregation of duties, a
#: gate, conditional routing and SLAs, and what the job publishes.
SMALL_TEMPLATE = """\
template: access-review
title: Quarterly access review
version: 1.2.0
kind: change
job_id: AR-{year}-{seq:03}

roles:
  owner: System owner
  reviewer: Access reviewer
  security: Security officer

stages:
  scope:
    title: Scope the review
    owner: owner
    fields:
      system:
        type: text
        required: yes
      risk:
        type: choice
        options:
          - low
          - high
        required: yes
      reviewer:
        type: user
        role: reviewer
    sla: 5d
    next: checks
  checks:
    title: Parallel checks
    split:
      accounts:
        suffix: A
        owner: reviewer
        stages:
          list_accounts:
            fields:
              accounts:
                type: integer
                min: 0
            next: confirm
          confirm:
            title: Confirm list
      secrets:
        suffix: B
        owner: security
        stages:
          rotate:
            fields:
              rotated:
                type: bool
    rejoin: review
  review:
    title: Review and sign
    owner: reviewer
    signoffs:
      reviewer:
        role: reviewer
        not_by: scope.reviewer
      security:
        role: security
        not_by: reviewer
    fields:
      removed:
        type: integer
        min: 0
      notes:
        type: longtext
      review_date:
        type: date
        required: yes
    gate:
      removed:
        at_least: 0
    rework: scope
    next:
      when: scope.risk
      is:
        low: close
      otherwise: escalate
  close:
    owner: owner
  escalate:
    owner: security
    sla:
      when: scope.risk
      is:
        high: 2d
      otherwise: 5d

publishes:
  ref: scope.system
  version: scope.system
  effective_date: review.review_date
  review_every: 3 months
"""


def run_cli(capsys: pytest.CaptureFixture[str], args: list[str]) -> tuple[int, str, str]:
    """Run ``sopframe ARGS`` in-process: (exit code, stdout, stderr).

    Fails the test if a Python traceback reached the user, or if ``main``
    returned without exiting.
    """
    capsys.readouterr()  # drop anything printed before
    with pytest.raises(SystemExit) as info:
        main(args)
    out, err = capsys.readouterr()
    code = info.value.code
    code = 0 if code is None else code
    assert isinstance(code, int), f"exit status {code!r} is not an exit code"
    for stream, text in (("stdout", out), ("stderr", err)):
        assert "Traceback (most recent call last)" not in text, f"a traceback reached {stream}:\n{text}"
    assert "sopframe: internal error" not in err, f"an internal error reached the user:\n{err}"
    return code, out, err


def json_findings(out: str) -> list[dict[str, Any]]:
    """The findings of ``validate --format json`` output."""
    return list(json.loads(out)["findings"])


_PLAIN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_ .-]*$")


def _scalar(value: Any) -> str:
    text = "" if value is None else str(value)
    if text and _PLAIN.match(text) and text == text.strip():
        return text
    return "'" + text.replace("'", "''") + "'"


def dump_yaml(data: Any, indent: int = 0) -> str:
    """Plain dicts, lists and strings as block-style YAML strictyaml accepts.

    Empty mappings and lists (which block style cannot write) become empty
    values; scalars that are not plain words are single-quoted.
    """
    pad = " " * indent
    if isinstance(data, dict):
        if not data:
            return pad + "''\n" if indent == 0 else ""
        out = []
        for key, value in data.items():
            head = f"{pad}{_scalar(key)}:"
            if isinstance(value, (dict, list)) and value:
                out.append(head + "\n" + dump_yaml(value, indent + 2))
            elif isinstance(value, (dict, list)):
                out.append(head + "\n")
            else:
                out.append(f"{head} {_scalar(value)}\n")
        return "".join(out)
    if isinstance(data, list):
        if not data:
            return pad + "''\n" if indent == 0 else ""
        out = []
        for item in data:
            if isinstance(item, (dict, list)) and item:
                out.append(f"{pad}-\n" + dump_yaml(item, indent + 2))
            elif isinstance(item, (dict, list)):
                out.append(f"{pad}- ''\n")
            else:
                out.append(f"{pad}- {_scalar(item)}\n")
        return "".join(out)
    return f"{pad}{_scalar(data)}\n"
