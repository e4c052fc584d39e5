"""Templates whose fields are captured on more than one path, shared by the validator and engine tests."""

from __future__ import annotations

HEAD = """\
template: t
title: T
version: 1.0.0
kind: change
roles:
  engineer: Does the work
stages:
  start:
    owner: engineer
    fields:
      path:
        type: choice
        options:
          - a
          - b
    next:
      when: path
      is:
        a: via_a
        b: via_b
"""

#: both paths capture `checked`; `finish`, where they meet, gates on it
BOTH_PATHS = HEAD + """\
  via_a:
    owner: engineer
    fields:
      checked:
        type: bool
        required: yes
    next: finish
  via_b:
    owner: engineer
    fields:
      checked:
        type: bool
        required: yes
    next: finish
  finish:
    owner: engineer
    gate:
      checked: yes
"""
