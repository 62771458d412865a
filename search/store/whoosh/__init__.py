"""The embedded engine: Whoosh indexes in generations on local disk (the default).

Modules: generation (one on-disk generation and the directory of them), writer (builds and
updates), searching (the result list), explore (articles, co-occurrence, timelines), facets
(facet tables and counting), duplicates (near-duplicate clusters).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from whoosh import query as wq
from whoosh.index import EmptyIndexError

from search.article import Article
from search.config import Settings
from search.matching import match_all
from search.parsing import check_expansion, parse_query
from search.readers import preload_field_lengths
from search.request import SearchRequest
from search.results import Hit, SearchResult
from search.schema import actor_term_table, read_actor_terms
from search.store.whoosh import explore, searching
from search.store.whoosh.facets import FacetTable, facet_table, selection
from search.store.whoosh.generation import ROOTS_FILE, Generation, current_generation, live_generation
from search.vocabulary import Vocabulary

__all__ = ["WhooshEngine"]


@dataclass
class Match:
    """One request evaluated against one searcher: what matched, and what passed the filters."""

    generation: Generation
    searcher: object
    table: FacetTable
    parsed: wq.Query
    matched: np.ndarray  # docnums, ascending
    kept: np.ndarray  # the matched docnums that pass the filters
    scores: np.ndarray | None  # aligned with `kept`, when the request is ranked by relevance


class WhooshEngine:
    """Searches the live generation of one index directory; follows rebuilds without a restart."""

    name = "whoosh"

    def __init__(self, settings: Settings):
        self.settings = settings
        self.index_dir = settings.index_dir
        self._lock = threading.Lock()
        self._live: Generation | None = None

    def live(self) -> Generation:
        """Return the live generation, opening the new one when a build has published it."""
        path = current_generation(self.index_dir)
        with self._lock:
            if self._live is None or path != self._live.path:
                self._live = live_generation(self.index_dir)
            return self._live

    # --- helpers the questions share ---------------------------------------------------------

    def vocabulary(self, generation: Generation) -> Vocabulary:
        return generation.derived("vocabulary", lambda: Vocabulary.load(generation.path))

    def roots(self, generation: Generation) -> list[str]:
        """The folders and files the live generation was built from."""
        def read() -> list[str]:
            try:
                return json.loads(generation.file(ROOTS_FILE).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return []
        return generation.derived("roots", read)

    def actor_terms(self, generation: Generation) -> dict[str, str]:
        # Generations built before the table was stored with them use the gazetteer's.
        return generation.derived("actor_terms", lambda: read_actor_terms(generation.path) or actor_term_table(self.settings))

    @contextmanager
    def match(self, request: SearchRequest) -> Iterator[Match]:
        """Evaluate a request's query and filters against the live generation."""
        request = request.validate(self.settings)
        generation = self.live()
        parsed = parse_query(request.q, request.scope, generation.schema, self.settings, self.actor_terms(generation))
        try:
            searcher = generation.index.searcher()
        except (EmptyIndexError, OSError):
            # Two rebuilds finished since this engine last looked, and its generation is gone.
            with self._lock:
                self._live = None
            generation = self.live()
            searcher = generation.index.searcher()
        with searcher:
            table = facet_table(generation, searcher.reader())
            scored = request.sort == "relevance" and not isinstance(parsed, wq.Every)
            if searcher.doc_count_all():
                preload_field_lengths(searcher, str(generation.path))
                check_expansion(parsed, searcher.reader())
                matched, scores = match_all(searcher, parsed, self.settings.query_timeout, scored, generation.path)
            else:  # an index of no articles (a folder with nothing readable): no segment to search
                matched, scores = np.zeros(0, dtype=np.int64), (np.zeros(0) if scored else None)
            passing = selection(table, request, matched)
            kept = matched if passing is None else matched[passing]
            if scores is not None and passing is not None:
                scores = scores[passing]
            yield Match(generation, searcher, table, parsed, matched, kept, scores)

    # --- the engine interface (search.engine.Engine) -----------------------------------------

    def writer(self, rebuild: bool):
        from search.store.whoosh.writer import WhooshWriter

        return WhooshWriter(self.settings, rebuild)

    def close_writer(self, writer) -> None:
        writer.close()

    def warm(self) -> None:
        self.search(SearchRequest(q="warm OR up", per_page=1))

    def status(self) -> dict:
        generation = self.live()
        with generation.index.searcher() as searcher:
            count = searcher.doc_count()
        return {"engine": self.name, "index": generation.name, "articles": count}

    def search(self, request: SearchRequest) -> SearchResult:
        return searching.search(self, request)

    def neighbours(self, request: SearchRequest, article_id: str) -> dict:
        return searching.neighbours(self, request, article_id)

    def iter_export(self, request: SearchRequest) -> Iterator[dict]:
        return searching.iter_export(self, request)

    def article(self, article_id: str) -> Article:
        return explore.article(self, article_id)

    def more_like(self, article_id: str, top: int = 5) -> list[Hit]:
        return explore.more_like(self, article_id, top)

    def highlight_article(self, article: Article, q: str, scope: str = "all") -> dict:
        return explore.highlight_article(self, article, q, scope)

    def cooccurrence(self, request: SearchRequest, actor: str, top: int = 20) -> list[dict]:
        return explore.cooccurrence(self, request, actor, top)

    def timeline(self, request: SearchRequest, actor: str) -> dict:
        return explore.timeline(self, request, actor)
