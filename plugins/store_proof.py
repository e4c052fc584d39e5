"""An SQLite store proven whole in compiled code: the fast path of ``sopframe verify``.

Verifying a store means hashing every event and ledger entry.  Read through
Python's ``sqlite3``, each row costs more than hashing it (docs/performance.md,
"Tamper evidence"), so the optional C module ``_chainproof`` (built from
``_chainproof.c`` when a compiler and the SQLite and OpenSSL headers are
there) reads the rows and hashes them where they are read, in one read
transaction, with the same canonical texts and the same checks as the Python
path: each job's chain to its head, the ledger's chain, and that the two
describe the same batches.

It only ever says "proven" or "not proven".  Not proven (tampering, a
column of an unexpected type, or no compiled module) sends verification down
the Python path, which names what is wrong; so the fast path can make
verification quicker, never more lenient.  The pinned templates are checked
here, in Python, once per distinct ``template`` value of the start events
(the compiled module collects them).  Set ``SOPFRAME_PURE_PYTHON=1``
to verify without it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import urllib.parse
from types import ModuleType
from typing import TYPE_CHECKING, Any, Sequence

from sopframe.core.ledger import StoreProof

if TYPE_CHECKING:  # pragma: no cover
    from sopframe_plugins.store_sqlite import SqliteStore

__all__ = ["prove", "compiled", "CHANGED"]

#: what the compiled module says when an append came between its two connections' first reads
CHANGED = "the store changed while verification began"

@functools.cache
def compiled() -> ModuleType | None:
    """The compiled module, if it was built and links the SQLite library Python's ``sqlite3`` uses."""
    if os.environ.get("SOPFRAME_PURE_PYTHON", "") not in ("", "0"):
        return None
    try:
        import _sqlite3

        from sopframe_plugins import _chainproof  # type: ignore[attr-defined]
    except ImportError:
        return None
    path = getattr(_sqlite3, "__file__", None)  # two copies of SQLite in one process break each other's locks
    return _chainproof if path and _chainproof.same_library(path) else None


def prove(store: "SqliteStore", after: int, sizes: Sequence[int]) -> StoreProof | None:
    """The store proven whole (see :meth:`sopframe.core.store.Store.prove`), or None."""
    module = compiled()
    if module is None or store.path == ":memory:":
        return None
    uri = "file:" + urllib.parse.quote(os.path.abspath(store.path)) + "?mode=ro"
    for _attempt in range(3):  # an append between its two connections' first reads: read again
        got: Any = module.prove(uri, after, list(sizes))
        if got != CHANGED:
            break
    if isinstance(got, str):
        return None
    jobs, events, entries, pending, roots, tail, pinned = got
    if not all(_template_intact(store, text) for text in set(pinned)):
        return None
    return StoreProof(jobs, events, entries, pending, roots, tail)


def _template_intact(store: "SqliteStore", value: str) -> bool:
    """A start event's ``template`` value (JSON text; "" when absent) names an intact template.

    The same test as ``sopframe.core.jobcheck.template_problem``: the inline
    text, or else the store's text for the SHA-256, must hash to that SHA-256.
    """
    try:
        t = json.loads(value) if value else None
    except ValueError:
        return False
    if not isinstance(t, dict):
        return False
    sha, text = str(t.get("sha256", "")), t.get("text")
    if text is None:
        text = store.template(sha)
    return text is not None and hashlib.sha256(str(text).encode("utf-8")).hexdigest() == sha
