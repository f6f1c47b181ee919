"""MurmurHash64A (Austin Appleby), the string hash spaCy uses as vocabulary keys (seed 1 over UTF-8 bytes).

Written from the algorithm's description:

    h = seed ^ (len · m)
    for each little-endian 8-byte block k:  k *= m; k ^= k >> r; k *= m; h ^= k; h *= m
    tail bytes XORed into h little-endian; if any: h *= m
    h ^= h >> r; h *= m; h ^= h >> r

with m = 0xc6a4a7935bd1e995, r = 47, all arithmetic mod 2⁶⁴.
"""

from __future__ import annotations

_M = 0xC6A4A7935BD1E995
_R = 47
_MASK = (1 << 64) - 1


def murmurhash64a(data: bytes, seed: int = 1) -> int:
    """64-bit MurmurHash64A of ``data``."""
    n = len(data)
    h = (seed ^ (n * _M)) & _MASK
    nblocks = n // 8
    for i in range(nblocks):
        k = int.from_bytes(data[8 * i: 8 * i + 8], "little")
        k = (k * _M) & _MASK
        k ^= k >> _R
        k = (k * _M) & _MASK
        h ^= k
        h = (h * _M) & _MASK
    tail = data[8 * nblocks:]
    if tail:
        h ^= int.from_bytes(tail, "little")
        h = (h * _M) & _MASK
    h ^= h >> _R
    h = (h * _M) & _MASK
    h ^= h >> _R
    return h


def spacy_key(word: str) -> int:
    """spaCy's vocabulary key for ``word``."""
    return murmurhash64a(word.encode("utf-8"), seed=1)
