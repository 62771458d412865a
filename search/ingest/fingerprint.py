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

SKETCH_SIZE = 32
SHINGLE_WORDS = 5
_WORD = re.compile(r"\w+")
_MASK = (1 << 64) - 1


def body_sketch(body: str) -> tuple[int, ...]:
    """Return the SKETCH_SIZE smallest 64-bit hashes of the body's word shingles, ascending."""
    words = [_word_hash(w.casefold()) for w in _WORD.findall(body)]
    if len(words) < SHINGLE_WORDS:
        return ()
    # Hashing a tuple of ints runs in C and, unlike hashing str, is the same in every process.
    shingles = zip(*(words[k:] for k in range(SHINGLE_WORDS)))
    return tuple(heapq.nsmallest(SKETCH_SIZE, {hash(s) & _MASK for s in shingles}))


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
