"""The array matcher finds exactly the documents Whoosh's matchers find, on every query form, in
one-segment and in updated (several segments, deletions) indexes; its scores are the BM25F that a
plain per-document reference computes from what Whoosh's matchers and readers report.

Scores deliberately depart from Whoosh's own: Whoosh's BM25F saturates each field's frequency apart
and adds the fields' scores (a word in title and body counts about twice), divides field lengths by
every document (so a field most documents lack looks short) and uses idf = log(N/(df+1)) + 1. Ours
is BM25F proper (search.store.whoosh.ranking), so the reference below computes it per document, independently of
the arrays, from Whoosh's matchers (which documents, which weights) and readers (field lengths).
The index holds stop words (marked, for phrases), so Whoosh's phrase matcher checks phrases with
stop words too.
"""

from __future__ import annotations

import math
import shutil

import numpy as np
import pytest
from whoosh import query as wq
from whoosh.reading import TermNotFound

from search.analysis import STOP_MARK
from search.config import Settings
from search.indexer import build_index
from search.store.whoosh.matching import COMMENT_FIELDS, match_all
from search.parsing import WORD_TERMS, FieldsWord, parse_query
from search.store.whoosh.generation import current_generation, open_index
from search.store.whoosh.hooks.postings import SUFFIX_TERMS
from search.store.whoosh.ranking import B, BELOW_MAIN, K1
from search.store.whoosh.hooks.lengths import preload_field_lengths
from search.schema import FIELD_WEIGHTS
from tests.conftest import FIXTURES, SEEDS

QUERIES = [
    "Erdogan", "Russia Turkey", "Russia OR Ukraine", "Russia NOT Ukraine", "NOT Ukraine", "Russia ANDNOT Azerbaijan",
    "ceasefire ANDMAYBE Putin", '"power grid"', '"the power grid" winter', '"Collective Security Treaty Organization"',
    "(Baku OR Yerevan) ceasefire", "title:ceasefire", "author:hawk", "outlet:southfront", "comments:Putin",
    'actor:"United States"', "actor:Erdogan Russia", "comment_actor:NATO", "Karab*", "Russia^3 Ukraine",
    "sanctions", "zzznotaword", '"grid power"', "tag:politics",
    # Stop words: no requirement outside phrases, checked in the text inside them.
    "the war in Ukraine", '"war in Ukraine"', '"strikes on its power grid"', '"Security Treaty Organization (CSTO), a"',
    '"the Kremlin"', "Nagorno-Karabakh", "US Armenia", "title:the",
]


def whoosh_matches(searcher, parsed) -> set[int]:
    """Every match by Whoosh's own matchers."""
    found = set()
    for leaf, offset in searcher.leaf_searchers():
        try:
            matcher = parsed.matcher(leaf, leaf.boolean_context())
        except TermNotFound:
            continue
        while matcher.is_active():
            found.add(offset + matcher.id())
            matcher.next()
    return found


def live_docs(searcher) -> list[int]:
    return [d for d in range(searcher.doc_count_all()) if not searcher.ixreader.is_deleted(d)]


class Reference:
    """Which documents a query matches and their scores, one document at a time."""

    def __init__(self, searcher):
        self.searcher = searcher
        self.n = searcher.doc_count_all()

    def average(self, fieldname: str) -> float:
        lengths = [self.searcher.doc_field_length(d, fieldname, 0) for d in range(self.n)]
        having = sum(1 for x in lengths if x)
        return self.searcher.field_length(fieldname) / having if having else 1.0

    def weight(self, fieldname: str, text: str, doc: int) -> float:
        """The term's weight in the document, as Whoosh's matcher reads it (0 when absent)."""
        btext = self.searcher.schema[fieldname].to_bytes(text)
        try:
            matcher = self.searcher.postings(fieldname, btext)
        except TermNotFound:
            return 0.0
        matcher.skip_to(doc)
        return matcher.weight() if matcher.is_active() and matcher.id() == doc else 0.0

    def phrase_docs(self, q: wq.Phrase) -> set[int]:
        """Where the phrase is, by Whoosh's phrase matcher (which knows nothing of stop words)."""
        return whoosh_matches(self.searcher, wq.Phrase(q.fieldname, q.words))

    def evaluate(self, q) -> dict[int, tuple[float, bool]]:
        """doc → (score, matches without comments)."""
        parts = q.subqueries if isinstance(q, FieldsWord) else [q]
        if isinstance(q, FieldsWord) or type(q) in WORD_TERMS or isinstance(q, wq.Phrase):
            return self.fields_word(q, parts)
        if type(q) is wq.And:
            results = [self.evaluate(s.query) if isinstance(s, wq.Not) else self.evaluate(s) for s in q.subqueries]
            out = {}
            for doc in live_docs(self.searcher):
                hits = [(doc not in r) if isinstance(s, wq.Not) else (doc in r) for s, r in zip(q.subqueries, results)]
                if all(hits):
                    score = sum(1.0 if isinstance(s, wq.Not) else r[doc][0] for s, r in zip(q.subqueries, results))
                    main = all(True if isinstance(s, wq.Not) else r[doc][1] for s, r in zip(q.subqueries, results))
                    out[doc] = (score * q.boost, main)
            return out
        if type(q) is wq.Or:
            out = {}
            for result in map(self.evaluate, q.subqueries):
                for doc, (score, main) in result.items():
                    old = out.get(doc, (0.0, False))
                    out[doc] = (old[0] + score, old[1] or main)
            return {doc: (score * q.boost, main) for doc, (score, main) in out.items()}
        if type(q) is wq.AndNot:
            a, b = self.evaluate(q.a), self.evaluate(q.b)
            return {doc: v for doc, v in a.items() if doc not in b}
        if type(q) is wq.AndMaybe:
            a, b = self.evaluate(q.a), self.evaluate(q.b)
            return {doc: (score + b.get(doc, (0.0,))[0], main) for doc, (score, main) in a.items()}
        if type(q) is wq.Not:
            inner = self.evaluate(q.query)
            return {doc: (1.0, True) for doc in live_docs(self.searcher) if doc not in inner}
        # Wildcards and the like: Whoosh's own matcher and score.
        out = {}
        context = self.searcher.context()
        for leaf, offset in self.searcher.leaf_searchers():
            matcher = q.matcher(leaf, context)
            while matcher.is_active():
                out[offset + matcher.id()] = (matcher.score(), q.field() not in COMMENT_FIELDS)
                matcher.next()
        return out

    def fields_word(self, q, parts) -> dict[int, tuple[float, bool]]:
        """BM25F: per word of the query (its place in a phrase), the weighted, length-normalised
        frequencies of the fields where the part matched, saturated once, times Lucene's idf;
        parts that are not words or phrases (wildcards) scored on their own and added."""
        others = [p for p in parts if not (type(p) in WORD_TERMS or isinstance(p, wq.Phrase))]
        parts = [p for p in parts if p not in others]
        out = self.evaluate(wq.Or(others)) if others else {}
        for doc, (score, main) in self.bm25f(q, parts).items():
            old = out.get(doc, (0.0, False))
            out[doc] = (old[0] + score, old[1] or main)
        return out

    def bm25f(self, q, parts) -> dict[int, tuple[float, bool]]:
        matched = [self.phrase_docs(p) if isinstance(p, wq.Phrase) else
                   {d for d in live_docs(self.searcher) if self.weight(p.fieldname, p.text, d)} for p in parts]
        out = {}
        for doc in set().union(*matched):
            frequency, df = {}, {}
            for part, docs in zip(parts, matched):
                if doc not in docs:
                    continue
                words = self.scored_words(part)
                norm = (1 - B) + B * self.searcher.doc_field_length(doc, part.fieldname, 0) / self.average(part.fieldname)
                for key, text in words:
                    tf = self.weight(part.fieldname, text, doc)
                    frequency[key] = frequency.get(key, 0.0) + FIELD_WEIGHTS.get(part.fieldname, 1.0) * part.boost * tf / norm
            for part in parts:
                for key, text in self.scored_words(part):
                    df[key] = max(df.get(key, 0), self.searcher.doc_frequency(part.fieldname, text))
            score = sum(math.log(1 + (self.n - df[k] + 0.5) / (df[k] + 0.5)) * f * (K1 + 1) / (f + K1) for k, f in frequency.items())
            main = any(doc in docs and p.fieldname not in COMMENT_FIELDS for p, docs in zip(parts, matched))
            out[doc] = (score * q.boost, main)
        return out


    @staticmethod
    def scored_words(part) -> list[tuple[int, str]]:
        """A part's words by their place in it; a phrase's stop words count only where it has
        no other words."""
        words = [(0, part.text)] if type(part) in WORD_TERMS else list(enumerate(part.words))
        return [(k, w) for k, w in words if not w.startswith(STOP_MARK)] or words


def reference_scores(searcher, parsed) -> dict[int, float]:
    """The reference's scores, comment-only matches placed below the others as match_all does."""
    result = Reference(searcher).evaluate(parsed)
    main = [s for s, m in result.values() if m]
    side = [s for s, m in result.values() if not m]
    if main and side and min(main) > 0 and max(side) >= min(main) * BELOW_MAIN:
        scale = BELOW_MAIN * min(main) / max(side)
        return {doc: (s if m else s * scale) for doc, (s, m) in result.items()}
    return {doc: s for doc, (s, _) in result.items()}


def assert_same_matches(index_dir) -> int:
    """Compare the array matcher with Whoosh's matchers (documents) and with the reference
    (documents and scores) on every query; return how many documents matched in all."""
    ix = open_index(index_dir)
    generation = current_generation(index_dir)
    matched = 0
    with ix.searcher() as searcher:
        preload_field_lengths(searcher, str(generation))
        for q in QUERIES:
            parsed = parse_query(q, "all", ix.schema, Settings())
            expected = reference_scores(searcher, parsed)
            assert sorted(whoosh_matches(searcher, parsed)) == sorted(expected), q
            for scored in (True, False):
                docs, scores = match_all(searcher, parsed, 30.0, scored, generation)
                assert docs.tolist() == sorted(expected), q
                if scored:
                    assert scores.tolist() == pytest.approx([expected[d] for d in docs.tolist()], rel=1e-9), q
                matched += len(docs)
    return matched


@pytest.fixture(scope="module")
def corpus_copy(tmp_path_factory):
    folder = tmp_path_factory.mktemp("matching")
    shutil.copytree(SEEDS, folder / "seeds")
    shutil.copytree(FIXTURES / "corpus", folder / "corpus")
    return folder


def test_array_matcher_agrees_with_whoosh(corpus_copy, tmp_path):
    index_dir = tmp_path / "ix"
    build_index([corpus_copy], index_dir, Settings())
    assert list(current_generation(index_dir).glob("*" + SUFFIX_TERMS)), "the build records postings"
    assert assert_same_matches(index_dir) > 50


def test_array_matcher_agrees_after_updates_with_deletions(corpus_copy, tmp_path):
    index_dir = tmp_path / "ix"
    build_index([corpus_copy], index_dir, Settings())
    changed = corpus_copy / "corpus" / "kyiv_rferl.txt"
    original = changed.read_text(encoding="utf-8")
    try:
        changed.write_text(original.replace("winter", "winter season"), encoding="utf-8")
        build_index([corpus_copy], index_dir, Settings(), rebuild=False)
        (corpus_copy / "corpus" / "extra.txt").write_text(original.replace("Kyiv", "Kharkiv"), encoding="utf-8")
        build_index([corpus_copy], index_dir, Settings(), rebuild=False)
        with open_index(index_dir).reader() as reader:
            assert len(list(reader.leaf_readers())) == 3 and reader.has_deletions()
        assert assert_same_matches(index_dir) > 50
    finally:
        changed.write_text(original, encoding="utf-8")
        (corpus_copy / "corpus" / "extra.txt").unlink(missing_ok=True)


def test_segments_without_recorded_postings_read_them_through_whoosh(corpus_copy, tmp_path):
    index_dir = tmp_path / "ix"
    build_index([corpus_copy], index_dir, Settings())
    for path in current_generation(index_dir).glob("*-tfp.*"):
        path.unlink()  # as in an index built before they existed
    assert assert_same_matches(index_dir) > 50


def test_match_arrays_are_sorted_numpy(corpus_copy, tmp_path):
    index_dir = tmp_path / "ix"
    build_index([corpus_copy], index_dir, Settings())
    ix = open_index(index_dir)
    with ix.searcher() as searcher:
        docs, scores = match_all(searcher, parse_query("Russia", "all", ix.schema, Settings()), 5.0, True,
                                 current_generation(index_dir))
    assert isinstance(docs, np.ndarray) and np.all(np.diff(docs) > 0) and len(scores) == len(docs)


def test_word_phrase_and_boolean_queries_need_no_whoosh_matcher(corpus_copy, tmp_path, monkeypatch):
    """The array path answers the common forms itself (falling back would be correct but slow)."""
    import search.store.whoosh.matching as matching

    index_dir = tmp_path / "ix"
    build_index([corpus_copy], index_dir, Settings())
    used = []
    original = matching._Leaf.whoosh
    monkeypatch.setattr(matching._Leaf, "whoosh", lambda self, q: used.append(q) or original(self, q))
    ix = open_index(index_dir)
    with ix.searcher() as searcher:
        for q in ("Russia", "Russia Turkey", '"power grid"', '"war in Ukraine"', "Russia NOT Ukraine", "title:ceasefire",
                  'actor:"United States"', "the war in Ukraine"):
            match_all(searcher, parse_query(q, "all", ix.schema, Settings()), 5.0, True, current_generation(index_dir))
    assert used == []
