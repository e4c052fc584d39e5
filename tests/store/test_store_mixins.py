"""The SQL store is composed of table mixins (ledger, read models, outbox,
accounts): a helper two of them define differently would silently resolve to
one of them by the method resolution order."""

from __future__ import annotations

from collections import defaultdict


def test_no_two_table_mixins_define_the_same_name_unless_the_store_does() -> None:
    from sopframe.core.store import Store
    from sopframe_plugins.store_sql import SqlStore

    mixins = [c for c in SqlStore.__mro__[1:] if c not in (Store, object) and c.__module__.startswith("sopframe_plugins")]
    assert len(mixins) >= 3, mixins
    owners: dict[str, list[str]] = defaultdict(list)
    for cls in mixins:
        for name in vars(cls):
            if not name.startswith("__"):
                owners[name].append(cls.__name__)
    clashes = {name: who for name, who in owners.items() if len(who) > 1 and name not in vars(SqlStore)}
    assert not clashes, f"defined by several mixins, resolved by MRO alone: {clashes}"
