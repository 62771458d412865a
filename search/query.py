"""SearchRequest → SearchResult: parse, filter, count facets, highlight, paginate.

One function, `run_search`, answers the CLI, the JSON API and the web pages alike, so a count
shown in one is the count shown in all.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from whoosh import query as wq
from whoosh.index import EmptyIndexError

from search.article import Article
from search.config import Settings
from search.errors import BadQuery, NotFound
from search.highlight import lead, mark_all, matches, query_terms, snippet
from search.facets import UNDATED, FacetTable, Filters, count_facets, date_bounds, docs_with, facet_table
from search.indexer import current_generation, open_index
from search.matching import match_relaxing, with_proximity
from search.readers import preload_field_lengths
from search.parsing import OPERATORS, check_expansion, parse_query
from search.schema import SCOPES, SNIPPET_FIELDS, document_to_article, read_actor_terms, stored_text
from search.vocabulary import vocabulary_for, words_of

SORTS = ("relevance", "newest", "oldest")
FEW_HITS = 2  # at most this many hits and a "did you mean" is looked for
# Key terms of a result set come from the openings of its top documents: the lede carries the
# topic, and reading whole bodies of twenty documents cost a third of a rare word's search.
KEY_TERM_DOCS = 10
KEY_TERM_CHARS = 3000
MORE_LIKE_TERMS = 12
_DATE_VALUE = re.compile(r"\d{4}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?)?")


@dataclass(frozen=True)
class SearchRequest:
    """A validated search: query text, scope, filters, sort and page."""

    q: str = ""
    scope: str = "all"
    outlets: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()
    not_outlets: tuple[str, ...] = ()
    not_actors: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    date_from: str | None = None
    date_to: str | None = None
    undated: bool = False
    sort: str = "relevance"
    page: int = 1
    per_page: int = 10
    collapse: bool = True  # show one copy per cluster of near-duplicates

    def validate(self, settings: Settings) -> "SearchRequest":
        """Return the request with values normalised; raise BadQuery naming the bad parameter."""
        if len(self.q) > settings.max_query_chars:
            raise BadQuery(f"query is {len(self.q)} characters; the limit is {settings.max_query_chars}")
        if self.scope not in SCOPES:
            raise BadQuery(f"in={self.scope!r} is not a search scope", hint="use one of: " + ", ".join(SCOPES))
        if self.sort not in SORTS:
            raise BadQuery(f"sort={self.sort!r} is not a sort order", hint="use one of: " + ", ".join(SORTS))
        if not 1 <= self.page <= settings.max_page:
            raise BadQuery(f"page={self.page} is out of range", hint=f"pages run from 1 to {settings.max_page}")
        if not 1 <= self.per_page <= settings.max_per_page:
            raise BadQuery(f"per_page={self.per_page} is out of range", hint=f"use 1 to {settings.max_per_page}")
        for name, value in (("from", self.date_from), ("to", self.date_to)):
            if value is not None and not _DATE_VALUE.fullmatch(value):
                raise BadQuery(f"{name}={value!r} is not a date", hint="write YYYY, YYYY-MM or YYYY-MM-DD")
        if self.date_from and self.date_to and date_bounds(self.date_from)[0] > date_bounds(self.date_to)[1]:
            raise BadQuery(f"from={self.date_from} is after to={self.date_to}")
        return self

    def filters(self) -> Filters:
        return Filters(
            frozenset(self.outlets), frozenset(self.not_outlets), frozenset(self.actors),
            frozenset(self.not_actors), self.date_from, self.date_to, self.undated, frozenset(self.authors),
        )


@dataclass
class SearchResult:
    """The answer to a SearchRequest; `to_dict()` is both the API contract and the page context."""

    request: SearchRequest
    total: int
    took_ms: float
    hits: list[dict]
    facets: dict[str, list[dict]]
    parsed_query: str = ""
    did_you_mean: dict | None = None
    key_terms: list[dict] = field(default_factory=list)
    listed: int | None = None  # hits after collapsing near-duplicates (None: not collapsed)

    @property
    def pages(self) -> int:
        listed = self.total if self.listed is None else self.listed
        return max(1, -(-listed // self.request.per_page))

    def to_dict(self) -> dict:
        r = self.request
        return {
            "query": r.q,
            "parsed_query": self.parsed_query,
            "in": r.scope,
            "sort": r.sort,
            "filters": {
                "outlet": list(r.outlets), "actor": list(r.actors),
                "-outlet": list(r.not_outlets), "-actor": list(r.not_actors), "author": list(r.authors),
                "from": r.date_from, "to": r.date_to, "undated": r.undated,
            },
            "total": self.total,
            "collapsed": r.collapse,
            "listed": self.total if self.listed is None else self.listed,
            "page": r.page,
            "per_page": r.per_page,
            "pages": self.pages,
            "took_ms": round(self.took_ms, 1),
            "hits": self.hits,
            "facets": self.facets,
            "did_you_mean": self.did_you_mean,
            "key_terms": self.key_terms,
        }


@dataclass
class _Match:
    """One request evaluated against one searcher: what matched, and what passed the filters."""

    searcher: object
    generation: Path
    table: FacetTable
    parsed: wq.Query
    matched: np.ndarray  # docnums, ascending
    kept: np.ndarray  # the matched docnums that pass the filters
    scores: np.ndarray | None  # aligned with `kept`, when the request is ranked by relevance


class SearchEngine:
    """Searches the live generation of one index directory; follows rebuilds without a restart."""

    def __init__(self, index_dir: Path, settings: Settings | None = None):
        self.index_dir = Path(index_dir)
        self.settings = settings or Settings()
        self._lock = threading.Lock()
        self._generation: Path | None = None
        self._index = None
        self._schema = None
        self._actor_terms: dict[str, str] | None = None

    def _open(self, force: bool = False):
        """Return (generation directory, index), reopening when a rebuild has published a new one."""
        live = current_generation(self.index_dir)
        with self._lock:
            if force or self._index is None or live is None or live != self._generation:
                self._index = open_index(self.index_dir)
                self._generation = current_generation(self.index_dir)
                self._schema = self._index.schema  # Index.schema re-reads and unpickles it each time
                self._actor_terms = read_actor_terms(self._generation)
            return self._generation, self._index

    def warm(self) -> None:
        """Open the index and load what the first query would (facet table, gazetteer, vocabulary)."""
        self.search(SearchRequest(q="warm OR up", per_page=1))

    @contextmanager
    def _match(self, request: SearchRequest):
        request = request.validate(self.settings)
        generation, ix = self._open()
        parsed = parse_query(request.q, request.scope, self._schema, self.settings, self._actor_terms)
        try:
            searcher = ix.searcher()
        except (EmptyIndexError, OSError):
            # Two rebuilds finished since this engine last looked, and its generation is gone.
            generation, ix = self._open(force=True)
            searcher = ix.searcher()
        with searcher:
            preload_field_lengths(searcher, str(generation))
            table = facet_table(generation, searcher.reader())
            check_expansion(parsed, searcher.reader())
            scored = request.sort == "relevance" and not isinstance(parsed, wq.Every)
            parsed, matched, scores = match_relaxing(searcher, parsed, self.settings.query_timeout, scored, generation)
            passing = request.filters().selection(table, matched)
            kept = matched if passing is None else matched[passing]
            if scores is not None and passing is not None:
                scores = scores[passing]
            scores = with_proximity(searcher, parsed, kept, scores, self.settings.query_timeout)
            yield _Match(searcher, generation, table, parsed, matched, kept, scores)

    def search(self, request: SearchRequest) -> SearchResult:
        started = time.perf_counter()
        request = request.validate(self.settings)
        with self._match(request) as m:
            year = _single_year(request)
            counts = count_facets(m.table, m.matched, request.filters(), year)
            start = (request.page - 1) * request.per_page
            ranked, listed = self._listing(m, request, max(start + request.per_page, KEY_TERM_DOCS))
            page = ranked[start : start + request.per_page]
            hits = self._hits(m.searcher, m.parsed, [d for d, _ in page], dict(page))
            for hit, (doc, _) in zip(hits, page):
                hit["copies"] = _copies(m.searcher, m.table, doc)
            vocabulary = vocabulary_for(m.generation)
            key_terms = []
            if request.q.strip():
                texts = [m.searcher.stored_fields(d).get("body", "")[:KEY_TERM_CHARS] for d, _ in ranked[:KEY_TERM_DOCS]]
                key_terms = vocabulary.key_terms(texts, exclude=words_of(request.q))
        suggestion = None
        if request.q.strip() and len(m.kept) <= FEW_HITS:
            suggestion = self._suggest(request, vocabulary, len(m.kept))
        facets = _facet_lists(counts, request, year, self.settings)
        took = (time.perf_counter() - started) * 1000
        return SearchResult(
            request, len(m.kept), took, hits, facets,
            parsed_query=str(m.parsed) if request.q.strip() else "",
            did_you_mean=suggestion, key_terms=[{"term": t, "weight": w} for t, w in key_terms],
            listed=listed,
        )

    def _listing(self, m: _Match, request: SearchRequest, need: int):
        """Return the first `need` entries of the result list as shown (near-duplicates collapsed
        unless the request says otherwise) and the length of the whole list (None: not collapsed)."""
        if not request.collapse:
            return self._ranked(m, request, need), None
        roots = m.table.clusters[m.kept]
        listed = int(np.count_nonzero(np.bincount(roots, minlength=1))) if len(roots) else 0
        if listed == len(m.kept):
            return self._ranked(m, request, need), listed
        ranked = _collapse(self._ranked(m, request, 3 * need + 20), m.table)
        if len(ranked) < min(need, listed):
            ranked = _collapse(self._ranked(m, request, None), m.table)
        return ranked, listed

    def neighbours(self, request: SearchRequest, article_id: str) -> dict:
        """Return the ids of the results before and after an article in a search's result list."""
        request = request.validate(self.settings)
        with self._match(request) as m:
            ranked, _ = self._listing(m, request, (request.page + 1) * request.per_page + 1)
            ids = [m.searcher.stored_fields(d)["id"] for d, _ in ranked]
        if article_id not in ids:
            return {"previous": None, "next": None, "position": None}
        at = ids.index(article_id)
        return {
            "previous": ids[at - 1] if at > 0 else None,
            "next": ids[at + 1] if at + 1 < len(ids) else None,
            "position": at + 1,
        }

    def _ranked(self, m: _Match, request: SearchRequest, limit: int | None) -> list[tuple[int, float | None]]:
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
        ranks = m.table.date_ranks[m.table.date_codes[kept]]
        dated = ranks > 0
        docs, ranks = kept[dated], ranks[dated]
        # Newest: latest date first, ties in index order; oldest: the reverse of both. Undated
        # articles go last in both orders, in index order.
        order = np.lexsort((docs, -ranks)) if sort == "newest" else np.lexsort((-docs, ranks))
        ordered = np.concatenate([docs[order], kept[~dated]])
        return [(d, None) for d in (ordered if limit is None else ordered[:limit]).tolist()]

    def _suggest(self, request: SearchRequest, vocabulary, total: int) -> dict | None:
        """Return a corrected query that finds more, from the index's own vocabulary, or None."""
        corrected = suggest_query(request.q, vocabulary)
        if corrected is None:
            return None
        try:
            with self._match(replace(request, q=corrected, page=1)) as m:
                found = len(m.kept)
        except BadQuery:
            return None
        return {"query": corrected, "total": found} if found > total else None

    def _hits(self, searcher, parsed, page_docs: list[int], scores: dict[int, float | None]) -> list[dict]:
        schema = searcher.schema
        has_query = not isinstance(parsed, wq.Every)
        terms = {name: query_terms(parsed, searcher.reader(), name) for name in ("title", *SNIPPET_FIELDS)} if has_query else {}
        hits = []
        for doc in page_docs:
            stored = searcher.stored_fields(doc)
            snippets, matched_in = [], []
            for name in SNIPPET_FIELDS:
                fragment = snippet(schema[name].analyzer, stored_text(stored, name), terms[name]) if has_query else ""
                if fragment:
                    snippets.append({"field": name, "html": fragment})
                    matched_in.append(name)
            if has_query and matches(schema["title"].analyzer, stored.get("title", ""), terms["title"]):
                matched_in.insert(0, "title")
            if not snippets:
                snippets.append({"field": "body", "html": lead(stored.get("body", ""))})
            hit = _summary(stored)
            hit.update(score=round(scores[doc], 4) if scores.get(doc) is not None else None,
                       snippets=snippets, matched_in=matched_in)
            hits.append(hit)
        return hits

    def iter_export(self, request: SearchRequest) -> Iterator[dict]:
        """Yield every hit of a search (all pages) in order, with body and comments, for export."""
        with self._match(request) as m:
            for doc, score in self._ranked(m, request, None):
                stored = m.searcher.stored_fields(doc)
                row = _summary(stored)
                row.update(score=round(score, 4) if score is not None else None, tags=list(stored.get("tags", ())),
                           body=stored.get("body", ""), comments=len(json.loads(stored.get("comment_list") or "[]")))
                yield row

    def cooccurrence(self, request: SearchRequest, actor: str, top: int = 20) -> list[dict]:
        """Return the actors most often in the same articles as `actor`, within a search's results."""
        with self._match(request) as m:
            table = m.table
            with_actor = np.zeros(table.size, dtype=bool)
            with_actor[m.kept[docs_with(table, frozenset({actor}))[m.kept]]] = True
            pairs = with_actor[table.actor_docs] if len(table.actor_docs) else np.zeros(0, dtype=bool)
            counts = np.bincount(table.actor_codes[pairs], minlength=len(table.actor_values))
            found = {table.actor_values[c]: int(counts[c]) for c in np.flatnonzero(counts).tolist()}
            found.pop(actor, None)
        return [{"actor": a, "count": n} for a, n in sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))[:top]]

    def timeline(self, request: SearchRequest, actor: str) -> dict:
        """Return monthly counts of a search's articles that mention `actor`, split by outlet."""
        with self._match(request) as m:
            series: dict[str, Counter] = {}
            undated = 0
            with_actor = m.kept[docs_with(m.table, frozenset({actor}))[m.kept]]
            for doc in with_actor.tolist():
                date = m.table.dates[doc]
                if len(date) < 7:
                    undated += 1
                    continue
                series.setdefault(m.table.outlets[doc], Counter())[date[:7]] += 1
        months = sorted({month for counter in series.values() for month in counter})
        return {
            "actor": actor,
            "months": months,
            "outlets": [
                {"outlet": outlet, "counts": [counter.get(month, 0) for month in months], "total": sum(counter.values())}
                for outlet, counter in sorted(series.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
            ],
            "undated": undated,
        }

    def more_like(self, article_id: str, top: int = 5) -> list[dict]:
        """Return the articles most similar to one article, by its key body terms."""
        _, ix = self._open()
        with ix.searcher() as searcher:
            docnum = searcher.document_number(id=article_id)
            if docnum is None:
                raise NotFound(f"no article with id {article_id!r}")
            text = searcher.stored_fields(docnum).get("body", "")
            results = searcher.more_like(docnum, "body", text=text, top=top, numterms=MORE_LIKE_TERMS)
            return [dict(_summary(hit.fields()), score=round(hit.score, 4)) for hit in results]

    def highlight_article(self, article: Article, q: str, scope: str = "all") -> dict:
        """Return the article's body paragraphs and comment texts as HTML with the query marked."""
        _, ix = self._open()
        parsed = parse_query(q, scope if scope in SCOPES else "all", self._schema, self.settings, self._actor_terms)
        with ix.searcher() as searcher:
            body_terms = query_terms(parsed, searcher.reader(), "body")
            comment_terms = query_terms(parsed, searcher.reader(), "comments")
        body_analyzer, comment_analyzer = self._schema["body"].analyzer, self._schema["comments"].analyzer
        return {
            "body": [mark_all(body_analyzer, p, body_terms) for p in article.body.split("\n\n") if p.strip()],
            "comments": [[mark_all(comment_analyzer, p, comment_terms) for p in c.text.split("\n\n")] for c in article.comments],
        }

    def article(self, article_id: str) -> Article:
        """Return one article by id; raise NotFound when the index has no such id."""
        _, ix = self._open()
        with ix.searcher() as searcher:
            stored = searcher.document(id=article_id)
        if stored is None:
            raise NotFound(f"no article with id {article_id!r}")
        return document_to_article(stored)


def _collapse(ranked: list[tuple[int, float | None]], table) -> list[tuple[int, float | None]]:
    """Keep the first-ranked document of each near-duplicate cluster."""
    seen: set[int] = set()
    kept = []
    clusters = table.clusters
    for doc, score in ranked:
        cluster = int(clusters[doc])
        if cluster not in seen:
            seen.add(cluster)
            kept.append((doc, score))
    return kept


def _copies(searcher, table, doc: int) -> dict | None:
    """Return how many copies of a document the index holds, in how many outlets, and the earliest."""
    members = table.cluster_members(doc)
    if len(members) < 2:
        return None
    earliest = min(members, key=lambda d: (not table.dates[d], table.dates[d], d))
    return {
        "count": len(members),
        "outlets": len({table.outlets[d] for d in members}),
        "earliest_id": searcher.stored_fields(earliest)["id"],
        "is_earliest": earliest == doc,
    }


def _summary(stored: dict) -> dict:
    return {
        "id": stored["id"],
        "title": stored.get("title", ""),
        "author": stored.get("author", ""),
        "outlet": stored.get("outlet", ""),
        "date": stored.get("date") or None,
        "url": stored.get("url", ""),
        "actors": list(stored.get("actors", ())),
    }


_QUERY_WORD = re.compile(r'(?<![\w:*?])([^\W\d_]{3,})(?![\w:*?])')


def suggest_query(q: str, vocabulary) -> str | None:
    """Return `q` with misspelt plain words replaced by known ones, or None when nothing changes."""
    changed = False

    def fix(match):
        nonlocal changed
        word = match.group(1)
        if word in OPERATORS:
            return word
        suggestion = vocabulary.suggest(word)
        if suggestion is None:
            return word
        changed = True
        return suggestion.capitalize() if word[:1].isupper() else suggestion

    corrected = _QUERY_WORD.sub(fix, q)
    return corrected if changed else None


def _single_year(request: SearchRequest) -> str | None:
    """Return the year the date filter lies within, when it lies within one (month facet mode)."""
    if request.date_from and request.date_to and request.date_from[:4] == request.date_to[:4]:
        return request.date_from[:4]
    return None


def _facet_lists(counts, request: SearchRequest, year: str | None, settings: Settings) -> dict[str, list[dict]]:
    def entries(counter, selected: tuple[str, ...], excluded: tuple[str, ...] = ()):
        values = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0].casefold()))
        shown = {v for v, _ in values}
        out = [{"value": v, "count": n, "selected": v in selected, "excluded": v in excluded} for v, n in values]
        # A selected value with no hits left still shows, so it can be unselected.
        out += [{"value": v, "count": 0, "selected": True, "excluded": False} for v in selected if v not in shown]
        out += [{"value": v, "count": 0, "selected": False, "excluded": True} for v in excluded if v not in shown]
        return out

    date_values = sorted((kv for kv in counts["date"].items() if kv[0] != UNDATED), reverse=True)
    dates = []
    for value, n in date_values:
        dates.append({
            "value": value, "count": n, "from": value, "to": value,
            "selected": request.date_from == value and request.date_to == value,
        })
    if counts["date"].get(UNDATED):
        dates.append({"value": UNDATED, "count": counts["date"][UNDATED], "from": None, "to": None, "selected": request.undated})
    return {
        "outlet": entries(counts["outlet"], request.outlets, request.not_outlets),
        "actor": entries(counts["actor"], request.actors, request.not_actors),
        "author": entries(counts["author"], request.authors),
        "date": dates,
    }


_engines: dict[tuple[Path, Settings], SearchEngine] = {}


def run_search(request: SearchRequest, settings: Settings | None = None) -> SearchResult:
    """Run a search against the configured index (engines are cached per index directory)."""
    settings = settings or Settings.from_env()
    key = (settings.index_dir.resolve(), settings)
    engine = _engines.get(key)
    if engine is None:
        engine = _engines[key] = SearchEngine(settings.index_dir, settings)
    return engine.search(request)
