"""Split a page's comment section into comments with their authors."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from search.article import Comment
from search.ingest import patterns

if TYPE_CHECKING:
    from search.ingest.dump import Line

# A commenter's name line: one to four words, no sentence punctuation, no link.
_NAME_LINE = re.compile(r"[\w][\w.'’_-]*(?: [\w][\w.'’_-]*){0,3}")
_NAME_MAX_CHARS = 40
# WordPress and many themes head each comment with "<name> says:" (or the local equivalent).
_SAYS_LINE = re.compile(
    r"(?P<name>\S.{0,39}?)\s+(?:says|said|wrote|dice|disse|escreveu|schreibt|scrive|écrit|berkata|пишет|говорит)\s*:?",
    re.IGNORECASE,
)


def says_author(text: str) -> str:
    """Return the commenter a "<name> says:" line names, or ""."""
    match = _SAYS_LINE.fullmatch(text)
    return match.group("name") if match else ""


def is_name_line(text: str) -> bool:
    if len(text) > _NAME_MAX_CHARS or not _NAME_LINE.fullmatch(text) or text.endswith("."):
        return False
    if "http" in text or "www." in text or text.isdigit() or patterns.is_comment_chrome(text):
        return False
    return any(ch.isalpha() for ch in text)


def split_comments(lines: list["Line"]) -> list[Comment]:
    """Return the comments in a comment section (its lines from the opening marker on).

    A new comment starts at a "<name> says:" line, at a commenter's name line followed by text in
    the same group, or after
    a double blank line (copied pages separate comments by one, paragraphs within one by a single
    blank). Widget chrome (sort order, reply links, forms) is dropped.
    """
    kept = [line for line in lines if not (patterns.is_comment_chrome(line.text) or patterns.is_comment_start(line.text))]
    comments: list[Comment] = []
    author, paragraphs = "", []

    def close():
        nonlocal author, paragraphs
        if paragraphs:
            comments.append(Comment(author, "\n\n".join(paragraphs)))
        author, paragraphs = "", []

    for i, line in enumerate(kept):
        following = kept[i + 1] if i + 1 < len(kept) else None
        if says_author(line.text):
            close()
            author = says_author(line.text)
            continue
        if is_name_line(line.text) and following is not None and following.gap < 2 and not is_name_line(following.text):
            close()
            author = line.text
            continue
        if line.gap >= 2 and paragraphs:
            close()
        paragraphs.append(line.text)
    close()
    return comments
