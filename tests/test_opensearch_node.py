"""A real OpenSearch node (tools/opensearch-node) does what Mosaic's OpenSearch engine needs:
analysis that makes the same terms as the Whoosh index, keyword and date fields, bulk indexing,
aggregations, atomic alias swaps, and a three-node cluster that loses a node without losing a
request or an article."""

from __future__ import annotations

import uuid
from collections import Counter

import pytest
from opensearchpy import NotFoundError, OpenSearch, helpers
from whoosh.analysis import STOP_WORDS

from search.analysis import ACRONYM_MARK, WORD_PATTERN, text_analyzer
from tests.conftest import SEED_BLITZ, SEED_SOUTHFRONT, need_opensearch_tools
from tests.opensearch_node import kill_while_querying, start_cluster

# Analysis that makes the terms search.analysis.text_analyzer makes. Whoosh's word pattern, not the
# standard tokenizer, which keeps "100,000" and "amazon.com" whole (it differed on 35 of 60 real
# articles); Java's \w needs UNICODE_CHARACTER_CLASS to match Python's. asciifolding folds
# "Erdoğan" and also turns ’ into ', so the Snowball filter strips "’s" as Whoosh's stemmer does.
# Snowball English is Porter2, Whoosh's stemmer; the `stemmer` filter's "english" is the older
# Porter and differs on 3,286 of 35,409 words. Measured over the 40,559 distinct words of
# ../shared/data, 5 differ: asciifolding folds two letters that Whoosh's accent map does not
# (FOLDED_ONLY_BY_OPENSEARCH); spelled as asciifolding spells them, none differ.
# A stop word in capitals is an acronym that Whoosh keeps, marked ("US" and "U.S." as "#us"): the
# full stops of "U.S." are dropped and the acronyms marked before lowercasing, with one regex; the
# stop filter then removes the other spellings of stop words, and marked terms are not stemmed.
ACRONYMS = sorted(w.upper() for w in STOP_WORDS if len(w) > 1)
TEXT_ANALYSIS = {
    "analysis": {
        "tokenizer": {
            "mosaic_words": {"type": "pattern", "pattern": WORD_PATTERN, "group": 0,
                             "flags": "UNICODE_CHARACTER_CLASS"},
        },
        "filter": {
            "mosaic_full_stops": {"type": "pattern_replace", "pattern": "\\.", "replacement": ""},
            "mosaic_acronyms": {"type": "pattern_replace", "pattern": "^(" + "|".join(ACRONYMS) + ")$",
                                "replacement": ACRONYM_MARK + "$1"},
            "mosaic_stop": {"type": "stop", "stopwords": sorted(STOP_WORDS)},
            "mosaic_min_length": {"type": "length", "min": 2},
            "mosaic_marked": {"type": "keyword_marker", "keywords_pattern": "^" + ACRONYM_MARK + ".*"},
            "mosaic_stem": {"type": "snowball", "language": "English"},
        },
        "analyzer": {
            "mosaic_text": {"type": "custom", "tokenizer": "mosaic_words",
                            "filter": ["mosaic_full_stops", "mosaic_acronyms", "lowercase", "asciifolding", "mosaic_stop",
                                       "mosaic_min_length", "mosaic_marked", "mosaic_stem"]},
        },
    }
}
FOLDED_ONLY_BY_OPENSEARCH = str.maketrans({"ə": "a", "Ə": "A", "ß": "ss"})
MAPPINGS = {
    "properties": {
        "title": {"type": "text", "analyzer": "mosaic_text"},
        "body": {"type": "text", "analyzer": "mosaic_text"},
        "outlet": {"type": "keyword"},
        "actor": {"type": "keyword"},
        "published": {"type": "date", "format": "strict_date_optional_time"},
    }
}


@pytest.fixture(scope="module")
def client(opensearch_url):
    client = OpenSearch([u.strip() for u in opensearch_url.split(",")], timeout=30)
    # opensearch-py takes a bare `timeout` for its own socket timeout (a float): the server-side
    # one ("60s") reaches the server only beside request_timeout.
    client.cluster.health(wait_for_status="yellow", timeout="60s", request_timeout=70)
    yield client
    client.close()


@pytest.fixture()
def index_name(client):
    """A fresh index name for one test; every index whose name starts with it is deleted after."""
    name = f"mosaic-test-{uuid.uuid4().hex[:12]}"
    yield name
    for index in client.indices.get(index=f"{name}*", expand_wildcards="all"):
        client.indices.delete(index=index)


def create_index(client, name: str, **settings) -> None:
    body = {"settings": {**TEXT_ANALYSIS, "number_of_shards": 1, "number_of_replicas": 0, **settings},
            "mappings": MAPPINGS}
    client.indices.create(index=name, body=body)


def whoosh_terms(text: str) -> list[str]:
    return [token.text for token in text_analyzer()(text)]


def opensearch_terms(client, index: str, text: str) -> list[str]:
    tokens = client.indices.analyze(index=index, body={"analyzer": "mosaic_text", "text": text})["tokens"]
    return [t["token"] for t in tokens]


def test_node_answers_as_opensearch_2_and_is_healthy(client):
    info = client.info()
    assert info["version"].get("distribution") == "opensearch"
    assert int(info["version"]["number"].split(".")[0]) >= 2
    assert client.cluster.health()["status"] in ("yellow", "green")


@pytest.mark.parametrize("words, same_term", [
    ("sanctions sanctioned sanction", "sanction"),
    ("generous generously", "generous"),
    ("Erdoğan Erdogan ERDOGAN", "erdogan"),
    ("Russia’s Russia's Russia", "russia"),
])
def test_word_forms_meet_in_one_term_as_in_whoosh(client, index_name, words, same_term):
    create_index(client, index_name)
    terms = opensearch_terms(client, index_name, words)
    assert set(terms) == {same_term}
    assert terms == whoosh_terms(words)


@pytest.mark.parametrize("text", [
    "100,000 troops moved near amazon.com's U.S. warehouses, the E.U.'s 3.5% said",
    "The US told us IT firms, It said, will do AS it MAY; A Tbd plan",
    SEED_BLITZ.read_text(encoding="utf-8"),
    SEED_SOUTHFRONT.read_text(encoding="utf-8"),
], ids=["numbers-and-dots", "acronyms", "seed-blitz", "seed-southfront"])
def test_text_analysis_gives_the_whoosh_terms(client, index_name, text):
    create_index(client, index_name)
    assert opensearch_terms(client, index_name, text) == whoosh_terms(text.translate(FOLDED_ONLY_BY_OPENSEARCH))


ARTICLES = [
    {"_id": "a1", "title": "Sanctions on Ankara", "body": "Brussels sanctioned two Turkish banks.",
     "outlet": "SouthFront", "actor": ["Turkey", "European Union"], "published": "2021-03-04"},
    {"_id": "a2", "title": "Erdoğan answers", "body": "Erdoğan called the sanctions unlawful.",
     "outlet": "Blitz", "actor": ["Turkey", "Recep Tayyip Erdoğan"], "published": "2021-11-20"},
    {"_id": "a3", "title": "A generous offer", "body": "Baku made a generous offer on the corridor.",
     "outlet": "SouthFront", "actor": ["Azerbaijan"], "published": "2022-01-15T08:30:00Z"},
    {"_id": "a4", "title": "Ceasefire holds", "body": "No new sanctions were announced.",
     "outlet": "Blitz", "actor": ["Armenia", "Azerbaijan"]},  # undated
    {"_id": "a5", "title": "Sanctioning Moscow", "body": "Analysts doubt the sanction regime works.",
     "outlet": "Eurasia Review", "actor": ["Russia"], "published": "2022-06-30"},
]


def test_bulk_index_then_search_with_facets_and_years(client, index_name):
    create_index(client, index_name)
    indexed, errors = helpers.bulk(client, ({"_index": index_name, **a} for a in ARTICLES), refresh="wait_for")
    assert (indexed, errors) == (len(ARTICLES), [])

    word = "sanctions"
    response = client.search(index=index_name, body={
        "query": {"match": {"body": {"query": word, "operator": "and"}}},
        "size": 10,
        "aggs": {
            "outlet": {"terms": {"field": "outlet"}},
            "actor": {"terms": {"field": "actor"}},
            "year": {"date_histogram": {"field": "published", "calendar_interval": "year", "format": "yyyy"}},
            "undated": {"missing": {"field": "published"}},
        },
    })
    term = whoosh_terms(word)[0]
    matching = [a for a in ARTICLES if term in whoosh_terms(a["body"])]
    assert {h["_id"] for h in response["hits"]["hits"]} == {a["_id"] for a in matching} == {"a1", "a2", "a4", "a5"}
    aggs = response["aggregations"]
    assert {b["key"]: b["doc_count"] for b in aggs["outlet"]["buckets"]} == Counter(a["outlet"] for a in matching)
    assert {b["key"]: b["doc_count"] for b in aggs["actor"]["buckets"]} == Counter(x for a in matching for x in a["actor"])
    years = {b["key_as_string"]: b["doc_count"] for b in aggs["year"]["buckets"] if b["doc_count"]}
    assert years == Counter(a["published"][:4] for a in matching if "published" in a)
    assert aggs["undated"]["doc_count"] == sum("published" not in a for a in matching)


def test_alias_moves_between_indexes_at_once_or_not_at_all(client, index_name):
    alias, old, new = index_name, f"{index_name}-gen1", f"{index_name}-gen2"
    for name, articles in ((old, ARTICLES[:3]), (new, ARTICLES[3:])):
        create_index(client, name)
        helpers.bulk(client, ({"_index": name, **a} for a in articles), refresh="wait_for")
    client.indices.put_alias(index=old, name=alias)

    def ids_through_alias():
        hits = client.search(index=alias, body={"query": {"match_all": {}}, "size": 10})["hits"]["hits"]
        return {h["_id"] for h in hits}

    assert ids_through_alias() == {"a1", "a2", "a3"}
    # A swap naming an index that does not exist is refused whole: the alias stays where it was.
    with pytest.raises(NotFoundError):
        client.indices.update_aliases(body={"actions": [
            {"remove": {"index": old, "alias": alias}},
            {"add": {"index": f"{index_name}-missing", "alias": alias}},
        ]})
    assert set(client.indices.get_alias(name=alias)) == {old}
    client.indices.update_aliases(body={"actions": [
        {"remove": {"index": old, "alias": alias}},
        {"add": {"index": new, "alias": alias}},
    ]})
    assert set(client.indices.get_alias(name=alias)) == {new}
    assert ids_through_alias() == {"a4", "a5"}


# Enough articles to spread over three shards with a replica each; a query loop for at most this
# long, so a hung cluster fails the test instead of hanging it.
CLUSTER_ARTICLES = 1500
QUERY_LOOP_LIMIT = 90.0
# Requests after the survivors report yellow (every primary active) that must all succeed.
SETTLED_QUERIES = 50


@pytest.mark.opensearch_cluster
def test_three_node_cluster_loses_a_node_without_losing_requests_or_articles(tmp_path):
    need_opensearch_tools()
    index = "mosaic-cluster-test"
    with start_cluster(3, tmp_path) as cluster:
        client = OpenSearch(cluster.urls, timeout=10, max_retries=3, retry_on_timeout=True)
        create_index(client, index, number_of_shards=3, number_of_replicas=1)
        words = ["sanctions", "ceasefire", "corridor", "pipeline", "election", "summit"]
        articles = [{"_index": index, "_id": f"doc-{i}", "title": f"Report {i}",
                     "body": f"{words[i % 6]} {words[(i // 6) % 6]} talks", "outlet": f"outlet-{i % 5}",
                     "published": f"{2015 + i % 8}-0{1 + i % 9}-1{i % 10}"} for i in range(CLUSTER_ARTICLES)]
        indexed, errors = helpers.bulk(client, articles, refresh="wait_for")
        assert (indexed, errors) == (CLUSTER_ARTICLES, [])
        cluster.health("green")

        # Kill the elected cluster manager: the survivors must elect one as well as promote replicas.
        manager = client.cat.cluster_manager(format="json")[0]["node"]
        victim = next(n for n in cluster.nodes if n.name == manager)

        def attempt() -> str | None:
            response = client.search(index=index, body={
                "query": {"match_all": {}}, "size": 0, "track_total_hits": True,
                "aggs": {"outlet": {"terms": {"field": "outlet"}}}})
            total = response["hits"]["total"]["value"]
            failed = response["_shards"]["failed"]
            return None if (total, failed) == (CLUSTER_ARTICLES, 0) else f"{total} hits, {failed} shards failed"

        run = kill_while_querying(cluster, victim, attempt, SETTLED_QUERIES, QUERY_LOOP_LIMIT)
        print(f"killed {victim.name} (cluster manager); settled in {run.settle_seconds:.1f} s; "
              f"{run.queries} queries, {len(run.during)} failed while settling, {len(run.after)} after")
        assert len(run.after) >= SETTLED_QUERIES
        assert [p for p in run.after if p] == []

        survivors = OpenSearch([n.url for n in cluster.live_nodes()], timeout=30)
        assert survivors.cat.cluster_manager(format="json")[0]["node"] != victim.name
        ids = {hit["_id"] for hit in helpers.scan(survivors, index=index, query={"query": {"match_all": {}}})}
        assert ids == {a["_id"] for a in articles}
