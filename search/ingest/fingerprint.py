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

from search.ingest.actors import CURLY_APOSTROPHES

SKETCH_SIZE = 32
SHINGLE_WORDS = 5
_WORD = re.compile(r"\w+")
_MASK = (1 << 64) - 1


def body_sketch(body: str, tokens: list[str] | None = None) -> tuple[int, ...]:
    """Return the SKETCH_SIZE smallest 64-bit hashes of the body's word shingles, ascending.

    `tokens`, when given, are the body's tokens as search.ingest.actors.tokens_of makes them (the
    actor tagger has just split the body so): the body is then not read again word by word."""
    words = _token_word_hashes(body, tokens) if tokens is not None else None
    if words is None:
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


# A token as written → the _word_hash of its casefolded form, or _NOT_A_WORD for a punctuation
# token; looked up in C for every token (an lru_cache's bookkeeping cost twice as much). Cleared
# when full, which keeps its memory bounded without an LRU's.
_TOKEN_HASHES: dict[str, int] = {}
_TOKEN_HASHES_MAX = 500_000
_NOT_A_WORD = 0
_word_hash_is_sentinel = False  # a word hashed to _NOT_A_WORD (odds 2**-64): tokens are not used
_TOKEN_SAFE: dict[str, bool] = {}  # character → _char_is_safe(character); at most Unicode's size
_BEYOND_LATIN_1 = re.compile(r"[^\x00-\xff]")


def _token_word_hashes(body: str, tokens: list[str]) -> "np.ndarray | None":
    """The word hashes body_sketch takes from `body`, read from its tokens instead; None where the
    two could differ: a character that casefolds across the word/non-word line ("İ" → "i" and a
    combining dot) or that tokens_of reads as an apostrophe ("ʼ"), so stored sketches never change."""
    if _word_hash_is_sentinel or not _all_chars_safe(body):
        return None
    try:
        hashes = np.fromiter(map(_TOKEN_HASHES.__getitem__, tokens), dtype=np.uint64, count=len(tokens))
    except KeyError:
        _learn_tokens(tokens)
        if _word_hash_is_sentinel:
            return None
        hashes = np.fromiter(map(_TOKEN_HASHES.__getitem__, tokens), dtype=np.uint64, count=len(tokens))
    return hashes[hashes != _NOT_A_WORD]


def _learn_tokens(tokens: list[str]) -> None:
    global _word_hash_is_sentinel
    missing = set(tokens).difference(_TOKEN_HASHES)
    if len(_TOKEN_HASHES) + len(missing) > _TOKEN_HASHES_MAX:
        _TOKEN_HASHES.clear()
        missing = set(tokens)
    for token in missing:
        if _WORD.match(token):  # tokens_of makes words (\w+) and single punctuation characters
            value = _word_hash(token.casefold())
            _word_hash_is_sentinel |= value == _NOT_A_WORD
        else:
            value = _NOT_A_WORD
        _TOKEN_HASHES[token] = value


def _all_chars_safe(text: str) -> bool:
    # Every character up to U+00FF is safe (tests/test_duplicates.py tries them all).
    chars = set(_BEYOND_LATIN_1.findall(text))
    for char in chars.difference(_TOKEN_SAFE):
        _TOKEN_SAFE[char] = _char_is_safe(char)
    return all(map(_TOKEN_SAFE.__getitem__, chars))


def _char_is_safe(char: str) -> bool:
    """Whether `char` is on the same side of the word/non-word line as read by tokens_of and in
    every character of its casefold: then the words of body.casefold() are exactly the casefolded
    word tokens, one for one."""
    is_word = _WORD.fullmatch("'" if char in CURLY_APOSTROPHES else char) is not None
    folded = char.casefold()
    return bool(folded) and all((_WORD.fullmatch(c) is not None) == is_word for c in folded)


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
