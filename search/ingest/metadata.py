"""An article's metadata, weighed field by field: what a record states, what the page says about
itself, what its URL says. Each value keeps where it came from, so an analyst can see why an
article sits under a date or an outlet.

Where a value came from (`provenance`):

- record: the JSONL record (or WARC header) states it
- url_map: the URL a sources.toml beside the file gives (for `url`)
- canonical_link: the page's own canonical link (for `url`)
- json_ld, meta: the HTML page's structured data (JSON-LD, <meta> tags)
- h1, headline: the headline on the page (HTML <h1>; the headline a dump's layout shows)
- title_tag: the HTML <title>
- body: no headline found; the title is the body's first line
- byline: a byline line or element ("By Jane Roe")
- dateline: a visible dateline ("Mar 2, 2020", "publiziert am 2. März 2020")
- relative_date: "2 years ago" on the page, counted back from the record's fetch time
- url_path: the date in the URL's path (/2022/05/25/)
- outlet_list: the URL's domain is a known outlet (search/data/outlets.toml)
- self_reference, masthead, page_domain: the page names itself ("Support X", "© 2021 X", its
  masthead line, the domain it prints)
- url_domain: nothing names the outlet; the URL's domain stands for it
- source_line: a syndicated copy's "Source: X" line

Ambiguous cases are left empty rather than guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from search.ingest import bylines, dates, outlets, self_names
from search.ingest.parts import PageParts

# Keys a record may use for each field, most common first.
RECORD_TITLE_KEYS = ("title", "headline")
RECORD_AUTHOR_KEYS = ("authors", "author", "byline", "creator")
RECORD_DATE_KEYS = ("date", "published", "published_at", "date_published", "datePublished", "publication_date", "pub_date")
RECORD_OUTLET_KEYS = ("outlet", "site_name", "publisher")
RECORD_FETCH_KEYS = ("fetched_at", "crawled_at", "fetch_time", "fetch_date", "crawl_date", "crawl_time",
                     "retrieved_at", "downloaded_at", "scraped_at", "warc_date")
TITLE_FALLBACK_CHARS = 120


@dataclass(frozen=True)
class Metadata:
    """The metadata fields of an Article, each with where it came from."""

    url: str
    title: str
    author: str
    authors: tuple[str, ...]
    date: str | None
    outlet: str
    source: str
    fetched_at: str | None
    provenance: tuple[tuple[str, str], ...]


def record_value(record: dict, keys: tuple[str, ...]) -> str:
    """Return the first non-empty text value a record gives under one of `keys`."""
    for key in keys:
        value = record.get(key)
        if isinstance(value, (str, int, float)) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()
    return ""


def record_byline(record: dict) -> bylines.Byline:
    """Return who a record credits: an `authors` list (names or {"name": ...} objects) or an author string."""
    for key in RECORD_AUTHOR_KEYS:
        value = record.get(key)
        if isinstance(value, list):
            names = [v.get("name", "") if isinstance(v, dict) else v for v in value]
            names = [" ".join(n.split()) for n in names if isinstance(n, str) and n.strip()]
            people = tuple(bylines.normalise_name(n) for n in names if not bylines.is_agency(n))
            credit = next((n for n in names if bylines.is_agency(n)), "")
            if people or credit:
                return bylines.Byline(people=tuple(dict.fromkeys(people)), credit=credit if not people else "")
        elif isinstance(value, dict) and isinstance(value.get("name"), str):
            return bylines.read_author_field(value["name"])
        elif isinstance(value, str) and value.strip():
            return bylines.read_author_field(value)
    return bylines.Byline()


def record_fetch_time(record: dict) -> str | None:
    """Return when a crawler fetched the page, as the record states it (never a publication date)."""
    for key in RECORD_FETCH_KEYS:
        if key in record:
            found = dates.normalise_timestamp(record[key])
            if found:
                return found
    return None


def resolve_metadata(parts: PageParts, record: dict, url: str, url_origin: str) -> Metadata:
    """Return the article's metadata: the record's statements first, then the page's, then its URL's."""
    origin: dict[str, str] = {}
    if url:
        origin["url"] = url_origin
    elif parts.url:
        url, origin["url"] = parts.url, "canonical_link"

    # Title: the record's, the page's headline, or (no headline) the body's first line.
    title = record_value(record, RECORD_TITLE_KEYS)
    if title:
        origin["title"] = "record"
    elif parts.title:
        title, origin["title"] = parts.title, parts.origin.get("title", "headline")
    else:
        title = parts.body[0][:TITLE_FALLBACK_CHARS] if parts.body else ""
        origin["title"] = "body"

    # Authors: people, one facet value each; an agency or the site is shown, never a person.
    byline = record_byline(record)
    if byline:
        origin["author"] = "record"
    elif parts.byline:
        byline, origin["author"] = parts.byline, parts.origin.get("author", "byline")

    # Dates: the record's, the page's own (published before updated), a relative date against the
    # fetch time, then the URL's. The fetch time itself is never a publication date.
    fetched_at = record_fetch_time(record)
    if fetched_at:
        origin["fetched_at"] = "record"
    date = None
    raw_date = record_value(record, RECORD_DATE_KEYS)
    if raw_date and (date := dates.normalise_date(raw_date)):
        origin["date"] = "record"
    elif parts.date:
        date, origin["date"] = parts.date, parts.origin.get("date", "dateline")
    elif parts.age is not None and fetched_at and (date := dates.date_before(fetched_at, parts.age)):
        origin["date"] = "relative_date"
    elif url and (date := dates.date_from_url(url)):
        origin["date"] = "url_path"

    outlet, outlet_origin = _resolve_outlet(parts, record, url)
    if outlet:
        origin["outlet"] = outlet_origin

    # A syndicated copy names its source; an agency's byline names it too.
    source = parts.source or (byline.credit if byline.credit and bylines.is_agency(byline.credit) else "")
    if source and outlets.fold_name(source) == outlets.fold_name(outlet):
        source = ""  # the outlet's own wire story, not a copy
    if source:
        origin["source"] = parts.origin.get("source", "byline")

    return Metadata(
        url=url, title=title, author=byline.display, authors=byline.people, date=date, outlet=outlet,
        source=source, fetched_at=fetched_at, provenance=tuple(origin.items()),
    )


def _resolve_outlet(parts: PageParts, record: dict, url: str) -> tuple[str, str]:
    """Return the outlet and where it came from: the record, a known domain, the page's site name,
    the page's self-references (with a URL: only those that spell its domain), the domain."""
    given = record_value(record, RECORD_OUTLET_KEYS)
    if given:
        return outlets.canonical_outlet(given), "record"
    if url and (known := outlets.outlet_for_url(url)):
        return known, "outlet_list"
    if parts.outlet:
        return outlets.canonical_outlet(parts.outlet), parts.origin.get("outlet", "meta")
    if url and (spelled := outlets.outlet_spelled_for_url(parts.chrome, url)):
        return outlets.canonical_outlet(spelled), "masthead"
    # The headline may end with the site's name, or the page prints its <title> ("Headline – Site").
    echo = next((line for line in parts.chrome if parts.title and line != parts.title and line.startswith(parts.title)), "")
    claims = tuple(dict.fromkeys(c for c in (parts.affiliation, self_names.site_after_title(parts.title),
                                             self_names.site_after_title(echo)) if c))
    named, how = self_names.outlet_from_page(parts.chrome, url, claims)
    if named and url and how == "page_domain":
        return outlets.domain_of(url), how  # the page prints its own domain: the URL's, without a subdomain
    if named:
        return named, how
    if not url and (known := outlets.outlet_named_in(parts.chrome)) and not bylines.is_agency(known):
        return known, "masthead"  # an agency's name alone on a line credits a story or a photo
    if url:
        return outlets.domain_of(url), "url_domain"
    return "", ""


# --- tags ----------------------------------------------------------------------------------------

_TAG_PREFIX = re.compile(r"^(?:tags?|topics?|keywords?|filed under)\s*:\s*", re.IGNORECASE)


def has_tag_prefix(line: str) -> bool:
    return _TAG_PREFIX.match(line) is not None


@lru_cache(maxsize=16_384)
def tags_from_line(line: str) -> tuple[str, ...]:
    """Return the tags of a tag line ("Tags: a, b" or "Azeri, Nagorno-Karabakh, NATO"), else ()."""
    prefixed = _TAG_PREFIX.match(line)
    body = line[prefixed.end():] if prefixed else line
    if len(body) > 300 or re.search(r"[.!?;:]$|[.!?]\s", body):
        return ()
    items = [item.strip() for item in re.split(r"\s*[,|·•]\s*", body) if item.strip()]
    if not prefixed and len(items) < 3:
        return ()
    if not items or any(len(item.split()) > 4 for item in items):
        return ()
    if not prefixed and not all(item[:1].isupper() or item[:1].isdigit() for item in items):
        return ()
    return tuple(dict.fromkeys(items))
