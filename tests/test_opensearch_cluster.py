"""Mosaic's OpenSearch engine on a three-node cluster (three JVMs, three shards, one replica):
a node killed while searches run costs no search once the survivors settle, and no article."""

from __future__ import annotations

from pathlib import Path

import pytest

from search.config import Settings
from search.indexer import build_index
from search.request import SearchRequest
from search.store.opensearch import OpenSearchEngine
from tests.conftest import FIXTURES, SEEDS, need_opensearch_tools
from tests.opensearch_node import kill_while_querying, start_cluster
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

        n = 0

        def attempt() -> str | None:
            nonlocal n
            request, want = requests[n % len(requests)], expected[n % len(requests)]
            n += 1
            result = engine.search(request)
            got = (result.total, result.listed, result.facets)
            return None if got == want else f"{request.q}: {got[:2]}"

        victim = cluster.nodes[0]  # the first address the engine knows
        run = kill_while_querying(cluster, victim, attempt, SETTLED_SEARCHES, QUERY_LOOP_LIMIT)
        print(f"\nkilled {victim.name}; settled in {run.settle_seconds:.1f} s; {run.queries} searches, "
              f"{len(run.during)} failed while settling, {sum(1 for p in run.after if p)} of {len(run.after)} after")
        assert len(run.after) >= SETTLED_SEARCHES
        assert [p for p in run.after if p] == []
        assert len(list(engine.iter_export(SearchRequest()))) == report.indexed  # no article lost
