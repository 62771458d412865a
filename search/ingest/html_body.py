"""Article body from a parsed HTML page: trafilatura twice, merged, then junk lines dropped.

Trafilatura's precision mode is the best single extractor on extraction-dev but drops headings and
short lines inside the article ("Who pays the cost of a tariff?", product names over a review);
its recall mode keeps them but also keeps galleries, teasers and promo boxes. So the precision run
decides where the article starts and ends, and a line the recall run has *between two precision
lines* is let in when it looks like article text. What both still keep of the page's chrome
(share and newsletter prompts, "Related:" teasers, copyright lines) is dropped line by line.
"""

from __future__ import annotations

import copy
import difflib
import re

import trafilatura
from lxml import etree

from search.ingest.html_junk import is_junk_line, strip_inline_junk

_WORD = re.compile(r"\w+")
# Lines the recall run adds inside the body are headings, list items and short asides; a long
# paragraph that precision mode left out is as often a teaser or caption block.
INSERT_MAX_WORDS = 40
# The head of an extracted body (first lines) is where the headline, standfirst and dateline are
# repeated; a near-copy of a title there (ratio of difflib) is the title in another wording.
HEAD_LINES = 3
HEAD_SIMILARITY = 0.8
HEAD_MAX_WORDS = 60  # headlines and standfirsts are short; no fuzzy match for paragraphs
_END_PUNCT = (".", "!", "?", "\"", "”", "’", "'", ")", "…", "。", "！", "？", "」", "؟")
_TRAFILATURA = dict(include_comments=False, include_tables=True, deduplicate=False, with_metadata=False)
# Embedded posts that trafilatura drops with their "social" wrapper, though they are quoted text.
_EMBED_XPATH = '//blockquote[contains(@class, "twitter-tweet") or contains(@class, "instagram-media")]'
_EMBED_WRAPPERS = {"div", "figure", "section", "aside", "span", "p"}
_EMBED_EXTRAS = {"script", "noscript", "style", "iframe"}
# Inside a paragraph, an inline box with a picture and several links is a hover card, not prose.
_HOVERCARD_XPATH = "//p//*[self::span or self::div][.//img][count(.//a) >= 2]"


def _norm(line: str) -> str:
    return " ".join(_WORD.findall(line)).casefold()


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if _WORD.search(line)]


def unwrap_embeds(tree: etree._Element) -> None:
    """Replace an embedded tweet's wrapper by a plain <blockquote>, so extractors keep its text."""
    for quote in tree.xpath(_EMBED_XPATH):
        node = quote
        parent = node.getparent()
        while (
            parent is not None and parent.tag in _EMBED_WRAPPERS and parent.getparent() is not None
            and all(child is node or child.tag in _EMBED_EXTRAS for child in parent)
            and not (parent.text or "").strip()
        ):
            node, parent = parent, parent.getparent()
        quote.attrib.clear()
        if node is not quote:
            quote.tail = node.tail
            parent.replace(node, quote)


def drop_hovercards(tree: etree._Element) -> None:
    """Remove pop-up cards hidden inside paragraphs (a person's photo and links to their stories).

    Style sheets hide them until the pointer hovers over a name, but their text sits in the middle
    of the sentence. Only the innermost card-like element goes; the name it explains stays.
    """
    cards = tree.xpath(_HOVERCARD_XPATH)
    found = set(cards)
    for card in cards:
        if any(inner in found for inner in card.iterdescendants()):
            continue
        card.drop_tree()  # keeps the text that follows the card


def _run_trafilatura(tree: etree._Element, url: str, **mode) -> list[str]:
    # trafilatura prunes the tree it is given; each run gets its own copy.
    text = trafilatura.extract(copy.deepcopy(tree), url=url or None, **_TRAFILATURA, **mode)
    return _lines(text)


def _contains_run(long: list[str], short: list[str]) -> bool:
    """True when `short` is `long` with some words left out (precision mode drops link text)."""
    it = iter(long)
    return all(word in it for word in short)


def merge_interior(base: list[str], extra: list[str]) -> list[str]:
    """Return `base` with the lines of `extra` that sit between two of its lines let in.

    Lines outside base's first and last line stay out: those are where page chrome lives. A base
    line that `extra` has in a longer form (a link's text put back) is taken in that form.
    """
    keys_b, keys_e = [_norm(x) for x in base], [_norm(x) for x in extra]
    seen = set(keys_b)
    merged: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, keys_b, keys_e, autojunk=False).get_opcodes():
        if tag == "equal" or tag == "delete":
            merged.extend(base[i1:i2])
            continue
        interior = i1 > 0 and i2 < len(base)
        if tag == "replace":
            if i2 - i1 == j2 - j1 == 1:
                short, long = keys_b[i1].split(), keys_e[j1].split()
                if len(long) > len(short) and len(long) - len(short) < len(long) / 3 and _contains_run(long, short):
                    merged.append(extra[j1])
                    continue
            merged.extend(base[i1:i2])
        if interior:
            for line, key in zip(extra[j1:j2], keys_e[j1:j2]):
                if key in seen or len(key.split()) > INSERT_MAX_WORDS or is_junk_line(line) or _shouting(line):
                    continue
                seen.add(key)
                merged.append(line)
    return merged


def _shouting(line: str) -> bool:
    """True for an all-capitals line: inside a body that is a teaser link ("SEE ALSO ...")."""
    letters = [c for c in line if c.isalpha()]
    return len(letters) >= 12 and all(c.isupper() for c in letters)


def _same(line: str, heads: set[str]) -> bool:
    """True when a line is one of `heads` or a near-copy of one (a title in other words)."""
    key = _norm(line)
    if key in heads:
        return True
    if len(key.split()) > HEAD_MAX_WORDS:
        return False
    for head in heads:
        matcher = difflib.SequenceMatcher(None, key, head)
        if matcher.real_quick_ratio() >= HEAD_SIMILARITY and matcher.ratio() >= HEAD_SIMILARITY:
            return True
    return False


def strip_head(lines: list[str], titles: set[str], dek: str) -> list[str]:
    """Drop the headline and standfirst that extractors repeat above the body.

    Anywhere in the body a line that *is* a title is dropped; near the top a near-copy is too
    (the <h1> and og:title often differ by a word), and so is an unpunctuated copy of the page
    description (the standfirst; a first paragraph that matches it keeps its full stop).
    """
    heads = {_norm(t) for t in titles if _norm(t)}
    # A description cut off with "..." was made from the first paragraph, which then is body text.
    dek_key = "" if dek.rstrip().endswith(("...", "…")) else _norm(dek)
    kept = []
    for i, line in enumerate(lines):
        near_top = i < HEAD_LINES and len(kept) < HEAD_LINES
        if _norm(line) in heads or (near_top and _same(line, heads)):
            continue
        if near_top and dek_key and not line.rstrip().endswith(_END_PUNCT) and _same(line, {dek_key}):
            continue
        kept.append(line)
    return kept


def extract_body(tree: etree._Element, url: str = "", titles: tuple[str, ...] = (), dek: str = "") -> list[str]:
    """Return the article paragraphs of a page in order, without its title and standfirst."""
    tree = copy.deepcopy(tree)
    unwrap_embeds(tree)
    drop_hovercards(tree)
    # 1. Two views of the page: precision mode bounds the article, recall mode fills its gaps.
    precise = strip_head(_run_trafilatura(tree, url, favor_precision=True), set(titles), dek)
    recall = strip_head(_run_trafilatura(tree, url, favor_recall=True), set(titles), dek)
    # 2. A short page can be too little for precision mode; recall mode's text is all there is.
    body = merge_interior(precise, recall) if precise else recall
    # 3. Chrome both modes keep.
    body = [strip_inline_junk(line) for line in body]
    return [line for line in body if line and not is_junk_line(line)]
