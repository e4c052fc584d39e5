"""The hash chain: canonical encoding, and verify naming the first bad event."""

from __future__ import annotations

import hashlib

from sopframe.core.engine.events import GENESIS, Event, NewEvent, canonical, chain, verify_chain


def make(n: int = 5) -> list[Event]:
    new = [NewEvent("field.set", {"stage": "s", "field": "f", "value": i}) for i in range(n)]
    return chain("J-1", 0, GENESIS, new, "alice", "2026-01-05T09:00:00.000000Z")


def test_canonical_is_sorted_compact_utf8() -> None:
    assert canonical({"b": 1, "a": ["é", None]}) == '{"a":["é",null],"b":1}'.encode()


def test_chain_links_and_hashes_each_event() -> None:
    evs = make(3)
    assert [e.seq for e in evs] == [1, 2, 3]
    assert evs[0].prev == GENESIS and evs[1].prev == evs[0].hash and evs[2].prev == evs[1].hash
    body = {k: v for k, v in evs[1].to_dict().items() if k != "hash"}
    assert evs[1].hash == hashlib.sha256(canonical(body)).hexdigest()
    assert Event.from_dict(evs[2].to_dict()) == evs[2]


def test_intact_chain_verifies() -> None:
    evs = make()
    assert verify_chain("J-1", evs, (5, evs[-1].hash)) is None


def test_edited_event_is_named() -> None:
    evs = make()
    evs[2] = evs[2]._replace(data={"stage": "s", "field": "f", "value": 99})
    problem = verify_chain("J-1", evs)
    assert problem is not None and problem.seq == 3 and "hash" in problem.reason


def test_edited_actor_or_time_is_caught() -> None:
    evs = make()
    evs[1] = evs[1]._replace(actor="mallory")
    assert verify_chain("J-1", evs).seq == 2  # type: ignore[union-attr]
    evs = make()
    evs[3] = evs[3]._replace(at="2025-01-01T00:00:00.000000Z")
    assert verify_chain("J-1", evs).seq == 4  # type: ignore[union-attr]


def test_deleted_event_is_named() -> None:
    evs = make()
    del evs[1]
    problem = verify_chain("J-1", evs)
    assert problem is not None and problem.seq == 3 and "deleted" in problem.reason


def test_deleted_last_event_is_caught_against_the_head() -> None:
    evs = make()
    head = (evs[-1].seq, evs[-1].hash)
    problem = verify_chain("J-1", evs[:-1], head)
    assert problem is not None and "last event" in problem.reason


def test_reordered_events_are_named() -> None:
    evs = make()
    evs[1], evs[2] = evs[2], evs[1]
    problem = verify_chain("J-1", evs)
    assert problem is not None and problem.position == 2


def test_reordered_contents_with_renumbering_are_caught() -> None:
    evs = make()
    a, b = evs[1], evs[2]
    evs[1] = b._replace(seq=2)
    evs[2] = a._replace(seq=3)
    problem = verify_chain("J-1", evs)
    assert problem is not None and problem.seq == 2


def test_inserted_event_is_named_even_with_a_valid_own_hash() -> None:
    evs = make()
    forged = chain("J-1", 2, evs[1].hash, [NewEvent("signoff.given", {"x": 1})], "mallory", evs[1].at)[0]
    tampered = [*evs[:2], forged, *[e._replace(seq=e.seq + 1) for e in evs[2:]]]
    problem = verify_chain("J-1", tampered)
    assert problem is not None and problem.seq == 4  # the event after the insert no longer links


def test_event_of_another_job_is_caught() -> None:
    evs = make()
    evs[2] = evs[2]._replace(job="J-2")
    assert verify_chain("J-1", evs).seq == 3  # type: ignore[union-attr]


def test_chain_hash_is_the_hash_of_the_canonical_body_for_any_text() -> None:
    odd = ['quote " and \\ backslash', "naïve ✓ 雪", "\u2028 line sep", "tab\tnew\nline", "\x00 nul"]
    new = [NewEvent(f"type.{i}", {"z": s, "a": [1, True, None, {"k": s}]}) for i, s in enumerate(odd)]
    for e in chain("J-\"1\"", 41, "f" * 64, new, "ålice \"x\"", "2026-01-05T09:00:00.000000Z"):
        assert e.hash == e.compute_hash()
