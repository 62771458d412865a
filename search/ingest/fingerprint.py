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

SKETCH_SIZE = 16
SHINGLE_WORDS = 5
_WORD = re.compile(r"\w+")


def body_sketch(body: str) -> tuple[int, ...]:
    """Return the SKETCH_SIZE smallest 64-bit hashes of the body's word shingles, ascending."""
    words = [w.casefold() for w in _WORD.findall(body)]
    if len(words) < SHINGLE_WORDS:
        return ()
    shingles = {" ".join(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)}
    hashes = (int.from_bytes(hashlib.blake2b(s.encode("utf-8"), digest_size=8).digest(), "big") for s in shingles)
    return tuple(heapq.nsmallest(SKETCH_SIZE, hashes))


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
