"""Questions about articles rather than lists, over the OpenSearch index: one article, articles
like it (more_like_this over the body's terms), its text with a query marked, and the actors
around an actor in a search's results (co-occurrence and timeline as aggregations)."""

from __future__ import annotations

from dataclasses import replace

from search.article import Article
from search.ingest.sources import display_path
from search.errors import NotFound
from search.highlight import mark_all, query_terms
from search.hits import summary, timeline_answer
from search.parsing import parse_query
from search.request import SearchRequest
from search.results import Hit
from search.schema import SCOPES, document_to_article, facet_column
from search.store.opensearch.connection import errors
from search.store.opensearch.mapping import schema
from search.store.opensearch.searching import plan, run

MORE_LIKE_TERMS = 12
ACTOR = facet_column("actor")


def _stored(engine, index: str, article_id: str) -> dict:
    with errors(engine.cluster):
        found = engine.client.get(index=index, id=article_id, _source_includes=["stored"], ignore=404)
    if not found.get("found"):
        raise NotFound(f"no article with id {article_id!r}")
    return found["_source"]["stored"]


def article(engine, article_id: str) -> Article:
    """Return one article by id; raise NotFound when the index has no such id."""
    snapshot = engine.snapshot()
    found = document_to_article(_stored(engine, snapshot.index, article_id))
    return replace(found, path=display_path(found.path, snapshot.roots))


def more_like(engine, article_id: str, top: int) -> list[Hit]:
    """Return the articles most similar to one article, by its key body terms."""
    index = engine.snapshot().index
    _stored(engine, index, article_id)  # NotFound before anything else
    body = {
        "query": {"more_like_this": {"fields": ["body"], "like": [{"_index": index, "_id": article_id}],
                                     "max_query_terms": MORE_LIKE_TERMS, "min_term_freq": 1, "min_doc_freq": 1}},
        "size": top, "_source": ["stored.*"],
    }
    with errors(engine.cluster):
        found = engine.client.search(index=index, body=body)
    return [replace(summary(h["_source"]["stored"]), score=round(h["_score"], 4)) for h in found["hits"]["hits"]]


def highlight_article(engine, article: Article, q: str, scope: str) -> dict:
    """Return the article's body paragraphs and comment texts as HTML with the query marked."""
    snapshot = engine.snapshot()
    fields = schema()
    parsed = parse_query(q, scope if scope in SCOPES else "all", fields, engine.settings, snapshot.actor_terms)
    body_terms = query_terms(parsed, snapshot.lexicon, "body")
    comment_terms = query_terms(parsed, snapshot.lexicon, "comments")
    body_analyzer, comment_analyzer = fields["body"].analyzer, fields["comments"].analyzer
    return {
        "body": [mark_all(body_analyzer, p, body_terms) for p in article.body.split("\n\n") if p.strip()],
        "comments": [[mark_all(comment_analyzer, p, comment_terms) for p in c.text.split("\n\n")] for c in article.comments],
    }


def _with_actor(engine, request: SearchRequest, actor: str, aggs: dict) -> dict:
    """Run `aggs` over a search's results (every filter applied) that have `actor`."""
    p = plan(engine, request)
    query = {"bool": {"must": [p.query], "filter": [*p.filters(), {"term": {ACTOR: actor}}]}}
    return run(p, {"query": query, "size": 0, "aggs": aggs, "track_total_hits": True}), p


def cooccurrence(engine, request: SearchRequest, actor: str, top: int) -> list[dict]:
    """Return the actors most often in the same articles as `actor`, within a search's results."""
    sizes = engine.snapshot().facet_sizes()
    found, _ = _with_actor(engine, request, actor, {"actors": {"terms": {"field": ACTOR, "size": max(1, sizes.get("actor", 1000))}}})
    counts = {b["key"]: b["doc_count"] for b in found["aggregations"]["actors"]["buckets"] if b["key"] != actor}
    return [{"actor": a, "count": n} for a, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top]]


def timeline(engine, request: SearchRequest, actor: str) -> dict:
    """Return monthly counts of a search's articles that mention `actor`, split by outlet; dates
    of year precision count as undated here, as they name no month."""
    sizes = engine.snapshot().facet_sizes()
    aggs = {"outlets": {"terms": {"field": facet_column("outlet"), "size": max(1, sizes.get("outlet", 1000))},
                        "aggs": {"months": {"terms": {"field": "date_month", "size": 10_000}}}}}
    found, _ = _with_actor(engine, request, actor, aggs)
    series: dict[str, dict[str, int]] = {}
    undated = found["hits"]["total"]["value"]
    for bucket in found["aggregations"]["outlets"]["buckets"]:
        months = {m["key"]: m["doc_count"] for m in bucket["months"]["buckets"] if len(m["key"]) == 7}
        if months:
            series[bucket["key"]] = months
            undated -= sum(months.values())
    return timeline_answer(actor, series, undated)
