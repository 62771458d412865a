"""The query entry point: a SearchRequest answered by the engine the settings name.

The CLI, the JSON API and the web pages all go through one engine per settings, so a count
shown in one is the count shown in all.
"""

from __future__ import annotations

import threading

from search.config import Settings
from search.engine import Engine, open_engine
from search.request import SORTS, SearchRequest
from search.results import SearchResult

__all__ = ["SORTS", "SearchRequest", "SearchResult", "engine_for", "run_search"]

_engines: dict[Settings, Engine] = {}
_lock = threading.Lock()


def engine_for(settings: Settings) -> Engine:
    """Return the engine for these settings, made once per process (it keeps the live
    index's tables between searches)."""
    with _lock:
        engine = _engines.get(settings)
        if engine is None:
            engine = _engines[settings] = open_engine(settings)
        return engine


def run_search(request: SearchRequest, settings: Settings | None = None) -> SearchResult:
    """Answer a search with the configured engine."""
    return engine_for(settings or Settings.from_env()).search(request)
