"""The search question over the OpenSearch index: one page of ranked, collapsed hits with
snippets, facet counts, key terms and a "did you mean"; the same list walked whole for export
(point in time + search_after, no 10,000 cap) and for an article's previous/next links.

One request answers a page: the query matches, `post_filter` applies the filters to the hits
only, each facet's aggregation applies every filter but its own (disjunctive counts), and
`collapse` on the near-duplicate cluster keeps the first-ranked article of each cluster.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

from whoosh import query as wq

from search.errors import BadQuery, QueryTimeout
from search.highlight import query_terms
from search.hits import FEW_HITS, KEY_TERM_CHARS, KEY_TERM_DOCS, neighbours_in, shown_hit, summary
from search.parsing import check_expansion, parse_query, relaxed
from search.parsing import describe_query
from search.request import SearchRequest
from search.results import Copies, Hit, KeyTerm, SearchResult, Suggestion, facet_lists
from search.schema import SNIPPET_FIELDS
from search.store.opensearch.connection import errors
from search.store.opensearch.mapping import schema
from search.store.opensearch.translate import facet_aggregations, filter_clauses, read_facets, translate
from search.vocabulary import suggest_query, words_of

EXPORT_PAGE = 1000  # hits per search_after page of an export
EXPORT_KEEP_ALIVE = "2m"  # how long the point in time lives between two pages
PAGE_SOURCE = ["stored.*", "dup", "copies", "copies_outlets", "earliest"]


@dataclass
class Plan:
    """A request made ready for the cluster: its index, parsed query, DSL and order."""

    engine: object
    snapshot: object
    request: SearchRequest
    parsed: wq.Query
    query: dict
    scored: bool

    @property
    def sort(self) -> list:
        if self.scored:
            return [{"_score": "desc"}, {"seq": "asc"}]  # ties in index order, as Whoosh ranks them
        # Browsing without a query ranks newest first; undated articles last in both orders, in
        # index order; ties among one date: index order (newest), its reverse (oldest).
        if self.request.sort == "indexed":  # most recently indexed first, then latest added
            return [{"indexed_at_seconds": "desc"}, {"seq": "desc"}]
        if self.request.sort == "oldest":
            return [{"date": {"order": "asc", "missing": "_last"}}, {"oldest_tiebreak": "asc"}]
        return [{"date": {"order": "desc", "missing": "_last"}}, {"seq": "asc"}]

    def filters(self) -> list[dict]:
        return filter_clauses(self.request)

    def filtered_query(self) -> dict:
        """The query with every filter applied (for counts and exports, where no facet needs
        the unfiltered matches)."""
        return {"bool": {"must": [self.query], "filter": self.filters()}}

    def timeout(self) -> dict:
        seconds = self.engine.settings.query_timeout
        return {"timeout": f"{max(1, int(seconds * 1000))}ms"}


def plan(engine, request: SearchRequest) -> Plan:
    request = request.validate(engine.settings)
    snapshot = engine.snapshot()
    parsed = parse_query(request.q, request.scope, schema(), engine.settings, snapshot.actor_terms)
    check_expansion(parsed, snapshot.lexicon, engine.settings.max_wildcard_words)
    scored = request.sort == "relevance" and not isinstance(parsed, wq.Every)
    query = translate(parsed, snapshot.lexicon)
    if getattr(parsed, "relaxable", False):
        # As the Whoosh engine does (search.store.whoosh.matching.match_relaxing): a query of words that no
        # article matches is relaxed to the articles with the most of them.
        needed = getattr(parsed, "minmatch", 0) or len(parsed.subqueries)
        for need in range(needed, 0, -1):
            loose = parsed if need == needed else relaxed(parsed, need)
            if loose is None:
                break
            loose_query = query if loose is parsed else translate(loose, snapshot.lexicon)
            with refused_as_bad_query(engine):
                if engine.client.count(index=snapshot.index, body={"query": loose_query})["count"]:
                    parsed, query = loose, loose_query
                    break
    return Plan(engine, snapshot, request, parsed, query, scored)


@contextmanager
def refused_as_bad_query(engine):
    """The cluster's 400s (a query it will not run) are the user's bad query, not a 500."""
    from opensearchpy import RequestError

    with errors(engine.cluster):
        try:
            yield
        except RequestError as exc:
            reason = _reason(exc)
            raise BadQuery(f"the search engine refused the query: {reason}", hint="simplify the query") from exc


def _reason(exc) -> str:
    info = exc.info if isinstance(exc.info, dict) else {}
    error = info.get("error", {})
    causes = error.get("root_cause") or [error] if isinstance(error, dict) else []
    return (causes[0].get("reason") if causes and isinstance(causes[0], dict) else None) or str(exc.error)


def run(plan_: Plan, body: dict) -> dict:
    """Run one search body on the plan's index; raise QueryTimeout when it ran out of time."""
    engine = plan_.engine
    with refused_as_bad_query(engine):
        found = engine.client.search(index=plan_.snapshot.index, body={**body, **plan_.timeout()},
                                     request_timeout=engine.settings.query_timeout + 10)
    if found.get("timed_out"):
        raise QueryTimeout(f"the query ran longer than {engine.settings.query_timeout:g}s and was stopped",
                           hint="make it more specific")
    return found


def search(engine, request: SearchRequest) -> SearchResult:
    """Return one page of results for `request`."""
    started = time.perf_counter()
    p = plan(engine, request)
    request = p.request
    start = (request.page - 1) * request.per_page
    aggs = facet_aggregations(request, p.snapshot.facet_sizes())
    if request.collapse:
        aggs["listed"] = _listed_aggregation(p)
    body = {"query": p.query, "aggs": aggs, "sort": p.sort, "from": start, "size": request.per_page,
            "track_total_hits": True, "_source": PAGE_SOURCE}
    if p.filters():
        body["post_filter"] = {"bool": {"filter": p.filters()}}
    if request.collapse:
        body["collapse"] = {"field": "cluster"}
    found = run(p, body)
    total = found["hits"]["total"]["value"]
    page = found["hits"]["hits"]
    counts = read_facets(found["aggregations"])
    listed = None
    if request.collapse:
        listing = found["aggregations"]["listed"]
        listed = listing["singles"]["doc_count"] + len(listing["shared"]["clusters"]["buckets"])
    hits = _hits(p, page, engine.settings.snippet_scan_chars)
    key_terms = []
    if request.has_query:
        if start == 0 and len(page) >= min(KEY_TERM_DOCS, total):
            top = page[:KEY_TERM_DOCS]
        else:
            top = run(p, {**{k: v for k, v in body.items() if k not in ("aggs", "from", "size")},
                          "size": KEY_TERM_DOCS, "_source": ["stored.body"], "track_total_hits": False})["hits"]["hits"]
        texts = [h["_source"].get("stored", {}).get("body", "")[:KEY_TERM_CHARS] for h in top]
        key_terms = p.snapshot.vocabulary.key_terms(texts, exclude=words_of(request.q))
    suggestion = None
    if request.has_query and total <= FEW_HITS:
        suggestion = _suggest(engine, request, p.snapshot.vocabulary, total)
    return SearchResult(
        request, total, (time.perf_counter() - started) * 1000, hits, facet_lists(counts, request, engine.settings.facet_limit),
        parsed_query=describe_query(p.parsed) if request.has_query else "",
        did_you_mean=suggestion, key_terms=[KeyTerm(t, w) for t, w in key_terms],
        listed=listed, engine=engine.name,
    )


def _listed_aggregation(p: Plan) -> dict:
    """The number of hits once near-duplicates are collapsed: articles without copies, plus the
    clusters of several that any hit belongs to (exact: a terms aggregation as large as the
    index's number of such clusters)."""
    filters = p.filters()
    return {
        "filter": {"bool": {"filter": filters}} if filters else {"match_all": {}},
        "aggs": {
            "singles": {"filter": {"term": {"dup": False}}},
            "shared": {"filter": {"term": {"dup": True}},
                       "aggs": {"clusters": {"terms": {"field": "cluster", "size": max(1, p.snapshot.dup_clusters)}}}},
        },
    }


def _hits(p: Plan, page: list[dict], scan_chars: int) -> list[Hit]:
    terms = None if isinstance(p.parsed, wq.Every) else {
        name: query_terms(p.parsed, p.snapshot.lexicon, name) for name in ("title", *SNIPPET_FIELDS)}
    return [shown_hit(found["_source"].get("stored", {}), schema(), terms, scan_chars,
                      found.get("_score") if p.scored else None, _copies(found)) for found in page]


def _copies(found: dict) -> Copies | None:
    """Return what a hit shows of its near-duplicate cluster (stored with it by the build)."""
    source = found["_source"]
    if not source.get("dup"):
        return None
    earliest = source.get("earliest", "")
    return Copies(int(source.get("copies", 1)), int(source.get("copies_outlets", 1)), earliest,
                  earliest == source.get("stored", {}).get("id"))


def _suggest(engine, request: SearchRequest, vocabulary, total: int) -> Suggestion | None:
    """Return a corrected query that finds more, from the index's own vocabulary, or None."""
    corrected = suggest_query(request.q, vocabulary)
    if corrected is None:
        return None
    try:
        p = plan(engine, replace(request, q=corrected, page=1))
        with refused_as_bad_query(engine):
            found = engine.client.count(index=p.snapshot.index, body={"query": p.filtered_query()})["count"]
    except (BadQuery, QueryTimeout):  # a suggestion is a nicety: never the reason a search fails
        return None
    return Suggestion(corrected, found) if found > total else None


def neighbours(engine, request: SearchRequest, article_id: str) -> dict:
    """Return the ids of the results before and after an article in a search's result list."""
    p = plan(engine, request)
    request = p.request
    body = {"query": p.filtered_query(), "sort": p.sort, "size": (request.page + 1) * request.per_page + 1,
            "_source": ["stored.id"], "track_total_hits": False}
    if request.collapse:
        body["collapse"] = {"field": "cluster"}
    ids = [h["_source"]["stored"]["id"] for h in run(p, body)["hits"]["hits"]]
    return neighbours_in(ids, article_id)


def iter_export(engine, request: SearchRequest) -> Iterator[dict]:
    """Yield every hit of a search (all pages) in order, with body and comments, for export:
    pages of a point in time, each after the last one's sort values."""
    p = plan(engine, request)
    client = engine.client
    with refused_as_bad_query(engine):
        pit = client.create_pit(index=p.snapshot.index, keep_alive=EXPORT_KEEP_ALIVE)["pit_id"]
    try:
        after = None
        while True:
            body = {"query": p.filtered_query(), "sort": p.sort, "size": EXPORT_PAGE, "track_total_hits": False,
                    "_source": ["stored.*"], "pit": {"id": pit, "keep_alive": EXPORT_KEEP_ALIVE}}
            if after is not None:
                body["search_after"] = after
            with refused_as_bad_query(engine):
                found = client.search(body=body, request_timeout=engine.settings.query_timeout + 60)
            page = found["hits"]["hits"]
            for hit in page:
                stored = hit["_source"].get("stored", {})
                row = summary(stored).to_dict()
                score = hit.get("_score") if p.scored else None
                row.update(score=round(score, 4) if score is not None else None, tags=list(stored.get("tags", ())),
                           body=stored.get("body", ""), comments=len(json.loads(stored.get("comment_list") or "[]")))
                yield row
            if len(page) < EXPORT_PAGE:
                return
            after = page[-1]["sort"]
            pit = found.get("pit_id", pit)
    finally:
        try:
            client.delete_pit(body={"pit_id": [pit]})
        except Exception:  # noqa: BLE001 - it expires by itself after EXPORT_KEEP_ALIVE
            pass
