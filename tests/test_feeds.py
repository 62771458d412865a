"""Atom feeds of searches, `since=` feeds of what is new to the index, and `mosaic watch`."""

from __future__ import annotations

import json
import shutil
import time
from datetime import datetime, timezone

import feedparser
import pytest
from click.testing import CliRunner

from search.cli import main
from search.config import Settings
from search.indexer import build_index
from tests.conftest import FIXTURES, SEEDS


@pytest.fixture()
def app_for(tmp_path):
    from webui import create_app

    def make(settings):
        return create_app({"SETTINGS": settings, "TESTING": True}).test_client()

    return make


def test_the_feed_lists_what_the_search_finds_newest_first(client):
    response = client.get("/feed.atom?q=Russia&outlet=France 24&outlet=RFE/RL&outlet=BLiTZ")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.get_data())
    assert not feed.bozo, feed.bozo_exception
    assert b"&lt;mark&gt;Russia&lt;/mark&gt;" in response.get_data()  # escaped HTML, marked as the page marks it
    api = client.get("/api/search?q=Russia&outlet=France 24&outlet=RFE/RL&outlet=BLiTZ&sort=newest&per_page=50").get_json()
    assert [e.id for e in feed.entries] == [f"urn:mosaic:article:{h['id']}" for h in api["hits"]]
    by_id = {h["id"]: h for h in api["hits"]}
    for entry in feed.entries:
        hit = by_id[entry.id.rsplit(":", 1)[1]]
        assert entry.title == hit["title"]
        assert entry.link.endswith(f"/articles/{hit['id']}")
        terms = {t.scheme: t.term for t in entry.tags}
        assert terms["urn:mosaic:outlet"] == hit["outlet"]
        if hit["date"]:
            assert terms["urn:mosaic:date"] == "published" and entry.published.startswith(hit["date"])
        else:  # no publication date: the entry says which time it carries instead
            assert terms["urn:mosaic:date"] in ("fetched", "indexed")
        assert "Russia" in entry.summary  # the snippet (feed readers drop the <mark> of the page)
        if hit["url"]:
            assert hit["url"] in [l.href for l in entry.links if l.rel == "related"]
        assert [a.name for a in entry.get("authors", [])] == ([hit["author"]] if hit["author"] else [])


def test_an_unchanged_feed_costs_a_304(client):
    first = client.get("/feed.atom?q=Taiwan")
    assert first.headers["ETag"] and first.headers["Last-Modified"]
    again = client.get("/feed.atom?q=Taiwan", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and not again.get_data()
    other = client.get("/feed.atom?q=Niger", headers={"If-None-Match": first.headers["ETag"]})
    assert other.status_code == 200


def test_a_bad_feed_request_is_a_json_400(client):
    response = client.get("/feed.atom?since=yesterday")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "bad_query"


def test_since_lists_what_is_new_to_the_index_and_survives_a_rebuild(tmp_path, app_for):
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    settings = Settings(index_dir=tmp_path / "ix")
    build_index([corpus], settings=settings)
    time.sleep(1.1)  # indexed times are whole seconds
    since = datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    shutil.copy(FIXTURES / "corpus" / "taiwan_diplomat.txt", corpus / "taiwan.txt")
    build_index([corpus], settings=settings, rebuild=False)
    client = app_for(settings)

    def new_titles():
        feed = feedparser.parse(client.get(f"/feed.atom?since={since}").get_data())
        return [e.title for e in feed.entries]

    assert new_titles() == ["The Taiwan Strait After the Election"]
    build_index([corpus], settings=settings, rebuild=True)  # every file read again, nothing new
    client = app_for(settings)
    assert new_titles() == ["The Taiwan Strait After the Election"]


def test_watch_prints_each_new_match_once(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    index, state = tmp_path / "ix", tmp_path / "state.json"
    build_index([corpus], settings=Settings(index_dir=index))

    def watch(*query):
        result = CliRunner().invoke(main, ["watch", *query, "--index-dir", str(index), "--state", str(state), "--json"])
        assert result.exit_code == 0, result.output
        return [json.loads(line)["title"] for line in result.output.splitlines()]

    assert len(watch("Erdogan")) == 2  # the first run shows every match
    assert watch("Erdogan") == []
    assert watch("Taiwan") == []  # another watch of its own
    time.sleep(1.1)
    shutil.copy(FIXTURES / "corpus" / "erdogan_aljazeera.txt", corpus / "erdogan.txt")
    shutil.copy(FIXTURES / "corpus" / "taiwan_diplomat.txt", corpus / "taiwan.txt")
    build_index([corpus], settings=Settings(index_dir=index), rebuild=False)
    assert len(watch("Erdogan")) == 1 and watch("Erdogan") == []
    assert watch("Taiwan") == ["The Taiwan Strait After the Election"]
