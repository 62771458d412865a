"""The seam between Mosaic and the search engine underneath it.

The query side (CLI, web pages, JSON API, export) talks to an `Engine`; the build
(search.indexer) writes through an `IndexWriter`. Whoosh (search.store.whoosh) is the embedded
default; OpenSearch (search.store.opensearch) serves teams that outgrow one machine. Both
answer the same SearchRequest with the same SearchResult, so nothing above this module can tell
which one answered, except the status line.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple, Protocol

from search.article import Article
from search.config import Settings
from search.errors import SearchError
from search.request import SearchRequest
from search.results import Hit, SearchResult


class SourceState(NamedTuple):
    """What an index knows of one input file: enough to tell whether it changed (a named
    tuple: an update reads and writes one per file, 100k of them, before anything else)."""

    size: int
    mtime_ns: int
    digest: str


class IndexWriter(Protocol):
    """One build or update of an index, published atomically or not at all."""

    incremental: bool  # an update of the live index rather than a new one
    rebuilt_because: str  # why an update had to read every file again ("" when it did not)

    def sources(self) -> dict[str, SourceState]:
        """Return what the live index knows of its input files (path → SourceState)."""

    def start(self) -> None:
        """Begin the new index; called once, when the build has something to change."""

    def preparer(self):
        """Return a picklable callable that turns an Article into what `add` takes; it runs in
        the ingest worker processes."""

    def delete_sources(self, sources: set[str]) -> None:
        """Delete the articles of these input files."""

    def is_known(self, article_id: str) -> bool:
        """True when the live index already holds an article with this id (and it stays)."""

    def add(self, prepared) -> None:
        """Add one prepared article."""

    def publish(self, states: dict[str, SourceState], roots: list[str]) -> str:
        """Make everything added and deleted live at once, record the input files' states and
        the folders and files the build was given (`roots`, absolute: article pages show file
        names relative to them), and return the name of what is now live."""

    def cancel(self) -> None:
        """Throw away everything this writer did; the live index stays as it was."""


class Engine(Protocol):
    """Answers searches over one index; follows rebuilds without a restart."""

    name: str

    def writer(self, rebuild: bool) -> IndexWriter:
        """Return a writer for a build (`rebuild`) or an update of this index; raises
        SearchError when another build is running."""

    def close_writer(self, writer: IndexWriter) -> None:
        """Release what `writer` holds (its lock), whether it published or not."""

    def warm(self) -> None:
        """Load what the first search would, so the first visitor does not wait."""

    def status(self) -> dict:
        """Return what the status line shows: engine name, index name, article count."""

    def search(self, request: SearchRequest) -> SearchResult:
        """Return one page of results with facet counts, snippets and suggestions."""

    def neighbours(self, request: SearchRequest, article_id: str) -> dict:
        """Return the ids before and after an article in a search's result list."""

    def iter_export(self, request: SearchRequest) -> Iterator[dict]:
        """Yield every hit of a search (all pages, no cap) in order, with body, for export."""

    def article(self, article_id: str) -> Article:
        """Return one article; raise NotFound when there is none with this id."""

    def more_like(self, article_id: str, top: int = 5) -> list[Hit]:
        """Return the articles most like one article."""

    def highlight_article(self, article: Article, q: str, scope: str = "all") -> dict:
        """Return the article's body paragraphs and comment texts as HTML with `q` marked."""

    def cooccurrence(self, request: SearchRequest, actor: str, top: int = 20) -> list[dict]:
        """Return the actors most often in the same results as `actor`, with counts."""

    def timeline(self, request: SearchRequest, actor: str) -> dict:
        """Return monthly counts of the results that mention `actor`, by outlet."""


ENGINES = ("whoosh", "opensearch")


def open_engine(settings: Settings) -> Engine:
    """Return the engine the settings name (MOSAIC_ENGINE)."""
    if settings.engine == "whoosh":
        from search.store.whoosh import WhooshEngine

        return WhooshEngine(settings)
    if settings.engine == "opensearch":
        from search.store.opensearch import OpenSearchEngine

        return OpenSearchEngine(settings)
    raise SearchError(f"MOSAIC_ENGINE={settings.engine!r} is not an engine", hint="use one of: " + ", ".join(ENGINES))
