"""One contract test per hook into Whoosh's internals (search/store/whoosh/hooks): each compares
what the hook gives with what Whoosh's public API gives on a real index, so an upgrade of Whoosh
that changes an internal fails here, by name, rather than as a wrong search result."""

from __future__ import annotations

import numpy as np
import pytest
from whoosh import query as wq
from whoosh.scoring import BM25F
from whoosh.util.numeric import byte_to_length

from search.analysis import STOP_MARK
from search.config import Settings
from search.indexer import build_index
from search.store.whoosh.generation import current_generation, open_index
from search.store.whoosh.hooks import TESTED_MINOR, expand, has_field_weights, segments_of, whoosh_minor
from search.store.whoosh.hooks.lengths import length_codes, preload_field_lengths
from search.store.whoosh.hooks.postings import positions_in, reader_store, recorded_fields, segment_postings
from tests.conftest import FIXTURES, SEEDS


class NoDeadline:
    def check(self) -> None:
        pass


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    """An index of two segments (a build, then an update), so hooks meet more than one."""
    index_dir = tmp_path_factory.mktemp("hooks-index")
    build_index([SEEDS], index_dir, Settings())
    build_index([SEEDS, FIXTURES / "corpus"], index_dir, Settings(), rebuild=False)
    return index_dir


def test_the_installed_whoosh_is_the_tested_minor_version():
    assert whoosh_minor() == TESTED_MINOR


def test_segments_of_lists_the_segments_readers_see(index):
    ix = open_index(index)
    with ix.reader() as reader:
        assert [s.segment_id() for s in segments_of(ix)] == [leaf.segment().segment_id() for leaf, _ in reader.leaf_readers()]
    assert len(segments_of(ix)) == 2


@pytest.mark.parametrize("node", [wq.Prefix("body", "sanct"), wq.Wildcard("body", "karab*"), wq.Wildcard("body", "*ussia")])
def test_expand_gives_the_lexicon_terms_that_match(index, node):
    with open_index(index).reader() as reader:
        expected = sorted(t for t in reader.lexicon("body") if node.matcher and _matches(node, t.decode()))
        assert sorted(expand(node, reader)) == expected and expected


def _matches(node, term: str) -> bool:
    import fnmatch

    return term.startswith(node.text) if isinstance(node, wq.Prefix) else fnmatch.fnmatchcase(term, node.text)


def test_field_weights_are_noticed():
    assert not has_field_weights(BM25F())
    assert has_field_weights(BM25F(title_B=0.5))


def test_recorded_postings_equal_whoosh_postings(index):
    generation = current_generation(index)
    with open_index(index).reader() as reader:
        for leaf, _ in reader.leaf_readers():
            recorded = segment_postings(generation, leaf.segment().segment_id())
            assert recorded is not None
            for field in recorded_fields(leaf.schema):
                for btext in list(leaf.lexicon(field))[:400]:
                    if btext.startswith(STOP_MARK.encode()):
                        assert recorded.postings(field, btext) is None  # stop words: for phrases only
                        continue
                    matcher = leaf.postings(field, btext)
                    ids, weights = [], []
                    while matcher.is_active():
                        ids.append(matcher.id())
                        weights.append(matcher.weight())
                        matcher.next()
                    got = recorded.postings(field, btext)
                    assert got is not None, (field, btext)
                    assert got[0].tolist() == ids and np.allclose(got[1], weights), (field, btext)


@pytest.fixture(scope="module")
def twin(index, tmp_path_factory):
    """The first segment's title, body and comments written again by Whoosh's own codec, document
    by document: what the positional store and the codec that reads it must be equal to."""
    from whoosh.fields import Schema
    from whoosh.filedb.filestore import FileStorage

    from search.schema import ANALYSED_AHEAD, analyse_ahead, build_schema, stored_text

    schema = Schema(**{name: build_schema()[name] for name in ANALYSED_AHEAD})
    ix = FileStorage(str(tmp_path_factory.mktemp("twin"))).create_index(schema)
    with open_index(index).reader() as reader:
        leaf = next(leaf for leaf, _ in reader.leaf_readers())
        with ix.writer() as writer:
            for doc in range(leaf.doc_count_all()):
                stored = leaf.stored_fields(doc)
                writer.add_document(**analyse_ahead({name: stored_text(stored, name) for name in ANALYSED_AHEAD}, schema))
    return ix


def test_the_positional_store_answers_as_whooshs_own_postings(index, twin):
    """Lexicon, term statistics, postings with positions and field lengths of title, body and
    comments, through Whoosh's reader API (search.store.whoosh.hooks.codec), equal those of the
    same documents written by Whoosh's own codec."""
    with open_index(index).reader() as reader, twin.reader() as expected:
        leaf = next(leaf for leaf, _ in reader.leaf_readers())
        assert reader_store(leaf) is not None
        for field in ("title", "body", "comments"):
            terms = list(expected.lexicon(field))
            assert list(leaf.lexicon(field)) == terms and terms
            assert list(leaf.expand_prefix(field, "sanct")) == list(expected.expand_prefix(field, "sanct"))
            for btext in terms:
                got, want = leaf.term_info(field, btext), expected.term_info(field, btext)
                for stat in ("weight", "doc_frequency", "min_length", "max_length", "max_weight", "min_id", "max_id"):
                    assert getattr(got, stat)() == getattr(want, stat)(), (field, btext, stat)
                assert leaf.doc_frequency(field, btext) == expected.doc_frequency(field, btext)
                assert leaf.frequency(field, btext) == expected.frequency(field, btext)
                assert list(_postings(leaf, field, btext)) == list(_postings(expected, field, btext)), (field, btext)
            for doc in range(expected.doc_count_all()):
                assert leaf.doc_field_length(doc, field, 0) == expected.doc_field_length(doc, field, 0)
            assert leaf.field_length(field) == expected.field_length(field)


def _postings(reader, field, btext):
    matcher = reader.postings(field, btext)
    while matcher.is_active():
        yield matcher.id(), matcher.weight(), matcher.value_as("positions")
        matcher.next()


def test_phrases_in_the_positional_store_match_as_whooshs_phrase_matcher(index, twin):
    """The store's phrase check (intersected position arrays) finds the documents Whoosh's own
    Phrase matcher finds, stop words included."""
    with open_index(index).reader() as reader, twin.searcher() as expected:
        leaf = next(leaf for leaf, _ in reader.leaf_readers())
        store = reader_store(leaf)
        words = [w.decode() for w in expected.reader().lexicon("body")]
        analyzer = leaf.schema["body"].analyzer
        _, first = analyzer.terms_of(leaf.stored_fields(0)["body"])
        # Phrases of a document's own words (stop words among them), and common pairs.
        phrases = [first[10:12], first[20:23], first[30:34], ["~the", "russia"], ["sanction", "~on"], ["~of", "~the"]]
        for phrase in phrases:
            assert all(w in words for w in phrase), phrase
            want = sorted(expected.docs_for_query(wq.Phrase("body", phrase)))
            candidates = np.arange(leaf.doc_count_all(), dtype=np.int64)
            got = np.flatnonzero(store.phrase("body", [(w.encode(), i) for i, w in enumerate(phrase)], candidates)).tolist()
            assert got == want, phrase
            assert want or phrase not in phrases[:3], phrase  # a document's own words are found


def test_positions_read_from_blocks_equal_the_matchers(index):
    with open_index(index).reader() as reader:
        for leaf, _ in reader.leaf_readers():
            fmt = leaf.schema["body"].format
            for btext in list(leaf.lexicon("body"))[:300]:
                matcher = leaf.postings("body", btext)
                expected = {}
                while matcher.is_active():
                    expected[matcher.id()] = matcher.value_as("positions")
                    matcher.next()
                docs = np.array(sorted(expected), dtype=np.int64)
                assert positions_in(leaf, "body", btext, docs, fmt, NoDeadline()) == [expected[d] for d in docs.tolist()]


def test_field_lengths_from_memory_equal_whoosh(index):
    ix = open_index(index)
    with ix.searcher() as searcher:
        preload_field_lengths(searcher, str(current_generation(index)))
        for leaf, _ in searcher.leaf_searchers():
            reader = leaf.reader()
            for field in ("title", "body", "comments"):
                codes = length_codes(reader, field)
                for doc in range(reader.doc_count_all()):
                    # A field a document lacks has no length (None) for Whoosh, code 0 here.
                    assert byte_to_length(int(codes[doc])) == (reader.doc_field_length(doc, field, 0) or 0)


def test_compressed_sort_runs_are_covered_by_test_runs():
    """The runs hook (compress_runs) has its contract test in tests/test_runs.py: an index built
    through hundreds of compressed runs answers every search as one built in memory."""
    import tests.test_runs as runs_tests

    assert hasattr(runs_tests, "test_an_index_built_through_many_runs_finds_the_same")


def test_segments_merged_by_an_update_answer_as_a_rebuild(tmp_path, monkeypatch):
    """A merge of small segments copies their postings through Whoosh's pool; the codec's field
    writer sends those of title, body and comments to the new segment's positional store (term
    by term): words, phrases, wildcards and scores are then what a full rebuild gives."""
    import shutil

    import search.store.whoosh.writer as whoosh_writer
    from search.request import SearchRequest
    from tests.conftest import engine_at

    monkeypatch.setattr(whoosh_writer, "MAX_SEGMENTS", 2)
    monkeypatch.setattr(whoosh_writer, "BIG_SEGMENT_DOCS", 10**6)  # every segment is small: merged
    folder = tmp_path / "pages"
    folder.mkdir()
    names = sorted(p.name for p in (FIXTURES / "corpus").glob("*.txt"))
    updated, rebuilt = tmp_path / "updated", tmp_path / "rebuilt"
    for name in names:  # one file more per update: the third update merges
        shutil.copy(FIXTURES / "corpus" / name, folder / name)
        build_index([folder], updated, Settings(), rebuild=False)
    build_index([folder], rebuilt, Settings())
    with open_index(updated).reader() as reader:
        assert len(list(reader.leaf_readers())) <= 2
        assert all(reader_store(leaf) is not None for leaf, _ in reader.leaf_readers())
    for q in ("Taiwan", '"the president"', "sanction*", "Erdogan ceasefire", "comments:Putin", '"Sahel" France'):
        results = [engine_at(index, Settings()).search(SearchRequest(q=q, per_page=50)) for index in (updated, rebuilt)]
        assert [h.id for h in results[0].hits] == [h.id for h in results[1].hits] and results[0].total == results[1].total, q
        # Whoosh's merge copies each document's field lengths as stored (one byte, rounded), so
        # average lengths, and scores, move in the third digit: as before the store existed.
        assert [h.score for h in results[0].hits] == pytest.approx([h.score for h in results[1].hits], rel=1e-2), q
    assert engine_at(updated, Settings()).search(SearchRequest(q="Taiwan")).total > 0
