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

__all__ = ["leaf_hash", "tree_hash", "Tree", "verify_inclusion", "verify_consistency", "EMPTY_TREE"]

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

    def consistency_proof(self, m: int) -> list[str]:
        """Proof that the tree of the first ``m`` leaves is a prefix of this one (RFC 9162 2.1.4.1), as hex."""
        if not 0 < m < self.size:
            raise IndexError(f"no consistency proof from {m} leaves to a tree of {self.size}")
        return [p.hex() for p in self._subproof(m, 0, self.size, True)]

    def _subproof(self, m: int, start: int, end: int, whole: bool) -> list[bytes]:
        """RFC 9162's SUBPROOF(m, D[start:end], whole), ``m`` counted from ``start``."""
        if m == end - start:
            return [] if whole else [self._range(start, end)]
        k = _split(end - start)
        if m <= k:
            return [*self._subproof(m, start, start + k, whole), self._range(start + k, end)]
        return [*self._subproof(m - k, start + k, end, False), self._range(start, start + k)]

    def _range(self, start: int, end: int) -> bytes:
        """The hash of the subtree over leaves ``start``..``end - 1`` (``start`` aligned as RFC 6962 splits)."""
        n = end - start
        if n & (n - 1) == 0:  # a full subtree: a node the levels already hold
            return self.levels[n.bit_length() - 1][start // n]
        k = _split(n)
        return _node(self._range(start, start + k), self._range(start + k, end))


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def verify_consistency(old_size: int, new_size: int, old_root: str, new_root: str, path: Sequence[str]) -> bool:
    """Does ``path`` prove the tree of ``old_size`` leaves with ``old_root`` a prefix of the one with ``new_root``?

    RFC 9162 2.1.4.2: whoever holds the older signed tree hash can tell a
    log that only grew from one whose earlier leaves were rewritten.
    """
    if old_size == new_size:
        return old_root == new_root and not path
    if not 0 < old_size < new_size or not path and old_size & (old_size - 1):
        return False
    try:
        proof = [bytes.fromhex(p) for p in path]
        if old_size & (old_size - 1) == 0:
            proof.insert(0, bytes.fromhex(old_root))
    except ValueError:
        return False
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = _node(c, fr), _node(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = _node(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr.hex() == old_root and sr.hex() == new_root


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
