"""Questions about articles rather than lists: one article, articles like it, its text with a
query marked, and the actors around an actor in a search's results (co-occurrence, timeline)."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import numpy as np

from search.article import Article
from search.errors import NotFound
from search.highlight import mark_all, query_terms
from search.hits import summary, timeline_answer
from search.parsing import parse_query
from search.request import SearchRequest
from search.results import Hit
from search.ingest.sources import display_path
from search.schema import SCOPES, document_to_article

MORE_LIKE_TERMS = 12


def article(engine, article_id: str) -> Article:
    """Return one article by id; raise NotFound when the index has no such id."""
    generation = engine.live()
    with generation.index.searcher() as searcher:
        stored = searcher.document(id=article_id)
    if stored is None:
        raise NotFound(f"no article with id {article_id!r}")
    found = document_to_article(stored)
    return replace(found, path=display_path(found.path, engine.roots(generation)))


def more_like(engine, article_id: str, top: int) -> list[Hit]:
    """Return the articles most similar to one article, by its key body terms."""
    generation = engine.live()
    with generation.index.searcher() as searcher:
        docnum = searcher.document_number(id=article_id)
        if docnum is None:
            raise NotFound(f"no article with id {article_id!r}")
        text = searcher.stored_fields(docnum).get("body", "")
        results = searcher.more_like(docnum, "body", text=text, top=top, numterms=MORE_LIKE_TERMS)
        return [replace(summary(hit.fields()), score=round(hit.score, 4)) for hit in results]


def highlight_article(engine, article: Article, q: str, scope: str) -> dict:
    """Return the article's body paragraphs and comment texts as HTML with the query marked."""
    generation = engine.live()
    schema = generation.schema
    parsed = parse_query(q, scope if scope in SCOPES else "all", schema, engine.settings, engine.actor_terms(generation))
    with generation.index.searcher() as searcher:
        body_terms = query_terms(parsed, searcher.reader(), "body")
        comment_terms = query_terms(parsed, searcher.reader(), "comments")
    body_analyzer, comment_analyzer = schema["body"].analyzer, schema["comments"].analyzer
    return {
        "body": [mark_all(body_analyzer, p, body_terms) for p in article.body.split("\n\n") if p.strip()],
        "comments": [[mark_all(comment_analyzer, p, comment_terms) for p in c.text.split("\n\n")] for c in article.comments],
    }


def cooccurrence(engine, request: SearchRequest, actor: str, top: int) -> list[dict]:
    """Return the actors most often in the same articles as `actor`, within a search's results."""
    with engine.match(request) as m:
        column = m.table.columns["actor"]
        with_actor = np.zeros(m.table.size, dtype=bool)
        with_actor[m.kept[column.docs_with({actor}, m.table.size)[m.kept]]] = True
        found = column.count(np.flatnonzero(with_actor), m.table.size)
        found.pop(actor, None)
    return [{"actor": a, "count": n} for a, n in sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))[:top]]


def timeline(engine, request: SearchRequest, actor: str) -> dict:
    """Return monthly counts of a search's articles that mention `actor`, split by outlet."""
    with engine.match(request) as m:
        series: dict[str, Counter] = {}
        undated = 0
        with_actor = m.kept[m.table.columns["actor"].docs_with({actor}, m.table.size)[m.kept]]
        for doc in with_actor.tolist():
            date = m.table.dates[doc]
            if len(date) < 7:
                undated += 1
                continue
            series.setdefault(m.table.outlets[doc], Counter())[date[:7]] += 1
    return timeline_answer(actor, series, undated)
