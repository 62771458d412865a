"""The visible header of an HTML article: the lines a reader sees around the headline.

Publishers' structured data is often wrong or missing (a site-wide author, a modified time, no
author at all), while the byline and dateline under the headline are what a reader goes by. This
renders the part of the page around the <h1> as text lines, the way a page dump shows it, and
reads the byline and dateline there with the same helpers (search/ingest/header.py) as dumps.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

from lxml import etree

from search.ingest.bylines import Byline
from search.ingest.dump_features import is_prose_text, word_count
from search.ingest.header import Line, find_affiliation, find_byline, find_date

# How much of the page around the headline is read: the headline's ancestors are climbed until
# one holds this much text (the header and the first paragraphs), at most HEADER_LEVELS up.
HEADER_CHARS = 2500
HEADER_LEVELS = 6
_BLOCK = frozenset("""address article aside blockquote body caption center dd details dialog dir div dl dt
fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr li main menu nav ol p pre section
summary table tbody tfoot thead tr ul time""".split())
_SKIP = frozenset("""head script style noscript template svg math canvas iframe object embed video audio
picture source track map select datalist option optgroup textarea button""".split())
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)


@dataclass
class VisibleHeader:
    """What the lines around the headline say: the byline, the date, or how long ago it was published."""

    byline: Byline = field(default_factory=Byline)
    date: str | None = None
    age: timedelta | None = None
    affiliation: str = ""


def render_lines(node: etree._Element) -> list[Line]:
    """Return the visible text of `node` as lines: one per block element or <br>, as a dump shows it."""
    out: list[str] = []
    buffer: list[str] = []

    def flush() -> None:
        text = " ".join("".join(buffer).split())
        buffer.clear()
        if text:
            out.append(text)

    def walk(element: etree._Element, depth: int) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        if not tag or tag in _SKIP or depth > 200 or element.get("hidden") is not None or _HIDDEN.search(element.get("style") or ""):
            return
        block = tag in _BLOCK
        if block or tag == "br":
            flush()
        if element.text:
            buffer.append(element.text)
        for child in element:
            walk(child, depth + 1)
            if child.tail:
                buffer.append(child.tail)
        if block:
            flush()

    walk(node, 0)
    flush()
    return [Line(text, 1) for text in out]


def _headline_node(root: etree._Element, title: str) -> etree._Element | None:
    """Return the <h1> that shows the headline (the first one when none matches it exactly)."""
    h1s = [n for n in root.iter("h1")]
    folded = " ".join(title.split()).casefold()
    for node in h1s:
        if " ".join(node.text_content().split()).casefold() == folded:
            return node
    return next((n for n in h1s if len(n.text_content().split()) >= 2), None)


def read_visible_header(root: etree._Element, title: str) -> VisibleHeader:
    """Return the byline and date shown around the page's headline (empty when it has no <h1>)."""
    node = _headline_node(root, title)
    if node is None:
        return VisibleHeader()
    headline = " ".join(node.text_content().split())
    container = node
    for _ in range(HEADER_LEVELS):
        parent = container.getparent()
        if parent is None or parent.tag in ("body", "html"):
            break
        container = parent
        if len(container.text_content()) >= HEADER_CHARS:
            break
    lines = render_lines(container)
    title_at = next((i for i, line in enumerate(lines) if line.text == headline), None)
    if title_at is None:
        return VisibleHeader()
    begin = next((i for i in range(title_at + 1, len(lines)) if is_prose_text(lines[i].text, word_count(lines[i].text))), len(lines))
    byline, byline_at = find_byline(lines, title_at, begin)
    header_end = max(title_at, byline_at if byline_at is not None else -1)
    date, age = find_date(lines, title_at, begin, header_end)
    affiliation = find_affiliation(lines, byline, byline_at, title_at, begin)
    return VisibleHeader(byline=byline, date=date, age=age, affiliation=affiliation)
