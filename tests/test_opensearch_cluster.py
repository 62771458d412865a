"""Mosaic's OpenSearch engine on a three-node cluster (three JVMs, three shards, one replica):
a node killed while searches run costs no search once the survivors settle, and no article."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from search.config import Settings
from search.indexer import build_index
from search.request import SearchRequest
from search.store.opensearch import OpenSearchEngine
from tests.conftest import FIXTURES, SEEDS, need_opensearch_tools
from tests.opensearch_node import start_cluster
from tests.test_engine_contract import generated_corpus

QUERY_LOOP_LIMIT = 120.0  # seconds: a hung cluster fails the test instead of hanging it
SETTLED_SEARCHES = 30  # searches after the survivors are yellow, all of which must succeed


@pytest.mark.opensearch_cluster
def test_engine_keeps_answering_when_a_node_dies(tmp_path: Path):
    need_opensearch_tools()
    with start_cluster(3, tmp_path / "cluster") as cluster:
        settings = Settings(engine="opensearch", opensearch_url=",".join(cluster.urls), opensearch_prefix="mosaic-cluster",
                            opensearch_shards=3, opensearch_replicas=1, index_dir=tmp_path / "unused")
        report = build_index([SEEDS, FIXTURES / "corpus", *generated_corpus(tmp_path / "generated")], settings=settings)
        cluster.health("green")
        engine = OpenSearchEngine(settings)
        requests = [SearchRequest(q="government"), SearchRequest(q="Russia", sort="newest"), SearchRequest(undated=True)]
        expected = [(r.total, r.listed, r.facets) for r in map(engine.search, requests)]
        assert engine.status()["articles"] == report.indexed

        outcomes: list[tuple[float, str | None]] = []
        stop = threading.Event()

        def search_loop():
            deadline = time.monotonic() + QUERY_LOOP_LIMIT
            n = 0
            while not stop.is_set() and time.monotonic() < deadline:
                request = requests[n % len(requests)]
                try:
                    result = engine.search(request)
                    got = (result.total, result.listed, result.facets)
                    problem = None if got == expected[n % len(requests)] else f"{request.q}: {got[:2]}"
                except Exception as exc:  # any failure a user would see counts
                    problem = f"{type(exc).__name__}: {exc}"
                outcomes.append((time.monotonic(), problem))
                n += 1

        loop = threading.Thread(target=search_loop)
        loop.start()
        try:
            time.sleep(1.0)
            victim = cluster.nodes[0]  # the first address the engine knows
            victim.kill()
            killed_at = time.monotonic()
            cluster.health("yellow", nodes=2)
            settled_at = time.monotonic()
            while sum(t > settled_at for t, _ in outcomes) < SETTLED_SEARCHES and loop.is_alive():
                time.sleep(0.05)
        finally:
            stop.set()
            loop.join()
        after = [problem for t, problem in outcomes if t > settled_at]
        during = [problem for t, problem in outcomes if killed_at <= t <= settled_at and problem]
        print(f"\nkilled {victim.name}; settled in {settled_at - killed_at:.1f} s; {len(outcomes)} searches, "
              f"{len(during)} failed while settling, {sum(1 for p in after if p)} of {len(after)} after")
        assert len(after) >= SETTLED_SEARCHES
        assert [p for p in after if p] == []
        assert len(list(engine.iter_export(SearchRequest()))) == report.indexed  # no article lost
