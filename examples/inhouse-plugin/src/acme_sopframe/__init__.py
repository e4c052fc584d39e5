"""ACME Corp's in-house sopframe plugin.

Adds rule ACME101 (a change template must name a CAB role that signs off)
and a template pack with ACME's standard firewall change.  Hooks live in
:mod:`acme_sopframe.plugin`; the rule in :mod:`acme_sopframe.rules`.
"""

__version__ = "1.0.0"
