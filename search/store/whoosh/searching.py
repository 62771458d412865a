"""The search question over a Whoosh generation: one page of ranked, collapsed hits with
snippets, facet counts, key terms and a "did you mean"; and the same list walked whole for
export and for an article's previous/next links."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import replace

import numpy as np
from whoosh import query as wq

from search.errors import BadQuery, QueryTimeout
from search.highlight import query_terms
from search.hits import FEW_HITS, KEY_TERM_CHARS, KEY_TERM_DOCS, neighbours_in, shown_hit, summary
from search.parsing import describe_query
from search.request import SearchRequest
from search.results import Copies, Hit, KeyTerm, SearchResult, Suggestion, facet_lists
from search.schema import SNIPPET_FIELDS
from search.store.whoosh.facets import count_facets
from search.vocabulary import suggest_query, words_of



def search(engine, request: SearchRequest) -> SearchResult:
    """Return one page of results for `request`."""
    started = time.perf_counter()
    with engine.match(request) as m:
        counts = count_facets(m.table, m.matched, request)
        start = (request.page - 1) * request.per_page
        ranked, listed = listing(m, request, max(start + request.per_page, KEY_TERM_DOCS))
        page = ranked[start : start + request.per_page]
        hits = _hits(m, [d for d, _ in page], dict(page), engine.settings.snippet_scan_chars)
        vocabulary = engine.vocabulary(m.generation)
        key_terms = []
        if request.has_query:
            texts = [m.searcher.stored_fields(d).get("body", "")[:KEY_TERM_CHARS] for d, _ in ranked[:KEY_TERM_DOCS]]
            key_terms = vocabulary.key_terms(texts, exclude=words_of(request.q))
    suggestion = None
    if request.has_query and len(m.kept) <= FEW_HITS:
        suggestion = _suggest(engine, request, vocabulary, len(m.kept))
    return SearchResult(
        request, len(m.kept), (time.perf_counter() - started) * 1000, hits, facet_lists(counts, request, engine.settings.facet_limit),
        parsed_query=describe_query(m.parsed) if request.has_query else "",
        did_you_mean=suggestion, key_terms=[KeyTerm(t, w) for t, w in key_terms],
        listed=listed, engine=engine.name,
    )


def listing(m, request: SearchRequest, need: int | None):
    """Return the first `need` entries (all when None) of the result list as shown, near-
    duplicates collapsed unless the request says otherwise, and the length of the whole list
    (None: not collapsed)."""
    if not request.collapse:
        return ranked(m, request, need), None
    roots = m.table.clusters[m.kept]
    listed = int(np.count_nonzero(np.bincount(roots, minlength=1))) if len(roots) else 0
    if listed == len(m.kept):
        return ranked(m, request, need), listed
    shown = _collapse(ranked(m, request, None if need is None else 3 * need + 20), m.table)
    if need is None or len(shown) < min(need, listed):
        shown = _collapse(ranked(m, request, None), m.table)
    return shown, listed


def ranked(m, request: SearchRequest, limit: int | None) -> list[tuple[int, float | None]]:
    """Return up to `limit` (docnum, score) pairs of the kept documents in the requested order."""
    kept = m.kept
    if m.scores is not None:
        negated = -m.scores
        candidates = np.arange(len(kept))
        if limit is not None and limit < len(kept):
            # Every document scoring at least the limit-th best, ties included, then ordered.
            cut = np.partition(negated, limit - 1)[limit - 1]
            candidates = np.flatnonzero(negated <= cut)
        # Highest score first, ties in index order, as Whoosh ranks them.
        order = candidates[np.lexsort((kept[candidates], negated[candidates]))][:limit]
        return list(zip(kept[order].tolist(), m.scores[order].tolist()))
    # Browsing without a query ranks newest first: that is what readers expect.
    sort = "newest" if request.sort == "relevance" else request.sort
    if sort == "indexed":  # most recently indexed first, then newest by index order
        order = np.lexsort((-kept, -m.table.indexed_at[kept]))
        return [(d, None) for d in (kept[order] if limit is None else kept[order][:limit]).tolist()]
    ranks = m.table.date_ranks[m.table.date_codes[kept]]
    dated = ranks > 0
    docs, ranks = kept[dated], ranks[dated]
    # Newest: latest date first, ties in index order; oldest: the reverse of both. Undated
    # articles go last in both orders, in index order.
    order = np.lexsort((docs, -ranks)) if sort == "newest" else np.lexsort((-docs, ranks))
    ordered = np.concatenate([docs[order], kept[~dated]])
    return [(d, None) for d in (ordered if limit is None else ordered[:limit]).tolist()]


def neighbours(engine, request: SearchRequest, article_id: str) -> dict:
    """Return the ids of the results before and after an article in a search's result list."""
    with engine.match(request) as m:
        shown, _ = listing(m, request, (request.page + 1) * request.per_page + 1)
        ids = [m.searcher.stored_fields(d)["id"] for d, _ in shown]
    return neighbours_in(ids, article_id)


def iter_export(engine, request: SearchRequest) -> Iterator[dict]:
    """Yield every hit of a search (all pages) in order, with body and comments, for export."""
    with engine.match(request) as m:
        for doc, score in ranked(m, request, None):
            stored = m.searcher.stored_fields(doc)
            row = summary(stored).to_dict()
            row.update(score=round(score, 4) if score is not None else None, tags=list(stored.get("tags", ())),
                       body=stored.get("body", ""), comments=len(json.loads(stored.get("comment_list") or "[]")))
            yield row


def _hits(m, page_docs: list[int], scores: dict[int, float | None], scan_chars: int) -> list[Hit]:
    reader = m.searcher.reader()
    terms = None if isinstance(m.parsed, wq.Every) else {
        name: query_terms(m.parsed, reader, name) for name in ("title", *SNIPPET_FIELDS)}
    return [shown_hit(m.searcher.stored_fields(doc), m.searcher.schema, terms, scan_chars, scores.get(doc),
                      _copies(m.searcher, m.table, doc)) for doc in page_docs]


def _collapse(shown: list[tuple[int, float | None]], table) -> list[tuple[int, float | None]]:
    """Keep the first-ranked document of each near-duplicate cluster."""
    seen: set[int] = set()
    kept = []
    clusters = table.clusters
    for doc, score in shown:
        cluster = int(clusters[doc])
        if cluster not in seen:
            seen.add(cluster)
            kept.append((doc, score))
    return kept


def _copies(searcher, table, doc: int) -> Copies | None:
    """Return how many copies of a document the index holds, in how many outlets, and the earliest."""
    members = table.cluster_members(doc)
    if len(members) < 2:
        return None
    earliest = min(members, key=lambda d: (not table.dates[d], table.dates[d], d))
    return Copies(len(members), len({table.outlets[d] for d in members}),
                  searcher.stored_fields(earliest)["id"], earliest == doc)


def _suggest(engine, request: SearchRequest, vocabulary, total: int) -> Suggestion | None:
    """Return a corrected query that finds more, from the index's own vocabulary, or None."""
    corrected = suggest_query(request.q, vocabulary)
    if corrected is None:
        return None
    try:
        with engine.match(replace(request, q=corrected, page=1)) as m:
            found = len(m.kept)
    except (BadQuery, QueryTimeout):  # a suggestion is a nicety: never the reason a search fails
        return None
    return Suggestion(corrected, found) if found > total else None
