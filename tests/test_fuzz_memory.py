"""Generated hostile searches against a real server, measured by what they cost the server:
every answer is a 200 or a 4xx/503 JSON error, and the server's memory does not grow with them."""

from __future__ import annotations

import http.client
import json
import os
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search.config import Settings
from search.indexer import build_index
from tests.conftest import FIXTURES, SEEDS, running_server

# Growth allowed over the whole run: caches filling up once (term tables, facet tables) are
# allowed; growth with the number or the size of hostile requests is not.
RSS_GROWTH_MB = 120
WORDS = ["Turkey", "Russia", "Erdogan", "NATO", "the", "war", "in", "Ukraine", "US", "ceasefire"]


def server_rss_mb(master: int) -> float:
    """RSS of a gunicorn master and its workers, in MB."""
    total = 0
    for pid in [master, *_children(master)]:
        try:
            with open(f"/proc/{pid}/status") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
        except (OSError, StopIteration):
            continue
    return total / 1024


def _children(master: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == master:
                        found.append(int(entry))
            except (OSError, ValueError, IndexError):
                continue
    return found


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    """A one-process server over the seeds, the fixture corpus and one long repetitive article."""
    corpus = tmp_path_factory.mktemp("hostile")
    (corpus / "repetitive.txt").write_text("Turkey Russia talks\n\n" + "Turkey Russia " * 150_000 + "\n", encoding="utf-8")
    index_dir = tmp_path_factory.mktemp("hostile-index")
    build_index([SEEDS, FIXTURES / "corpus", corpus], index_dir, Settings())
    info: dict = {}
    with running_server(index_dir, env={"MOSAIC_WORKERS": "1", "MOSAIC_QUERY_TIMEOUT": "2"}, info=info) as url:
        yield int(url.rsplit(":", 1)[1]), info["pid"]


values = st.lists(st.text(min_size=1, max_size=12) | st.sampled_from(["SouthFront", "BLiTZ", "Russia", "NATO"]),
                  min_size=0, max_size=80)
phrases = st.lists(st.sampled_from(WORDS), min_size=2, max_size=70).map(lambda ws: '"' + " ".join(ws) + '"')
queries = st.one_of(phrases, st.lists(st.sampled_from(WORDS + ["OR", "NOT", "*", "Turk*"]), max_size=12).map(" ".join))
requests = st.fixed_dictionaries({"q": queries}, optional={
    "outlet": values, "-outlet": values, "actor": values, "-actor": values, "author": values, "-author": values,
})


def test_hostile_filters_and_phrases_cost_no_lasting_memory(hostile_server):
    port, master = hostile_server
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def get(params: dict) -> int:
        path = "/api/search?" + urlencode(params, doseq=True)
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            assert response.status in (400, 414, 503), (response.status, body[:200])
            assert set(json.loads(body)["error"]) >= {"code", "message"}
        return response.status

    get({"q": "Turkey"})  # the first search loads the tables every later one uses
    before = server_rss_mb(master)
    statuses = []

    @settings(max_examples=250, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(requests)
    def run(params):
        statuses.append(get(params))

    try:
        run()
    finally:
        connection.close()
    after = server_rss_mb(master)
    print(f"server RSS {before:.0f} MB before, {after:.0f} MB after {len(statuses)} requests ({statuses.count(200)} answered)")
    assert statuses.count(200) > 50  # not only refusals
    assert after - before < RSS_GROWTH_MB, f"server RSS grew {after - before:.0f} MB over {len(statuses)} requests"
