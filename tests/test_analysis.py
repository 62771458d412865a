"""The text analyzer: which term each word becomes, where it sits, and the fast path the index
build takes giving what Whoosh's own token loop gives."""

from __future__ import annotations

import pytest
from whoosh.formats import Positions

from search.analysis import ACRONYM_MARK, STOP_MARK, keyword_analyzer, keyword_chain, keyword_term, text_analyzer
from search.schema import build_schema


@pytest.mark.parametrize(
    "word, term",
    [
        ("sanctions", "sanction"),  # stemmed
        ("Erdoğan", "erdogan"),  # accents folded
        ("Russia's", "russia"),  # one word through the apostrophe
        ("the", STOP_MARK + "the"),  # stop words are indexed, marked
        ("The", STOP_MARK + "the"),
        ("us", STOP_MARK + "us"),
        ("US", ACRONYM_MARK + "us"),  # a stop word in capitals is an acronym: a word, marked
        ("U.S.", ACRONYM_MARK + "us"),  # with full stops, the same acronym
        ("IT", ACRONYM_MARK + "it"),
        ("its", "it"),  # the stem of "its": not the acronym IT
        ("It", STOP_MARK + "it"),  # a capital at a sentence's start does not make an acronym
        ("a", STOP_MARK + "a"),
        ("5", STOP_MARK + "5"),  # single characters are stop words
        ("WHO", "who"),  # "who" is no stop word: WHO and who are one word
    ],
)
def test_word_to_term(word, term):
    assert text_analyzer().term(word) == term


def test_every_word_takes_a_position_and_stop_words_only_when_asked():
    analyzer = text_analyzer()
    text = "The war in Ukraine and the U.S. economy"
    indexed = [(t.text, t.pos) for t in analyzer(text, positions=True, mode="index", stop_words=True)]
    assert indexed == [("~the", 0), ("war", 1), ("~in", 2), ("ukrain", 3), ("~and", 4), ("~the", 5), ("#us", 6), ("economi", 7)]
    # Whoosh's own callers (key terms, highlighters) never see stop words.
    assert [(t.text, t.pos) for t in analyzer(text, positions=True)] == [("war", 1), ("ukrain", 3), ("#us", 6), ("economi", 7)]


@pytest.mark.parametrize(
    "text",
    [
        "The Bank of England raised rates; the U.S. Federal Reserve did not. IT firms told us it was so.",
        "Erdoğan's party won 52% of the vote in the second round, and the lira fell 5 per cent.",
        "",
        "a a a the the of",
    ],
)
def test_fast_postings_equal_whooshs_token_loop(text):
    field = build_schema()["body"]
    fast = field.format.word_values(text, field.analyzer, mode="index", stop_words=True)
    whoosh = Positions.word_values(field.format, text, field.analyzer, mode="index", stop_words=True)
    assert sorted(fast) == sorted(whoosh)


@pytest.mark.parametrize(
    "text",
    [
        "The Bank of England raised rates; the U.S. Federal Reserve did not. IT firms told us it was so.",
        "Erdoğan's party won 52% of the vote in the second round, and the lira fell 5 per cent.",
        "",
        "a a a the the of",
    ],
)
def test_postings_as_arrays_equal_the_table_of_positions(text):
    """The array form the ingest workers ship (terms, frequencies, positions term after term)
    holds the same terms at the same positions as positions_by_term."""
    analyzer = build_schema()["body"].analyzer
    terms, freqs, positions, words = analyzer.postings_arrays(text)
    table, at = {}, 0
    for term, count in zip(terms, freqs.tolist()):
        table[term] = positions[at : at + count].tolist()
        at += count
    assert table == analyzer.positions_by_term(text)
    assert at == len(positions) == len(words)


def test_prepared_vocabulary_words_equal_those_of_the_text():
    """The ingest workers find the vocabulary's words (for "did you mean") in the distinct words
    of title and body; they are the words of the text itself."""
    from search.config import Settings
    from search.ingest import Skipped, read_articles
    from search.store.whoosh.writer import WhooshPreparer
    from search.vocabulary import words_of
    from tests.conftest import FIXTURES, SEEDS

    prepare = WhooshPreparer(build_schema())
    articles = [a for folder in (SEEDS, FIXTURES / "corpus") for path in sorted(folder.glob("*.txt"))
                for a in read_articles(path, Settings()) if not isinstance(a, Skipped)]
    assert len(articles) >= 5
    for article in articles:
        assert prepare(article).words == words_of(article.title + "\n" + article.body), article.path


@pytest.mark.parametrize(
    "value",
    ["United States", "Russia\nUnited  States\n\n  Erdoğan \r\n", "", "\n \n", "\u0301", "İSTANBUL\u00a0Gate", "x\ty\u3000z\n\n"],
)
def test_keyword_tokens_equal_whooshs_filter_chain(value):
    """Actors and tags are indexed by a one-pass tokenizer; the terms, positions and offsets are
    those of the chain of Whoosh filters it replaced, so `actor:"United States"` finds what it did."""
    def tokens(analyzer, options):
        return [(t.text, getattr(t, "pos", None), getattr(t, "startchar", None), getattr(t, "endchar", None),
                 getattr(t, "original", None)) for t in analyzer(value, **options)]

    for _ in range(2):  # the second time from the tokenizer's memory of lines
        for options in ({}, {"positions": True, "chars": True, "keeporiginal": True}, {"tokenize": False, "positions": True, "chars": True}):
            assert tokens(keyword_analyzer(), options) == tokens(keyword_chain(), options)
    assert keyword_term(" United  States ") == "united_states"
