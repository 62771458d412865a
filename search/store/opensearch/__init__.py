"""The OpenSearch engine: Mosaic's index in an OpenSearch cluster, for teams that outgrow one
machine (MOSAIC_ENGINE=opensearch). Same requests, same results, same counts as the Whoosh
engine; only the status line tells them apart.

Design: analysis happens once, in Python, by Mosaic's own analyzers. The ingest workers run the
analyzers of search.schema over each text field and send the terms to OpenSearch at their
positions, as space-separated text that a whitespace tokenizer reads back unchanged (a stop
filter drops the GAP placeholder of an empty position and keeps the position). Queries are
parsed by search.parsing as for Whoosh, already analysed, and translated node by node into
term, phrase and span queries (translate.py). So both engines match the same documents by
construction, and any change to Mosaic's analyzer (stop words that keep positions, acronyms
such as "US" kept apart from "us") reaches OpenSearch with no change here. The alternative,
OpenSearch analyzers that mirror Mosaic's (a pattern tokenizer, lowercase, asciifolding, the stop
list, Snowball English), was measured in tests/test_opensearch_node.py: 5 of the 40,559 distinct
words of ../shared/data get other terms (letters asciifolding folds and Whoosh's accent map does
not), and the chain would have to be rewritten at every analyzer change, with no equivalent for
case-sensitive acronyms or for stop words checked at their positions in phrases. The cost of
this design: each text is sent twice (the terms and the stored text, which snippets need).
Snippets and highlights come from the stored text through search.highlight, as in the Whoosh
engine, with its escaping.

Modules: connection (client, names, errors), mapping (index mapping, documents), meta (the
tables kept with each index, the build lock), writer (builds and updates), translate (queries,
filters, facets), searching (the result list, export), explore (articles, more-like-this,
co-occurrence, timelines).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from functools import cached_property

from search.article import Article
from search.config import Settings
from search.errors import IndexOutdated
from search.request import SearchRequest
from search.results import Hit, SearchResult
from search.store.opensearch import meta
from search.store.opensearch.connection import Cluster, errors
from search.store.opensearch.mapping import analysis_version
from search.store.opensearch.translate import Lexicon
from search.vocabulary import MIN_DOC_FREQUENCY, Vocabulary

__all__ = ["OpenSearchEngine"]

# Which index the alias points at is asked at most once a second per process (asking costs a
# round trip, 1-10 ms, per search): a rebuild is searched within a second of its switch.
ALIAS_CHECK_SECONDS = 1.0


class Snapshot:
    """One published index and the tables that go with it, read once per index (a search
    holds the snapshot it started with, so a switch of the alias never changes it midway)."""

    def __init__(self, cluster: Cluster, index: str, header: dict):
        self.cluster, self.index, self.header = cluster, index, header
        self._lock = threading.Lock()

    def _blob(self, kind: str):
        with errors(self.cluster):
            return meta.read_blob(self.cluster, self.index, self.header, kind)

    @cached_property
    def vocabulary(self) -> Vocabulary:
        counts = self._blob("vocabulary") or {}
        return Vocabulary({w: n for w, n in counts.items() if n >= MIN_DOC_FREQUENCY}, int(self.header.get("articles", 0)))

    @cached_property
    def actor_terms(self) -> dict[str, str]:
        return self._blob("actor_terms") or {}

    @cached_property
    def roots(self) -> list[str]:
        """The folders and files the index was built from (file names are shown relative to them)."""
        return self._blob("roots") or []

    @cached_property
    def lexicon(self) -> Lexicon:
        return Lexicon(lambda: self._blob("terms"))

    def facet_sizes(self) -> dict[str, int]:
        return self.header.get("facet_sizes", {})

    @property
    def dup_clusters(self) -> int:
        return int(self.header.get("dup_clusters", 0))


class OpenSearchEngine:
    """Searches the index the alias points at; follows rebuilds without a restart."""

    name = "opensearch"

    def __init__(self, settings: Settings):
        self.settings = settings
        self.cluster = Cluster(settings)
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._checked = 0.0

    @property
    def client(self):
        return self.cluster.client

    def snapshot(self) -> Snapshot:
        """Return the live index's snapshot, reading the new one's tables after a switch."""
        from search.store.opensearch.writer import FORMAT

        with self._lock:
            cached = self._snapshot
            if cached is not None and time.monotonic() - self._checked < ALIAS_CHECK_SECONDS:
                return cached
        index = self.cluster.require_live()
        with self._lock:
            self._checked = time.monotonic()
            if cached is not None and cached.index == index:
                return cached
        with errors(self.cluster):
            header = meta.read_header(self.cluster, index)
        if header is None or header.get("format") != FORMAT or header.get("analysis") != analysis_version():
            raise IndexOutdated(f"the OpenSearch index {index} was not built by this version of Mosaic",
                                hint="rebuild it with: MOSAIC_ENGINE=opensearch mosaic index --rebuild [PATH ...]")
        snapshot = Snapshot(self.cluster, index, header)
        with self._lock:
            self._snapshot = snapshot
        return snapshot

    # --- search.engine.Engine ----------------------------------------------------------------

    def writer(self, rebuild: bool):
        from search.store.opensearch.writer import OpenSearchWriter

        return OpenSearchWriter(self.settings, rebuild)

    def close_writer(self, writer) -> None:
        writer.close()

    def warm(self) -> None:
        self.search(SearchRequest(q="warm OR up", per_page=1))

    def status(self) -> dict:
        index = self.cluster.require_live()
        with errors(self.cluster):
            count = self.client.count(index=index)["count"]
        return {"engine": self.name, "index": index, "articles": count}

    def search(self, request: SearchRequest) -> SearchResult:
        from search.store.opensearch import searching

        return searching.search(self, request)

    def neighbours(self, request: SearchRequest, article_id: str) -> dict:
        from search.store.opensearch import searching

        return searching.neighbours(self, request, article_id)

    def iter_export(self, request: SearchRequest) -> Iterator[dict]:
        from search.store.opensearch import searching

        return searching.iter_export(self, request)

    def article(self, article_id: str) -> Article:
        from search.store.opensearch import explore

        return explore.article(self, article_id)

    def more_like(self, article_id: str, top: int = 5) -> list[Hit]:
        from search.store.opensearch import explore

        return explore.more_like(self, article_id, top)

    def highlight_article(self, article: Article, q: str, scope: str = "all") -> dict:
        from search.store.opensearch import explore

        return explore.highlight_article(self, article, q, scope)

    def cooccurrence(self, request: SearchRequest, actor: str, top: int = 20) -> list[dict]:
        from search.store.opensearch import explore

        return explore.cooccurrence(self, request, actor, top)

    def timeline(self, request: SearchRequest, actor: str) -> dict:
        from search.store.opensearch import explore

        return explore.timeline(self, request, actor)
