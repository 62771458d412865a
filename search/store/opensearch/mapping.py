"""The OpenSearch index: its settings and mapping, and the document an Article makes.

Every searchable field holds the token stream of Mosaic's own analyzer for that field (the
analyzers of search.schema's Whoosh schema, run once in the ingest workers), written as the
terms separated by spaces: OpenSearch's whitespace tokenizer reads them back as the same terms
at the same positions. Where the analyzer leaves a position empty (a stop word that counts
for positions), the text holds GAP, which the index analyzer drops while keeping its position,
so phrases match across it exactly as in Whoosh. The texts themselves are stored whole beside
the tokens (`stored`: the same record the Whoosh index stores), for display, snippets and
export.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from search import analysis as search_analysis
from search import schema as search_schema
from search.article import Article
from search.filters import FACETS, facet_values
from search.ingest.fingerprint import pack
from search.request import date_bounds
from search.schema import article_to_document, build_schema, facet_column
from search.vocabulary import words_of

# What a position without an indexed term is written as: no analyzer of Mosaic's makes it a
# term (it is not a word character, and values never contain it), and the index drops it.
GAP = "\u241f"
# Lucene refuses terms over 32,766 bytes; no one searches a "word" of thousands of letters
# (base64 blobs, runs of digits), so such a token becomes a gap rather than a failed document.
MAX_TOKEN_CHARS = 4096
TOKENS_ANALYZER = "mosaic_tokens"
# Fields whose terms are positional text (phrases match on them) and fields whose terms are
# whole values (actors, tags: one term per value, no positions).
TEXT_FIELDS = ("title", "author", "outlet", "body", "comments")
VALUE_FIELDS = ("actor", "comment_actor", "tag")
# Fields whose terms wildcards and ranges expand against (kept as sorted term lists with the
# index, see meta.py): every field a query may name.
LEXICON_FIELDS = (*TEXT_FIELDS, *VALUE_FIELDS, "date", "id")
# What a stored record holds: the fields of the Whoosh schema that are stored.
_SCHEMA = build_schema()
STORED_FIELDS = tuple(name for name in _SCHEMA.names() if _SCHEMA[name].stored) + ("comment_list",)


def schema():
    """The Whoosh schema whose analyzers (and field boosts) the OpenSearch index mirrors."""
    return _SCHEMA


def field_boost(name: str) -> float:
    """A field's weight in ranking: search.schema's query-time weights where it declares them,
    else the Whoosh field's boost."""
    weights = getattr(search_schema, "FIELD_WEIGHTS", None)
    if weights:
        return float(weights.get(name, 1.0))
    fmt = getattr(_SCHEMA[name], "format", None) if name in _SCHEMA else None
    return float(getattr(fmt, "field_boost", 1.0) or 1.0)


def analysis_version() -> str:
    """What the analyzers' terms mean: an index built with other analyzers is rebuilt."""
    return str(getattr(search_analysis, "VERSION", 1))


def index_body(settings, max_result_window: int) -> dict:
    """Return the settings and mapping of a new Mosaic index."""
    text = {"type": "text", "analyzer": TOKENS_ANALYZER, "similarity": "BM25"}
    keyword = {"type": "keyword"}
    properties = {
        "id": keyword, "path": keyword,
        "seq": {"type": "long"},  # the order articles were added in: Whoosh's docnum order
        "oldest_tiebreak": {"type": "long"},  # see document(): ties under sort=oldest
        "cluster": {"type": "long"},  # the seq of the first article of its near-duplicate cluster
        "dup": {"type": "boolean"},  # whether the cluster has more than one article
        # What a hit shows of its cluster (search.results.Copies), written with the clusters.
        "copies": {"type": "integer"}, "copies_outlets": {"type": "integer"}, "earliest": keyword,
        "date": keyword, "date_year": keyword, "date_month": keyword,
        "date_start": keyword, "date_end": keyword,  # the days a date of any precision covers
        "indexed_at_seconds": {"type": "long"},  # when this version of the article entered the index
        **{facet_column(name): keyword for name in FACETS},
        **{name: text for name in TEXT_FIELDS},
        **{f"{name}_stops": text for name in TEXT_FIELDS},
        **{name: keyword for name in VALUE_FIELDS},
        "stored": {"type": "object", "enabled": False},
        "fingerprint": {"type": "binary", "doc_values": True},  # read back by updates, without _source
    }
    return {
        "settings": {
            "index": {
                "number_of_shards": settings.opensearch_shards,
                "number_of_replicas": settings.opensearch_replicas,
                # Nothing a build writes is seen before it publishes (one refresh, then the alias).
                "refresh_interval": "-1",
                "max_result_window": max_result_window,
            },
            "analysis": {
                "tokenizer": {"mosaic_spaces": {"type": "whitespace", "max_token_length": MAX_TOKEN_CHARS}},
                "filter": {"mosaic_gaps": {"type": "stop", "stopwords": [GAP], "ignore_case": False}},
                "analyzer": {TOKENS_ANALYZER: {"type": "custom", "tokenizer": "mosaic_spaces", "filter": ["mosaic_gaps"]}},
            },
        },
        "mappings": {"dynamic": "strict", "properties": properties},
    }


@dataclass(frozen=True)
class PreparedDocument:
    """An article made ready for the OpenSearch writer by an ingest worker."""

    id: str
    path: str
    kind: str
    source: dict  # the document, without seq and cluster (the writer adds them)
    words: frozenset[str]  # vocabulary words (search.vocabulary), for "did you mean"
    digest: str  # of the title and body: the same text read again keeps its indexed time
    terms: dict[str, frozenset[str]]  # field → its distinct terms, for wildcard expansion
    fingerprint: bytes


class OpenSearchPreparer:
    """Article → PreparedDocument, in the ingest worker processes (picklable: holds nothing)."""

    def __call__(self, article: Article) -> PreparedDocument:
        return prepare(article)


def prepare(article: Article) -> PreparedDocument:
    document = article_to_document(article)
    source: dict = {"id": article.id, "path": article.path}
    terms: dict[str, frozenset[str]] = {"id": frozenset([article.id])}
    for name in TEXT_FIELDS:
        tokens, stops = token_text(name, document[name])
        if tokens:
            source[name] = tokens
            terms[name] = frozenset(tokens.split()) - {GAP}
        if stops:
            source[f"{name}_stops"] = stops
    for name in VALUE_FIELDS:
        values = [t.text for t in _SCHEMA[name].analyzer(document[name], mode="index")]
        if values:
            source[name] = list(dict.fromkeys(values))
            terms[name] = frozenset(values)
    if article.date:
        start, end = date_bounds(article.date)
        source.update(date=article.date, date_year=article.date[:4], date_month=article.date[:7],
                      date_start=start, date_end=end)
        terms["date"] = frozenset([article.date])
    for name, values in facet_values(article).items():
        source[facet_column(name)] = list(values)
    source["stored"] = {name: document[name] for name in STORED_FIELDS if name in document}
    fingerprint = pack(article.fingerprint)
    source["fingerprint"] = base64.b64encode(fingerprint).decode("ascii")
    text = article.title + "\n" + article.body
    return PreparedDocument(article.id, article.path, article.kind, source, frozenset(words_of(text)),
                            hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest(), terms, fingerprint)


def token_text(name: str, text: str) -> tuple[str, str]:
    """Return a field's indexed terms at their positions as space-separated text (GAP where a
    position holds no term), and, where the analyzer gives stop words positions of their own,
    the stop words at theirs (GAP elsewhere) for phrases that check them; "" when none."""
    if not text:
        return "", ""
    analyzer = _SCHEMA[name].analyzer
    slots: list[str] = []
    for token in analyzer(text, positions=True, mode="index"):
        word = token.text if len(token.text) <= MAX_TOKEN_CHARS else GAP
        if token.pos >= len(slots):
            slots.extend([GAP] * (token.pos - len(slots)))
            slots.append(word)
        else:  # two terms at one position (no analyzer of Mosaic's does this today)
            slots.append(word)
    if not slots:
        return "", ""
    stops = ""
    if getattr(analyzer, "counts_every_word", False):
        stopped = [GAP] * len(slots)
        for token in analyzer(text, positions=True, removestops=False, mode="index"):
            if token.stopped:
                if token.pos >= len(stopped):
                    stopped.extend([GAP] * (token.pos - len(stopped) + 1))
                stopped[token.pos] = token.text
        if any(s != GAP for s in stopped):
            stops = " ".join(stopped)
    return " ".join(slots), stops
