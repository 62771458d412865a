"""Every document a parsed query matches, with its BM25F score, computed with array operations.

Facet counts need every match, not only the top ten, and Whoosh's matchers find them one Python
call per document and sub-query (a common word over four fields at 100k articles: several
hundred milliseconds). Here each query node becomes a dense pair of arrays over a segment's
documents, a match mask and a score, from the positions-free postings of search.postings:
terms are array slices, AND and OR are mask operations, phrases are checked position by
position only in the documents that hold all their words.

Scores are Whoosh's own BM25F (same idf, average lengths, length bytes and boosts), so the
ranking is the one Whoosh's matchers give; tests compare the two on every query form. A node
this module does not know (wildcards, fuzzy terms, ...) and a segment without recorded
postings are evaluated by Whoosh's matcher, so every query still works.
"""

from __future__ import annotations

import math
import pickle
import time
from itertools import accumulate

import numpy as np
from whoosh import query as wq
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.formats import Positions
from whoosh.system import _INT_SIZE
from whoosh.reading import TermNotFound
from whoosh.scoring import BM25F
from whoosh.util.numeric import byte_to_length

from search.errors import QueryTimeout
from search.postings import segment_postings
from search.readers import length_codes

_LENGTHS = np.array([byte_to_length(code) if code else 0 for code in range(256)], dtype=np.float64)
CHECK_EVERY = 4096  # documents a Whoosh fallback steps through between deadline checks


class _Deadline:
    def __init__(self, timeout: float):
        self.timeout = timeout
        self.at = time.perf_counter() + timeout

    def check(self) -> None:
        if time.perf_counter() > self.at:
            raise QueryTimeout(f"the query ran longer than {self.timeout:g}s and was stopped", hint="make it more specific")


def match_all(searcher, parsed: wq.Query, timeout: float, scored: bool, directory) -> tuple[np.ndarray, np.ndarray | None]:
    """Return the docnums matching `parsed` (ascending) and, when `scored`, their scores."""
    deadline = _Deadline(timeout)
    weighting = searcher.weighting
    native = isinstance(weighting, BM25F) and not weighting._field_B
    docs, scores = [], []
    for leaf, offset in searcher.leaf_searchers():
        deadline.check()
        reader = leaf.reader()
        size = reader.doc_count_all()
        if size == 0:
            continue
        postings = segment_postings(directory, reader.segment().segment_id()) if native else None
        leaf_eval = _Leaf(searcher, leaf, postings, scored, deadline, weighting)
        mask, score = leaf_eval.evaluate(parsed)
        if leaf_eval.deleted is not None:
            mask &= ~leaf_eval.deleted
        found = np.flatnonzero(mask)
        docs.append(found + offset)
        if scored:
            scores.append(score[found])
    deadline.check()
    all_docs = np.concatenate(docs) if docs else np.zeros(0, dtype=np.int64)
    return all_docs, ((np.concatenate(scores) if scores else np.zeros(0)) if scored else None)


class _Leaf:
    """Evaluates query nodes over one segment into (mask, score) arrays of its length."""

    def __init__(self, searcher, leaf, postings, scored: bool, deadline: _Deadline, weighting):
        self.searcher, self.leaf, self.postings = searcher, leaf, postings
        self.reader = leaf.reader()
        self.size = self.reader.doc_count_all()
        self.scored, self.deadline, self.weighting = scored, deadline, weighting
        self.schema = searcher.schema
        # The recorded postings predate later deletions; Whoosh's own skip deleted documents.
        self.deleted = None
        if self.reader.has_deletions():
            deleted = np.fromiter(self.reader.segment().deleted_docs(), dtype=np.int64)
            self.deleted = np.zeros(self.size, dtype=bool)
            self.deleted[deleted[deleted < self.size]] = True

    def empty(self):
        return np.zeros(self.size, dtype=bool), np.zeros(self.size)

    def evaluate(self, node):
        if self.postings is None:
            return self.whoosh(node)
        return self.node(node)

    def node(self, q):
        if q is wq.NullQuery or isinstance(q, type(wq.NullQuery)):
            return self.empty()
        if type(q) is wq.Term and self._recorded(q.fieldname):
            return self.term(q)
        if type(q) is wq.Phrase and self._recorded(q.fieldname):
            return self.phrase(q)
        if type(q) is wq.And:
            return self.conjunction(q)
        if type(q) is wq.Or and not q.scale and not q.minmatch:
            return self.disjunction(q)
        if type(q) is wq.AndNot:
            mask, score = self.node(q.a)
            excluded, _ = self.node(q.b)
            mask &= ~excluded
            return mask, self._boost(score, q.boost)
        if type(q) is wq.AndMaybe:
            mask, score = self.node(q.a)
            maybe, extra = self.node(q.b)
            return mask, self._boost(score + np.where(maybe, extra, 0.0), q.boost)
        if type(q) is wq.Every and not self.scored:
            return np.ones(self.size, dtype=bool), np.zeros(self.size)
        return self.whoosh(q)

    def _recorded(self, fieldname: str) -> bool:
        return self.postings.has_field(fieldname) and fieldname in self.schema

    def _boost(self, score, boost: float):
        return score * boost if self.scored and boost != 1.0 else score

    def conjunction(self, q):
        subs = q.subqueries
        if not subs:
            return self.empty()
        mask, score = None, None
        for sub in subs:
            if isinstance(sub, wq.Not):
                # Whoosh intersects with an inverse matcher, which scores 1 for every document.
                excluded, _ = self.node(sub.query)
                sub_mask, sub_score = ~excluded, (np.ones(self.size) if self.scored else None)
            else:
                sub_mask, sub_score = self.node(sub)
            if mask is None:
                mask, score = sub_mask.copy(), (sub_score.copy() if self.scored else None)
            else:
                mask &= sub_mask
                if self.scored:
                    score += sub_score
            if not mask.any():
                return self.empty()
        if self.scored:
            score = np.where(mask, score, 0.0)
        return mask, (self._boost(score, q.boost) if self.scored else np.zeros(self.size))

    def disjunction(self, q):
        mask, score = self.empty()
        for sub in q.subqueries:
            if isinstance(sub, wq.Not):
                return self.whoosh(q)
            sub_mask, sub_score = self.node(sub)
            mask |= sub_mask
            if self.scored:
                score += np.where(sub_mask, sub_score, 0.0)
        return mask, self._boost(score, q.boost)

    def _postings(self, fieldname: str, text):
        field = self.schema[fieldname]
        try:
            btext = field.to_bytes(text) if not isinstance(text, bytes) else text
        except ValueError:
            return None
        return self.postings.postings(fieldname, btext), btext

    def term(self, q):
        found, btext = self._postings(q.fieldname, q.text) or (None, None)
        mask, score = self.empty()
        if found is None:
            return mask, score
        ids, weights = found
        ids = np.asarray(ids, dtype=np.int64)
        mask[ids] = True
        if self.scored:
            score[ids] = self._bm25(q.fieldname, btext, ids, weights) * q.boost
        return mask, score

    def _bm25(self, fieldname: str, btext: bytes, ids: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Return Whoosh's BM25F score of one term in each of the documents `ids`."""
        field = self.schema[fieldname]
        weights = np.asarray(weights, dtype=np.float64)
        if not field.scorable:
            return weights
        searcher = self.searcher
        idf = math.log(searcher.doc_count_all() / (searcher.doc_frequency(fieldname, btext) + 1)) + 1
        avgfl = searcher.avg_field_length(fieldname) or 1
        lengths = _LENGTHS[length_codes(self.reader, fieldname)[ids]]
        k1, b = self.weighting.K1, self.weighting.B
        return idf * ((weights * (k1 + 1)) / (weights + k1 * ((1 - b) + b * lengths / avgfl)))

    def phrase(self, q):
        """Documents holding the words in a row (stop words skipped, as the index counts
        positions); scored as Whoosh scores its phrase matcher, the sum of the words' scores."""
        if q.slop != 1 or len(q.words) < 2:
            return self.whoosh(q)
        words = []
        for word in q.words:
            got = self._postings(q.fieldname, word)
            if got is None or got[0] is None:
                return self.empty()
            words.append(got)
        mask = np.ones(self.size, dtype=bool)
        score = np.zeros(self.size)
        for (ids, weights), btext in words:
            ids = np.asarray(ids, dtype=np.int64)
            present = np.zeros(self.size, dtype=bool)
            present[ids] = True
            mask &= present
            if self.scored:
                score[ids] += self._bm25(q.fieldname, btext, ids, weights)
        if self.deleted is not None:
            mask &= ~self.deleted
        candidates = np.flatnonzero(mask)
        if len(candidates):
            verified = self._verify_phrase(q.fieldname, [btext for _, btext in words], candidates)
            mask[:] = False
            mask[verified] = True
        if self.scored:
            score = np.where(mask, score, 0.0) * q.boost
        return mask, score

    def _verify_phrase(self, fieldname: str, btexts: list[bytes], candidates: np.ndarray) -> np.ndarray:
        """Return the candidates in which the words occur at consecutive positions."""
        fmt = self.schema[fieldname].format
        positions = [_positions_in(self.reader, fieldname, btext, candidates, fmt, self.deadline) for btext in btexts]
        kept = []
        if len(btexts) == 2:
            for doc, first, second in zip(candidates.tolist(), positions[0], positions[1]):
                if not set(first).isdisjoint([p - 1 for p in second]):
                    kept.append(doc)
            return np.array(kept, dtype=np.int64)
        for i, doc in enumerate(candidates.tolist()):
            starts = set(positions[0][i])
            for offset in range(1, len(btexts)):
                starts &= {p - offset for p in positions[offset][i]}
                if not starts:
                    break
            if starts:
                kept.append(doc)
        return np.array(kept, dtype=np.int64)

    def whoosh(self, q):
        """Evaluate a node with Whoosh's own matcher (what this module does not do itself)."""
        mask, score = self.empty()
        context = self.leaf.context() if self.scored else self.leaf.boolean_context()
        try:
            matcher = q.matcher(self.leaf, context)
        except TermNotFound:
            return mask, score
        ids, scores = [], []
        while matcher.is_active():
            ids.append(matcher.id())
            if self.scored:
                scores.append(matcher.score())
            matcher.next()
            if len(ids) % CHECK_EVERY == 0:
                self.deadline.check()
        if ids:
            index = np.array(ids, dtype=np.int64)
            mask[index] = True
            if self.scored:
                score[index] = scores
        return mask, score


def _positions_in(reader, fieldname: str, btext: bytes, candidates: np.ndarray, fmt, deadline) -> list[list[int]]:
    """Return a term's positions in each of `candidates` (ascending docnums that all hold it).

    Reads Whoosh's posting blocks directly and decodes positions only for the candidates: its
    matcher's skip_to steps through every posting before a target one Python call at a time.
    """
    matcher = reader.postings(fieldname, btext)
    raw = getattr(matcher, "child", matcher)  # under the filter that hides deleted documents
    if not isinstance(raw, W3LeafMatcher) or type(fmt).decode_positions is not Positions.decode_positions:
        return _positions_by_matcher(matcher, candidates)
    wanted = candidates.tolist()
    out: list[list[int]] = []
    at = 0
    blocks = 0
    while at < len(wanted) and raw.is_active():  # blocks in order, skipping those before a candidate
        if raw.block_max_id() < wanted[at]:
            raw._next_block()  # reads only the block's header
            continue
        if raw._ids is None:
            raw._read_ids()
        if raw._values is None:
            raw._read_values()
        ids, values = raw._ids, raw._values
        index = {doc: i for i, doc in enumerate(ids)}
        last = ids[-1]
        while at < len(wanted) and wanted[at] <= last:
            i = index.get(wanted[at])
            out.append(_decode_positions(values[i]) if i is not None else [])
            at += 1
        raw._next_block()
        blocks += 1
        if blocks % 256 == 0:
            deadline.check()
    out.extend([] for _ in range(len(wanted) - len(out)))
    return out


def _decode_positions(value: bytes) -> list[int]:
    """Whoosh's Positions.decode_positions (a length, then the pickled gaps without the pickle's
    final STOP byte), with the running sum taken in C."""
    return list(accumulate(pickle.loads(value[_INT_SIZE:] if value.endswith(b".") else value[_INT_SIZE:] + b".")))


def _positions_by_matcher(matcher, candidates: np.ndarray) -> list[list[int]]:
    out = []
    for doc in candidates.tolist():
        matcher.skip_to(doc)
        out.append(matcher.value_as("positions"))
    return out
