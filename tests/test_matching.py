"""The array matcher finds exactly the documents Whoosh's matchers find, with the same scores, on
every query form, in one-segment and in updated (several segments, deletions) indexes."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from whoosh.reading import TermNotFound

from search.config import Settings
from search.indexer import build_index
from search.store.whoosh.generation import current_generation, open_index
from search.matching import match_all
from search.parsing import parse_query
from search.postings import SUFFIX_TERMS
from search.readers import preload_field_lengths
from tests.conftest import FIXTURES, SEEDS

QUERIES = [
    "Erdogan", "Russia Turkey", "Russia OR Ukraine", "Russia NOT Ukraine", "NOT Ukraine", "Russia ANDNOT Azerbaijan",
    "ceasefire ANDMAYBE Putin", '"power grid"', '"the power grid" winter', '"Collective Security Treaty Organization"',
    "(Baku OR Yerevan) ceasefire", "title:ceasefire", "author:hawk", "outlet:southfront", "comments:Putin",
    'actor:"United States"', "actor:Erdogan Russia", "comment_actor:NATO", "Karab*", "Russia^3 Ukraine",
    "sanctions", "zzznotaword", '"grid power"', "tag:politics",
]


def whoosh_matches(searcher, parsed, scored: bool) -> dict[int, float | None]:
    """Every match by Whoosh's own matchers: docnum → score."""
    context = searcher.context() if scored else searcher.boolean_context()
    found = {}
    for leaf, offset in searcher.leaf_searchers():
        try:
            matcher = parsed.matcher(leaf, context)
        except TermNotFound:
            continue
        while matcher.is_active():
            found[offset + matcher.id()] = matcher.score() if scored else None
            matcher.next()
    return found


def assert_same_matches(index_dir) -> int:
    """Compare both matchers on every query; return how many documents matched in all."""
    ix = open_index(index_dir)
    generation = current_generation(index_dir)
    matched = 0
    with ix.searcher() as searcher:
        preload_field_lengths(searcher, str(generation))
        for q in QUERIES:
            parsed = parse_query(q, "all", ix.schema, Settings())
            for scored in (True, False):
                expected = whoosh_matches(searcher, parsed, scored)
                docs, scores = match_all(searcher, parsed, 30.0, scored, generation)
                assert docs.tolist() == sorted(expected), q
                if scored:
                    assert scores.tolist() == pytest.approx([expected[d] for d in docs.tolist()], rel=1e-12), q
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


def test_segments_without_recorded_postings_are_searched_by_whoosh(corpus_copy, tmp_path):
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
    import search.matching as matching

    index_dir = tmp_path / "ix"
    build_index([corpus_copy], index_dir, Settings())
    used = []
    original = matching._Leaf.whoosh
    monkeypatch.setattr(matching._Leaf, "whoosh", lambda self, q: used.append(q) or original(self, q))
    ix = open_index(index_dir)
    with ix.searcher() as searcher:
        for q in ("Russia", "Russia Turkey", '"power grid"', "Russia NOT Ukraine", "title:ceasefire", 'actor:"United States"'):
            match_all(searcher, parse_query(q, "all", ix.schema, Settings()), 5.0, True, current_generation(index_dir))
    assert used == []
