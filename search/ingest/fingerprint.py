"""Body fingerprints for near-duplicate detection: bottom-k MinHash sketches of word shingles.

Syndicated copies of one article differ in chrome, a headline, a sentence or two; their sets of
5-word shingles overlap heavily. The k smallest shingle hashes of a body are a sample whose
overlap with another body's estimates the Jaccard similarity of the two shingle sets.
"""

from __future__ import annotations

import hashlib
import heapq
import re
import struct
from functools import lru_cache

import numpy as np

SKETCH_SIZE = 32
SHINGLE_WORDS = 5
_WORD = re.compile(r"\w+")
_MASK = (1 << 64) - 1


def body_sketch(body: str) -> tuple[int, ...]:
    """Return the SKETCH_SIZE smallest 64-bit hashes of the body's word shingles, ascending."""
    words = np.fromiter(map(_word_hash, _WORD.findall(body.casefold())), dtype=np.uint64)
    if len(words) < SHINGLE_WORDS:
        return ()
    hashes = _tuple_hashes(words, SHINGLE_WORDS)
    if len(hashes) > 2 * SKETCH_SIZE:
        # The smallest distinct values are among the smallest 2k unless the body repeats itself;
        # np.unique of the whole array (a sort) only then.
        smallest = np.unique(np.partition(hashes, 2 * SKETCH_SIZE)[: 2 * SKETCH_SIZE + 1])
        if len(smallest) >= SKETCH_SIZE:
            return tuple(int(h) for h in smallest[:SKETCH_SIZE])
    return tuple(int(h) for h in np.unique(hashes)[:SKETCH_SIZE])


# Sketches are stored in indexes, so a shingle's hash must never change: it is the hash CPython
# gives a tuple of the shingle's word hashes (xxHash-style, stable for ints; what `hash(tuple)`
# returned before this was vectorised), computed for all shingles at once as unsigned 64-bit
# arithmetic that wraps like C's.
_XXPRIME_1 = np.uint64(11400714785074694791)
_XXPRIME_2 = np.uint64(14029467366897019727)
_XXPRIME_5 = np.uint64(2870177450012600261)
_HASH_MODULUS = np.uint64((1 << 61) - 1)  # CPython's hash of a non-negative int is int % (2**61 - 1)
_MINUS_ONE = np.uint64(_MASK)  # -1 is no hash in CPython: a tuple hashing to it gets this instead
_INSTEAD_OF_MINUS_ONE = np.uint64(1546275796)


def _tuple_hashes(items: "np.ndarray", width: int) -> "np.ndarray":
    """hash(tuple(items[i:i + width])) & _MASK for every i, as uint64."""
    lanes = items % _HASH_MODULUS
    count = len(items) - width + 1
    acc = np.full(count, _XXPRIME_5, dtype=np.uint64)
    for k in range(width):
        acc += lanes[k : k + count] * _XXPRIME_2
        acc = (acc << np.uint64(31)) | (acc >> np.uint64(33))
        acc *= _XXPRIME_1
    acc += np.uint64(width ^ (int(_XXPRIME_5) ^ 3527539))
    acc[acc == _MINUS_ONE] = _INSTEAD_OF_MINUS_ONE
    return acc


@lru_cache(maxsize=500_000)
def _word_hash(word: str) -> int:
    # A stable hash (Python's own hash() of a str changes between runs; sketches are stored).
    return int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "big")


def resemblance(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    """Estimate the Jaccard similarity of two bodies from their sketches."""
    if not a or not b:
        return 0.0
    union = heapq.nsmallest(SKETCH_SIZE, set(a) | set(b))
    shared = set(a) & set(b)
    return sum(1 for h in union if h in shared) / len(union)


def pack(sketch: tuple[int, ...]) -> bytes:
    return struct.pack(f">{len(sketch)}Q", *sketch)


def unpack(data: bytes) -> tuple[int, ...]:
    return struct.unpack(f">{len(data) // 8}Q", data) if data else ()
