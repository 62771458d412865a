"""WARC files (what web crawlers write) → articles, read in two passes.

1. `scan_warc` streams a file once, reading only WARC and HTTP headers: it lists the HTML pages
   fetched with status 200 (offset, URL, WARC-Date), counts every other record by the reason it
   is left out (revisit, request, non-HTML, HTTP 404, truncated by the crawler, ...) and notes
   the byte offset where a damaged file breaks; the records before it stay usable.
2. `latest_fetches` keeps, for each URL, its latest fetch across all the files of a run.
3. `read_fetches` seeks to each kept record and makes an article of it through the HTML path,
   with the record's URL and its WARC-Date as the fetch time (never as the publication date).

Split this way, a multi-GB WARC is never held in memory, its pages are extracted by several
worker processes at once (a chunk of records each, see `chunk_fetches`), and duplicates are
decided before any page is extracted. Reading is warcio's: it handles gzip members, chunked
transfer encoding and compressed payloads; what it lets pass silently (a record cut short, a
gzip member without its end) is checked here.
"""

from __future__ import annotations

import codecs
import contextlib
import io
import logging
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from warcio.archiveiterator import ArchiveIterator
from warcio.utils import BUFF_SIZE

from search.article import Article
from search.config import Settings
from search.errors import IngestError
from search.ingest import Skipped, _article_from_html
from search.ingest.normalise import decode_bytes
from search.ingest.sources import declared_charset

logger = logging.getLogger(__name__)

HTML_TYPES = {"text/html", "application/xhtml+xml"}
OLDER_FETCH = "older fetch of the same URL"
# A .warc.gz must be gzipped record by record, as crawlers write it, for a reader to start at any
# record; one gzipped as a whole (`gzip crawl.warc`) could only be read from its start every time.
NOT_PER_RECORD = ("the file is gzipped as a whole, not record by record as crawlers write it; "
                  "`warcio recompress FILE NEW.warc.gz` (installed with Mosaic) rewrites it so that it can be read")
# A page without a Content-Type counts as HTML when its first bytes open an HTML document.
SNIFF_BYTES = 1024
_HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.IGNORECASE | re.DOTALL)
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.IGNORECASE)
MAX_DETAIL_CHARS = 120  # of warcio's error message in a report
SCAN_PROGRESS_RECORDS = 1000  # the scan reports progress every this many records
_WARC_TYPES = {"warcinfo", "response", "resource", "request", "metadata", "revisit", "conversion", "continuation"}


@dataclass(frozen=True)
class SkippedRecords(Skipped):
    """Records of a WARC file left out, counted by reason (`counts`), not listed one by one:
    a crawl holds as many requests, images and revisits as pages."""

    counts: tuple[tuple[str, int], ...] = ()


class WarcProgress(NamedTuple):
    """How far ingest is into one WARC file: in its first pass ("scan", headers only, when the
    number of records is not known yet) or its second ("read", pages made into articles)."""

    stage: str
    records_done: int
    records_total: int | None
    bytes_done: int
    bytes_total: int


@dataclass(frozen=True)
class Fetch:
    """An HTML page a WARC file holds, fetched with status 200: a candidate article."""

    offset: int  # where its record starts in the file (compressed bytes for .warc.gz)
    ordinal: int  # its record's number in the file, from 0
    url: str
    fetched_at: str  # WARC-Date as written


@dataclass
class WarcScan:
    """What the first pass found in one WARC file."""

    path: str
    size: int
    records: int = 0
    fetches: list[Fetch] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)
    broken: str = ""  # why the file stops being readable, and where; "" for a whole file

    def add(self, record: Fetch | str) -> None:
        """Count a whole record: a fetch to read, or the reason it is left out."""
        self.records += 1
        if isinstance(record, Fetch):
            self.fetches.append(record)
        else:
            self.skipped[record] += 1

    def notes(self) -> list[Skipped]:
        """Return what to report for the file: the skipped records, and the break if any."""
        notes: list[Skipped] = []
        if self.broken:
            notes.append(Skipped(self.path, self.broken))
        if self.skipped:
            notes.append(_skipped_records(self.path, self.skipped))
        return notes


@dataclass(frozen=True)
class WarcChunk:
    """Consecutive fetches of one WARC file to make into articles: a job for one worker. The
    last chunk of a file carries the file's `notes`; `records_done` and `bytes_done` say how far
    into the file the chunk ends, for progress."""

    path: str
    fetches: tuple[Fetch, ...]
    records_done: int
    bytes_done: int
    records_total: int
    bytes_total: int
    notes: tuple[Skipped, ...] = ()

    @property
    def progress(self) -> WarcProgress:
        return WarcProgress("read", self.records_done, self.records_total, self.bytes_done, self.bytes_total)


class _Broken(Exception):
    """Where a WARC file stops being readable (None: nowhere in particular), why, and whether
    the record before the break was found whole."""

    def __init__(self, offset: int | None, detail: str, last_whole: bool = False):
        super().__init__(detail)
        self.offset, self.detail, self.last_whole = offset, detail, last_whole


def scan_warc(path: str | Path, max_bytes: int, progress: Callable[[WarcProgress], None] | None = None) -> WarcScan:
    """Return the HTML pages of a WARC file and what else it holds, reading headers only;
    `progress` hears every SCAN_PROGRESS_RECORDS records."""
    path = str(path)
    try:
        size = os.path.getsize(path)
        stream = open(path, "rb")
    except OSError as exc:
        return WarcScan(path, 0, broken=f"cannot read file: {exc.strerror or exc}")
    scan = WarcScan(path, size)
    with stream:
        # A record counts once the next one has begun: only then is it known to be whole.
        pending: Fetch | str | None = None
        try:
            for offset, record in _records(stream, size):
                if pending is not None:
                    scan.add(pending)
                    if progress and scan.records % SCAN_PROGRESS_RECORDS == 0:
                        progress(WarcProgress("scan", scan.records, None, offset, size))
                headers = record.rec_headers
                pending = _reason_to_skip(record, max_bytes) or Fetch(
                    offset, scan.records, headers.get_header("WARC-Target-URI"), headers.get_header("WARC-Date") or "")
            if pending is not None:
                scan.add(pending)
        except _Broken as exc:
            if exc.last_whole and pending is not None:
                scan.add(pending)
            scan.broken = exc.detail if exc.offset is None else (
                f"broken WARC file at byte offset {exc.offset} (record {scan.records + 1}): {exc.detail}; "
                f"the {scan.records} records before it were read")
    if scan.records == 0 and not scan.broken:
        scan.broken = "empty file" if size == 0 else "no WARC records in file"
    return scan


def latest_fetches(scans: Iterable[WarcScan]) -> list[WarcScan]:
    """Keep one fetch per URL across `scans`: the latest by WARC-Date (the later in the input
    on a tie); the others are counted as skipped in their own file's scan."""
    scans = list(scans)
    latest: dict[str, tuple] = {}
    for n, scan in enumerate(scans):
        for fetch in scan.fetches:
            key = (_instant(fetch.fetched_at), n, fetch.offset)
            if fetch.url not in latest or key > latest[fetch.url]:
                latest[fetch.url] = key
    for n, scan in enumerate(scans):
        kept = [f for f in scan.fetches if latest[f.url][1:] == (n, f.offset)]
        if len(kept) < len(scan.fetches):
            scan.skipped[OLDER_FETCH] += len(scan.fetches) - len(kept)
        scan.fetches = kept
    return scans


def chunk_fetches(scan: WarcScan, max_records: int, max_bytes: int) -> list[WarcChunk]:
    """Split a file's fetches into chunks of at most `max_records` records and about
    `max_bytes` of the file; there is always at least one (it carries the notes)."""
    groups: list[list[Fetch]] = [[]]
    for fetch in scan.fetches:
        group = groups[-1]
        if group and (len(group) >= max_records or fetch.offset - group[0].offset > max_bytes):
            groups.append(group := [])
        group.append(fetch)
    chunks = []
    for n, group in enumerate(groups):
        last = n == len(groups) - 1
        after = None if last else groups[n + 1][0]
        chunks.append(WarcChunk(
            scan.path, tuple(group),
            records_done=scan.records if last else after.ordinal,
            bytes_done=scan.size if last else after.offset,
            records_total=scan.records, bytes_total=scan.size,
            notes=tuple(scan.notes()) if last else (),
        ))
    return chunks


def read_fetches(chunk: WarcChunk, settings: Settings) -> Iterator[Article | Skipped]:
    """Yield the articles of a chunk's fetches, then its pages that made none (counted by
    reason), then the file's notes when the chunk carries them."""
    max_bytes = int(settings.max_file_mb * 1024 * 1024)
    failed: Counter = Counter()
    if chunk.fetches:
        with open(chunk.path, "rb") as stream:
            for fetch in chunk.fetches:
                try:
                    yield _article_at(stream, fetch, chunk.path, max_bytes, settings)
                except IngestError as exc:
                    failed[exc.message] += 1
    if failed:
        yield _skipped_records(chunk.path, failed)
    yield from chunk.notes


def read_warc(path: str | Path, settings: Settings | None = None) -> Iterator[Article | Skipped]:
    """Yield every article of one WARC file (the latest fetch of each URL), then what was
    skipped: both passes in this process, for a file read on its own."""
    settings = settings or Settings()
    (scan,) = latest_fetches([scan_warc(path, int(settings.max_file_mb * 1024 * 1024))])
    for chunk in chunk_fetches(scan, max_records=len(scan.fetches) or 1, max_bytes=scan.size):
        yield from read_fetches(chunk, settings)


def _records(stream, size: int) -> Iterator[tuple[int, object]]:
    """Yield (offset, record) for each whole record; raise _Broken where the file stops being
    readable. The caller may read some of a record; the rest is read here, to check it is all
    there: warcio ends a record cut short without a word."""
    records = ArchiveIterator(stream)
    offset = records.offset
    while True:
        try:
            with _quiet():
                record = next(records)
        except StopIteration:
            break
        except Exception as exc:  # warcio fails on damaged input with many kinds of error
            raise _Broken(records.offset, _first_line(exc), last_whole=True) from exc
        offset = records.offset  # after next(), the offset of the record it returned
        if record.format != "warc":  # warcio reads ARC too, and takes many a text line for an ARC header
            raise _Broken(offset, "not a WARC record")
        if record.rec_type not in _WARC_TYPES or record.length is None:
            raise _Broken(offset, "record headers are damaged or cut short")
        yield offset, record
        try:
            with _quiet():
                while record.raw_stream.read(BUFF_SIZE):
                    pass
                records.read_to_end()
        except Exception as exc:
            raise _Broken(offset, _first_line(exc)) from exc
        decompressor = records.reader.decompressor if records.reader else None
        if decompressor is not None and records.next_line:  # the next record began in the same gzip member
            raise _Broken(None, NOT_PER_RECORD)
        if getattr(record.raw_stream, "limit", 0) > 0 or (decompressor is not None and not decompressor.eof):
            raise _Broken(offset, "the record is cut short")
        offset = records.offset  # where the next record starts
    if offset < size:
        raise _Broken(offset, "the data after the last whole record is not a WARC record", last_whole=True)


@contextlib.contextmanager
def _quiet():
    """Send what warcio prints on damaged input (it writes to stderr) to the log instead."""
    printed = io.StringIO()
    with contextlib.redirect_stderr(printed):
        yield
    if printed.getvalue().strip():
        logger.info("warcio: %s", printed.getvalue().strip())


def _first_line(exc: Exception) -> str:
    """Return an error's message on one line, printable (warcio quotes the bytes it could not
    read, binary ones too), and short."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    text = "".join(c if " " <= c <= "~" else "?" for c in text)  # a binary "line" as ?, not as Latin-1
    return text if len(text) <= MAX_DETAIL_CHARS else text[:MAX_DETAIL_CHARS] + "…"


def _reason_to_skip(record, max_bytes: int) -> str:
    """Return why a record cannot be an article, or "" for an HTML page fetched with status 200."""
    if record.rec_type != "response":
        return f"{record.rec_type} record"
    url = record.rec_headers.get_header("WARC-Target-URI") or ""
    if not url.startswith(("http://", "https://")) or record.http_headers is None:
        return "not an HTTP response"
    truncated = record.rec_headers.get_header("WARC-Truncated")
    if truncated:
        return f"truncated by the crawler ({truncated})"
    if record.rec_headers.get_header("WARC-Segment-Number"):
        return "segmented record"
    status = record.http_headers.get_statuscode()
    if status != "200":
        return f"HTTP {status}"
    media_type = _media_type(record.http_headers.get_header("Content-Type"))
    if media_type not in HTML_TYPES and not (media_type == "" and _looks_like_html(record)):
        return f"non-HTML ({media_type or 'no Content-Type'})"
    if record.length > max_bytes:
        return f"larger than {max_bytes / 1024 / 1024:.3g} MB"
    return ""


def _article_at(stream, fetch: Fetch, path: str, max_bytes: int, settings: Settings) -> Article:
    """Return the article of the record at `fetch.offset`; raise IngestError when it makes none."""
    stream.seek(fetch.offset)
    try:
        with _quiet():
            record = next(ArchiveIterator(stream))
            # content_stream undoes chunked transfer encoding and gzip/deflate/brotli content encoding.
            payload = record.content_stream().read(max_bytes + 1)
    except Exception as exc:  # the scan read this record whole; a file changed since is damaged now
        raise IngestError(f"record unreadable: {_first_line(exc)}") from exc
    if len(payload) > max_bytes:
        raise IngestError(f"larger than {max_bytes / 1024 / 1024:.3g} MB once decoded")
    text = decode_bytes(payload, _charset(record.http_headers.get_header("Content-Type"), payload))
    # The record states the URL and the fetch time, as a crawl export's record would (and a page
    # that says "3 days ago" is dated from the fetch time, search.ingest.metadata).
    given = {"url": fetch.url, "fetched_at": fetch.fetched_at}
    return _article_from_html(text, path=Path(path), kind="warc", url=fetch.url, given=given, key=fetch.url,
                              settings=settings)


def _charset(content_type: str | None, payload: bytes) -> str | None:
    """Return the charset the HTTP header states, else the page's <meta> one, if Python knows it;
    with neither, decode_bytes detects it."""
    match = _CHARSET.search(content_type or "")
    for name in (match.group(1) if match else None, declared_charset(payload)):
        if name:
            try:
                codecs.lookup(name)
                return name
            except LookupError:
                continue
    return None


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _looks_like_html(record) -> bool:
    return bool(_HTML_START.match(record.content_stream().read(SNIFF_BYTES)))


def _instant(warc_date: str) -> float:
    """Return a WARC-Date as seconds since the epoch, to compare dates written with and without
    fractions of a second; an unreadable one counts as the earliest."""
    try:
        return datetime.fromisoformat(warc_date).timestamp()
    except ValueError:
        return float("-inf")


def _skipped_records(path: str, counts: Counter) -> SkippedRecords:
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    summary = ", ".join(f"{n} {reason}" for reason, n in ordered)
    return SkippedRecords(path, f"records left out: {summary}", tuple(ordered))
