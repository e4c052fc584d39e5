"""Sign-offs bind what they approve.

A ``signoff.given`` event records a digest (SHA-256 of the canonical JSON)
of everything the sign-off approves: every value and document of its stage,
and the fields its stage's gate and its own ``not_by`` refer to.  A later
command that changes any of them voids the sign-off in the same atomic
write: a ``signoff.voided`` event names the sign-off, who gave it and the
change.  The stage then needs the sign-off again before it can complete.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from sopframe.core.engine.command import Command, Loaded
from sopframe.core.engine.events import canonical
from sopframe.core.engine.state import JobState

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.model import Signoff, Stage

__all__ = ["approved", "digest", "void_stale", "signoff_ref"]


def signoff_ref(loaded: Loaded, st: "Stage", ref: str) -> tuple[str, str] | None:
    """(stage node, sign-off id) if ``ref`` names a sign-off (``name`` or ``stage.name``), else None."""
    if "." in ref:
        sid, name = ref.split(".", 1)
        other = loaded.graph.find_stage(st, sid)
        if other is not None and name in other.signoffs:
            return other.node, name
        return None
    return (st.node, ref) if ref in st.signoffs else None


def approved(loaded: Loaded, state: JobState, node: str, so: "Signoff") -> dict[str, Any]:
    """What a sign-off approves: ``stage.field`` -> stored value (documents by their SHA-256)."""
    st = loaded.graph.stage(node)
    items: dict[str, Any] = {}

    def add(stage_node: str, fid: str) -> None:
        doc = state.documents.get(stage_node, {}).get(fid)
        items[f"{stage_node}.{fid}"] = doc["sha256"] if doc else state.field_value(stage_node, fid)

    for fid in st.fields:
        add(node, fid)
    refs = [c.field for c in st.gate] + [r for r in so.not_by if signoff_ref(loaded, st, r) is None]
    for ref in refs:
        look = loaded.graph.lookup_field(st, ref)
        if look.field is not None and look.stage is not None:
            add(look.stage.node, look.field.id)
    return items


def digest(items: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(items)).hexdigest()


def void_stale(cmd: Command) -> None:
    """Void every live sign-off that this command's changes altered (emits ``signoff.voided``)."""
    if not cmd.changes:
        return
    changed = {f"{n}.{f}" for n, f in cmd.changes}
    loaded = cmd.loaded
    for node, given in list(cmd.work.signoffs.items()):
        st = loaded.graph.stage(node)
        for sid, rec in list(given.items()):
            so = st.signoffs.get(sid)
            if so is None:
                continue
            items = approved(loaded, cmd.work, node, so)
            touched = sorted(changed & set(items))
            if touched and digest(items) != rec.get("digest"):
                cmd.emit("signoff.voided", stage=node, signoff=sid, user=rec["user"], role=rec["role"],
                         change=", ".join(touched), signed_at=rec["at"])
