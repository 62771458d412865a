"""Reader comments from the comment markup of common blog and CMS engines.

WordPress themes (`ol.commentlist li.comment`, `.comment-body`, `.comment-content`), wpDiscuz
(`.wpd-comment`) and schema.org microdata (`itemprop="comment"`) all render each comment as one
element holding an author element and a text element. Disqus and other script widgets leave no
comments in the saved HTML, so a page using them simply has none.
"""

from __future__ import annotations

import re

from lxml import etree

from search.article import Comment


def _has_class(name: str) -> str:
    return f'contains(concat(" ", normalize-space(@class), " "), " {name} ")'


_AUTHORS = (
    f'.//*[{_has_class("fn")}]', './/cite', f'.//*[{_has_class("comment-author")}]',
    './/*[@itemprop="author" or @itemprop="creator"]', f'.//*[{_has_class("author")}]',
)
_TEXTS = (
    f'.//*[{_has_class("comment-content")}]', './/*[@itemprop="commentText"]', f'.//*[{_has_class("comment-text")}]',
)
# Parts of a comment element that are not its text: the header with name and date, the buttons.
_NOT_TEXT = re.compile(
    r"\b(?:comment-meta|commentmetadata|comment-metadata|comment-author|vcard|avatar|reply|comment-reply|says|date)\b"
)

# (container, author selectors, text selectors) per engine, most specific engine first; inside a
# container the first selector that matches wins, so the narrow ones come first.
COMMENT_SELECTORS = (
    (
        f'//*[{_has_class("wpd-comment")}]',
        (f'.//*[{_has_class("wpd-comment-author")}]',),
        (f'.//*[{_has_class("wpd-comment-text")}]',),
    ),
    (
        f'//li[{_has_class("comment")} or {_has_class("pingback")} or starts-with(@id, "comment-")]'
        f'[ancestor::*[{_has_class("commentlist")} or {_has_class("comment-list")} or @id="comments" or {_has_class("comments")}]]',
        _AUTHORS,
        (*_TEXTS, f'.//*[{_has_class("comment-body")}]', "."),
    ),
    (
        '//*[@itemprop="comment"]',
        ('.//*[@itemprop="author"]',),
        ('.//*[@itemprop="commentText" or @itemprop="text"]',),
    ),
    (
        f'//*[{_has_class("comment")}][.//*[{_has_class("comment-content")} or {_has_class("comment-text")}]]',
        _AUTHORS,
        _TEXTS,
    ),
)
# Widget text inside a comment's text element, not written by the commenter.
_CHROME = re.compile(r"^(?:reply|report|like|share|\d+ likes?|says:?|log in to reply|flag)$", re.IGNORECASE)
_SAYS = re.compile(r"\s+(?:says|said|wrote|писал|dice|dit|sagt)\s*:?\s*$", re.IGNORECASE)
MAX_AUTHOR_WORDS = 6


def _own(nodes: list[etree._Element], container: etree._Element, containers: set) -> list[etree._Element]:
    """Return the nodes whose nearest comment container is `container` (not a nested reply)."""
    own = []
    for node in nodes:
        if node is container:
            own.append(node)
            continue
        parent = node.getparent()
        while parent is not None and parent not in containers:
            parent = parent.getparent()
        if parent is container:
            own.append(node)
    return own


def _paragraphs(node: etree._Element, skip: set) -> str:
    """Return a comment's text, paragraphs on their own lines, without nested replies and widgets."""
    blocks: list[str] = []
    current: list[str] = []

    def flush():
        text = " ".join(" ".join(current).split())
        if text and not _CHROME.match(text):
            blocks.append(text)
        current.clear()

    def walk(el):
        if (
            el in skip or not isinstance(el.tag, str) or el.tag in ("script", "style", "form", "button", "footer")
            or _NOT_TEXT.search(el.get("class") or "")
        ):
            if el.tail:
                current.append(el.tail)
            return
        block = el.tag in ("p", "div", "br", "blockquote", "li", "ul", "ol")
        if block:
            flush()
        if el.text:
            current.append(el.text)
        for child in el:
            walk(child)
        if block:
            flush()
        if el.tail:
            current.append(el.tail)

    walk_root = node
    if walk_root.text:
        current.append(walk_root.text)
    for child in walk_root:
        walk(child)
    flush()
    return "\n".join(blocks)


def _first_own(container, xpaths, containers) -> etree._Element | None:
    for xpath in xpaths:
        nodes = _own(container.xpath(xpath), container, containers)
        if nodes:
            return nodes[0]
    return None


def extract_comments(tree: etree._Element) -> list[Comment]:
    """Return the page's reader comments in page order, with author names where the markup has them."""
    for container_xpath, author_xpaths, text_xpaths in COMMENT_SELECTORS:
        containers = tree.xpath(container_xpath)
        if not containers:
            continue
        members = set(containers)
        comments = []
        for container in containers:
            body = _first_own(container, text_xpaths, members)
            if body is None:
                continue
            name = _first_own(container, author_xpaths, members)
            author = _SAYS.sub("", " ".join(" ".join(name.itertext()).split())) if name is not None else ""
            if len(author.split()) > MAX_AUTHOR_WORDS:
                author = ""
            text = _paragraphs(body, members - {container})
            if text:
                comments.append(Comment(author, text))
        if comments:
            return comments
    return []
