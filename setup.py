"""The optional compiled part of sopframe; everything else is declared in pyproject.toml.

``sopframe_plugins._chainproof`` proves a whole SQLite store's record (every
job's hash chain, the ledger, their coverage) about ten times faster than
Python can read the rows (docs/performance.md, "Tamper evidence").  It needs
a C compiler and the SQLite and OpenSSL headers (Debian: ``libsqlite3-dev``,
``libssl-dev``).  Where it cannot be built the install goes on without it and
``sopframe verify`` runs the same checks in Python.
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("sopframe_plugins._chainproof", ["plugins/_chainproof.c", "plugins/_chainproof_scan.c"],
                             depends=["plugins/_chainproof_scan.h", "plugins/_chainproof_text.h"],
                             libraries=["sqlite3", "crypto"],
                             extra_link_args=["-pthread"], optional=True)])
