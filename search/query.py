"""SearchRequest → SearchResult: parse, filter, count facets, highlight, paginate.

One function, `run_search`, answers the CLI, the JSON API and the web pages alike, so a count
shown in one is the count shown in all.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from whoosh import query as wq
from whoosh.qparser import AndGroup, FieldAliasPlugin, MultifieldParser

from search.analysis import keyword_term
from search.article import Article
from search.config import Settings
from search.errors import BadQuery, NotFound
from search.highlight import lead, matches, query_terms, snippet
from search.facets import UNDATED, Filters, count_facets, date_bounds, facet_table
from search.indexer import current_generation, open_index
from search.ingest.actors import load_gazetteer
from search.schema import KEYWORD_FIELDS, QUERY_FIELDS, SCOPES, SNIPPET_FIELDS, document_to_article

SORTS = ("relevance", "newest", "oldest")
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
    date_from: str | None = None
    date_to: str | None = None
    undated: bool = False
    sort: str = "relevance"
    page: int = 1
    per_page: int = 10

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
            frozenset(self.not_actors), self.date_from, self.date_to, self.undated,
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

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.request.per_page))

    def to_dict(self) -> dict:
        r = self.request
        return {
            "query": r.q,
            "parsed_query": self.parsed_query,
            "in": r.scope,
            "sort": r.sort,
            "filters": {
                "outlet": list(r.outlets), "actor": list(r.actors),
                "-outlet": list(r.not_outlets), "-actor": list(r.not_actors),
                "from": r.date_from, "to": r.date_to, "undated": r.undated,
            },
            "total": self.total,
            "page": r.page,
            "per_page": r.per_page,
            "pages": self.pages,
            "took_ms": round(self.took_ms, 1),
            "hits": self.hits,
            "facets": self.facets,
        }


_FIELD_PREFIX = re.compile(r"(?<![\w:])([A-Za-z_]+):(?=\S)")


def _check_syntax(q: str) -> None:
    """Raise BadQuery for what Whoosh's lenient parser would silently misread."""
    if q.count('"') % 2:
        raise BadQuery(f'unbalanced quote at character {q.rfind(chr(34)) + 1}', hint='close the phrase with another "')
    depth = 0
    for at, ch in enumerate(q.replace('"', " ")):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            raise BadQuery(f"unmatched ')' at character {at + 1}")
    if depth:
        raise BadQuery("unclosed '(' in query", hint="add the missing ')'")
    for match in _FIELD_PREFIX.finditer(q):
        name = match.group(1)
        if name.lower() not in QUERY_FIELDS and name not in ("date", "id"):
            raise BadQuery(
                f"unknown field {name!r} at character {match.start() + 1}",
                hint="fields: " + ", ".join(sorted(set(QUERY_FIELDS) - {"comment", "tags"})),
            )
    words = q.replace("(", " ").replace(")", " ").split()
    operators = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"}
    if words and (words[-1] in operators or words[0] in operators - {"NOT"}):
        raise BadQuery(f"operator {words[-1] if words[-1] in operators else words[0]} needs a term on each side")
    for a, b in zip(words, words[1:]):
        if a in operators and b in operators - {"NOT"}:
            raise BadQuery(f"operators {a} {b} in a row")
    if re.search(r"(?<![\w:])([A-Za-z_]+):(\s|$)", q):
        raise BadQuery("a field name needs a value after the colon", hint='write field:value, e.g. actor:"United States"')


def parse_query(q: str, scope: str, schema, settings: Settings) -> wq.Query:
    """Return the Whoosh query for the user's text in a scope; raise BadQuery if it is malformed."""
    q = q.strip()
    if not q:
        return wq.Every()
    _check_syntax(q)
    parser = MultifieldParser(list(SCOPES[scope]), schema, group=AndGroup)
    parser.add_plugin(FieldAliasPlugin({"comments": ["comment"], "tag": ["tags"]}))
    try:
        parsed = parser.parse(q)
    except Exception as exc:  # Whoosh raises assorted types for odd input
        raise BadQuery(f"cannot parse query: {exc}") from exc
    parsed = _resolve_actor_terms(parsed, settings)
    if parsed is wq.NullQuery:
        raise BadQuery("query has no searchable words", hint="stop words like 'the' are not indexed")
    return parsed


def _resolve_actor_terms(q: wq.Query, settings: Settings) -> wq.Query:
    """Rewrite actor:Erdogan to the canonical actor term, so any alias finds the actor."""
    gazetteer = load_gazetteer(settings.actors_file)
    lookup = _actor_lookup(gazetteer)

    def rewrite(node):
        if isinstance(node, wq.Term) and node.fieldname in KEYWORD_FIELDS[:2]:
            canonical = lookup.get(node.text)
            if canonical:
                return wq.Term(node.fieldname, canonical, boost=node.boost)
        return node if node.is_leaf() else node.apply(rewrite)

    return rewrite(q)


_lookups: dict[int, dict[str, str]] = {}


def _actor_lookup(gazetteer) -> dict[str, str]:
    key = id(gazetteer)
    if key not in _lookups:
        table = {keyword_term(surface): keyword_term(actor.name) for surface, actor in gazetteer.surface_names.items()}
        _lookups[key] = {k: v for k, v in table.items() if k}
    return _lookups[key]


class SearchEngine:
    """Searches the live generation of one index directory; follows rebuilds without a restart."""

    def __init__(self, index_dir: Path, settings: Settings | None = None):
        self.index_dir = Path(index_dir)
        self.settings = settings or Settings()
        self._lock = threading.Lock()
        self._generation: str | None = None
        self._index = None

    def _open(self):
        """Return (generation name, index), reopening when a rebuild has published a new one."""
        live = current_generation(self.index_dir)
        with self._lock:
            if self._index is None or live is None or live.name != self._generation:
                self._index = open_index(self.index_dir)
                self._generation = current_generation(self.index_dir).name
            return self._generation, self._index

    def search(self, request: SearchRequest) -> SearchResult:
        started = time.perf_counter()
        request = request.validate(self.settings)
        generation, ix = self._open()
        parsed = parse_query(request.q, request.scope, ix.schema, self.settings)
        with ix.searcher() as searcher:
            table = facet_table(generation, searcher.reader())
            matched = [doc for doc in searcher.docs_for_query(parsed)]
            filters = request.filters()
            kept = [doc for doc in matched if filters.passes(table, doc)]
            year = _single_year(request)
            counts = count_facets(table, matched, filters, year)
            page_docs, scores = self._page(searcher, parsed, request, kept, table)
            hits = self._hits(searcher, parsed, page_docs, scores)
        facets = _facet_lists(counts, request, year, self.settings)
        took = (time.perf_counter() - started) * 1000
        return SearchResult(request, len(kept), took, hits, facets, parsed_query=str(parsed) if request.q.strip() else "")

    def _page(self, searcher, parsed, request: SearchRequest, kept: list[int], table):
        """Return the docnums of the requested page, in order, and their scores."""
        start = (request.page - 1) * request.per_page
        sort = request.sort
        if sort == "relevance" and isinstance(parsed, wq.Every):
            sort = "newest"  # browsing without a query: newest first is what readers expect
        if sort == "relevance":
            results = searcher.search(parsed, filter=set(kept), limit=start + request.per_page)
            ranked = [(hit.docnum, hit.score) for hit in results][start:]
            return [d for d, _ in ranked], dict(ranked)
        # Undated articles go last in both date orders.
        dated = sorted((d for d in kept if table.dates[d]), key=lambda d: (table.dates[d], -d), reverse=(sort == "newest"))
        ordered = dated + [d for d in kept if not table.dates[d]]
        return ordered[start : start + request.per_page], {}

    def _hits(self, searcher, parsed, page_docs: list[int], scores: dict[int, float]) -> list[dict]:
        schema = searcher.schema
        has_query = not isinstance(parsed, wq.Every)
        terms = {name: query_terms(parsed, searcher.reader(), name) for name in ("title", *SNIPPET_FIELDS)} if has_query else {}
        hits = []
        for doc in page_docs:
            stored = searcher.stored_fields(doc)
            snippets, matched_in = [], []
            for name in SNIPPET_FIELDS:
                fragment = snippet(schema[name].analyzer, stored.get(name, ""), terms[name]) if has_query else ""
                if fragment:
                    snippets.append({"field": name, "html": fragment})
                    matched_in.append(name)
            if has_query and matches(schema["title"].analyzer, stored.get("title", ""), terms["title"]):
                matched_in.insert(0, "title")
            if not snippets:
                snippets.append({"field": "body", "html": lead(stored.get("body", ""))})
            hits.append({
                "id": stored["id"],
                "title": stored.get("title", ""),
                "author": stored.get("author", ""),
                "outlet": stored.get("outlet", ""),
                "date": stored.get("date") or None,
                "url": stored.get("url", ""),
                "actors": list(stored.get("actors", ())),
                "score": round(scores[doc], 4) if doc in scores else None,
                "snippets": snippets,
                "matched_in": matched_in,
            })
        return hits

    def article(self, article_id: str) -> Article:
        """Return one article by id; raise NotFound when the index has no such id."""
        _, ix = self._open()
        with ix.searcher() as searcher:
            stored = searcher.document(id=article_id)
        if stored is None:
            raise NotFound(f"no article with id {article_id!r}")
        return document_to_article(stored)


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
