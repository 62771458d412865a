"""WARC input: crawls written here with warcio, indexed on disk by `mosaic index`, then searched.

Each test writes its own WARC with the records a crawler leaves (warcinfo, requests, responses,
revisits, metadata, images, error pages) and checks what a user sees: which pages are found, which
fetch of a page wins, what the run's summary says about the rest, and where a damaged file broke.
"""

from __future__ import annotations

import gzip
import io
import json
import os
from dataclasses import dataclass, field

import pytest
from click.testing import CliRunner
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from search import workers
from search.cli import main
from search.config import Settings
from search.indexer import build_index
from search.ingest import Skipped, read_articles
from search.ingest.sources import input_kind, iter_input_files
from search.ingest.warc import SkippedRecords
from search.query import SearchRequest, engine_for

FILLER = (
    "Diplomats from both capitals met for a third round of talks on the border commission, and "
    "each side left the room claiming that the other had moved further than it had. Analysts who "
    "follow the region note that the commission has met eleven times in four years without a map."
)


@dataclass
class Page:
    """One HTML page in a crawl: what the HTTP response and the WARC record say about it."""

    url: str
    title: str
    author: str
    words: str  # words only this page (this fetch of it) holds, to search for
    fetched: str = "2024-03-01T12:00:00Z"
    status: str = "200 OK"
    content_type: str = "text/html; charset=utf-8"
    charset: str = "utf-8"
    headers: list = field(default_factory=list)
    chunked_gzip: bool = False  # sent with Content-Encoding: gzip and Transfer-Encoding: chunked
    truncated: str = ""  # WARC-Truncated, as a crawler writes it when it stopped reading

    def html(self) -> str:
        return (
            f"<!doctype html><html><head><title>{self.title} | Example Review</title>"
            f"<meta name='author' content='{self.author}'></head><body><nav>Home World Opinion</nav>"
            f"<article><h1>{self.title}</h1><p class='byline'>By {self.author}</p>"
            f"<p>{self.words}. {FILLER}</p><p>{FILLER}</p><p>{FILLER}</p></article>"
            "<footer>Example Review, all rights reserved</footer></body></html>"
        )


def response(writer: WARCWriter, page: Page):
    body = page.html().encode(page.charset)
    headers = [("Content-Type", page.content_type), *page.headers]
    if page.chunked_gzip:
        packed = gzip.compress(body)
        body = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (packed[:40], packed[40:])) + b"0\r\n\r\n"
        headers += [("Content-Encoding", "gzip"), ("Transfer-Encoding", "chunked")]
    warc_headers = {"WARC-Date": page.fetched}
    if page.truncated:
        warc_headers["WARC-Truncated"] = page.truncated
    return writer.create_warc_record(
        page.url, "response", payload=io.BytesIO(body), warc_headers_dict=warc_headers,
        http_headers=StatusAndHeaders(page.status, headers, protocol="HTTP/1.1"),
    )


def write_warc(path, records, gzipped=True) -> list[int]:
    """Write `records` (functions of a WARCWriter returning a record) to `path`; return the
    offset of each record in the file."""
    offsets = []
    with open(path, "wb") as stream:
        writer = WARCWriter(stream, gzip=gzipped)
        for make in records:
            offsets.append(stream.tell())
            record = make(writer)
            writer.write_record(record)
            record.raw_stream.close()  # warcio spools the payload to a temporary file
    return offsets


def request(url):
    return lambda w: w.create_warc_record(url, "request", payload=io.BytesIO(b""), http_headers=StatusAndHeaders(
        "GET / HTTP/1.1", [("Host", url.split("/")[2])], is_http_request=True))


def revisit(url):
    return lambda w: w.create_revisit_record(
        url, "sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", url, "2024-02-01T00:00:00Z",
        http_headers=StatusAndHeaders("304 Not Modified", [], protocol="HTTP/1.1"))


def warcinfo():
    return lambda w: w.create_warcinfo_record("crawl.warc.gz", {"software": "test crawler"})


def metadata(url):
    return lambda w: w.create_warc_record(url, "metadata", payload=io.BytesIO(b"outlinks: https://example.org/\r\n"),
                                          warc_content_type="application/warc-fields")


def image(url):
    return lambda w: w.create_warc_record(url, "response", payload=io.BytesIO(b"\x89PNG\r\n\x1a\n" + bytes(200)),
                                          http_headers=StatusAndHeaders("200 OK", [("Content-Type", "image/png")], protocol="HTTP/1.1"))


def page(**fields):
    return lambda w: response(w, Page(**fields))


ARMENIA = "https://review.example.org/2023/06/14/armenia-csto/"
GEORGIA = "https://review.example.org/2023/07/02/georgia-ports/"
KAZAKH = "https://analysis.example.net/kazakhstan-grain-corridor"
LATIN = "https://review.example.org/2023/08/01/elysee/"
GONE = "https://review.example.org/2023/09/01/gone/"

CRAWL = [
    warcinfo(),
    request(ARMENIA),
    # The later fetch is written first: the WARC-Date decides, not the order in the file.
    page(url=ARMENIA, title="Yerevan weighs leaving the CSTO", author="Anna Petrosyan",
         words="Pashinyan froze participation in quarterly bloc exercises", fetched="2024-03-05T09:00:00Z"),
    page(url=ARMENIA, title="Yerevan weighs leaving the CSTO", author="Anna Petrosyan",
         words="An early draft mentioned tangerine shipments", fetched="2024-03-01T09:00:00Z"),
    revisit(ARMENIA),
    metadata(ARMENIA),
    page(url=GEORGIA, title="Poti and Anaklia compete for transit", author="Levan Beridze",
         words="dredging contracts at Anaklia were signed with a consortium", chunked_gzip=True),
    page(url=KAZAKH, title="A grain corridor through the Caspian", author="Dana Akhmetova",
         words="Aktau terminal throughput doubled last season"),
    page(url=LATIN, title="L'Élysée et le Caucase", author="Hélène Marchand", charset="latin-1",
         content_type="text/html; charset=iso-8859-1", words="Le président a reçu Pachinian à l'Élysée"),
    image("https://review.example.org/logo.png"),
    page(url=GONE, title="Not found", author="Nobody", words="missing page lorem", status="404 Not Found"),
    page(url="https://review.example.org/2023/10/01/long/", title="Cut by the crawler", author="Nobody",
         words="partial page text", truncated="length"),
    # Its gzip member is cut in half below: the file breaks here.
    page(url="https://review.example.org/2023/11/01/last/", title="The last page", author="Nobody",
         words="the final record never finished writing"),
]


@pytest.fixture()
def crawl(tmp_path):
    """The crawl above as crawl.warc.gz, its last gzip member cut in half; returns (path, offset
    where the broken member starts)."""
    path = tmp_path / "warcs" / "crawl.warc.gz"
    path.parent.mkdir()
    offsets = write_warc(path, CRAWL)
    data = path.read_bytes()
    path.write_bytes(data[: offsets[-1] + (len(data) - offsets[-1]) // 2])
    return path, offsets[-1]


def search(index_dir, q, **request):
    """Search without collapsing near-duplicates (the test pages share most of their text): a
    page that is not found is not in the index."""
    return engine_for(Settings(index_dir=index_dir)).search(SearchRequest(q=q, collapse=False, **request)).to_dict()


def test_warc_is_an_input_kind(tmp_path):
    for name in ("crawl.warc", "crawl.warc.gz", "CRAWL-00001.WARC.GZ"):
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "crawl.warc.gz.open").write_bytes(b"")  # a crawler's file still being written
    assert [input_kind(p) for p in sorted(iter_input_files([tmp_path]))] == ["warc", "warc", "warc"]


def test_crawl_is_indexed_and_searched(tmp_path, crawl):
    path, broken_at = crawl
    index_dir = tmp_path / "ix"
    result = CliRunner().invoke(main, ["index", str(path.parent), "--index-dir", str(index_dir)], catch_exceptions=False)
    assert result.exit_code == 0, result.output

    # One summary line counts what was left out by reason; only the broken file is listed.
    assert "indexed 4, skipped 1 (4 warc); WARC records skipped: 1 HTTP 404, 1 metadata record, " \
           "1 non-HTML (image/png), 1 older fetch of the same URL, 1 request record, 1 revisit record, " \
           "1 truncated by the crawler (length), 1 warcinfo record in " in result.output
    assert (f"skipped {path}: broken WARC file at byte offset {broken_at} (record 13): the record is cut short; "
            "the 12 records before it were read") in result.output
    assert "crawl.warc.gz: read 12 of 12 records, " in result.output  # progress, in records and bytes

    # The later fetch of a page is the one indexed, whatever its place in the file.
    assert [h["url"] for h in search(index_dir, "Pashinyan quarterly exercises")["hits"]] == [ARMENIA]
    assert search(index_dir, "tangerine")["total"] == 0
    # Chunked, gzip-encoded and Latin-1 pages read as text.
    assert [h["url"] for h in search(index_dir, "dredging Anaklia consortium")["hits"]] == [GEORGIA]
    assert [h["title"] for h in search(index_dir, "président Pachinian")["hits"]] == ["L'Élysée et le Caucase"]
    # Nothing of the skipped records became an article.
    for words in ("missing lorem", "partial", "final record never finished"):
        assert search(index_dir, words)["total"] == 0, words

    engine = engine_for(Settings(index_dir=index_dir))
    hit = search(index_dir, "Pashinyan")["hits"][0]
    article = engine.article(hit["id"])
    assert (article.url, article.title, article.author, article.outlet, article.kind) == (
        ARMENIA, "Yerevan weighs leaving the CSTO", "Anna Petrosyan", "review.example.org", "warc")
    # The fetch time is kept as such; the date is the page's own (here from its URL), never the fetch.
    assert (article.fetched_at, article.date) == ("2024-03-05T09:00:00Z", "2023-06-14")
    assert (hit["fetched_at"], hit["date"]) == ("2024-03-05T09:00:00Z", "2023-06-14")  # as search results show it
    undated = engine.article(search(index_dir, "Aktau")["hits"][0]["id"])
    assert (undated.fetched_at, undated.date) == ("2024-03-01T12:00:00Z", None)


def test_latest_fetch_wins_across_the_files_of_a_run(tmp_path):
    older, newer = tmp_path / "a-newer.warc", tmp_path / "b-older.warc.gz"
    write_warc(older, [page(url=KAZAKH, title="Grain corridor", author="Dana Akhmetova",
                            words="Revised figures show Aktau volumes tripled", fetched="2024-04-02T00:00:00Z")], gzipped=False)
    write_warc(newer, [page(url=KAZAKH, title="Grain corridor", author="Dana Akhmetova",
                            words="First estimates said pistachio volumes doubled", fetched="2024-04-01T00:00:00Z")])
    report = build_index([tmp_path], tmp_path / "ix", Settings())
    assert (report.indexed, report.skipped, dict(report.skipped_records)) == (1, [], {"older fetch of the same URL": 1})
    assert search(tmp_path / "ix", "tripled")["total"] == 1 and search(tmp_path / "ix", "pistachio")["total"] == 0


def test_changed_warc_is_read_again_by_an_update(tmp_path):
    path = tmp_path / "crawl.warc.gz"
    georgia = page(url=GEORGIA, title="Poti and Anaklia", author="Levan Beridze", words="dredging contracts at Anaklia")
    write_warc(path, [georgia])
    index_dir = tmp_path / "ix"
    build_index([tmp_path], index_dir, Settings(), rebuild=False)
    unchanged = build_index([tmp_path], index_dir, Settings(), rebuild=False)
    assert (unchanged.indexed, unchanged.unchanged_files) == (0, 1)

    # A crawl that went on: the same page fetched again, with new text, and one page more.
    write_warc(path, [georgia,
                      page(url=GEORGIA, title="Poti and Anaklia", author="Levan Beridze",
                           words="the consortium withdrew from Anaklia", fetched="2024-05-01T00:00:00Z"),
                      page(url=KAZAKH, title="Grain corridor", author="Dana Akhmetova", words="Aktau terminal throughput")])
    changed = build_index([tmp_path], index_dir, Settings(), rebuild=False)
    assert (changed.incremental, changed.indexed, changed.unchanged_files) == (True, 2, 0)
    assert dict(changed.skipped_records) == {"older fetch of the same URL": 1}
    assert search(index_dir, "withdrew")["total"] == 1 and search(index_dir, "dredging")["total"] == 0
    assert search(index_dir, "Aktau")["total"] == 1


def test_size_limit_applies_per_record_not_per_file(tmp_path):
    path = tmp_path / "crawl.warc"
    big = "Border commission " + "minutes of the session " * 2000  # about 46 KB of text
    write_warc(path, [page(url=f"https://review.example.org/2023/0{n}/p/", title=f"Page {n}", author="Anna Petrosyan",
                           words=f"marker{n} page") for n in range(1, 4)]
               + [page(url="https://review.example.org/big/", title="Big", author="Anna Petrosyan", words=big)], gzipped=False)
    assert path.stat().st_size > 40_000
    items = list(read_articles(path, Settings(max_file_mb=0.03)))  # 31 KB: less than the file, more than a page
    articles = [i for i in items if not isinstance(i, Skipped)]
    assert [a.title for a in articles] == ["Page 1", "Page 2", "Page 3"]
    assert [(type(i), i.counts) for i in items if isinstance(i, Skipped)] == [(SkippedRecords, (("larger than 0.03 MB", 1),))]


@pytest.mark.parametrize("name, content, reason", [
    ("empty.warc.gz", b"", "empty file"),
    ("notes.warc", b"These are notes, not a web archive.\n" * 5, "broken WARC file at byte offset 0 (record 1): "
                                                                 "not a WARC record; "
                                                                 "the 0 records before it were read"),
])
def test_file_that_is_no_warc_is_reported(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    assert [(i.source, i.reason) for i in read_articles(path)] == [(str(path), reason)]


def test_warc_gzipped_as_a_whole_says_how_to_fix_it(tmp_path):
    plain = tmp_path / "plain.warc"
    write_warc(plain, [page(url=f"https://review.example.org/2023/0{n}/p/", title=f"Page {n}", author="Anna Petrosyan",
                            words=f"marker{n} page") for n in range(1, 4)], gzipped=False)
    whole = tmp_path / "whole.warc.gz"
    whole.write_bytes(gzip.compress(plain.read_bytes()))
    (broken,) = read_articles(whole)
    assert broken.source == str(whole)
    assert "gzipped as a whole, not record by record" in broken.reason and "warcio recompress" in broken.reason


def test_worker_processes_index_the_same_as_one_process(tmp_path, crawl, monkeypatch):
    """A big WARC is split into chunks of records read by worker processes: the result is the same."""
    path, _ = crawl
    alone = build_index([path], tmp_path / "one", Settings(index_workers=1))
    monkeypatch.setattr(workers, "PARALLEL_MIN_FILES", 2)
    monkeypatch.setattr(workers, "BATCH_FILES", 2)  # chunks of two pages: two chunks of the four here
    seen = []
    shared = build_index([path], tmp_path / "two", Settings(index_workers=2),
                         progress=lambda done, path, records=None: seen.append((done, records and records.records_done)))
    assert (shared.indexed, shared.skipped, shared.skipped_records) == (alone.indexed, alone.skipped, alone.skipped_records)
    assert seen == [(0, 7), (1, 12)]  # (files done, records done) after each chunk
    ids = lambda ix: sorted(h["id"] for h in search(ix, "", per_page=20)["hits"])  # noqa: E731
    assert ids(tmp_path / "one") == ids(tmp_path / "two") and len(ids(tmp_path / "one")) == 4


def test_extract_reads_the_first_page_of_a_warc(crawl):
    path, _ = crawl
    result = CliRunner().invoke(main, ["extract", str(path), "--json"], catch_exceptions=False)
    data = json.loads(result.output)
    assert (data["url"], data["fetched_at"], data["kind"]) == (ARMENIA, "2024-03-05T09:00:00Z", "warc")
    assert os.path.samefile(data["path"], path)


def _cut_in_half(data: bytes, offsets: list[int]) -> bytes:  # a copy that stopped in the third record
    return data[: (offsets[2] + offsets[3]) // 2]


def _garbled_member(data: bytes, offsets: list[int]) -> bytes:  # zeros written over the third gzip member
    middle = (offsets[2] + offsets[3]) // 2
    return data[:middle] + bytes(64) + data[middle + 64:]


def _text_between(data: bytes, offsets: list[int]) -> bytes:  # something that is not a record, before the third
    return data[: offsets[2]] + b"<html>a page pasted in by hand</html>\n" + data[offsets[2]:]


@pytest.mark.parametrize("gzipped, damage, detail", [
    (True, _cut_in_half, "the record is cut short"),
    (False, _cut_in_half, "the record is cut short"),
    (True, _garbled_member, "Invalid WARC record, first line: "),
    (True, _text_between, "Invalid WARC record, first line: <html>a page pasted in by hand</html>"),
    (False, _text_between, "Invalid WARC record, first line: <html>a page pasted in by hand</html>"),
])
def test_damaged_file_keeps_the_records_before_the_break(tmp_path, gzipped, damage, detail):
    path = tmp_path / ("crawl.warc.gz" if gzipped else "crawl.warc")
    pages = [page(url=f"https://review.example.org/2023/0{n}/p/", title=f"Page {n}", author="Anna Petrosyan",
                  words=f"marker{n} page") for n in range(1, 5)]
    offsets = write_warc(path, pages, gzipped=gzipped)
    path.write_bytes(damage(path.read_bytes(), offsets))
    items = list(read_articles(path))
    assert [i.title for i in items if not isinstance(i, Skipped)] == ["Page 1", "Page 2"]
    (broken,) = [i for i in items if isinstance(i, Skipped)]
    assert broken.reason.startswith(f"broken WARC file at byte offset {offsets[2]} (record 3): {detail}")
    assert broken.reason.endswith("; the 2 records before it were read") and broken.reason.isprintable()


POLISH = "Przewodniczący Sejmu ogłosił, że wybory odbędą się wcześniej, a żółć gęślą jaźń"
TURKISH = "Erdoğan, Şuşa'da Aliyev ile görüştü ve ateşkesi övdü; Ankara memnun"
RUSSIAN = "Пашинян заморозил участие Армении в ОДКБ и учениях блока"


# Detection alone reads the Polish and Turkish pages wrong (Latin-2 and Turkish code pages look
# like others), so these cases fail unless the declarations are honoured.
@pytest.mark.parametrize("content_type, meta, encoding, words", [
    ("text/html; charset=iso-8859-2", "", "iso8859_2", POLISH),  # the HTTP header says
    ("text/html; charset=ISO-8859-2", "<meta charset='utf-8'>", "iso8859_2", POLISH),  # ... and wins over the page
    ("text/html", "<meta charset='windows-1254'>", "cp1254", TURKISH),  # only the page says
    ("text/html; charset=no-such-charset", "<meta http-equiv='Content-Type' content='text/html; charset=windows-1254'>",
     "cp1254", TURKISH),  # a charset Python does not know is passed over
    ("text/html", "", "utf-8", RUSSIAN),  # nobody says
])
def test_payload_is_decoded_in_the_charset_it_was_sent_in(tmp_path, content_type, meta, encoding, words):
    path = tmp_path / "crawl.warc.gz"
    sent = Page(url=ARMENIA, title="Title", author="Anna Petrosyan", words=words, content_type=content_type)
    body = sent.html().replace("<head>", f"<head>{meta}").encode(encoding)
    write_warc(path, [lambda w: w.create_warc_record(
        ARMENIA, "response", payload=io.BytesIO(body), warc_headers_dict={"WARC-Date": sent.fetched},
        http_headers=StatusAndHeaders("200 OK", [("Content-Type", content_type)], protocol="HTTP/1.1"))])
    (article,) = read_articles(path)
    assert article.body.startswith(words + ". Diplomats")


def test_page_dated_relative_to_its_fetch(tmp_path):
    """A page that says "3 days ago" was published three days before the crawler fetched it; the
    fetch time itself stays the fetch time."""
    path = tmp_path / "crawl.warc.gz"
    fetched = Page(url=KAZAKH, title="A grain corridor through the Caspian", author="Dana Akhmetova",
                   words="Aktau terminal throughput doubled last season", fetched="2024-03-05T09:00:00Z")
    body = fetched.html().replace("</p><p>", "</p><p>3 days ago</p><p>", 1)
    write_warc(path, [lambda w: w.create_warc_record(
        KAZAKH, "response", payload=io.BytesIO(body.encode()), warc_headers_dict={"WARC-Date": fetched.fetched},
        http_headers=StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1"))])
    (article,) = read_articles(path)
    assert (article.date, article.fetched_at) == ("2024-03-02", "2024-03-05T09:00:00Z")
    assert dict(article.provenance)["date"] == "relative_date" and dict(article.provenance)["fetched_at"] == "record"
