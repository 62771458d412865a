"""Raw HTML pages: article body, metadata and reader comments.

The stages live in their own modules: `html_meta` (title, author, date, tags, outlet, URL),
`html_body` (main-content extraction), `html_junk` (chrome lines the extractors keep) and
`html_comments` (comment markup). This module parses the page once and runs them in order.
"""

from __future__ import annotations

import logging
import re
import warnings

from charset_normalizer import from_bytes
from lxml import etree, html as lxml_html

from search.ingest import bylines, outlets
from search.ingest.html_body import extract_body
from search.ingest.html_comments import extract_comments
from search.ingest.html_header import read_visible_header
from search.ingest.html_meta import (
    extract_author, extract_date, extract_description, extract_outlet, extract_tags, extract_title,
    extract_url, read_json_ld, site_keys, title_variants,
)
from search.ingest.parts import PageParts

logger = logging.getLogger(__name__)

# trafilatura and htmldate log every page they find hard (no main text, odd dates) at WARNING and
# ERROR; the ingest report already says "no article body found", so keep them to real failures.
for _name in ("trafilatura", "htmldate", "courlan"):
    logging.getLogger(_name).setLevel(logging.CRITICAL)

# libxml2 cuts HTML trees at 256 levels; a tree that gets near it has lost content (see parse_html).
PARSER_DEPTH_LIMIT = 250
# Every tag but paragraphs, headings and the document head: what the fallback parse keeps.
_NESTING_TAGS = re.compile(
    r"</?(?!(?:p|br|h[1-6]|html|head|body|title|meta|link|script|style|noscript)\b)[a-zA-Z][^>]*>"
)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
CHROME_MAX_CHARS = 200  # menus, footers and widget labels are short; longer text is prose
_PARSER = lxml_html.HTMLParser(remove_comments=True, remove_pis=True, collect_ids=False, huge_tree=True)


HtmlParts = PageParts  # the name tests and callers used before both paths shared one record


def parse_html(html: str) -> etree._Element | None:
    """Return the page's root element, or None for an empty or unparseable page.

    libxml2 stops at 256 levels of nesting and silently drops what lies deeper, so a page that
    reaches that depth (thousands of unclosed <div>s) is parsed again keeping only paragraph,
    heading and <head> tags: the text survives, only the layout is lost.
    """
    html = _XML_DECLARATION.sub("", html.replace("\x00", ""), count=1)
    if not html.strip():
        return None
    root = _parse(html)
    if root is not None and max_depth(root) >= PARSER_DEPTH_LIMIT:
        logger.debug("nesting too deep, parsing without container tags")
        root = _parse(_NESTING_TAGS.sub(" ", html))
    return root


def _parse(html: str) -> etree._Element | None:
    try:
        return lxml_html.document_fromstring(html, parser=_PARSER)
    except (etree.ParserError, ValueError, RecursionError) as err:
        logger.debug("unparseable page: %s", err)
        return None


def _decode(data: bytes) -> str:
    """Return the text of a page as bytes: UTF-8 if it is valid, else the detected encoding."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        best = from_bytes(data).best()
        return str(best) if best is not None else data.decode("latin-1")


def max_depth(root: etree._Element) -> int:
    """Return how many levels deep the tree goes (the root is level 1)."""
    deepest, stack = 0, [(root, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in node)
    return deepest


def _chrome_lines(root: etree._Element, body: list[str]) -> list[str]:
    """Return the page's short visible text pieces that are not part of the body (menus, footer)."""
    body_text = "\n".join(" ".join(line.split()) for line in body)
    lines = []
    for text in root.xpath("//body//text()[not(ancestor::script or ancestor::style or ancestor::noscript)]"):
        text = " ".join(str(text).split())
        if text and len(text) < CHROME_MAX_CHARS and text not in body_text:
            lines.append(text)
    return lines


def extract_html(html: str | bytes, url: str = "") -> HtmlParts:
    """Return the title, byline, date, tags, body, comments, outlet and canonical URL of a page.

    Never raises on bad input: an empty, broken or absurdly nested page gives empty parts.
    """
    try:
        with warnings.catch_warnings():
            # trafilatura, htmldate and dateparser warn about pages, not about our code.
            warnings.simplefilter("ignore")
            return _extract(html, url)
    except (RecursionError, ValueError, etree.LxmlError) as err:
        # lxml refuses some markup (control characters, recursion in its serialiser) deep inside
        # the extractors; the page is then as good as empty.
        logger.warning("cannot extract %s: %s", url or "page", err)
        return PageParts()


def _extract(html: str | bytes, url: str) -> HtmlParts:
    if isinstance(html, bytes):
        html = _decode(html)
    root = parse_html(html)
    if root is None:
        return PageParts()
    parts = PageParts()

    # 1. Structured metadata first: it names the site, which the title's suffix and the author
    #    check need, and gives the canonical URL the date and body steps can use.
    ld = read_json_ld(root)
    parts.url = extract_url(root, url)
    parts.outlet, outlet_origin = extract_outlet(root, ld, url or parts.url)
    if parts.outlet.islower() and " " not in parts.outlet:
        # "detroitnews": a slug, where the masthead spells "The Detroit News"
        parts.outlet = outlets.outlet_spelled_for_url(_chrome_lines(root, []), url or parts.url) or parts.outlet
    keys = site_keys(parts.outlet, url or parts.url)
    parts.title, title_origin = extract_title(root, ld, keys)
    byline, author_origin = extract_author(root, ld, keys)
    parts.tags = extract_tags(root, ld)
    parts.date, date_origin = extract_date(root, ld, url or parts.url, html)

    # 2. What a reader sees under the headline wins over structured data that disagrees: a
    #    site-wide author in the JSON-LD, a modified time in the meta tags.
    visible = read_visible_header(root, parts.title)
    if visible.byline and not (byline.people and not visible.byline.people):
        byline, author_origin = visible.byline, "byline"
    parts.byline = byline
    if visible.date and not (parts.date and parts.date[:7] == visible.date[:7] and len(parts.date) >= len(visible.date)):
        parts.date, date_origin = visible.date, "dateline"
    parts.age = visible.age
    parts.affiliation = visible.affiliation
    for name, origin in (("outlet", outlet_origin), ("title", title_origin), ("author", author_origin), ("date", date_origin)):
        if origin:
            parts.origin[name] = origin

    # 3. Comments come from their own markup; the body extractors are told to leave them out.
    parts.comments = extract_comments(root)

    # 4. The body, without the headline and standfirst extractors often repeat at the top.
    titles = (parts.title, *title_variants(root, ld, keys))
    parts.body = extract_body(root, url or parts.url, titles, extract_description(root))
    parts.chrome = _chrome_lines(root, parts.body)
    # A syndicated copy says where the text came from ("Source: Trend").
    for line in parts.chrome:
        if (source := bylines.read_source_line(line)):
            parts.source, parts.origin["source"] = source, "source_line"
            break
    return parts
