"""Ingestion: files on disk → `Article` records.

`read_article(path)` runs the stages in order: read and decode the bytes, normalise the text,
split the page into title, byline, body and comments, fill in metadata from the page and its
source URL, then find the political actors the body is about.
"""

from __future__ import annotations

import hashlib
import logging
import tomllib
from collections.abc import Iterable, Iterator
from pathlib import Path

from search.article import ActorMention, Article
from search.config import Settings
from search.errors import IngestError
from search.ingest import metadata
from search.ingest.actors import load_gazetteer
from search.ingest.dump import extract_dump
from search.ingest.normalise import decode_bytes, normalise_text

logger = logging.getLogger(__name__)

# Input kinds by file suffix; everything else under an indexed folder is ignored, not skipped.
SUFFIX_KINDS = {".txt": "dump"}
SOURCES_FILE = "sources.toml"
# Fewer words than this is a menu, an error page or a stub, not an article.
MIN_BODY_WORDS = 12


def iter_input_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Yield the supported files under `paths` (files as given, folders recursively), sorted."""
    for path in paths:
        path = Path(path)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIX_KINDS)
        else:
            yield path


def source_url(path: Path) -> str:
    """Return the original URL recorded for `path` in a sources.toml beside it, or ""."""
    manifest = path.parent / SOURCES_FILE
    if not manifest.is_file():
        return ""
    try:
        urls = tomllib.loads(manifest.read_text(encoding="utf-8")).get("urls", {})
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        logger.warning("ignoring unreadable %s: %s", manifest, exc)
        return ""
    return urls.get(path.name, "")


def article_id(url: str, path: Path) -> str:
    """Return a short stable id: from the URL when known, else from the file's path."""
    key = url or str(path.resolve())
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def read_article(path: str | Path, settings: Settings | None = None) -> Article:
    """Return the article in one file; raise IngestError with the reason when it cannot be read."""
    settings = settings or Settings()
    path = Path(path)
    kind = SUFFIX_KINDS.get(path.suffix.lower())
    if kind is None:
        raise IngestError(f"unsupported file type {path.suffix or '(none)'!r}", hint="supported: " + ", ".join(SUFFIX_KINDS))
    try:
        size = path.stat().st_size
        if size > settings.max_file_mb * 1024 * 1024:
            raise IngestError(f"file too large ({size / 1024 / 1024:.1f} MB > {settings.max_file_mb:g} MB)")
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(f"cannot read file: {exc.strerror or exc}") from exc

    # 1. Bytes to clean text.
    text = normalise_text(decode_bytes(data))
    if not text.strip():
        raise IngestError("no text in file")

    # 2. Layout: title, byline, body, comments.
    parts = extract_dump(text)
    if sum(len(p.split()) for p in parts.body) < MIN_BODY_WORDS:
        raise IngestError("no article body found")

    # 3. Metadata: the page's own statements first, then what its source URL says.
    url = source_url(path)
    outlet = (metadata.outlet_for_url(url) if url else "") or metadata.outlet_named_in(parts.chrome)
    if not outlet and url:
        outlet = metadata.domain_of(url)
    date = parts.date or (metadata.date_from_url(url) if url else None)
    title = parts.title or parts.body[0][:120]
    body = "\n\n".join(parts.body)

    # 4. Actors: counted in the body and, separately, in the comments.
    gazetteer = load_gazetteer(settings.actors_file)
    body_counts = gazetteer.count_mentions(title + "\n\n" + body)
    comment_counts = gazetteer.count_mentions("\n\n".join(c.text for c in parts.comments))
    mentions = tuple(
        ActorMention(name, gazetteer.actors[name].type, body_counts.get(name, 0), comment_counts.get(name, 0))
        for name in sorted(set(body_counts) | set(comment_counts), key=lambda n: (-body_counts.get(n, 0), -comment_counts.get(n, 0), n))
    )
    actors = tuple(m.name for m in mentions if m.body_count >= settings.actor_min_mentions)

    return Article(
        id=article_id(url, path),
        path=str(path),
        url=url,
        title=title,
        author=parts.author,
        outlet=outlet,
        date=date,
        tags=parts.tags,
        actors=actors,
        body=body,
        comments=tuple(parts.comments),
        actor_mentions=mentions,
        kind=kind,
    )
