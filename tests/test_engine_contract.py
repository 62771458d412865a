"""The engine contract: Whoosh and OpenSearch, built from the same files, answer the same
requests with the same totals, facet counts, filters, exclusions, date buckets, exports and
errors. Relevance scores differ (Whoosh's BM25F against Lucene's BM25), so ranked lists are
compared as sets, and the overlap of their top ten is printed (run with -s to see it).

Corpus: the seeds, tests/fixtures/corpus and, where ../shared is present, 300 generated
articles from bench/corpus.py (syndicated copies among them, so collapsing is exercised).
"""

from __future__ import annotations

import json
import os
import sys
import time
import uuid
from dataclasses import replace
from pathlib import Path

import pytest

from search.config import Settings
from search.errors import BadQuery, NotFound
from search.indexer import build_index
from search.request import SearchRequest
from search.store.opensearch import OpenSearchEngine
from search.store.whoosh import WhooshEngine
from tests.conftest import FIXTURES, ROOT, SEEDS, SHARED

GENERATED_DOCS = 300
BENCH = ROOT / "bench"


def generated_corpus(folder: Path) -> list[Path]:
    """bench/corpus.py's articles from ../shared's news texts; none without ../shared (CI has it)."""
    if not (SHARED / "data" / "news-corpus" / "bbc").is_dir():
        if os.environ.get("CI"):
            pytest.fail("../shared/data/news-corpus is missing, and CI always has ../shared")
        return []
    sys.path.insert(0, str(BENCH))
    try:
        import corpus
    finally:
        sys.path.remove(str(BENCH))
    corpus.build_corpus(GENERATED_DOCS, folder, seed=3)
    return [folder / "articles"]


def drop_indexes(url: str, prefix: str) -> None:
    from opensearchpy import OpenSearch

    client = OpenSearch([u.strip() for u in url.split(",")])
    client.indices.delete(index=f"{prefix}-*", ignore_unavailable=True, allow_no_indices=True, expand_wildcards="all")


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> list[Path]:
    return [SEEDS, FIXTURES / "corpus", *generated_corpus(tmp_path_factory.mktemp("generated"))]


@pytest.fixture(scope="module")
def engines(opensearch_url, sources, tmp_path_factory):
    """(whoosh, opensearch) engines over indexes of the same files."""
    whoosh_settings = Settings(index_dir=tmp_path_factory.mktemp("whoosh-index"), seeds_dir=SEEDS)
    prefix = f"mosaic-test-{uuid.uuid4().hex[:8]}"
    os_settings = replace(whoosh_settings, engine="opensearch", opensearch_url=opensearch_url, opensearch_prefix=prefix)
    reports = [build_index(sources, settings=s) for s in (whoosh_settings, os_settings)]
    assert reports[0].indexed == reports[1].indexed > 0
    assert reports[0].skipped == reports[1].skipped
    try:
        yield WhooshEngine(whoosh_settings), OpenSearchEngine(os_settings)
    finally:
        drop_indexes(opensearch_url, prefix)


def values_of(result, facet: str, n: int) -> list[str]:
    return [v.value for v in result.facets[facet] if v.value != "undated"][:n]


def requests(whoosh) -> list[SearchRequest]:
    """The requests both engines answer: query forms, and filters on values the corpus has."""
    browse = whoosh.search(SearchRequest(per_page=1))
    outlets, actors, authors = (values_of(browse, f, 3) for f in ("outlet", "actor", "author"))
    years = sorted(values_of(browse, "date", 3))
    queries = [
        "Erdogan", "Erdoğan inflation", "Erdogan AND Pompeo", "Taiwan OR Niamey", "Erdogan NOT inflation",
        '"Collective Security Treaty Organization"', '"Security Collective"', "title:Taiwan", "author:Hawk",
        "outlet:southfront", "actor:Erdogan", 'actor:"United States" actor:Taiwan', "comments:Ukranazi",
        "Karabak*", "sanctioned", "peacekeeper", "govern*", "minister", "election OR vote", '"prime minister"',
        '"prime minister"~3', "economy ANDNOT growth", "economy ANDMAYBE growth", "ukra?ne", "date:[2019 TO 2021]",
        "(Russia OR China) AND sanctions", "Nagorno-Karabakh", "title:*", "*", "Russia -Ukraine", "government^2 budget",
    ]
    out = [SearchRequest(q=q, per_page=20) for q in queries]
    out += [SearchRequest(q=q, scope=scope) for q in ("Russia", "government") for scope in ("body", "title", "comments")]
    out += [
        SearchRequest(outlets=tuple(outlets[:1])),
        SearchRequest(outlets=tuple(outlets[:2]), q="government"),
        SearchRequest(not_outlets=tuple(outlets[:1]), actors=tuple(actors[:1])),
        SearchRequest(actors=tuple(actors[:2]), not_actors=tuple(actors[2:3])),
        SearchRequest(authors=tuple(authors[:1])),
        SearchRequest(not_authors=tuple(authors[:2]), q="minister"),
        SearchRequest(undated=True),
        SearchRequest(undated=True, q="government"),
        SearchRequest(date_from=years[0], date_to=years[0]),  # one year: months
        SearchRequest(date_from=f"{years[-1]}-03", date_to=f"{years[-1]}-09-15", q="minister"),
        SearchRequest(date_from=years[-1]),
        SearchRequest(date_to=years[0], outlets=tuple(outlets[:1])),
        SearchRequest(q="government", sort="newest", per_page=25),
        SearchRequest(q="government", sort="oldest", page=2),
        SearchRequest(sort="oldest", per_page=50, page=3),
        SearchRequest(q="government", collapse=False),
        SearchRequest(collapse=False, per_page=100),
        SearchRequest(sort="indexed", per_page=30), SearchRequest(q="minister", sort="indexed", page=2),
        SearchRequest(indexed_since="2020-01-01", outlets=tuple(outlets[:1])), SearchRequest(indexed_since="2999-01-01T00:00Z"),
    ]
    return out


def comparable(result) -> dict:
    data = result.to_dict()
    data.pop("took_ms")
    data.pop("engine")
    for hit in data["hits"]:
        hit.pop("score")
        hit.pop("indexed_at")  # each engine's build ran at its own time
    return data


def test_same_counts_facets_and_filters(engines):
    whoosh, opensearch = engines
    overlaps, collapsed = [], 0
    for request in requests(whoosh):
        a, b = comparable(whoosh.search(request)), comparable(opensearch.search(request))
        collapsed += a["listed"] < a["total"]
        label = f"{request.q!r} {request.filter_values()} sort={request.sort} page={request.page}"
        for key in ("total", "listed", "pages", "facets", "parsed_query", "did_you_mean", "filters"):
            assert a[key] == b[key], f"{key} differs for {label}"
        ranked = request.has_query and request.sort == "relevance"
        if ranked:  # scores differ: the same articles, each shown the same way, maybe elsewhere
            ids_a, ids_b = [h["id"] for h in a["hits"]], [h["id"] for h in b["hits"]]
            if a["total"] <= request.per_page and request.page == 1:
                assert sorted(ids_a) == sorted(ids_b), label
            by_id = {h["id"]: h for h in b["hits"]}
            for hit in a["hits"]:
                if hit["id"] in by_id:
                    assert hit == by_id[hit["id"]], f"hit {hit['id']} shown differently for {label}"
            top = min(10, len(ids_a))
            if top:
                overlaps.append((label, len(set(ids_a[:10]) & set(ids_b[:10])), top))
        else:  # ordered by date (or browsing): the same page, hit for hit
            assert a["hits"] == b["hits"], label
            assert a["key_terms"] == b["key_terms"], label
    if len(engines[0].search(SearchRequest(per_page=1)).facets["outlet"]) > 10:  # the generated corpus is in
        assert collapsed, "no request had near-duplicates to collapse"
    print("\ntop-10 overlap of ranked results (whoosh vs opensearch):")
    for label, shared, top in overlaps:
        print(f"  {shared:2d}/{top:<2d} {label}")
    total_shared, total_top = sum(o[1] for o in overlaps), sum(o[2] for o in overlaps)
    print(f"  overall {total_shared}/{total_top} = {total_shared / total_top:.0%}")


@pytest.mark.parametrize("request_", [
    SearchRequest(q="government"), SearchRequest(sort="newest"), SearchRequest(q="Russia", sort="oldest"),
    SearchRequest(outlets=("Al Jazeera",), q="Erdogan"), SearchRequest(undated=True), SearchRequest(q="zzzznothing"),
    SearchRequest(sort="indexed", indexed_since="2020-01-01"),
], ids=lambda r: f"{r.q or 'all'}-{r.sort}")
def test_export_has_every_hit(engines, request_):
    whoosh, opensearch = engines
    a, b = list(whoosh.iter_export(request_)), list(opensearch.iter_export(request_))
    assert len(a) == len(b) == whoosh.search(replace(request_, collapse=False)).total
    if request_.sort != "relevance" or not request_.has_query:
        assert [r["id"] for r in a] == [r["id"] for r in b]
    for row in a + b:
        row.pop("score")
        row.pop("indexed_at")
    assert sorted(a, key=lambda r: r["id"]) == sorted(b, key=lambda r: r["id"])


def test_export_walks_pages_after_one_another(engines, monkeypatch):
    """Exports page through a point in time with search_after: with pages of seven hits, every
    hit comes once and in order (OpenSearch's from+size would stop at 10,000)."""
    from search.store.opensearch import searching

    monkeypatch.setattr(searching, "EXPORT_PAGE", 7)
    whoosh, opensearch = engines
    for request in (SearchRequest(sort="newest"), SearchRequest(q="government", sort="oldest")):
        ids = [row["id"] for row in opensearch.iter_export(request)]
        assert len(ids) > 3 * 7 and len(set(ids)) == len(ids)
        assert ids == [row["id"] for row in whoosh.iter_export(request)]


def test_articles_highlights_and_neighbours(engines):
    whoosh, opensearch = engines
    listing = whoosh.search(SearchRequest(sort="newest", per_page=30))
    for hit in listing.hits[::5]:
        article = whoosh.article(hit.id)
        assert opensearch.article(hit.id) == article
        for q in ("Russia", '"prime minister"', "govern*"):
            assert opensearch.highlight_article(article, q) == whoosh.highlight_article(article, q)
        request = SearchRequest(sort="newest", page=2)
        assert opensearch.neighbours(request, hit.id) == whoosh.neighbours(request, hit.id)
    for engine in engines:
        with pytest.raises(NotFound):
            engine.article("no-such-article")


def test_cooccurrence_and_timeline(engines):
    whoosh, opensearch = engines
    for request in (SearchRequest(), SearchRequest(q="government"), SearchRequest(date_from="2016", date_to="2019")):
        for actor in values_of(whoosh.search(replace(request, per_page=1)), "actor", 3):
            assert opensearch.cooccurrence(request, actor) == whoosh.cooccurrence(request, actor)
            assert opensearch.timeline(request, actor) == whoosh.timeline(request, actor)


def test_more_like_this_finds_related_articles(engines):
    whoosh, opensearch = engines
    blitz = whoosh.search(SearchRequest(q='title:"Nagorno-Karabakh escalation"')).hits[0].id
    for engine in engines:
        similar = [h.title for h in engine.more_like(blitz)]
        assert similar[0] == "Nagorno-Karabakh: The Multipolar Conflict"
        assert blitz not in [h.id for h in engine.more_like(blitz)]


@pytest.mark.parametrize("q", ['"open', "colour:red", "(((", "Russia AND", "*stan", " OR ".join(f"w{n}" for n in range(100))])
def test_bad_queries_are_refused_alike(engines, q):
    messages = []
    for engine in engines:
        with pytest.raises(BadQuery) as caught:
            engine.search(SearchRequest(q=q))
        messages.append(caught.value.message)
    assert messages[0] == messages[1]


def test_the_api_answers_alike_and_400s_alike(engines):
    from webui import create_app

    answers = []
    for engine in engines:
        client = create_app({"SETTINGS": engine.settings, "TESTING": True}).test_client()
        bad = client.get("/api/search?q=(((")
        assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "bad_query"
        good = client.get("/api/search?q=Erdogan+OR+government&sort=newest&-outlet=SouthFront&-actor=NATO")
        assert good.status_code == 200 and good.get_json()["total"] > 0
        data = good.get_json()
        data.pop("took_ms")
        for hit in data["hits"]:
            hit.pop("indexed_at")
        assert data.pop("engine") == engine.name
        answers.append(data)
        page = client.get("/?q=government")
        assert page.status_code == 200 and b"<mark>" in page.data
        first = good.get_json()["hits"][0]["id"]
        assert client.get(f"/articles/{first}?q=government").status_code == 200
        assert client.get(f"/api/articles/{first}/similar").status_code == 200
    assert answers[0] == answers[1]


def test_status_line_names_the_engine(engines):
    whoosh, opensearch = engines
    a, b = whoosh.status(), opensearch.status()
    assert (a["engine"], b["engine"]) == ("whoosh", "opensearch")
    assert a["articles"] == b["articles"] > 0
    assert b["index"].startswith(opensearch.settings.opensearch_prefix + "-gen-")
    assert json.dumps(b)


def test_mosaic_serve_on_opensearch_answers_concurrent_clients(engines):
    """A real `mosaic serve` (gunicorn, two worker processes forked from a warmed master) over
    the OpenSearch index: eight clients at once, every answer a 200 with the engine's counts."""
    import socket
    import subprocess
    import urllib.request
    from concurrent.futures import ThreadPoolExecutor

    opensearch = engines[1]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("MOSAIC_")}, "MOSAIC_ENGINE": "opensearch",
           "MOSAIC_OPENSEARCH_URL": opensearch.settings.opensearch_url,
           "MOSAIC_OPENSEARCH_PREFIX": opensearch.settings.opensearch_prefix, "MOSAIC_WORKERS": "2", "MOSAIC_PORT": str(port)}
    server = subprocess.Popen([sys.executable, "-m", "search", "serve"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    queries = ["government", "Erdogan", "minister", "Russia", "election OR vote", '"prime minister"'] * 8
    expected = {q: opensearch.search(SearchRequest(q=q)).total for q in set(queries)}

    def total(q: str) -> int:
        url = f"http://127.0.0.1:{port}/api/search?q={urllib.request.quote(q)}"
        with urllib.request.urlopen(url, timeout=30) as response:
            assert response.status == 200
            return json.load(response)["total"]

    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                total("warm")
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, server.stderr.read().decode()[-2000:]
                time.sleep(0.2)
        with ThreadPoolExecutor(8) as pool:
            assert list(pool.map(total, queries)) == [expected[q] for q in queries]
    finally:
        server.terminate()
        server.wait(timeout=30)
        server.stderr.close()
