"""Hostile input loses nothing else and stays inert: URLs that are not http(s) are never kept,
record fields are normalised like page text, and pathological files cost only themselves."""

from __future__ import annotations

import json
import os

import pytest

from search.config import Settings
from search.indexer import build_index
from search.ingest import Skipped, read_articles
from search.ingest.sources import display_path
from tests.conftest import SEED_BLITZ

BODY = "Talks between the two governments resumed in Geneva on Monday. " * 4


def _record(**fields) -> str:
    return json.dumps({"text": f"Headline\n\n{BODY}", **fields})


@pytest.mark.parametrize("url, kept", [
    ("https://example.org/a", "https://example.org/a"),
    ("http://example.org/b", "http://example.org/b"),
    ("JaVaScRiPt:alert(1)", ""),
    ("  javascript:alert(1)", ""),
    ("java\tscript:alert(1)", ""),
    ("java\nscript:alert(1)", ""),
    ("data:text/html,<script>alert(1)</script>", ""),
    ("vbscript:msgbox(1)", ""),
    ("//example.org/protocol-relative", ""),
    ("https:alert(1)", ""),
])
def test_only_http_urls_are_kept(tmp_path, url, kept):
    path = tmp_path / "records.jsonl"
    path.write_text(_record(url=url) + "\n", encoding="utf-8")
    (article,) = read_articles(path)
    assert article.url == kept


def test_a_sources_toml_url_that_is_not_http_is_dropped(tmp_path):
    (tmp_path / "page.txt").write_text(SEED_BLITZ.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "sources.toml").write_text('[urls]\n"page.txt" = "javascript:alert(document.cookie)"\n', encoding="utf-8")
    (article,) = read_articles(tmp_path / "page.txt")
    assert article.url == ""


@pytest.mark.parametrize("field", ["title", "author", "outlet"])
@pytest.mark.parametrize("hostile", ["\x00", "\u202e", "\u2066", "\x1b[31m", "\u200b", "\x85", "\n\n"])
def test_record_fields_are_normalised_like_page_text(tmp_path, field, hostile):
    value = f"Jane{hostile}Roe Gazette"
    path = tmp_path / "records.jsonl"
    path.write_text(_record(**{field: value}) + "\n", encoding="utf-8")
    (article,) = read_articles(path)
    shown = getattr(article, field)
    assert not any(ch in shown for ch in "\x00\u202e\u2066\x1b\u200b\x85\n"), repr(shown)
    assert "Jane" in shown and "Roe" in shown


def test_bad_inputs_cost_only_themselves(tmp_path):
    """M4: a JSONL line nested a thousand deep, a sources.toml of the wrong shape and a link
    looping back up the tree: the run indexes everything else and reports what it skipped."""
    good = tmp_path / "good"
    good.mkdir()
    (good / "page.txt").write_text(SEED_BLITZ.read_text(encoding="utf-8"), encoding="utf-8")
    (good / "records.jsonl").write_text("[" * 1000 + "]" * 1000 + "\n" + _record(title="Kept") + "\n", encoding="utf-8")
    odd = tmp_path / "odd"
    odd.mkdir()
    (odd / "a.txt").write_text(SEED_BLITZ.read_text(encoding="utf-8").replace("political West", "political East"), encoding="utf-8")
    (odd / "sources.toml").write_text('[urls]\n"a.txt" = 123\n', encoding="utf-8")
    wrong_shape = tmp_path / "wrong-shape"
    wrong_shape.mkdir()
    (wrong_shape / "b.txt").write_text(SEED_BLITZ.read_text(encoding="utf-8").replace("political West", "political North"), encoding="utf-8")
    (wrong_shape / "sources.toml").write_text('urls = "x"\n', encoding="utf-8")
    os.symlink(".", tmp_path / "self")  # a loop: tmp_path/self/self/self/…
    report = build_index([tmp_path], tmp_path.parent / f"{tmp_path.name}-ix", Settings())
    assert report.indexed == 4  # the page, the kept record, a.txt and b.txt; each file once
    reasons = {source.rsplit("/", 1)[-1]: reason for source, reason in report.skipped}
    assert reasons == {"records.jsonl:1": "record is nested too deeply to read"}


def test_a_reader_bug_skips_the_file_with_its_reason(tmp_path, monkeypatch):
    import search.ingest as ingest

    def broken(*args, **kwargs):
        raise ValueError("unexpected shape")

    monkeypatch.setattr(ingest, "extract_dump", broken)
    path = tmp_path / "page.txt"
    path.write_text(SEED_BLITZ.read_text(encoding="utf-8"), encoding="utf-8")
    (item,) = read_articles(path)
    assert isinstance(item, Skipped) and "ValueError: unexpected shape" in item.reason


@pytest.mark.parametrize("path, roots, shown", [
    ("/data/crawl/2024/a.txt", ["/data/crawl"], "2024/a.txt"),
    ("/data/crawl/2024/a.jsonl:17", ["/data/crawl"], "2024/a.jsonl:17"),
    ("/data/crawl/2024/a.txt", ["/data", "/data/crawl"], "2024/a.txt"),
    ("/data/one.txt", ["/data/one.txt"], "one.txt"),
    ("/elsewhere/x.txt", ["/data"], "x.txt"),
])
def test_file_names_are_shown_relative_to_the_indexed_folder(path, roots, shown):
    assert display_path(path, roots) == shown


def test_the_api_shows_no_server_path(client):
    hit = client.get("/api/search?q=Erdogan&outlet=SouthFront").get_json()["hits"][0]
    article = client.get(f"/api/articles/{hit['id']}").get_json()
    assert not article["path"].startswith("/") and article["path"].endswith(".txt")
