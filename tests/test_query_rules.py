"""The query rules of the README's query-syntax table, each as query → what it finds and what it
does not, over a small real index built here; and a property: a query of words that occur together
in a document never comes back empty."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from search.analysis import WORD_PATTERN
from search.config import Settings
from search.errors import BadQuery
from search.indexer import build_index
from search.parsing import OPERATORS
from search.query import SearchRequest, engine_for

FILLER = "Reporters in the capital followed the story closely through the week."

# key → (title, body, comments): short articles, each written for one rule.
ARTICLES = {
    "war_in": ("Winter outlook for traders", "Analysts expect the war in Ukraine to shape energy markets through the winter, traders said on Monday."),
    "war_on": ("Statement from Moscow", "Officials described the war on Ukraine as a defensive operation in a statement read on state television."),
    "bank_of_england": ("Rates rise again", "The Bank of England raised interest rates on Thursday, saying that energy prices rose faster than expected."),
    "bank_and_england": ("A branch closes", "A small bank in the north of England closed its last branch, leaving the town without a cash machine."),
    "us_capitals": ("Deficit widens", "The US trade deficit widened to a record in March as imports of cars and phones rose sharply."),
    "us_full_stops": ("Deficit narrows", "The U.S. trade deficit narrowed slightly in April as exports of grain and aircraft recovered."),
    "us_lowercase": ("Figures day", "Brokers told us the deficit in the trade figures was smaller than many had feared before the release."),
    "it_capitals": ("Spending on IT grows", "Companies raised IT budgets for cloud software again this year, a survey of finance chiefs found."),
    "it_lowercase": ("A quiet week", "It was a quiet week for the council; it met twice and its budgets were left as they were."),
    "hamlet": ("To be or not to be", "A new staging of the play opened in London to strong reviews from critics and a full house."),
    "political_west": ("Views from the south", "Critics of the political West argue that its sanctions policy has lost support across the south."),
    "karabakh": ("Fighting resumes", "Fighting resumed in Nagorno-Karabakh on Sunday after a week of shelling along the line of contact."),
    "karabakh_apart": ("Horses and hills", "The Karabakh horse is an old breed, and the Nagorno uplands are known for their steep wooded hills."),
    "the_who": ("The Who return", "The Who played their first concert in years at a stadium in Leeds on Saturday night before fans."),
    "who_lowercase": ("Stadium vote", "Voters who backed the measure said the stadium in Leeds would bring jobs to the town centre."),
    # The same words, as often, in texts of one length; the second is indexed first, so that it
    # would win the tie without the proximity bonus.
    "central_bank_far": ("Policy note", "The central square was full of people. " + FILLER * 3 + " Later a bank kept its main rate unchanged."),
    "central_bank_near": ("Policy note", "The central bank kept its main rate unchanged. " + FILLER * 3 + " Markets were full of people later."),
    "tariffs_in_body": ("Trade talks stall", "Negotiators met again but could not agree on tariffs. " + FILLER * 4 + " Talks resume next month."),
    "tariffs_in_comments": ("Harbour reopens", "The old harbour reopened after repairs, with new cranes and a longer quay for container ships.",
                            ["Tariffs tariffs tariffs: that is all that matters here, tariffs."]),
}


def _record(key: str, title: str, body: str, comments=()) -> dict:
    text = f"{title}\n\n{body}\n\n{FILLER}"
    if comments:
        text += f"\n\n{len(comments)} comments\n\n" + "\n\n".join(f"Reader {n}\n\n{c}" for n, c in enumerate(comments, 1))
    return {"url": f"https://example.org/{key}", "title": title, "author": "Ann Smith", "outlet": "Example", "text": text}


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rules")
    lines = [json.dumps(_record(key, *article)) for key, article in ARTICLES.items()]
    (folder / "articles.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    index_dir = folder / "index"
    report = build_index([folder / "articles.jsonl"], index_dir, Settings(index_dir=index_dir))
    assert report.indexed == len(ARTICLES), report.skipped
    return engine_for(Settings(index_dir=index_dir))


def found(engine, q: str, **kwargs) -> list[str]:
    """The keys of the articles a query finds, best first."""
    result = engine.search(SearchRequest(q=q, per_page=100, collapse=False, **kwargs))
    return [hit.url.rsplit("/", 1)[1] for hit in result.hits]


@pytest.mark.parametrize(
    "q, finds, misses",
    [
        # A stop word adds no requirement (before: `author:the` was required, and nothing came back).
        ("the political West", {"political_west"}, set()),
        ("war in Ukraine", {"war_in", "war_on"}, set()),
        ("Bank of England", {"bank_of_england", "bank_and_england"}, set()),
        # A phrase keeps its stop words, in their places.
        ('"war in Ukraine"', {"war_in"}, {"war_on"}),
        ('"war Ukraine"', set(), {"war_in", "war_on"}),
        ('"Bank of England"', {"bank_of_england"}, {"bank_and_england"}),
        ('"the Who"', {"the_who"}, {"who_lowercase"}),
        ('"a war in Ukraine"', set(), {"war_in"}),  # a stop word at either end counts too
        # A stop word in capitals is an acronym; "U.S." is the same word as "US".
        ("US trade deficit", {"us_capitals", "us_full_stops"}, {"us_lowercase"}),
        ("U.S. deficit", {"us_capitals", "us_full_stops"}, {"us_lowercase"}),
        ("us trade deficit", {"us_capitals", "us_full_stops", "us_lowercase"}, set()),
        ("IT budgets", {"it_capitals"}, {"it_lowercase"}),
        ("it budgets", {"it_capitals", "it_lowercase"}, set()),
        # A query of stop words only is searched as words.
        ("to be or not to be", {"hamlet"}, {"war_in", "it_lowercase"}),
        ("it", {"it_lowercase"}, {"it_capitals"}),
        ('"to be or not to be"', {"hamlet"}, set()),
        # A word the analyzer splits is a phrase.
        ("Nagorno-Karabakh", {"karabakh"}, {"karabakh_apart"}),
        ("Nagorno Karabakh", {"karabakh", "karabakh_apart"}, set()),
        # Six words or more: a third of them will do (here 3 of 7; the bank articles have one).
        ("why was the old harbour reopened with new cranes for a bank", {"tariffs_in_comments"}, {"bank_and_england", "bank_of_england"}),
        # No article has all the words: those with the most of them; not once an operator is written.
        ("harbour cranes zeppelin", {"tariffs_in_comments"}, set()),
        ("harbour AND cranes AND zeppelin", set(), {"tariffs_in_comments"}),
    ],
)
def test_query_rule(engine, q, finds, misses):
    hits = set(found(engine, q))
    assert finds <= hits and not (misses & hits), (q, hits)


@pytest.mark.parametrize(
    "q, searched",
    [
        # What was searched, as the API's parsed_query shows it: stop words left out...
        ("the political West", "((title:polit OR author:political OR body:polit OR comments:polit) AND "
                                "(title:west OR author:west OR body:west OR comments:west))"),
        # ...kept in a phrase...
        ('"war in Ukraine"', '(title:"war in ukrain" OR author:"war in ukraine" OR body:"war in ukrain" OR comments:"war in ukrain")'),
        # ...searched as words when there is nothing else...
        ("to be", "((title:to OR author:to OR body:to OR comments:to) AND (title:be OR author:be OR body:be OR comments:be))"),
        # ...and acronyms as written.
        ("IT budgets", "((title:IT OR author:it OR body:IT OR comments:IT) AND "
                       "(title:budget OR author:budgets OR body:budget OR comments:budget))"),
        ('"US trade deficit"', '(title:"US trade deficit" OR author:"us trade deficit" OR body:"US trade deficit" '
                               'OR comments:"US trade deficit")'),
        # ...and, when no article has every word, the relaxed query that found the closest ones.
        ("why was the old harbour reopened for a bank", "ANY 2 OF ((title:whi OR author:why OR body:whi OR comments:whi), "
            "(title:was OR author:was OR body:was OR comments:was), (title:old OR author:old OR body:old OR comments:old), "
            "(title:harbour OR author:harbour OR body:harbour OR comments:harbour), "
            "(title:reopen OR author:reopened OR body:reopen OR comments:reopen), (title:bank OR author:bank OR body:bank OR comments:bank))"),
        ("harbour cranes zeppelin", "ANY 2 OF ((title:harbour OR author:harbour OR body:harbour OR comments:harbour), "
                                    "(title:crane OR author:cranes OR body:crane OR comments:crane), "
                                    "(title:zeppelin OR author:zeppelin OR body:zeppelin OR comments:zeppelin))"),
    ],
)
def test_parsed_query_shows_what_was_searched(engine, q, searched):
    assert engine.search(SearchRequest(q=q)).parsed_query == searched


def test_a_query_without_words_is_refused_with_a_hint(engine):
    with pytest.raises(BadQuery, match="no searchable words") as refused:
        engine.search(SearchRequest(q="!!! ..."))
    assert refused.value.hint == "write at least one word"


def test_no_article_has_every_word_so_those_with_the_most_come_first(engine):
    assert found(engine, "harbour cranes zeppelin") == ["tariffs_in_comments"]
    assert found(engine, "zeppelin airship") == []  # nothing to relax to


def test_words_close_together_rank_above_words_far_apart(engine):
    ranked = found(engine, "central bank")
    assert ranked.index("central_bank_near") < ranked.index("central_bank_far")


def test_comment_only_matches_rank_below_body_matches(engine):
    # The comment says "tariffs" four times in a few words, the body once in a long text: BM25
    # alone would put the comment first.
    assert found(engine, "tariffs") == ["tariffs_in_body", "tariffs_in_comments"]
    assert found(engine, "tariffs", scope="comments") == ["tariffs_in_comments"]


def test_title_matches_rank_above_body_matches(engine):
    assert found(engine, "deficit")[-1] == "us_lowercase"  # the other two say "Deficit" in their titles


# --- a query of words found together in an article finds it ------------------------------------

def _text(key: str) -> str:
    title, body, *comments = ARTICLES[key]
    return " ".join([title, body, *(comments[0] if comments else ())])


@st.composite
def article_words(draw):
    """An article and 1-4 of its words, in any order."""
    key = draw(st.sampled_from(sorted(ARTICLES)))
    words = [w for w in WORDS.findall(_text(key)) if w not in OPERATORS]
    return key, " ".join(draw(st.lists(st.sampled_from(words), min_size=1, max_size=4)))


@st.composite
def article_phrase(draw):
    """An article and a run of 1-5 consecutive words of its body, stop words and all."""
    key = draw(st.sampled_from(sorted(ARTICLES)))
    words = WORDS.findall(ARTICLES[key][1])
    start = draw(st.integers(0, len(words) - 1))
    run = words[start : start + draw(st.integers(1, 5))]
    assume(not set(run) & OPERATORS)
    return key, '"' + " ".join(run) + '"'


WORDS = re.compile(WORD_PATTERN)
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(drawn=article_words())
def test_words_found_together_always_find_their_article(engine, drawn):
    key, q = drawn
    assert key in found(engine, q), q


@SETTINGS
@given(drawn=article_phrase())
def test_a_run_of_an_articles_words_as_a_phrase_finds_it(engine, drawn):
    key, q = drawn
    assert key in found(engine, q), q
