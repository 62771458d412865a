"""Beyond one page of hits: did-you-mean, key terms, more like this, export, co-occurrence, timeline."""

import csv
import io
import json

import pytest
from click.testing import CliRunner

from search.cli import main
from search.request import SearchRequest
from search.results import Suggestion
from tests.conftest import engine_at


@pytest.fixture()
def engine(corpus_settings):
    return engine_at(corpus_settings.index_dir, corpus_settings)


def test_did_you_mean_from_the_index_vocabulary(engine):
    result = engine.search(SearchRequest(q="Erdgan Armenai"))
    assert result.total == 0
    assert result.did_you_mean == Suggestion("Erdogan Armenia", 2)
    assert engine.search(SearchRequest(q="Erdogan")).did_you_mean is None


def test_key_terms_of_the_result_set(engine):
    terms = [t.term for t in engine.search(SearchRequest(q="Karabakh")).key_terms]
    assert {"armenia", "azerbaijan"} <= set(terms[:5])
    assert "karabakh" not in terms and "the" not in terms


def test_more_like_this(engine):
    blitz_id = engine.search(SearchRequest(q="title:political")).hits[0].id
    similar = engine.more_like(blitz_id)
    assert similar[0].title == "Nagorno-Karabakh: The Multipolar Conflict"
    assert blitz_id not in [s.id for s in similar]


def test_cooccurrence_and_timeline(engine):
    together = {c["actor"]: c["count"] for c in engine.cooccurrence(SearchRequest(), "Russia")}
    assert together["Armenia"] == 2 and together["NATO"] >= 3
    assert "Russia" not in together
    timeline = engine.timeline(SearchRequest(), "Russia")
    assert timeline["months"] == ["2023-05", "2023-08", "2023-10"]
    by_outlet = {o["outlet"]: o["counts"] for o in timeline["outlets"]}
    assert by_outlet["France 24"] == [0, 1, 0] and by_outlet["RFE/RL"] == [0, 0, 1]
    assert timeline["undated"] == 3


def test_api_export_jsonl_has_every_page_and_the_query(client):
    response = client.get("/api/export?format=jsonl&q=Russia&per_page=1&sort=newest")
    assert response.status_code == 200 and response.mimetype == "application/x-ndjson"
    lines = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    header, rows = lines[0]["export"], lines[1:]
    assert header["query"] == "Russia" and header["sort"] == "newest"
    total = client.get("/api/search?q=Russia").get_json()["total"]
    assert len(rows) == total > 1  # the whole result set, not one page of per_page=1
    dates = [r["date"] for r in rows if r["date"]]
    assert dates == sorted(dates, reverse=True) and rows[-1]["date"] is None  # undated last
    assert rows[0]["body"]


def test_api_export_csv(client):
    response = client.get("/api/export?format=csv&actor=Taiwan")
    text = response.get_data(as_text=True)
    assert response.headers["Content-Disposition"] == 'attachment; filename="mosaic-export.csv"'
    comments = [line for line in text.splitlines() if line.startswith("#")]
    assert any('"actor": ["Taiwan"]' in line for line in comments)
    rows = list(csv.DictReader(io.StringIO("\n".join(l for l in text.splitlines() if not l.startswith("#")))))
    assert [r["title"] for r in rows] == ["The Taiwan Strait After the Election"]
    assert rows[0]["actors"].startswith("Taiwan; China")


def test_api_export_bad_query_is_400(client):
    assert client.get('/api/export?format=csv&q="open').status_code == 400
    assert client.get("/api/export?format=xml").status_code == 400


def test_actor_endpoints(client):
    data = client.get("/api/actors/Russia/cooccurrence?from=2023&to=2023").get_json()
    assert {c["actor"] for c in data["cooccurring"]} >= {"Ukraine", "France"}
    data = client.get("/api/actors/Russia/timeline").get_json()
    assert data["actor"] == "Russia" and data["months"]


def test_cli_export_writes_file(tmp_path, corpus_settings):
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(main, ["export", "Erdogan", "--format", "jsonl", "-o", str(out), "--index-dir", str(corpus_settings.index_dir)])
    assert result.exit_code == 0, result.output
    lines = out.read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[0])["export"]["query"] == "Erdogan" and len(lines) == 4


def test_search_page_shows_did_you_mean_and_export(client):
    html = client.get("/?q=Erdgan").get_data(as_text=True)
    assert 'Did you mean <a href="/?q=Erdogan">Erdogan</a>?' in html
    html = client.get("/?q=Erdogan").get_data(as_text=True)
    assert 'href="/api/export?q=Erdogan&amp;format=csv"' in html


@pytest.mark.parametrize("params", [{"q": "Erdogan"}, {"q": "Erdogan", "outlet": "SouthFront"}, {"actor": "Russia", "from": "2023", "to": "2023"}])
def test_counts_agree_between_ui_api_and_cli(client, corpus_settings, params):
    import re as regex

    api = client.get("/api/search", query_string=params).get_json()
    html = client.get("/", query_string=params).get_data(as_text=True)
    args = [params.get("q", "")] + [f"--{k}={v}" for k, v in params.items() if k != "q"]
    cli = json.loads(CliRunner().invoke(main, ["query", *args, "--json", "--index-dir", str(corpus_settings.index_dir)]).output)
    assert api["total"] == cli["total"] == int(regex.search(r"<strong>(\d+)</strong> result", html).group(1))
    for name in ("outlet", "actor", "author", "date"):
        api_counts = {e["value"]: e["count"] for e in api["facets"][name]}
        assert api_counts == {e["value"]: e["count"] for e in cli["facets"][name]}
        if name in ("outlet", "actor", "author"):
            for value, count in api_counts.items():
                assert f'>{value}</a> <span class="count">{count}</span>' in html.replace("&#39;", "'"), (name, value)
