"""Where an article's metadata came from, as the article page and `mosaic extract` show it."""

import json

from click.testing import CliRunner

from search.cli import main
from tests.conftest import FIXTURES

MASTHEAD_PAGE = FIXTURES / "metadata" / "masthead_with_url.txt"


def test_extract_json_says_where_each_value_came_from():
    result = CliRunner().invoke(main, ["extract", str(MASTHEAD_PAGE), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["outlet"], data["date"], data["authors"], data["source"], data["fetched_at"]) == (
        "The Lantern Street Review", "2020-03-02", ["Ruth Ashworth"], "", None)
    assert data["provenance"] == {"url": "url_map", "title": "headline", "author": "byline", "date": "url_path", "outlet": "masthead"}
    assert data["date_precision"] == "day"


def test_extract_text_names_the_origin_beside_each_value():
    result = CliRunner().invoke(main, ["extract", str(MASTHEAD_PAGE)])
    assert result.exit_code == 0, result.output
    assert "outlet: The Lantern Street Review  [masthead]" in result.output
    assert "date: 2020-03-02  [url_path]" in result.output
    assert "author: Ruth Ashworth  [byline]" in result.output


def test_article_page_shows_where_the_metadata_came_from(client):
    hit = client.get("/api/search?q=Multipolar").get_json()["hits"][0]
    html = client.get(f"/articles/{hit['id']}").get_data(as_text=True)
    assert '<dl class="provenance">' in html
    assert "<dt>outlet: SouthFront</dt>" in html and "<dd>the URL&#39;s domain (known outlet)</dd>" in html
    assert "<dt>author: J.Hawk</dt>" in html and "<dd>the byline</dd>" in html


def test_provenance_on_the_article_page_is_escaped(tmp_path):
    """A record's outlet and author are page text like any other: shown, never run."""
    from search.config import Settings
    from search.indexer import build_index
    from webui import create_app

    record = {"url": "https://example.org/a", "outlet": "<script>alert('outlet')</script> Times",
              "author": "Jane <img src=x onerror=alert(1)> Roe", "fetched_at": "2024-05-20T10:00:00Z",
              "text": "Ministers met for three days and signed a communiqué on sharing the river's water between the two countries."}
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "crawl.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    settings = Settings(index_dir=tmp_path / "index", seeds_dir=tmp_path / "pages")
    build_index([tmp_path / "pages"], tmp_path / "index", settings)
    client = create_app({"SETTINGS": settings, "TESTING": True}).test_client()
    hit = client.get("/api/search?q=communiqué").get_json()["hits"][0]
    html = client.get(f"/articles/{hit['id']}").get_data(as_text=True)
    section = html[html.index('<dl class="provenance">'):html.index("</dl>", html.index('<dl class="provenance">'))]
    assert "&lt;script&gt;alert(&#39;outlet&#39;)&lt;/script&gt; Times" in section
    assert "<script>" not in section and "<img" not in section
    assert "<dt>fetched at: 2024-05-20T10:00:00Z</dt>" in section and "<dd>the crawl record</dd>" in section
