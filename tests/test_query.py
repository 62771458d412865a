"""run_search over a real on-disk index of the seeds and the fixture corpus."""

import re

import pytest

from search.errors import BadQuery
from search.query import SearchRequest, run_search

BLITZ = "How political West benefits from Nagorno-Karabakh escalation"
SOUTHFRONT = "Nagorno-Karabakh: The Multipolar Conflict"
ALJAZEERA = "Erdoğan wins runoff as Turkey's opposition weighs its next move"


@pytest.fixture()
def search(corpus_settings):
    def run(q="", **kwargs):
        return run_search(SearchRequest(q=q, **kwargs), corpus_settings)
    return run


def titles(result) -> set[str]:
    return {hit.title for hit in result.hits}


@pytest.mark.parametrize(
    "q, expected",
    [
        ("Erdogan", {BLITZ, SOUTHFRONT, ALJAZEERA}),           # accents folded: Erdoğan = Erdogan
        ("Erdoğan inflation", {ALJAZEERA}),                    # AND by default
        ("Erdogan AND Pompeo", {SOUTHFRONT}),
        ("Taiwan OR Niamey", {"The Taiwan Strait After the Election", "Niger junta orders French troops out as Sahel realignment deepens"}),
        ("Erdogan NOT inflation", {BLITZ, SOUTHFRONT}),
        ('"Collective Security Treaty Organization"', {BLITZ, SOUTHFRONT}),
        ('"Security Collective"', set()),                      # a phrase is an order, not a bag
        ("title:Taiwan", {"The Taiwan Strait After the Election"}),
        ("author:Hawk", {SOUTHFRONT}),
        ("author:bosnic", {BLITZ}),
        ("outlet:southfront", {SOUTHFRONT}),
        ("actor:Erdogan", {BLITZ, SOUTHFRONT, ALJAZEERA}),     # any alias finds the canonical actor
        ('actor:"United States" actor:Taiwan', {"The Taiwan Strait After the Election"}),
        ("comments:Ukranazi", {SOUTHFRONT}),
        ("Karabak*", {BLITZ, SOUTHFRONT}),
        ("sanctioned", {SOUTHFRONT}),                          # stemming: sanctions ~ sanctioned
        ("peacekeeper", {BLITZ}),
    ],
)
def test_query_syntax(search, q, expected):
    assert titles(search(q, per_page=50)) == expected


def test_scope_limits_where_words_are_looked_up(search):
    assert titles(search("Ukranazi")) == {SOUTHFRONT}  # comments are searched by default
    assert search("Ukranazi", scope="body").total == 0
    assert search("Ukranazi", scope="comments").total == 1
    assert titles(search("Multipolar", scope="title")) == {SOUTHFRONT}


def test_outlet_and_actor_filters(search):
    assert titles(search("Erdogan", outlets=("SouthFront",))) == {SOUTHFRONT}
    assert titles(search("Erdogan", outlets=("SouthFront", "BLiTZ"))) == {SOUTHFRONT, BLITZ}
    assert titles(search("", actors=("Taiwan",))) == {"The Taiwan Strait After the Election"}
    # Repeated actors are alternatives (OR within a facet).
    assert search("", actors=("Taiwan", "Niger")).total == 2
    assert titles(search("Erdogan", not_outlets=("SouthFront",))) == {BLITZ, ALJAZEERA}


def test_date_filters(search):
    assert search("", date_from="2023", date_to="2023").total == 3
    assert search("", date_from="2023-08").total == 4
    assert search("", date_to="2023-06-01").total == 1
    assert search("", undated=True).total == 3


def test_facets_count_disjunctively(search):
    result = search("Erdogan", outlets=("SouthFront",))
    assert result.total == 1
    outlets = {f.value: (f.count, f.selected) for f in result.facets["outlet"]}
    # The outlet facet ignores its own selection: the other outlets still show what they would add.
    assert outlets == {"SouthFront": (1, True), "BLiTZ": (1, False), "Al Jazeera": (1, False)}
    actors = {f.value: f.count for f in result.facets["actor"]}
    assert actors["Georgia"] == 1 and "Sweden" not in actors  # other facets follow the selection


def test_date_facet_by_year_then_month(search):
    years = {f.value: f.count for f in search("").facets["date"]}
    assert years == {"2024": 2, "2023": 3, "undated": 3}
    months = {f.value: f.count for f in search("", date_from="2023", date_to="2023").facets["date"]}
    assert months == {"2023-05": 1, "2023-08": 1, "2023-10": 1, "undated": 3}


def test_sort_by_date_puts_undated_last(search):
    newest = [hit.date for hit in search("", sort="newest", per_page=50).hits]
    assert newest[:5] == ["2024-11-05", "2024-01-14", "2023-10-14", "2023-08-03", "2023-05-29"]
    assert newest[5:] == [None, None, None]
    oldest = [hit.date for hit in search("", sort="oldest", per_page=50).hits]
    assert oldest[:5] == sorted(oldest[:5]) and oldest[5:] == [None, None, None]


def test_relevance_ranks_title_matches_first(search):
    result = search("Taiwan")
    assert result.hits[0].title == "The Taiwan Strait After the Election"
    scores = [hit.score for hit in result.hits]
    assert scores == sorted(scores, reverse=True)


def test_pagination_covers_every_hit_once(search):
    pages = [search("", per_page=3, page=n) for n in (1, 2, 3)]
    ids = [hit.id for page in pages for hit in page.hits]
    assert pages[0].total == 8 and pages[0].pages == 3
    assert len(ids) == 8 and len(set(ids)) == 8
    assert search("", per_page=3, page=4).hits == []


def test_snippets_highlight_and_escape(search):
    result = search("script")
    hit = result.hits[0]
    assert hit.title.startswith("Why <script>")
    fields = {s.field for s in hit.snippets}
    assert fields == {"body", "comments"}
    for snippet in hit.snippets:
        html = snippet.html
        assert "<mark>script</mark>" in html
        assert "&lt;" in html
        assert re.sub(r"</?mark>", "", html).count("<") == 0, "only <mark> tags may appear unescaped"


def test_snippet_comes_from_comments_when_only_they_match(search):
    hit = search("Ukranazi").hits[0]
    assert [s.field for s in hit.snippets] == ["comments"]
    assert "<mark>Ukranazi</mark>" in hit.snippets[0].html


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"q": '"unclosed phrase'}, "unbalanced quote"),
        ({"q": "(Russia OR Turkey"}, "unclosed '('"),
        ({"q": "Russia)"}, "unmatched ')'"),
        ({"q": "Russia AND"}, "needs a term"),
        ({"q": "OR Russia"}, "needs a term"),
        ({"q": "Russia AND OR Turkey"}, "in a row"),
        ({"q": "colour:red"}, "unknown field 'colour'"),
        ({"q": "actor: Russia"}, "needs a value"),
        ({"q": "x" * 1001}, "limit is 1000"),
        ({"scope": "everything"}, "not a search scope"),
        ({"sort": "random"}, "not a sort order"),
        ({"page": 0}, "out of range"),
        ({"per_page": 101}, "out of range"),
        ({"date_from": "2023-13"}, "not a date"),
        ({"date_from": "2024", "date_to": "2023"}, "after"),
    ],
)
def test_malformed_requests_raise_bad_query(search, kwargs, message):
    with pytest.raises(BadQuery, match=re.escape(message)):
        search(**kwargs)


def test_us_state_article_is_not_about_the_country(search):
    hit = search('title:"Georgia counties"').hits[0]
    assert "Georgia" not in hit.actors


def test_phrase_snippets_mark_only_the_phrase(search):
    hit = next(h for h in search('"Collective Security" Armenia').hits if h.title == SOUTHFRONT)
    html = hit.snippets[0].html
    assert "<mark>Collective</mark> <mark>Security</mark> Treaty" in html
    assert "<mark>Armenia</mark>" in html
    assert "<mark>collective</mark>" not in html  # the words alone are not the phrase


@pytest.mark.parametrize(
    "phrase, marked",
    [
        # The phrase's stop words are marked with it, and must be in the text where they are in it.
        ('"Bank of England"', "The <mark>Bank</mark> <mark>of</mark> <mark>England</mark>, the bank in England, the bank and England."),
        ('"bank in England"', "The Bank of England, the <mark>bank</mark> <mark>in</mark> <mark>England</mark>, the bank and England."),
        ('"the bank"', "<mark>The</mark> <mark>Bank</mark> of England, <mark>the</mark> <mark>bank</mark> in England, <mark>the</mark> <mark>bank</mark> and England."),
        ('"bank England"', "The Bank of England, the bank in England, the bank and England."),
    ],
)
def test_phrase_marking_keeps_stop_words_like_the_index(corpus_settings, phrase, marked):
    from search.highlight import mark_all, query_terms
    from search.parsing import parse_query
    from search.store.whoosh.generation import open_index

    ix = open_index(corpus_settings.index_dir)
    with ix.searcher() as searcher:
        terms = query_terms(parse_query(phrase, "body", ix.schema, corpus_settings), searcher.reader(), "body")
    text = "The Bank of England, the bank in England, the bank and England."
    assert mark_all(ix.schema["body"].analyzer, text, terms) == marked


def test_wildcard_matches_are_marked_and_negated_words_are_not(search):
    hit = next(h for h in search("Karabak* NOT Pompeo").hits)
    assert "Nagorno-<mark>Karabakh</mark>" in hit.snippets[0].html
    assert "<mark>Pompeo</mark>" not in str(search("Karabak* NOT Pompeo").hits)


def test_matched_in_says_where_the_query_matched(search):
    assert search("Ukranazi").hits[0].matched_in == ("comments",)
    taiwan = next(h for h in search("Taiwan").hits if h.title.startswith("The Taiwan"))
    assert taiwan.matched_in == ("title", "body")


def test_author_facet_and_filter(search):
    result = search("Erdogan", authors=("J.Hawk",))
    assert titles(result) == {SOUTHFRONT}
    authors = {f.value: (f.count, f.selected) for f in result.facets["author"]}
    assert authors == {"J.Hawk": (1, True), "Drago Bosnic": (1, False), "Selin Aydın": (1, False)}


@pytest.mark.parametrize(
    "q, message",
    [("*stan", "cannot start a word"), ("?ussia", "cannot start a word"), (" OR ".join(f"w{n}" for n in range(100)), "the limit is 256")],
)
def test_costly_queries_are_refused(search, q, message):
    with pytest.raises(BadQuery, match=re.escape(message)):
        search(q)


def test_wildcard_matching_too_many_words_is_refused(corpus_settings):
    from dataclasses import replace as copy_with

    settings = copy_with(corpus_settings, max_wildcard_words=3)
    with pytest.raises(BadQuery, match="matches more than 3 words"):
        run_search(SearchRequest(q="a*"), settings)
    assert run_search(SearchRequest(q="Karabak*"), settings).total == 2


def test_slow_query_is_stopped(corpus_settings):
    from dataclasses import replace as copy_with

    from search.errors import QueryTimeout
    from tests.conftest import engine_at

    engine = engine_at(corpus_settings.index_dir, copy_with(corpus_settings, query_timeout=-1.0))
    with pytest.raises(QueryTimeout, match="was stopped"):
        engine.search(SearchRequest(q="russia OR turkey OR nato"))


def test_snippet_fragments_open_at_a_sentence_and_mark_their_cuts():
    from search.analysis import text_analyzer
    from search.highlight import QueryTerms, snippet

    analyzer = text_analyzer()
    filler = "The delegations met again on Monday in the capital and talked for many hours about the border. "
    text = filler * 3 + "Ankara has warned Baku against any escalation of the conflict this year. " + filler * 6
    html = snippet(analyzer, text, QueryTerms(frozenset({analyzer.term("Ankara")}), ()))
    assert html.startswith("<mark>Ankara</mark> has warned Baku")  # not mid-sentence
    assert html.endswith(" …")  # the text goes on after the fragment
    opening = snippet(analyzer, text, QueryTerms(frozenset({analyzer.term("delegations")}), ()))
    assert opening.startswith("The <mark>delegations</mark>")
