"""A Merkle tree over the ledger's entries, as Certificate Transparency defines it (RFC 6962 / RFC 9162).

The ledger is a hash chain, so checking that one entry belongs to a signed
head needs every entry before it.  A checkpoint therefore also signs the
Merkle tree hash of the entries it covers: an evidence pack can then carry,
for each entry of the jobs it holds, an inclusion proof of about log2(n)
hashes, and be checked offline against the signed checkpoint alone.

Leaves are the entries' hashes (32 bytes each); leaf and node hashes are
domain-separated (0x00 / 0x01) so a node can never pass for a leaf.
"""

from __future__ import annotations

import hashlib
from typing import Sequence

__all__ = ["leaf_hash", "tree_hash", "Tree", "verify_inclusion", "EMPTY_TREE"]

EMPTY_TREE = hashlib.sha256(b"").hexdigest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


class Tree:
    """Every level of the tree over ``leaves`` (raw bytes), for its root and inclusion proofs.

    Built level by level, an odd node at the end of a level is carried up
    unchanged, which gives exactly RFC 6962's tree (left subtree the largest
    power of two smaller than n).
    """

    def __init__(self, leaves: Sequence[bytes]) -> None:
        level = [leaf_hash(d) for d in leaves]
        self.levels: list[list[bytes]] = [level]
        while len(level) > 1:
            nxt = [_node(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
            if len(level) % 2:
                nxt.append(level[-1])
            self.levels.append(nxt)
            level = nxt

    @property
    def size(self) -> int:
        return len(self.levels[0])

    def root(self) -> str:
        return self.levels[-1][0].hex() if self.size else EMPTY_TREE

    def inclusion_proof(self, index: int) -> list[str]:
        """The audit path of leaf ``index`` (0-based), bottom up, as hex."""
        if not 0 <= index < self.size:
            raise IndexError(f"leaf {index} is not in a tree of {self.size}")
        path: list[str] = []
        for level in self.levels[:-1]:
            sibling = index ^ 1
            if sibling < len(level):
                path.append(level[sibling].hex())
            index //= 2
        return path


def tree_hash(leaves: Sequence[bytes]) -> str:
    """The Merkle tree hash of ``leaves`` (hex)."""
    return Tree(leaves).root()


def verify_inclusion(data: bytes, index: int, size: int, path: Sequence[str], root: str) -> bool:
    """Does ``path`` prove leaf ``data`` at ``index`` in the tree of ``size`` leaves with ``root``? (RFC 9162 2.1.3.2)"""
    if not 0 <= index < size:
        return False
    try:
        proof = [bytes.fromhex(p) for p in path]
    except ValueError:
        return False
    fn, sn, r = index, size - 1, leaf_hash(data)
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = _node(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = _node(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r.hex() == root
