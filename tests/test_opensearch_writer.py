"""Builds and updates of the OpenSearch index on a real node: updates touch only what changed
and agree with the Whoosh engine's; the manifest lives in the cluster; a failed or killed
rebuild leaves the alias, and the searches, on the index that was live."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import replace

import pytest

from search.config import Settings
from search.errors import SearchError
from search.indexer import build_index
from search.request import SearchRequest
from search.store.opensearch import OpenSearchEngine
from search.store.opensearch.connection import Cluster
from search.store.opensearch.writer import OpenSearchWriter
from search.store.whoosh import WhooshEngine
from tests.conftest import FIXTURES, ROOT, SEEDS
from tests.test_engine_contract import drop_indexes, generated_corpus

CHECKS = [SearchRequest(), SearchRequest(q="Erdogan"), SearchRequest(q="government", outlets=("The Meridian Review",)),
          SearchRequest(sort="oldest", per_page=50)]


@pytest.fixture()
def os_settings(opensearch_url, tmp_path):
    prefix = f"mosaic-test-{uuid.uuid4().hex[:8]}"
    settings = Settings(index_dir=tmp_path / "unused", engine="opensearch", opensearch_url=opensearch_url, opensearch_prefix=prefix)
    yield settings
    drop_indexes(opensearch_url, prefix)


@pytest.fixture()
def files(tmp_path):
    """A writable copy of the seeds and the fixture corpus."""
    target = tmp_path / "files"
    shutil.copytree(SEEDS, target / "seeds")
    shutil.copytree(FIXTURES / "corpus", target / "corpus")
    return target


def answers(engine) -> list[tuple]:
    out = []
    for request in CHECKS:
        result = engine.search(request)
        out.append((result.total, result.listed, [h.id for h in result.hits] if request.sort == "oldest" else None,
                    {name: [(v.value, v.count) for v in values] for name, values in result.facets.items()}))
    return out


def test_update_changes_only_what_changed_like_whoosh(os_settings, files, tmp_path):
    whoosh_settings = Settings(index_dir=tmp_path / "whoosh")
    engines = WhooshEngine(whoosh_settings), OpenSearchEngine(os_settings)
    for settings in (whoosh_settings, os_settings):
        build_index([files], settings=settings)
    first = engines[1].status()["index"]
    indexed = {row["id"]: row["indexed_at"] for row in engines[1].iter_export(SearchRequest())}
    time.sleep(1.1)  # the update runs in a later second than the build

    # Edit one file, delete one, add one (a copy of an article under a new name and id).
    edited = files / "corpus" / "kyiv_rferl.txt"
    edited.write_text(edited.read_text(encoding="utf-8").replace("Kyiv", "Kiev", 3), encoding="utf-8")
    (files / "corpus" / "taiwan_diplomat.txt").unlink()
    added = files / "corpus" / "sahel_copy.txt"
    added.write_text((files / "corpus" / "sahel_france24.txt").read_text(encoding="utf-8").replace("Niger", "Niger's junta", 1),
                     encoding="utf-8")

    # Another machine: nothing of the first build on its disk; the manifest comes from the cluster.
    elsewhere = replace(os_settings, index_dir=tmp_path / "elsewhere")
    reports = [build_index([files], settings=s, rebuild=False) for s in (whoosh_settings, elsewhere)]
    for report in reports:
        assert report.incremental and not report.rebuilt_because
    assert [(r.indexed, r.unchanged_files, r.removed_files) for r in reports] == [(2, 6, 1)] * 2
    second = engines[1].status()["index"]
    assert second != first
    assert answers(engines[0]) == answers(engines[1])
    assert engines[1].search(SearchRequest(q="Kiev")).total == engines[0].search(SearchRequest(q="Kiev")).total == 1
    copies = engines[1].search(SearchRequest(q="Niger junta", collapse=True))
    assert copies.listed == copies.total - 1  # the copy is collapsed into its original
    assert copies.hits[0].copies is not None and copies.hits[0].copies.count == 2

    # Unchanged articles keep the time they entered the index; the edited and the new one do not.
    now = {row["id"]: row["indexed_at"] for row in engines[1].iter_export(SearchRequest())}
    changed = {i for i in now if now[i] != indexed.get(i)}
    assert len(changed) == 2 and all(now[i] > max(indexed.values()) for i in changed)
    assert engines[1].search(SearchRequest(sort="indexed", per_page=2)).hits[0].id in changed
    since = engines[1].search(SearchRequest(indexed_since=max(now.values())))
    assert {h.id for h in since.hits} == changed and since.total == 2

    # Nothing changed: no new index; the live one and its predecessor are all that is kept.
    again = build_index([files], settings=os_settings, rebuild=False)
    assert (again.indexed, again.generation) == (0, second)
    assert Cluster(os_settings).generations() == sorted([first, second])
    build_index([files], settings=os_settings, rebuild=True)
    assert first not in Cluster(os_settings).generations()
    time.sleep(1.1)  # the engine asks where the alias points once a second
    assert {row["id"]: row["indexed_at"] for row in engines[1].iter_export(SearchRequest())} == now  # a rebuild keeps them too


def test_failed_rebuild_leaves_the_live_index(os_settings, files, monkeypatch):
    build_index([files], settings=os_settings)
    engine = OpenSearchEngine(os_settings)
    live, before = engine.status()["index"], answers(engine)
    added = []

    def failing_add(self, prepared):
        added.append(prepared.id)
        if len(added) == 4:
            raise RuntimeError("disk full")
        return real_add(self, prepared)

    real_add = OpenSearchWriter.add
    monkeypatch.setattr(OpenSearchWriter, "add", failing_add)
    with pytest.raises(RuntimeError, match="disk full"):
        build_index([files], settings=os_settings, rebuild=True)
    assert engine.status()["index"] == live
    assert answers(engine) == before
    assert Cluster(os_settings).generations() == [live]  # the unfinished index is gone


def test_killed_rebuild_leaves_the_live_index(os_settings, files, tmp_path):
    build_index([files], settings=os_settings)
    engine = OpenSearchEngine(os_settings)
    live, before = engine.status()["index"], answers(engine)
    bigger = [files, *generated_corpus(tmp_path / "generated")]
    env = {**os.environ, "MOSAIC_ENGINE": "opensearch", "MOSAIC_OPENSEARCH_URL": os_settings.opensearch_url,
           "MOSAIC_OPENSEARCH_PREFIX": os_settings.opensearch_prefix}
    build = subprocess.Popen([sys.executable, "-m", "search", "index", "--rebuild", *map(str, bigger)], cwd=ROOT, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    cluster = Cluster(os_settings)
    deadline = time.monotonic() + 60
    while len(cluster.generations()) < 2:  # the rebuild's new index exists: kill it mid-way
        assert build.poll() is None, build.stderr.read().decode()[-2000:]
        assert time.monotonic() < deadline
        time.sleep(0.05)
    build.send_signal(signal.SIGKILL)
    build.wait()
    build.stderr.close()
    assert engine.status()["index"] == live
    assert answers(engine) == before
    # The next build takes over the dead build's lock at once (same machine, process gone) and
    # removes its unfinished index.
    report = build_index([files], settings=os_settings, rebuild=False)
    assert report.indexed == 0 and report.generation == live
    assert cluster.generations() == [live]


def test_one_build_at_a_time(os_settings, files):
    build_index([files], settings=os_settings)
    writer = OpenSearchEngine(os_settings).writer(rebuild=False)
    try:
        with pytest.raises(SearchError, match="another build is running"):
            build_index([files], settings=os_settings, rebuild=True)
    finally:
        writer.close()
    build_index([files], settings=os_settings, rebuild=True)  # the lock was released
