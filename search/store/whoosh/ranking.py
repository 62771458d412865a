"""Scores as arrays: BM25F over the fields of a query word, comment-only matches last, and a
bonus for query words found close together.

BM25F (Robertson, Zaragoza and Taylor, "Simple BM25 extension to multiple weighted fields",
2004): for each query word, each field's frequency is weighted (search.schema.FIELD_WEIGHTS) and
normalised by that field's length, the sum over fields is saturated once, and the result is
multiplied by the word's idf. A word in the title and the body thus counts as one word that the
document is much about, not as two words. The idf is Lucene's, log(1 + (N - df + 0.5) / (df +
0.5)), which, unlike Whoosh's log(N / (df + 1)) + 1, gives a word in nearly every document almost
no weight, as the engines users compare with do.
"""

from __future__ import annotations

import math

import numpy as np
from whoosh import query as wq
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length

from search.parsing import WORD_TERMS, FieldsWord
from search.store.whoosh.hooks.lengths import length_codes
from search.schema import FIELD_WEIGHTS

_LENGTHS = np.array([byte_to_length(code) if code else 0 for code in range(256)], dtype=np.float64)

# BM25's saturation and length normalisation; the usual values (Lucene's and tantivy's), which
# the judged set did not move: see the calibration note beside FIELD_WEIGHTS.
K1 = 1.2
B = 0.75
# Scores of documents that match only through comments are scaled to lie below the lowest score
# of the documents that match without them (their order among themselves is kept).
BELOW_MAIN = 0.99
# Proximity: pairs of query words (as typed, next to each other in the query) found within
# PROXIMITY_WINDOW words of each other in the title or body add, per pair,
# PROXIMITY_WEIGHT × min(idf) × saturated sum of 1/distance² (BM25TP, Büttcher, Clarke and
# Lushman 2006). Computed for the documents that could reach the first PROXIMITY_TOP places,
# at most PROXIMITY_MAX_DOCS of them (positions are decoded per document).
PROXIMITY_WINDOW = 5
PROXIMITY_WEIGHT = 0.25
PROXIMITY_TOP = 10
PROXIMITY_MAX_DOCS = 20
PROXIMITY_FIELDS = ("body",)


def idf(doc_count: int, doc_frequency: int) -> float:
    return math.log(1 + (doc_count - doc_frequency + 0.5) / (doc_frequency + 0.5))


_averages: dict[tuple, float] = {}


def average_length(searcher, fieldname: str) -> float:
    """Return a field's average length over the documents that have it (as Lucene's BM25 takes
    it; Whoosh divides by every document, which makes a field most documents lack, such as
    comments, look short, and every match in it long)."""
    leaves = [leaf.reader() for leaf, _ in searcher.leaf_searchers()]
    key = (tuple((r.segment().segment_id(), r.doc_count()) for r in leaves), fieldname)
    average = _averages.get(key)
    if average is None:
        having = sum(int(np.count_nonzero(length_codes(r, fieldname))) for r in leaves)
        average = searcher.field_length(fieldname) / having if having else 1.0
        if len(_averages) > 64:
            _averages.clear()
        _averages[key] = average = average or 1.0
    return average


class WordScores:
    """BM25F of query words over one segment: `note` each field's word (its key: the word's place
    in the query or phrase), `add` the field's postings of it where the segment has them, then
    `total()`."""

    def __init__(self, searcher, reader, size: int):
        self.searcher, self.reader, self.size = searcher, reader, size
        self.frequencies: dict[object, np.ndarray] = {}
        self.doc_frequencies: dict[object, int] = {}

    def add(self, key, fieldname: str, ids: np.ndarray, weights: np.ndarray, mask: np.ndarray, boost: float) -> None:
        """Add a field's postings of a word, in the documents of `mask` only (for a phrase:
        where the phrase is)."""
        inside = mask[ids]
        ids = ids[inside]
        field = self.searcher.schema[fieldname]
        frequencies = np.asarray(weights, dtype=np.float64)[inside]  # weights at query time, not in the index
        if field.scorable:
            average = average_length(self.searcher, fieldname)
            lengths = _LENGTHS[length_codes(self.reader, fieldname)[ids]]
            frequencies = frequencies / ((1 - B) + B * lengths / average)
        total = self.frequencies.get(key)
        if total is None:
            total = self.frequencies[key] = np.zeros(self.size)
        total[ids] += FIELD_WEIGHTS.get(fieldname, 1.0) * boost * frequencies

    def note(self, key, fieldname: str, text) -> None:
        """Count a field's documents with a word into the word's document frequency (the most of
        its fields': a lower bound of the documents with the word in any of them)."""
        df = self.searcher.doc_frequency(fieldname, text)
        self.doc_frequencies[key] = max(self.doc_frequencies.get(key, 0), df)

    def total(self) -> np.ndarray:
        score = np.zeros(self.size)
        n = self.searcher.doc_count_all()
        for key, frequency in self.frequencies.items():
            score += idf(n, self.doc_frequencies[key]) * (frequency * (K1 + 1)) / (frequency + K1)
        return score


def below_main_matches(scores: np.ndarray, main: np.ndarray) -> np.ndarray:
    """Return the scores with those of documents not in `main` (matching only through
    comments) scaled below the lowest score of the documents in it."""
    side = ~main
    if not side.any() or not main.any():
        return scores
    floor, top = scores[main].min(), scores[side].max()
    if floor <= 0 or top < floor * BELOW_MAIN:
        return scores
    scores = scores.copy()
    scores[side] *= BELOW_MAIN * floor / top
    return scores


def query_words(parsed: wq.Query) -> list[dict[str, str]]:
    """Return the required words of a query, in order, each as {field: term} over the
    PROXIMITY_FIELDS (empty when the query is not a conjunction of plain words)."""
    parts = parsed.subqueries if type(parsed) is wq.And else [parsed]
    words = []
    for part in parts:
        leaves = part.subqueries if isinstance(part, FieldsWord) else [part]
        word = {leaf.fieldname: leaf.text for leaf in leaves if type(leaf) in WORD_TERMS and leaf.fieldname in PROXIMITY_FIELDS}
        if word:
            words.append(word)
    return words


def add_proximity(searcher, parsed: wq.Query, docs: np.ndarray, scores: np.ndarray, positions_in, deadline) -> np.ndarray:
    """Return `scores` (aligned with the docnums `docs`) with the proximity bonus added for the
    documents that could rank among the first PROXIMITY_TOP with it.

    `positions_in(reader, fieldname, btext, local_docnums)` returns a term's positions per document."""
    words = query_words(parsed)
    if len(words) < 2 or len(docs) < 2 or not PROXIMITY_WEIGHT:
        return scores
    n = searcher.doc_count_all()
    pairs = []
    for a, b in zip(words, words[1:]):
        weight = min(_word_idf(searcher, a, n), _word_idf(searcher, b, n))
        pairs.append((a, b, PROXIMITY_WEIGHT * weight))
    best_bonus = sum(w for _, _, w in pairs) * (K1 + 1)
    top = min(PROXIMITY_TOP, len(scores))
    cut = np.partition(scores, len(scores) - top)[len(scores) - top]
    chosen = np.flatnonzero(scores >= cut - best_bonus)
    if len(chosen) > PROXIMITY_MAX_DOCS:
        chosen = chosen[np.argsort(-scores[chosen], kind="stable")[:PROXIMITY_MAX_DOCS]]
    chosen = np.sort(chosen)
    closeness = np.zeros((len(pairs), len(chosen)))
    for leaf, offset in searcher.leaf_searchers():
        reader = leaf.reader()
        inside = (docs[chosen] >= offset) & (docs[chosen] < offset + reader.doc_count_all())
        if not inside.any():
            continue
        local = docs[chosen][inside] - offset
        for fieldname in PROXIMITY_FIELDS:
            cache = {}
            for i, (a, b, _) in enumerate(pairs):
                if fieldname not in a or fieldname not in b:
                    continue
                pa = _cached(cache, positions_in, reader, fieldname, a[fieldname], local)
                pb = _cached(cache, positions_in, reader, fieldname, b[fieldname], local)
                found = np.array([_pair_closeness(x, y) for x, y in zip(pa, pb)])
                closeness[i, inside] = np.maximum(closeness[i, inside], found)
            deadline.check()
    bonus = sum(w * (c * (K1 + 1)) / (c + K1) for (_, _, w), c in zip(pairs, closeness))
    scores = scores.copy()
    scores[chosen] += bonus
    return scores


def _word_idf(searcher, word: dict[str, str], n: int) -> float:
    df = 0
    for fieldname, text in word.items():
        try:
            df = max(df, searcher.doc_frequency(fieldname, text))
        except (TermNotFound, ValueError):
            pass
    return idf(n, df)


def _cached(cache: dict, positions_in, reader, fieldname: str, text: str, local: np.ndarray):
    if text not in cache:
        try:
            cache[text] = positions_in(reader, fieldname, text.encode("utf-8"), local)
        except TermNotFound:
            cache[text] = [[] for _ in range(len(local))]
    return cache[text]


def _pair_closeness(first: list[int], second: list[int]) -> float:
    """Return the sum over occurrences of `first` of 1/d² to the nearest occurrence of `second`
    within PROXIMITY_WINDOW words (BM25TP's term-pair accumulator)."""
    if not first or not second:
        return 0.0
    total = 0.0
    ordered = sorted(second)
    j = 0
    for p in sorted(first):
        while j + 1 < len(ordered) and ordered[j + 1] <= p:
            j += 1
        d = min(abs(p - ordered[j]), abs(ordered[j + 1] - p) if j + 1 < len(ordered) else PROXIMITY_WINDOW + 1)
        if 0 < d <= PROXIMITY_WINDOW:
            total += 1.0 / (d * d)
    return total
