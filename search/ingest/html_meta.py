"""Metadata of an HTML page: title, author, publication date, tags, outlet name and canonical URL.

Structured data wins over layout: JSON-LD and <meta> tags are what a publisher states about the
article; headings and bylines are read only when those are missing. A date is never guessed from
years that running text mentions.
"""

from __future__ import annotations

import copy
import json
import logging
import re
import warnings
from collections.abc import Iterator
from datetime import date
from urllib.parse import urljoin, urlparse

from htmldate import find_date
from lxml import etree

from search.ingest import bylines, dates, outlets
from search.ingest.bylines import Byline
from search.ingest.outlets import fold_name

logger = logging.getLogger(__name__)

ARTICLE_TYPES = {
    "article", "newsarticle", "blogposting", "reportagenewsarticle", "analysisnewsarticle",
    "opinionnewsarticle", "backgroundnewsarticle", "scholarlyarticle", "techarticle", "report",
    "liveblogposting", "webpage", "socialmediaposting", "posting",
}
# Separators between a headline and the site name in <title> and og:title ("Headline | Outlet").
_TITLE_SEPARATOR = re.compile(r"\s+[|\-–—·•»:]{1,2}\s+|:\s+")
_TITLE_SEPARATOR_KEPT = re.compile(rf"({_TITLE_SEPARATOR.pattern})")
SITE_PART_EXTRA_CHARS = 8  # "com", "news", "online" around a site name in a title part
SITE_PART_MAX_WORDS = 6  # "Kabar tentang Dunia Islam": a site-name part of a title is short
# Paragraphs longer than a dateline are prose; ones holding a <time> element are datelines.
DATELINE_MAX_WORDS = 15
_PROSE_XPATH = "//body//*[self::p or self::li or self::blockquote or self::td or self::dd][not(.//time)]"
_ISO_DATE = re.compile(r"^\s*((?:19|20)\d\d)(?:-(\d\d)(?:-(\d\d))?)?")


# --- reading the page ----------------------------------------------------------------------------

def _meta(tree: etree._Element, *keys: str) -> list[str]:
    """Return the non-empty contents of <meta> tags whose name, property or itemprop is in keys."""
    wanted = {k.lower() for k in keys}
    found = []
    for node in tree.iter("meta"):
        key = (node.get("property") or node.get("name") or node.get("itemprop") or "").strip().lower()
        content = (node.get("content") or "").strip()
        if key in wanted and content:
            found.append(content)
    return found


def _walk(data) -> Iterator[dict]:
    if isinstance(data, dict):
        yield data
        for value in data.values():
            if isinstance(value, (dict, list)):
                yield from _walk(value)
    elif isinstance(data, list):
        for item in data:
            yield from _walk(item)


def read_json_ld(tree: etree._Element) -> list[dict]:
    """Return every object of the page's JSON-LD blocks, nested ones included; bad JSON is skipped."""
    objects: list[dict] = []
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(script.text.strip().rstrip(";"), strict=False)
        except (ValueError, RecursionError):
            continue
        objects.extend(_walk(data))
    return objects


def _types(obj: dict) -> set[str]:
    kind = obj.get("@type", ())
    kinds = kind if isinstance(kind, list) else [kind]
    return {str(k).lower() for k in kinds}


def _articles(ld: list[dict]) -> list[dict]:
    """Return the JSON-LD objects that describe an article, articles first and web pages last."""
    found = [o for o in ld if _types(o) & ARTICLE_TYPES]
    return sorted(found, key=lambda o: "webpage" in _types(o))


def _names(value) -> list[str]:
    """Return the names in a JSON-LD person/organisation value (string, object or list)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        name = value.get("name")
        return _names(name) if name else []
    if isinstance(value, list):
        return [n for item in value for n in _names(item)]
    return []


def _text(node: etree._Element) -> str:
    return " ".join("".join(node.itertext()).split())


# --- outlet and URL ------------------------------------------------------------------------------

def extract_outlet(tree: etree._Element, ld: list[dict], url: str = "") -> tuple[str, str]:
    """Return the site's own name and where it is stated: og:site_name ("meta"), the JSON-LD
    publisher ("json_ld"), application-name ("meta"); taglines and handles are cut off."""
    for name in _meta(tree, "og:site_name"):
        if (cleaned := outlets.clean_site_name(name, url)):
            return cleaned, "meta"
    by_id = {o["@id"]: o for o in ld if isinstance(o.get("@id"), str) and "name" in o}
    for article in _articles(ld):
        publisher = article.get("publisher")
        if isinstance(publisher, dict) and "name" not in publisher and publisher.get("@id") in by_id:
            publisher = by_id[publisher["@id"]]
        names = _names(publisher)
        if names and (cleaned := outlets.clean_site_name(names[0], url)):
            return cleaned, "json_ld"
    for name in _meta(tree, "application-name"):
        if (cleaned := outlets.clean_site_name(name, url)):
            return cleaned, "meta"
    return "", ""


def extract_url(tree: etree._Element, url: str = "") -> str:
    """Return the page's canonical URL (link rel=canonical, then og:url), absolute, or ""."""
    candidates = [n.get("href") or "" for n in tree.iter("link") if (n.get("rel") or "").lower() == "canonical"]
    candidates += _meta(tree, "og:url")
    for candidate in candidates:
        candidate = urljoin(url, candidate.strip()) if url else candidate.strip()
        if urlparse(candidate).scheme in ("http", "https"):
            return candidate
    return ""


# --- title ---------------------------------------------------------------------------------------

def site_keys(outlet: str, url: str) -> set[str]:
    """Return folded spellings of the site's name: the outlet and the URL's domain ("nj", "njcom")."""
    keys = {fold_name(outlet)} if outlet else set()
    domain = outlets.domain_of(url)
    if domain:
        keys.add(fold_name(domain))
        labels = domain.split(".")
        keys.add(fold_name(labels[-3] if len(labels) > 2 and len(labels[-2]) <= 3 else labels[-2] if len(labels) > 1 else labels[0]))
    return {k for k in keys if len(k) >= 2}


def _is_site_part(part: str, keys: set[str]) -> bool:
    folded = fold_name(part)
    if not folded or len(part.split()) > SITE_PART_MAX_WORDS:
        return False
    # "TheHill.com" and "NJ.com" name the site as well as "The Hill" does; "IGN" names ign.com.
    return any(
        folded == k or (k in folded and len(folded) - len(k) <= SITE_PART_EXTRA_CHARS) or (len(folded) >= 3 and folded in k)
        for k in keys
    )


def strip_site_name(title: str, keys: set[str]) -> str:
    """Return a title without the site name before or after it ("Headline | Outlet" → "Headline")."""
    pieces = _TITLE_SEPARATOR_KEPT.split(title.strip())  # part, separator, part, ...
    while len(pieces) > 1 and _is_site_part(pieces[-1], keys):
        del pieces[-2:]
    while len(pieces) > 1 and _is_site_part(pieces[0], keys):
        del pieces[:2]
    return "".join(pieces).strip()


# The visible headline wins over og:title and the like when it shares this share of its words
# with one of them (they often shorten or rephrase it); a logo or section label in an <h1> shares none.
# Calibrated on extraction-dev: the headline matches on 86 of 91 pages from 0.2 to 0.5.
H1_AGREEMENT = 0.3
_WORD = re.compile(r"\w+")


def _agrees(h1: str, others: list[str], keys: set[str]) -> bool:
    """True when the <h1> shares enough words with one of the page's stated titles (or there is
    none); the site's own name is no evidence ("IGN Entertainment" and "Daily Deals - IGN")."""
    words = {w.casefold() for w in _WORD.findall(h1)}
    words = {w for w in words if not (len(w) >= 3 and any(w in key for key in keys))}
    if not others:
        return True
    return any(len(words & {w.casefold() for w in _WORD.findall(o)}) >= H1_AGREEMENT * len(words) for o in others)


def extract_title(tree: etree._Element, ld: list[dict], keys: set[str]) -> tuple[str, str]:
    """Return the headline and where it is stated: the visible <h1> ("h1") when it agrees with the
    page's stated titles, else og:title ("meta"), the JSON-LD headline ("json_ld") or <title>
    ("title_tag"), without the site name."""
    h1s = [_text(n) for n in tree.iter("h1")]
    title_tag = next((_text(n) for n in tree.iter("title")), "")
    stated = [("meta", t) for t in _meta(tree, "og:title", "twitter:title")]
    stated += [("json_ld", h) for a in _articles(ld) for h in _names(a.get("headline")) if h.strip()]
    stated += [("title_tag", title_tag)] if title_tag else []
    others = [" ".join(t.split()) for _, t in stated]
    for h1 in h1s:
        cleaned = strip_site_name(h1, keys)
        if len(cleaned.split()) >= 2 and not _is_site_part(cleaned, keys) and _agrees(cleaned, others, keys):
            return cleaned, "h1"
    h1 = next((h for h in h1s if len(h.split()) >= 2), "")
    for origin, candidate in stated:
        candidate = " ".join(candidate.split())
        # "Headline | Some Blog" where the h1 is the headline: trust the h1's split.
        if h1 and candidate != h1 and fold_name(h1) in {fold_name(p) for p in _TITLE_SEPARATOR.split(candidate)}:
            return h1, "h1"
        cleaned = strip_site_name(candidate, keys)
        if cleaned and not _is_site_part(cleaned, keys):
            return cleaned, origin
    return "", ""


def title_variants(tree: etree._Element, ld: list[dict], keys: set[str]) -> tuple[str, ...]:
    """Return every headline the page states (h1s, og/twitter titles, JSON-LD, <title>), cleaned."""
    found = [_text(n) for n in tree.iter("h1")]
    found += _meta(tree, "og:title", "twitter:title")
    found += [h for a in _articles(ld) for h in _names(a.get("headline"))]
    found += [_text(n) for n in tree.iter("title")]
    cleaned = [strip_site_name(" ".join(t.split()), keys) for t in found]
    return tuple(dict.fromkeys(t for t in cleaned if len(t.split()) >= 2))


def extract_description(tree: etree._Element) -> str:
    """Return the page's summary (og:description or meta description), or ""."""
    return next(iter(_meta(tree, "og:description", "description", "twitter:description")), "")


# --- author --------------------------------------------------------------------------------------

# Words that make an author field a desk rather than a person ("Jerusalem Post Staff", "Staff Reports").
_DESK_WORDS = {"staff", "desk", "wire", "wires", "newsroom", "reports", "bureau", "agency", "agencies", "editors", "team"}
_BYLINE_XPATH = (
    '(//*[@rel="author"] | //*[@itemprop="author"] | '
    '//*[contains(concat(" ", normalize-space(@class), " "), " byline ")] | '
    '//*[contains(concat(" ", normalize-space(@class), " "), " author ")] | '
    '//*[contains(concat(" ", normalize-space(@class), " "), " author-name ")])'
    # a commenter's name is not the article's author
    '[not(ancestor::*[contains(@class, "comment") or contains(@id, "comment")])]'
)


def _byline_from(names: list[str], keys: set[str]) -> Byline:
    """Return who author fields credit: the people they name, else an agency or organisation they
    name; URLs, e-mail addresses, desks ("Jerusalem Post Staff") and the site itself are nobody."""
    people: list[str] = []
    credit = ""
    for name in names:
        name = " ".join(name.split())
        if not name or "://" in name or "@" in name:
            continue
        name = re.sub(r"^(?:by|von|por|par|di|oleh)\s+", "", name.split(";")[0], flags=re.IGNORECASE)
        # "Finian Cunningham. Sputnik International": a full stop after a word ends the name.
        name = re.split(r"(?<=\w{3})\.\s+", name)[0]
        if _DESK_WORDS.intersection(name.casefold().split()):
            continue
        if fold_name(name) in keys:
            credit = credit or name  # "By LinkNaija" on linknaija.com: the site credits itself
            continue
        found = bylines.read_credit(name)
        people += [p for p in found.people if fold_name(p) not in keys]
        credit = credit or found.credit
    if people:
        return Byline(people=tuple(dict.fromkeys(people)))
    return Byline(credit=credit)


def extract_author(tree: etree._Element, ld: list[dict], keys: set[str]) -> tuple[Byline, str]:
    """Return who the article's structured data or byline markup credits, and where: JSON-LD
    ("json_ld"), author meta tags ("meta"), byline-classed elements ("byline")."""
    found = _byline_from([n for a in _articles(ld) for n in _names(a.get("author"))], keys)
    if found:
        return found, "json_ld"
    found = _byline_from(_meta(tree, "author", "article:author", "byl", "dc.creator", "sailthru.author", "parsely-author"), keys)
    if found:
        return found, "meta"
    for node in tree.xpath(_BYLINE_XPATH)[:10]:
        text = _text(node) if isinstance(node.tag, str) else ""
        if not text or len(text) > 200:
            continue
        found = bylines.read_byline(text) or (_byline_from([text], keys) if len(text.split()) <= 4 else Byline())
        if found:
            return found, "byline"
    return Byline(), ""


# --- date ----------------------------------------------------------------------------------------

def _iso_prefix(value: str) -> str | None:
    """Return an ISO date string at the precision it is written ("2022-05-25", "2022-05", "2022")."""
    match = _ISO_DATE.match(value)
    if not match:
        return None
    year, month, day = match.groups()
    try:
        date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        return None
    return "-".join(p for p in (year, month, day) if p)


def _without_prose(tree: etree._Element) -> etree._Element:
    """Return a copy of the page without its prose paragraphs, where dates are mentioned, not stated."""
    tree = copy.deepcopy(tree)
    for node in tree.xpath(_PROSE_XPATH):
        if len(_text(node).split()) > DATELINE_MAX_WORDS:
            node.drop_tree()
    return tree


def _htmldate(tree: etree._Element, url: str) -> str | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            # extensive_search=False and no prose: htmldate's last resort is any ISO date in the
            # page text, and a date the article mentions is not the date it was published.
            return find_date(_without_prose(tree), extensive_search=False, original_date=True, url=url or None)
        except (ValueError, TypeError, RecursionError, etree.LxmlError) as err:
            logger.debug("htmldate failed: %s", err)
            return None


def _states_first_day(iso: str, raw: str) -> bool:
    """True when the page writes the 1st of the month in `iso` out in full (not just "May 2022")."""
    year, month = iso[:4], int(iso[5:7])
    forms = [rf"{year}-{month:02d}-01", rf"{year}/{month:02d}/01", rf"\b0?1[./]0?{month}[./]{year}",
             rf"\b0?{month}/0?1/{year}", rf"\b1(?:st)?\s+\w+\.?,?\s+{year}", rf"\w+\.?\s+1(?:st)?,?\s+{year}"]
    return any(re.search(form, raw) for form in forms)


def extract_date(tree: etree._Element, ld: list[dict], url: str, raw: str) -> tuple[str | None, str]:
    """Return the publication date as precise as the page states it, and where it is stated.

    JSON-LD keeps its own precision ("json_ld"); htmldate reads meta tags, <time> elements,
    date-classed elements and full dates in the URL ("meta"); a partial URL date (/2022/05/)
    comes last ("url_path").
    """
    for article in _articles(ld):
        for key in ("datePublished", "dateCreated"):
            value = article.get(key)
            if isinstance(value, str) and (found := _iso_prefix(value)):
                return found, "json_ld"
    found = _htmldate(tree, url)
    if found and found.endswith("-01") and not _states_first_day(found, raw):
        # htmldate fills in the 1st for "May 2022"; keep the month the page states.
        found = found[:7]
    if found:
        return found, "meta"
    found = dates.date_from_url(url)
    return (found, "url_path") if found else (None, "")


# --- tags ----------------------------------------------------------------------------------------

_TAG_JUNK = re.compile(r"^[@#]|_|^\d+$")
MAX_TAGS = 30


def _split_tags(values: list[str]) -> list[str]:
    return [t.strip() for v in values for t in re.split(r"\s*[,;|]\s*", v) if t.strip()]


def extract_tags(tree: etree._Element, ld: list[dict]) -> tuple[str, ...]:
    """Return the article's tags: article:tag metas, then keywords metas, then JSON-LD keywords."""
    sources = [
        _meta(tree, "article:tag"),
        _meta(tree, "news_keywords", "keywords"),
        [k for a in _articles(ld) for k in (a.get("keywords") if isinstance(a.get("keywords"), list) else [a.get("keywords")]) if isinstance(k, str)],
    ]
    for values in sources:
        tags = [t for t in _split_tags(values) if not _TAG_JUNK.search(t) and len(t) <= 60]
        if tags:
            return tuple(dict.fromkeys(tags))[:MAX_TAGS]
    return ()
