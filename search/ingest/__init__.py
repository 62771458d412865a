"""Ingestion: files on disk → `Article` records.

`read_articles(path)` runs the stages in order for each article a file holds: read the bytes
(gunzipped, size-checked), decode and normalise the text, split the page into title, byline,
body and comments (by layout for page dumps, by markup for HTML), fill in metadata from the page,
the record and the source URL, then find the political actors the body is about.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from search.article import ActorMention, Article
from search.config import Settings
from search.errors import IngestError
from search.ingest import metadata
from search.ingest.actors import load_gazetteer, tokens_of
from search.ingest.dump import extract_dump
from search.ingest.fingerprint import body_sketch
from search.ingest.normalise import decode_bytes, normalise_field, normalise_text, safe_url
from search.ingest.parts import PageParts
from search.ingest.sources import declared_charset, input_kind, iter_input_files, read_bytes, source_url

__all__ = ["Skipped", "iter_input_files", "read_article", "read_articles"]

logger = logging.getLogger(__name__)

# Fewer words than this is a menu, an error page or a stub, not an article.
MIN_BODY_WORDS = 12
# Values a JSONL record may give (metadata.py lists the keys for each field) win over extracted ones.


@dataclass(frozen=True)
class Skipped:
    """An input that could not become an article: `source` is a path, or path:line for JSONL."""

    source: str
    reason: str


def read_article(path: str | Path, settings: Settings | None = None) -> Article:
    """Return the (first) article in one file; raise IngestError with the reason when there is none."""
    for item in read_articles(path, settings):
        if isinstance(item, Skipped):
            raise IngestError(item.reason)
        return item
    raise IngestError("no records in file")


def read_articles(path: str | Path, settings: Settings | None = None) -> Iterator[Article | Skipped]:
    """Yield every article in a file, or a Skipped with the reason for what cannot be read."""
    try:
        yield from _read_articles(path, settings or Settings())
    except Exception as exc:  # a pathological input (or a bug it finds) costs one file, never the run
        logger.warning("reading %s failed", path, exc_info=True)
        yield Skipped(str(path), f"could not be read ({type(exc).__name__}: {str(exc)[:200]})")


def _read_articles(path: str | Path, settings: Settings) -> Iterator[Article | Skipped]:
    path = Path(path)
    kind = input_kind(path)
    if kind == "warc":  # read record by record: the size limit is per record, not per file
        from search.ingest.warc import read_warc

        yield from read_warc(path, settings)
        return
    try:
        if kind is None:
            raise IngestError(f"unsupported file type {''.join(path.suffixes) or '(none)'!r}")
        data = read_bytes(path, int(settings.max_file_mb * 1024 * 1024))
    except IngestError as exc:
        yield Skipped(str(path), exc.message)
        return
    if kind == "jsonl":
        yield from _read_jsonl(path, data, settings)
        return
    try:
        url = source_url(path)
        if kind == "html":
            text = decode_bytes(data, declared_charset(data))
            yield _article_from_html(text, path=path, kind=kind, url=url, given={}, key=url, settings=settings)
        else:
            text = decode_bytes(data)
            yield _article_from_dump(text, path=path, kind=kind, url=url, given={}, key=url, settings=settings)
    except IngestError as exc:
        yield Skipped(str(path), exc.message)


def _read_jsonl(path: Path, data: bytes, settings: Settings) -> Iterator[Article | Skipped]:
    try:
        text = decode_bytes(data)
    except IngestError as exc:
        yield Skipped(str(path), exc.message)
        return
    for line_no, line in enumerate(text.split("\n"), start=1):  # split("\n"): JSON strings may hold U+2028
        if not line.strip():
            continue
        source = f"{path}:{line_no}"
        try:
            try:
                record = json.loads(line)
            except RecursionError:
                raise IngestError("record is nested too deeply to read") from None
            if not isinstance(record, dict):
                raise IngestError("record is not a JSON object")
            url = metadata.record_value(record, ("url",))
            key = url or source
            if isinstance(record.get("html"), str) and record["html"].strip():
                yield _article_from_html(record["html"], path=path, kind="jsonl", url=url, given=record, key=key, settings=settings)
            elif isinstance(record.get("text"), str) and record["text"].strip():
                yield _article_from_dump(record["text"], path=path, kind="jsonl", url=url, given=record, key=key, settings=settings)
            else:
                raise IngestError("record has neither 'text' nor 'html'")
        except json.JSONDecodeError as exc:
            yield Skipped(source, f"invalid JSON: {exc.msg} at column {exc.colno}")
        except IngestError as exc:
            yield Skipped(source, exc.message)


def _article_from_dump(text: str, **context) -> Article:
    text = normalise_text(text)
    if not text.strip():
        raise IngestError("no text in file")
    parts = extract_dump(text)
    return _build_article(parts, **context)


def _article_from_html(html: str, **context) -> Article:
    from search.ingest.html import extract_html  # lxml and trafilatura load only when HTML is read

    parts = extract_html(html, url=context["url"])
    parts.body = [normalise_text(p) for p in parts.body if p.strip()]
    return _build_article(parts, **context)


def _build_article(parts: PageParts, *, path: Path, kind: str, url: str, given: dict, key: str,
                   settings: Settings) -> Article:
    if sum(len(p.split()) for p in parts.body) < MIN_BODY_WORDS:
        raise IngestError("no article body found")
    # Only http(s) URLs are kept: a javascript: or data: "original" must never become a link.
    url = safe_url(url)
    if given.get("url") is not None and not safe_url(str(given["url"])):
        given = {k: v for k, v in given.items() if k != "url"}
    # Metadata: what a record states wins, then the page's own statements, then its URL; each
    # value keeps where it came from.
    meta = metadata.resolve_metadata(parts, given, url, "record" if "url" in given else "url_map")
    body = "\n\n".join(parts.body)
    title = meta.title

    # Actors: counted in the title and body and, separately, in the comments.
    gazetteer = load_gazetteer(settings.actors_file)
    # One split into tokens serves the actors and the body's fingerprint: tokens never span the
    # blank line, so the body's own are those after the title's.
    title_tokens, body_tokens = tokens_of(title), tokens_of(body)
    body_counts = gazetteer.count_mentions(title + "\n\n" + body, title_tokens + body_tokens)
    comment_counts = gazetteer.count_mentions("\n\n".join(c.text for c in parts.comments))
    names = sorted(set(body_counts) | set(comment_counts), key=lambda n: (-body_counts.get(n, 0), -comment_counts.get(n, 0), n))
    mentions = tuple(ActorMention(n, gazetteer.actors[n].type, body_counts.get(n, 0), comment_counts.get(n, 0)) for n in names)
    actors = tuple(m.name for m in mentions if m.body_count >= settings.actor_min_mentions)

    return Article(
        id=hashlib.sha1((key or str(path.resolve())).encode("utf-8")).hexdigest()[:16],
        path=str(path),
        # Values a record gave, or a page's chrome, get the same normalisation as page text.
        url=safe_url(meta.url),
        title=normalise_field(title),
        author=normalise_field(meta.author),
        authors=tuple(filter(None, map(normalise_field, meta.authors))),
        outlet=normalise_field(meta.outlet),
        date=meta.date,
        tags=tuple(filter(None, map(normalise_field, parts.tags))),
        actors=actors,
        body=body,
        comments=tuple(parts.comments),
        actor_mentions=mentions,
        kind=kind,
        fingerprint=body_sketch(body, body_tokens),
        fetched_at=meta.fetched_at,
        source=normalise_field(meta.source),
        provenance=meta.provenance,
    )

