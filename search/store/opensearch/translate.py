"""Mosaic's parsed query (search.parsing's tree of Whoosh query nodes) → OpenSearch query DSL,
and a request's filters and facets → filter clauses and aggregations.

The tree's words are already analysed by Mosaic's own analyzers, and the index holds the same
terms (mapping.py), so words become `term` queries and phrases `match_phrase` (or span queries
for sloppy phrases, with Whoosh's distance rule) over those terms: user text never reaches
`query_string`. Wildcards, prefixes and ranges are expanded here against the index's term
lists (Lexicon), with the Whoosh engine's limits, into `terms` queries.
"""

from __future__ import annotations

import bisect

from whoosh import query as wq

from search.errors import BadQuery
from search.filters import FACETS
from search.request import SearchRequest, date_bounds, parse_instant
from search.schema import facet_column
from search.store.opensearch.mapping import GAP, LEXICON_FIELDS, TEXT_FIELDS, field_boost, schema

class Lexicon:
    """An index's terms per field, sorted, behind the part of Whoosh's IndexReader that query
    nodes expand against (MultiTerm._btexts) and that check_expansion and query_terms use."""

    def __init__(self, load):
        self._load = load  # () → {field: sorted list of terms}; read on first use
        self._fields: dict[str, list[bytes]] | None = None
        self.schema = schema()

    def _terms(self, fieldname: str) -> list[bytes]:
        if self._fields is None:
            loaded = self._load() or {}
            self._fields = {f: sorted(t.encode("utf-8") for t in loaded.get(f, ())) for f in LEXICON_FIELDS}
        return self._fields.get(fieldname, [])

    @staticmethod
    def _bytes(text) -> bytes:
        return text if isinstance(text, bytes) else str(text).encode("utf-8")

    def terms_from(self, fieldname: str, start):
        terms = self._terms(fieldname)
        for term in terms[bisect.bisect_left(terms, self._bytes(start)):]:
            yield fieldname, term

    def expand_prefix(self, fieldname: str, prefix):
        prefix = self._bytes(prefix)
        for _, term in self.terms_from(fieldname, prefix):
            if not term.startswith(prefix):
                return
            yield term

    def lexicon(self, fieldname: str):
        yield from self._terms(fieldname)

    def __contains__(self, term) -> bool:
        fieldname, text = term
        terms = self._terms(fieldname)
        at = bisect.bisect_left(terms, self._bytes(text))
        return at < len(terms) and terms[at] == self._bytes(text)


def translate(node: wq.Query, lexicon: Lexicon) -> dict:
    """Return the query DSL that matches what `node` matches in the Whoosh engine."""
    if node is wq.NullQuery or isinstance(node, type(wq.NullQuery)):
        return {"match_none": {}}
    if isinstance(node, wq.Every):
        field = node.fieldname
        return {"match_all": {}} if field in (None, "", "*") else {"exists": {"field": field}}
    if type(node) is wq.Term or isinstance(node, wq.Term):
        return {"term": {node.fieldname: {"value": node.text, "boost": _boost(node)}}}
    if isinstance(node, wq.Phrase):
        return _phrase(node)
    if isinstance(node, wq.AndNot):
        return {"bool": {"must": [translate(node.a, lexicon)], "must_not": [translate(node.b, lexicon)], "boost": node.boost}}
    if isinstance(node, wq.AndMaybe):
        return {"bool": {"must": [translate(node.a, lexicon)], "should": [translate(node.b, lexicon)], "boost": node.boost}}
    if isinstance(node, wq.Not):
        return {"bool": {"must": [{"match_all": {}}], "must_not": [translate(node.query, lexicon)]}}
    if isinstance(node, wq.And):
        must, must_not = [], []
        for sub in node.subqueries:
            if isinstance(sub, wq.Not):
                must_not.append(translate(sub.query, lexicon))
            else:
                must.append(translate(sub, lexicon))
        return {"bool": {"must": must or [{"match_all": {}}], "must_not": must_not, "boost": node.boost}}
    if isinstance(node, wq.Or):
        should = [translate(sub, lexicon) for sub in node.subqueries]
        return {"bool": {"should": should, "minimum_should_match": max(1, int(getattr(node, "minmatch", 0) or 0)),
                         "boost": node.boost}}
    if isinstance(node, wq.MultiTerm):
        terms = _expand(node, lexicon)
        if not terms:
            return {"match_none": {}}
        return {"terms": {node.fieldname: terms, "boost": _boost(node)}}
    raise BadQuery(f"this engine cannot search {type(node).__name__} queries", hint="rephrase the query")


def _boost(node) -> float:
    return float(node.boost) * field_boost(node.fieldname)


def _expand(node: wq.MultiTerm, lexicon: Lexicon) -> list[str]:
    out = []
    for btext in node._btexts(lexicon):
        out.append(btext.decode("utf-8") if isinstance(btext, bytes) else btext)
    return out


def _phrase(node: wq.Phrase) -> dict:
    """A phrase: its words at their offsets (gaps where the phrase's stop words were), exact
    (match_phrase); with slop, each word within `slop` positions after the words before it,
    as Whoosh's SpanNear2 reads it (nested span_near, slop counted per step)."""
    field, words = node.fieldname, list(node.words)
    if field not in TEXT_FIELDS:
        return {"terms": {field: words[:1]}} if len(words) == 1 else {"match_none": {}}
    offsets = list(getattr(node, "offsets", range(len(words))))
    stops = list(getattr(node, "stops", ()))
    boost = _boost(node)
    if node.slop <= 1 and not stops:
        slots = [GAP] * (max(offsets) + 1 if offsets else 0)
        for offset, word in zip(offsets, words):
            slots[offset] = word
        return {"match_phrase": {field: {"query": " ".join(slots), "boost": boost}}}
    if node.slop <= 1:  # stop words checked at their positions, in the field that holds them
        slots: list[dict | None] = [None] * (max([*offsets, *(o for o, _ in stops)]) + 1)
        for offset, word in zip(offsets, words):
            slots[offset] = {"span_term": {field: word}}
        for offset, word in stops:
            slots[offset] = {"field_masking_span": {"query": {"span_term": {f"{field}_stops": word}}, "field": field}}
        return {"span_near": {"clauses": [s for s in slots if s is not None], "slop": 0, "in_order": True, "boost": boost}}
    span = {"span_term": {field: words[0]}}
    for word in words[1:]:
        span = {"span_near": {"clauses": [span, {"span_term": {field: word}}], "slop": node.slop - 1, "in_order": True}}
    if len(words) == 1:
        return {"term": {field: {"value": words[0], "boost": boost}}}
    span["span_near"]["boost"] = boost
    return span


# --- filters and facets ------------------------------------------------------------------------

def facet_filter(request: SearchRequest, facet: str) -> list[dict]:
    """Return the filter clauses one facet's selections and exclusions make."""
    keep, leave = request.selected(facet), request.excluded(facet)
    field = facet_column(facet)
    clauses = []
    if keep:
        clauses.append({"terms": {field: list(keep)}})
    if leave:
        clauses.append({"bool": {"must_not": [{"terms": {field: list(leave)}}]}})
    return clauses


def date_filter(request: SearchRequest) -> list[dict]:
    """Return the date filter's clauses: a date of any precision passes when the days it covers
    meet the range (as search.store.whoosh.facets.FacetTable.date_mask); `undated` alone keeps
    only the undated."""
    if request.undated:
        return [{"bool": {"must_not": [{"exists": {"field": "date"}}]}}]
    clauses = []
    if request.date_from:
        clauses.append({"range": {"date_end": {"gte": date_bounds(request.date_from)[0]}}})
    if request.date_to:
        clauses.append({"range": {"date_start": {"lte": date_bounds(request.date_to)[1]}}})
    return clauses


def filter_clauses(request: SearchRequest, skip: str = "") -> list[dict]:
    """Return the clauses of every filter of the request except those of the facet `skip`."""
    clauses = []
    for facet in FACETS:
        if facet != skip:
            clauses += facet_filter(request, facet)
    if skip != "date":
        clauses += date_filter(request)
    if request.indexed_since:  # not a facet: it narrows every count
        since = int(parse_instant("since", request.indexed_since).timestamp())
        clauses.append({"range": {"indexed_at_seconds": {"gte": since}}})
    return clauses


def facet_aggregations(request: SearchRequest, sizes: dict[str, int]) -> dict:
    """Return one filtered aggregation per facet (every filter but its own: disjunctive
    counting), and the date buckets: by year, or by month of the one year the filter lies in,
    with the undated counted apart."""
    aggs = {}
    for facet in FACETS:
        terms = {"terms": {"field": facet_column(facet), "size": max(1, min(sizes.get(facet, 1000), BUCKET_LIMIT))}}
        aggs[f"facet_{facet}"] = {"filter": _all(filter_clauses(request, skip=facet)), "aggs": {"values": terms}}
    year = request.single_year
    dates = {"undated": {"missing": {"field": "date"}}}
    if year:
        dates["in_year"] = {"filter": {"prefix": {"date": year}},
                            "aggs": {"values": {"terms": {"field": "date_month", "size": 100}}}}
    else:
        dates["values"] = {"terms": {"field": "date_year", "size": 10_000}}
    aggs["facet_date"] = {"filter": _all(filter_clauses(request, skip="date")), "aggs": dates}
    return aggs


# OpenSearch refuses a response of more buckets than search.max_buckets (65,535 by default).
BUCKET_LIMIT = 50_000


def _all(clauses: list[dict]) -> dict:
    return {"bool": {"filter": clauses}} if clauses else {"match_all": {}}


def read_facets(aggregations: dict) -> dict:
    """Return facet name → Counter-like dict of value counts from facet_aggregations' answer."""
    from collections import Counter

    from search.filters import UNDATED

    out = {}
    for facet in FACETS:
        buckets = aggregations[f"facet_{facet}"]["values"]["buckets"]
        out[facet] = Counter({b["key"]: b["doc_count"] for b in buckets if b["doc_count"]})
    dates = aggregations["facet_date"]
    buckets = dates["in_year"]["values"]["buckets"] if "in_year" in dates else dates["values"]["buckets"]
    counter = Counter({b["key"]: b["doc_count"] for b in buckets if b["doc_count"]})
    if dates["undated"]["doc_count"]:
        counter[UNDATED] = dates["undated"]["doc_count"]
    out["date"] = counter
    return out

