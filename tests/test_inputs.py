"""Input kinds in any mix: page dumps, JSONL exports, gzip; bad files reported, never fatal."""

import gzip
import json

import pytest

from search.config import Settings
from search.ingest import Skipped, read_article, read_articles
from search.ingest.sources import input_kind, iter_input_files
from search.indexer import build_index
from tests.conftest import SEED_SOUTHFRONT

SOUTHFRONT_TEXT = SEED_SOUTHFRONT.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "name, kind",
    [("a.txt", "dump"), ("a.TXT", "dump"), ("a.txt.gz", "dump"), ("page.html", "html"), ("page.htm.gz", "html"),
     ("crawl.jsonl", "jsonl"), ("crawl.jsonl.gz", "jsonl"), ("notes.md", None), ("archive.gz", None), ("README", None)],
)
def test_input_kind_by_suffix(tmp_path, name, kind):
    assert input_kind(tmp_path / name) == kind


def test_gzipped_dump_reads_like_the_plain_one(tmp_path):
    packed = tmp_path / "southfront.txt.gz"
    packed.write_bytes(gzip.compress(SOUTHFRONT_TEXT.encode("utf-8")))
    article = read_article(packed)
    assert article.title == "Nagorno-Karabakh: The Multipolar Conflict" and article.author == "J.Hawk"
    assert len(article.comments) >= 17


def test_jsonl_records_given_fields_win(tmp_path):
    crawl = tmp_path / "crawl.jsonl"
    records = [
        {"url": "https://southfront.org/nk/", "text": SOUTHFRONT_TEXT, "title": "Given title", "date": "2020-10-12T08:00:00Z"},
        {"url": "https://example.org/x", "text": SOUTHFRONT_TEXT, "author": "Given Author", "outlet": "south front", "date": "October 2020"},
    ]
    crawl.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    first, second = list(read_articles(crawl))
    assert (first.title, first.author, first.outlet, first.date, first.kind) == ("Given title", "J.Hawk", "SouthFront", "2020-10-12", "jsonl")
    assert first.url == "https://southfront.org/nk/"
    assert (second.author, second.outlet, second.date) == ("Given Author", "SouthFront", None)  # "October 2020" has no day
    assert first.id != second.id


def test_jsonl_broken_lines_are_reported_and_the_rest_kept(tmp_path):
    crawl = tmp_path / "crawl.jsonl"
    good = json.dumps({"url": "https://southfront.org/nk/", "text": SOUTHFRONT_TEXT})
    crawl.write_text("\n".join([good, "{not json", "[1, 2]", json.dumps({"url": "u"}), "", good.replace("/nk/", "/nk2/")]), encoding="utf-8")
    items = list(read_articles(crawl))
    skipped = [(i.source.rsplit(":", 1)[1], i.reason) for i in items if isinstance(i, Skipped)]
    assert [i.url for i in items if not isinstance(i, Skipped)] == ["https://southfront.org/nk/", "https://southfront.org/nk2/"]
    assert skipped[0][0] == "2" and skipped[0][1].startswith("invalid JSON")
    assert skipped[1:] == [("3", "record is not a JSON object"), ("4", "record has neither 'text' nor 'html'")]


def test_bad_file_corpus_is_ingested_or_reported(tmp_path):
    """Every file is indexed or listed with a reason; nothing else is lost."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    body = SOUTHFRONT_TEXT
    files = {
        "good.txt": body.encode("utf-8"),
        "binary.txt": bytes(range(256)) * 64,
        "empty.txt": b"",
        "latin1.txt": body.replace("’", "'").replace("“", '"').replace("”", '"').replace("—", "-").replace("…", "...").encode("latin-1", errors="replace"),
        "utf16.txt": body.encode("utf-16"),
        "invalid_utf8.txt": body.encode("utf-8").replace(b"Turkey", b"Turk\xff\xfey", 3),
        "huge.txt": b"word " * (50 * 1024 * 1024 // 5),  # 50 MB
        "broken.txt.gz": b"\x1f\x8b\x08\x00garbage",
        "crawl.jsonl": b'{"text": "too short"}\n{broken\n',
    }
    for name, data in files.items():
        (corpus / name).write_bytes(data)
    (corpus / "nested.html").write_text("<html><body>" + "<div>" * 5000 + "deep " * 50 + "</div>" * 5000 + "</body></html>", encoding="utf-8")
    (corpus / "malformed.html").write_text("<html><body><p>" + ("Moscow and Ankara agreed on a ceasefire after talks in Sochi. " * 6) + "<div><p><b>unclosed", encoding="utf-8")
    report = build_index([corpus], tmp_path / "ix", Settings())
    skipped = {p.rsplit("/", 1)[1]: r for p, r in report.skipped}
    # good, latin1, utf16, invalid_utf8 (the same article read four ways), nested and malformed HTML
    assert report.indexed == 6
    assert set(skipped) == {"binary.txt", "empty.txt", "huge.txt", "broken.txt.gz", "crawl.jsonl:1", "crawl.jsonl:2"}
    assert skipped["huge.txt"].startswith("file too large")
    assert skipped["broken.txt.gz"].startswith("broken gzip file")
    assert skipped["crawl.jsonl:1"] == "no article body found"


def test_folders_are_walked_recursively_and_hidden_files_ignored(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    for name in ("a/one.txt", "a/b/two.jsonl", "a/b/.hidden.txt", "a/b/notes.md"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    assert [p.relative_to(tmp_path).as_posix() for p in iter_input_files([tmp_path])] == ["a/b/two.jsonl", "a/one.txt"]


def test_outlet_is_the_site_that_names_itself_not_an_outlet_it_credits_or_its_readers_cite(tmp_path):
    page = (
        "Skip to content\n\nThe Parallax View\n\nWorld\n\nPolitics\n\nTalks to resume after a year of deadlock\n\n"
        "By Anna Petrova\n\nPhoto: Reuters\n\n"
        + "Officials in both capitals said on Tuesday that the talks would resume next month, after a pause of almost a year. " * 3
        + "\n\nDiplomats said the main obstacle remained the sequencing of the withdrawal, which each side wants the other to begin. " * 3
        + "\n\n2 comments\n\nMark Doyle\n\nThe BBC reported this a week ago, and Reuters too; nothing new here at all.\n\n"
        "Ann Lee\n\nAs BBC News said, the talks have failed twice before and will fail again this time.\n\n"
        "© 2024 The Parallax View\n"
    )
    (tmp_path / "talks.txt").write_text(page, encoding="utf-8")
    (tmp_path / "sources.toml").write_text('[urls]\n"talks.txt" = "https://parallaxview.net/news/talks"\n', encoding="utf-8")
    article = read_article(tmp_path / "talks.txt")
    assert article.outlet == "The Parallax View"
    assert [c.author for c in article.comments] == ["Mark Doyle", "Ann Lee"]
