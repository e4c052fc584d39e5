"""The Merkle tree matches RFC 6962's recursive definition, and its inclusion proofs hold and fail as they must."""

from __future__ import annotations

import hashlib

from hypothesis import given
from hypothesis import strategies as st

from sopframe.core.merkle import EMPTY_TREE, Tree, leaf_hash, tree_hash, verify_inclusion


def _rfc6962(leaves: list[bytes]) -> bytes:
    """MTH straight from the RFC's definition (slow, obviously right)."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaf_hash(leaves[0])
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + _rfc6962(leaves[:k]) + _rfc6962(leaves[k:])).digest()


def _leaves(n: int) -> list[bytes]:
    return [hashlib.sha256(str(i).encode()).digest() for i in range(n)]


def test_root_is_rfc6962_for_every_size_up_to_70() -> None:
    for n in range(0, 71):
        assert tree_hash(_leaves(n)) == _rfc6962(_leaves(n)).hex(), n
    assert tree_hash([]) == EMPTY_TREE


def test_every_proof_verifies_for_every_size_up_to_40() -> None:
    for n in range(1, 41):
        leaves = _leaves(n)
        tree = Tree(leaves)
        for i in range(n):
            assert verify_inclusion(leaves[i], i, n, tree.inclusion_proof(i), tree.root()), (n, i)


@given(st.integers(2, 300), st.data())
def test_a_proof_fails_for_any_other_leaf_index_size_or_root(n: int, data: st.DataObject) -> None:
    leaves = _leaves(n)
    tree = Tree(leaves)
    i = data.draw(st.integers(0, n - 1))
    proof, root = tree.inclusion_proof(i), tree.root()
    assert verify_inclusion(leaves[i], i, n, proof, root)
    j = data.draw(st.integers(0, n - 1).filter(lambda x: x != i))
    assert not verify_inclusion(leaves[j], i, n, proof, root)
    assert not verify_inclusion(leaves[i], j, n, proof, root)
    assert not verify_inclusion(leaves[i], i, n, proof, "0" * 64)
    if proof:
        bad = list(proof)
        bad[0] = "f" * 64
        assert not verify_inclusion(leaves[i], i, n, bad, root)
        assert not verify_inclusion(leaves[i], i, n, proof[:-1], root)
    assert not verify_inclusion(leaves[i], n, n, proof, root)


def test_consistency_proofs_prove_a_prefix_and_nothing_else() -> None:
    """RFC 9162 2.1.4: every older tree is proven a prefix of every newer one; any changed leaf fails."""
    import hashlib

    from sopframe.core.merkle import Tree, tree_hash, verify_consistency

    for n in range(2, 40):
        leaves = [hashlib.sha256(bytes([i])).digest() for i in range(n)]
        tree = Tree(leaves)
        for m in range(1, n):
            proof, old = tree.consistency_proof(m), tree_hash(leaves[:m])
            assert verify_consistency(m, n, old, tree.root(), proof), (m, n)
            rewritten = [*leaves[:m]]
            rewritten[m // 2] = b"x" * 32
            assert not verify_consistency(m, n, tree_hash(rewritten), tree.root(), proof), (m, n)
            assert not verify_consistency(m, n, old, tree_hash([*leaves[:-1], b"y" * 32]), proof), (m, n)
            assert not verify_consistency(m, n, old, tree.root(), proof[:-1]), (m, n)
