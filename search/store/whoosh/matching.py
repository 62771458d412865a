"""Every document a parsed query matches, with its score, computed with array operations.

Facet counts need every match, not only the top ten, and Whoosh's matchers find them one Python
call per document and sub-query (a common word over four fields at 100k articles: several
hundred milliseconds). Here each query node becomes a dense set of arrays over a segment's
documents (a match mask, a score, and the mask of matches that need no comment), from the
positions-free postings of search.store.whoosh.hooks.postings: terms are array slices, AND and OR are mask
operations, phrases are checked position by position only in the documents that hold all their
words (a phrase's stop words, indexed but not in the arrays, only by their positions there).

Scores are BM25F (search.store.whoosh.ranking): a query word's frequencies in the fields of its scope are
weighted and length-normalised per field, then saturated once. That departs from Whoosh's own
"BM25F", which saturates each field apart and adds the fields' scores, so that a word found in
two fields counted about twice. Nodes this module does not know (wildcards, fuzzy terms, ...) are
evaluated by Whoosh's matchers, so every query still works; a segment without recorded postings
(an index built before they existed) reads its postings through Whoosh.
"""

from __future__ import annotations

import time

import numpy as np
from whoosh import query as wq
from whoosh.reading import TermNotFound
from whoosh.scoring import BM25F

from search.analysis import STOP_MARK
from search.errors import QueryTimeout
from search.parsing import WORD_TERMS, AtLeast, FieldsWord, WordsPhrase, relaxed
from search.store.whoosh.hooks.postings import STOP_BYTES, positions_in, reader_store, recorded_fields, segment_postings
from search.store.whoosh.ranking import WordScores, add_proximity, below_main_matches
from search.store.whoosh.hooks import has_field_weights

CHECK_EVERY = 4096  # documents a Whoosh fallback steps through between deadline checks
COMMENT_FIELDS = frozenset({"comments", "comment_actor"})


class _Deadline:
    def __init__(self, timeout: float):
        self.timeout = timeout
        self.at = time.perf_counter() + timeout

    def check(self) -> None:
        if time.perf_counter() > self.at:
            raise QueryTimeout(f"the query ran longer than {self.timeout:g}s and was stopped", hint="make it more specific")


def match_all(searcher, parsed: wq.Query, timeout: float, scored: bool, directory) -> tuple[np.ndarray, np.ndarray | None]:
    """Return the docnums matching `parsed` (ascending) and, when `scored`, their scores.

    Documents that match only through comments score below every document that matches
    without them (readers' comments say less about what an article is about than its text).
    """
    deadline = _Deadline(timeout)
    weighting = searcher.weighting
    native = isinstance(weighting, BM25F) and not has_field_weights(weighting)
    docs, scores, mains = [], [], []
    for leaf, offset in searcher.leaf_searchers():
        deadline.check()
        reader = leaf.reader()
        size = reader.doc_count_all()
        if size == 0:
            continue
        postings = segment_postings(directory, reader.segment().segment_id())
        leaf_eval = _Leaf(searcher, leaf, postings, scored, deadline, native)
        mask, score, main = leaf_eval.evaluate(parsed)
        if leaf_eval.deleted is not None:
            mask &= ~leaf_eval.deleted
        found = np.flatnonzero(mask)
        docs.append(found + offset)
        mains.append(main[found])
        if scored:
            scores.append(score[found])
    deadline.check()
    all_docs = np.concatenate(docs) if docs else np.zeros(0, dtype=np.int64)
    if not scored:
        return all_docs, None
    all_scores = np.concatenate(scores) if scores else np.zeros(0)
    return all_docs, below_main_matches(all_scores, np.concatenate(mains) if mains else np.zeros(0, dtype=bool))


def match_relaxing(searcher, parsed: wq.Query, timeout: float, scored: bool, directory):
    """Return (query searched, docnums, scores): `parsed` itself, or, when no document holds
    the words of a query of words (all of them, or as many as a long query needs), the relaxed
    query that the most of them meet (one word fewer; failing that, two fewer; ...)."""
    docs, scores = match_all(searcher, parsed, timeout, scored, directory)
    if len(docs):
        return parsed, docs, scores
    needed = getattr(parsed, "minmatch", 0) or len(getattr(parsed, "subqueries", ()))
    for need in range(needed - 1, 0, -1):
        loose = relaxed(parsed, need)
        if loose is None:
            break
        docs, scores = match_all(searcher, loose, timeout, scored, directory)
        if len(docs):
            return loose, docs, scores
    return parsed, docs, scores


class _Leaf:
    """Evaluates query nodes over one segment into (mask, score, main) arrays of its length:
    `main` marks the matches that hold without any comment field."""

    def __init__(self, searcher, leaf, postings, scored: bool, deadline: _Deadline, native: bool):
        self.searcher, self.leaf, self.postings = searcher, leaf, postings
        self.reader = leaf.reader()
        self.size = self.reader.doc_count_all()
        self.scored, self.deadline, self.native = scored, deadline, native
        self.schema = searcher.schema
        # The long text fields' postings, positions included, are in the positional store.
        self.store = reader_store(self.reader)
        self.fields = set(postings.terms.keys() if postings is not None else recorded_fields(self.schema))
        if self.store is not None:
            self.fields |= set(self.store.fields)
        self.phrases: dict = {}  # (field, words) → mask: a phrase met twice is checked once
        # The recorded postings predate later deletions; Whoosh's own skip deleted documents.
        self.deleted = None
        if self.reader.has_deletions():
            deleted = np.fromiter(self.reader.segment().deleted_docs(), dtype=np.int64)
            self.deleted = np.zeros(self.size, dtype=bool)
            self.deleted[deleted[deleted < self.size]] = True

    def empty(self):
        return np.zeros(self.size, dtype=bool), np.zeros(self.size), np.zeros(self.size, dtype=bool)

    def evaluate(self, node):
        if not self.native:
            return self.whoosh(node)
        return self.node(node)

    def node(self, q):
        if q is wq.NullQuery or isinstance(q, type(wq.NullQuery)):
            return self.empty()
        if isinstance(q, FieldsWord) or self._scorable_leaf(q):
            return self.fields_word(q)
        if type(q) is wq.And:
            return self.conjunction(q)
        if isinstance(q, AtLeast):
            return self.at_least(q)
        if type(q) is wq.Or and not q.scale and not q.minmatch:
            return self.disjunction(q)
        if type(q) is wq.AndNot:
            mask, score, main = self.node(q.a)
            excluded, _, _ = self.node(q.b)
            return mask & ~excluded, self._boost(score, q.boost), main & ~excluded
        if type(q) is wq.AndMaybe:
            mask, score, main = self.node(q.a)
            maybe, extra, _ = self.node(q.b)
            return mask, self._boost(score + np.where(maybe, extra, 0.0), q.boost), main
        if type(q) is wq.Every and not self.scored:
            everything = np.ones(self.size, dtype=bool)
            return everything, np.zeros(self.size), everything
        return self.whoosh(q)

    def _scorable_leaf(self, q) -> bool:
        if type(q) in WORD_TERMS or isinstance(q, WordsPhrase) or (type(q) is wq.Phrase and q.slop == 1):
            return q.fieldname in self.fields and q.fieldname in self.schema
        return False

    def _boost(self, score, boost: float):
        return score * boost if self.scored and boost != 1.0 else score

    def conjunction(self, q):
        subs = q.subqueries
        if not subs:
            return self.empty()
        mask = score = main = None
        for sub in subs:
            if isinstance(sub, wq.Not):
                # Whoosh intersects with an inverse matcher, which scores 1 for every document.
                excluded, _, _ = self.node(sub.query)
                sub_mask, sub_score, sub_main = ~excluded, (np.ones(self.size) if self.scored else None), ~excluded
            else:
                sub_mask, sub_score, sub_main = self.node(sub)
            if mask is None:
                mask, main = sub_mask.copy(), sub_main.copy()
                score = sub_score.copy() if self.scored else None
            else:
                mask &= sub_mask
                main &= sub_main
                if self.scored:
                    score += sub_score
            if not mask.any():
                return self.empty()
        if self.scored:
            score = np.where(mask, score, 0.0)
        return mask, (self._boost(score, q.boost) if self.scored else np.zeros(self.size)), main & mask

    def disjunction(self, q):
        mask, score, main = self.empty()
        for sub in q.subqueries:
            if isinstance(sub, wq.Not):
                return self.whoosh(q)
            sub_mask, sub_score, sub_main = self.node(sub)
            mask |= sub_mask
            main |= sub_main
            if self.scored:
                score += np.where(sub_mask, sub_score, 0.0)
        return mask, self._boost(score, q.boost), main

    def at_least(self, q: AtLeast):
        """Documents matching at least `q.minmatch` of the parts; scored as their sum."""
        count = np.zeros(self.size, dtype=np.int32)
        count_main = np.zeros(self.size, dtype=np.int32)
        score = np.zeros(self.size)
        for sub in q.subqueries:
            sub_mask, sub_score, sub_main = self.node(sub)
            count += sub_mask
            count_main += sub_main
            if self.scored:
                score += np.where(sub_mask, sub_score, 0.0)
        mask = count >= q.minmatch
        return mask, self._boost(np.where(mask, score, 0.0), q.boost), mask & (count_main >= q.minmatch)

    # --- words and phrases over fields: BM25F ---------------------------------------------------

    def fields_word(self, q):
        """A word or phrase in one field (Term, Phrase) or in several (FieldsWord), scored as
        one word over the fields; parts of a FieldsWord that are not words or phrases (a
        wildcard, a name split in words) are evaluated on their own and their scores added."""
        parts = q.subqueries if isinstance(q, FieldsWord) else [q]
        mask, score, main = self.empty()
        scores = WordScores(self.searcher, self.reader, self.size) if self.scored else None
        for part in parts:
            if not self._scorable_leaf(part):
                part_mask, part_score, part_main = self.node(part)
                mask |= part_mask
                main |= part_main
                if self.scored:
                    score += np.where(part_mask, part_score, 0.0)
                continue
            words = _keyed_words(part)
            # A phrase's stop words count where they are, not in its score (unless it has no other).
            scored = [(key, text) for key, text in words if not text.startswith(STOP_MARK)] or words
            if self.scored:  # the idf is the whole index's, also where this segment lacks the part
                for key, text in scored:
                    scores.note(key, part.fieldname, text)
            found = self._load(part.fieldname, words, scored)
            if found is None:
                continue
            part_mask = self._presence(found[scored[0][0]]) if type(part) in WORD_TERMS else self._phrase_mask(part, words, found)
            mask |= part_mask
            if part.fieldname not in COMMENT_FIELDS:
                main |= part_mask
            if self.scored:
                for key, _ in scored:
                    _, ids, weights = found[key]
                    scores.add(key, part.fieldname, ids, weights, part_mask, part.boost)
        if self.scored:
            score += scores.total()
        return mask, self._boost(score, q.boost), main

    def _load(self, fieldname: str, words, wanted) -> dict | None:
        """Return {key: (btext, docnums, weights)} of the `wanted` words (the others' term bytes
        only: a phrase needs their positions, not their postings), or None when the segment
        lacks one of the words."""
        field = self.schema[fieldname]
        wanted_keys = {key for key, _ in wanted}
        found = {}
        for key, text in words:
            try:
                btext = field.to_bytes(text)
            except ValueError:
                return None
            if key in wanted_keys:
                postings = self._postings(fieldname, btext)
                if postings is None:
                    return None
                found[key] = (btext, *postings)
            elif (fieldname, btext) not in self.reader:
                return None
            else:
                found[key] = (btext, None, None)
        return found

    def _postings(self, fieldname: str, btext: bytes):
        """Return (docnums, weights) of a term in this segment, or None: from the recorded
        arrays or the positional store, or through Whoosh for a segment without them and for stop
        words outside the store (never recorded)."""
        if self.store is not None and fieldname in self.store.fields:
            found = self.store.postings(fieldname, btext)
            return None if found is None else (found[0].astype(np.int64), found[1].astype(np.float32))
        if self.postings is not None and not btext.startswith(STOP_BYTES):
            found = self.postings.postings(fieldname, btext)
            return None if found is None else (np.asarray(found[0], dtype=np.int64), found[1])
        try:
            matcher = self.reader.postings(fieldname, btext)
        except TermNotFound:
            return None
        ids, weights = [], []
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
            if len(ids) % CHECK_EVERY == 0:
                self.deadline.check()
        return np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float32)

    def _presence(self, found) -> np.ndarray:
        mask = np.zeros(self.size, dtype=bool)
        mask[found[1]] = True
        return mask

    def _phrase_mask(self, q, words, found) -> np.ndarray:
        """Documents holding the phrase: candidates that hold its words (but stop words, which
        nearly every document holds), then their positions checked."""
        key = (q.fieldname, tuple(q.words))
        if key in self.phrases:
            return self.phrases[key]
        mask = np.ones(self.size, dtype=bool)
        for btext, ids, _ in found.values():
            if ids is not None:
                present = np.zeros(self.size, dtype=bool)
                present[ids] = True
                mask &= present
        if self.deleted is not None:
            mask &= ~self.deleted
        candidates = np.flatnonzero(mask)
        if len(candidates):
            offsets = [offset for offset, _ in words]
            held = self._phrase_found(q.fieldname, [found[k][0] for k, _ in words], offsets, candidates)
            mask[:] = False
            mask[candidates[np.array(held, dtype=bool)]] = True
        self.phrases[key] = mask
        return mask

    def _phrase_found(self, fieldname: str, btexts: list[bytes], offsets: list[int], candidates: np.ndarray) -> list[bool]:
        """Return, per candidate, whether each word sits at its offset from one start (rarer
        words first: the sets of starts shrink sooner; the last word only tested against them)."""
        if self.store is not None and fieldname in self.store.fields:
            return self.store.phrase(fieldname, list(zip(btexts, offsets)), candidates).tolist()
        fmt = self.schema[fieldname].format
        words = sorted(zip(btexts, offsets), key=lambda w: w[0].startswith(STOP_BYTES))
        starts: list[set] = []
        for k, (btext, offset) in enumerate(words):
            positions = positions_in(self.reader, fieldname, btext, candidates, fmt, self.deadline)
            if k == 0:
                starts = [{p - offset for p in found} if offset else set(found) for found in positions]
            elif k < len(words) - 1:
                for at, found in zip(starts, positions):
                    if at:
                        at &= {p - offset for p in found}
            else:
                return [bool(at) and not at.isdisjoint([p - offset for p in found]) for at, found in zip(starts, positions)]
        return [bool(at) for at in starts]

    def whoosh(self, q):
        """Evaluate a node with Whoosh's own matcher (what this module does not do itself)."""
        mask, score, _ = self.empty()
        context = self.leaf.context() if self.scored else self.leaf.boolean_context()
        try:
            matcher = q.matcher(self.leaf, context)
        except TermNotFound:
            return mask, score, mask.copy()
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
        in_comments = any(getattr(n, "fieldname", None) in COMMENT_FIELDS for n in _walk(q))
        return mask, score, (np.zeros(self.size, dtype=bool) if in_comments else mask.copy())


def _keyed_words(q) -> list[tuple[int, str]]:
    """The words of a Term or phrase with their places in the phrase."""
    return [(0, q.text)] if type(q) in WORD_TERMS else list(enumerate(q.words))


def _walk(q):
    yield q
    for child in q.children():
        yield from _walk(child)


def with_proximity(searcher, parsed: wq.Query, docs: np.ndarray, scores: np.ndarray | None, timeout: float) -> np.ndarray | None:
    """Return `scores` (aligned with `docs`, ascending) with search.store.whoosh.ranking's proximity bonus."""
    if scores is None:
        return None
    deadline = _Deadline(timeout)

    def positions(reader, fieldname: str, btext: bytes, local: np.ndarray) -> list[list[int]]:
        return positions_in(reader, fieldname, btext, local, searcher.schema[fieldname].format, deadline)

    return add_proximity(searcher, parsed, docs, scores, positions, deadline)
