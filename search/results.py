"""What a search answers: typed hits and facet values, and the JSON contract they make.

`SearchResult.to_dict()` is the body of `/api/search` and `mosaic query --json`: the result
itself. Links, chips and chart geometry are the HTML page's business (webui.views).
"""

from __future__ import annotations

import heapq
from dataclasses import asdict, dataclass, field

from search.filters import FACETS, UNDATED
from search.request import SearchRequest


@dataclass(frozen=True)
class Snippet:
    field: str  # "body" or "comments"
    html: str  # escaped text with the matched words in <mark>


@dataclass(frozen=True)
class Copies:
    """The near-duplicate cluster a hit stands for."""

    count: int
    outlets: int
    earliest_id: str
    is_earliest: bool


@dataclass(frozen=True)
class Hit:
    """One article in a result list."""

    id: str
    title: str
    author: str
    outlet: str
    date: str | None
    url: str
    actors: tuple[str, ...]
    authors: tuple[str, ...] = ()
    fetched_at: str | None = None  # when a crawler fetched the page
    indexed_at: str | None = None  # when this version of the article entered the index (UTC)
    score: float | None = None
    snippets: tuple[Snippet, ...] = ()
    matched_in: tuple[str, ...] = ()
    copies: Copies | None = None

    def to_dict(self) -> dict:
        data = asdict(self)
        data["actors"] = list(self.actors)
        data["authors"] = list(self.authors)
        data["snippets"] = [asdict(s) for s in self.snippets]
        data["matched_in"] = list(self.matched_in)
        return data


@dataclass(frozen=True)
class FacetValue:
    """One value of a facet with the number of results it holds."""

    value: str
    count: int
    selected: bool = False
    excluded: bool = False

    def to_dict(self, facet: str) -> dict:
        data = asdict(self)
        if facet == "date":  # the date range a bucket stands for, as from/to parameters
            data["from"] = data["to"] = None if self.value == UNDATED else self.value
        return data


@dataclass(frozen=True)
class Suggestion:
    query: str
    total: int


@dataclass(frozen=True)
class KeyTerm:
    term: str
    weight: float


@dataclass
class SearchResult:
    """The answer to a SearchRequest."""

    request: SearchRequest
    total: int
    took_ms: float
    hits: list[Hit]
    facets: dict[str, list[FacetValue]]
    parsed_query: str = ""
    did_you_mean: Suggestion | None = None
    key_terms: list[KeyTerm] = field(default_factory=list)
    listed: int | None = None  # hits after collapsing near-duplicates (None: not collapsed)
    engine: str = ""  # which engine answered (shown in the status line only)

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
            "filters": r.filter_values(),
            "total": self.total,
            "collapsed": r.collapse,
            "listed": self.total if self.listed is None else self.listed,
            "page": r.page,
            "per_page": r.per_page,
            "pages": self.pages,
            "took_ms": round(self.took_ms, 1),
            "hits": [hit.to_dict() for hit in self.hits],
            "facets": {name: [v.to_dict(name) for v in values] for name, values in self.facets.items()},
            "did_you_mean": asdict(self.did_you_mean) if self.did_you_mean else None,
            "key_terms": [asdict(t) for t in self.key_terms],
            "engine": self.engine,
        }


def facet_lists(counts, request: SearchRequest, limit: int) -> dict[str, list[FacetValue]]:
    """Return each facet's `limit` most frequent values with what the request selects (selected
    and excluded values always show); dates newest first with the undated bucket last."""

    def entries(counter, selected: tuple[str, ...], excluded: tuple[str, ...]):
        values = heapq.nsmallest(limit, counter.items(), key=lambda kv: (-kv[1], kv[0].casefold()))
        shown = {v for v, _ in values}
        out = [FacetValue(v, n, v in selected, v in excluded) for v, n in values]
        # A selected or excluded value with no hits left still shows, so it can be undone.
        out += [FacetValue(v, 0, True, False) for v in selected if v not in shown]
        out += [FacetValue(v, 0, False, True) for v in excluded if v not in shown]
        return out

    facets = {name: entries(counts[name], request.selected(name), request.excluded(name)) for name in FACETS}
    dates = [FacetValue(value, n, request.date_from == value and request.date_to == value)
             for value, n in sorted((kv for kv in counts["date"].items() if kv[0] != UNDATED), reverse=True)]
    if counts["date"].get(UNDATED):
        dates.append(FacetValue(UNDATED, counts["date"][UNDATED], request.undated))
    facets["date"] = dates
    return facets
