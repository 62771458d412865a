"""Split a page's comment section into comments with their authors."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from search.article import Comment
from search.ingest import patterns

if TYPE_CHECKING:
    from search.ingest.header import Line

# A commenter's name line: one to four words, no sentence punctuation, no link.
_NAME_LINE = re.compile(r"[\w][\w.'’_-]*(?: [\w][\w.'’_-]*){0,3}")
_NAME_MAX_CHARS = 40
# A comment section is over at a run of this many widget or menu lines (the page footer), a menu
# line being at most FOOTER_LABEL_WORDS words with no sentence punctuation.
FOOTER_RUN = 4
MIN_COMMENT_META = 2
FOOTER_LABEL_WORDS = 5
_SENTENCE_END = re.compile(r"[.!?…。！？:)\"”’]$")
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


def find_section_end(lines: list["Line"], start: int) -> int:
    """Return where a comment section that opens at `start` ends: at the first run of
    FOOTER_RUN lines of widget chrome or menu-like labels and link lists after its first comment
    text, or at the end of the page. Comment lists alternate name lines with text; footers do not."""
    first_text = next((i for i in range(start, len(lines)) if _is_text(lines[i].text)), len(lines))
    run = 0
    for i in range(first_text, len(lines)):
        text = lines[i].text
        footerish = patterns.is_comment_chrome(text) or patterns.is_widget(text) or (_is_label(text) and not says_author(text))
        if footerish and not _opens_comment(lines, i):
            run += 1
            if run == FOOTER_RUN:
                return i - FOOTER_RUN + 1
        else:
            run = 0
    return len(lines)


def _is_label(text: str) -> bool:
    """True for a menu item or a link list: short, or all capitalised words, and no sentence end."""
    if _SENTENCE_END.search(text):
        return False
    words = [w for w in text.split() if w[:1].isalpha()]
    return len(text.split()) <= FOOTER_LABEL_WORDS or (bool(words) and sum(w[:1].isupper() for w in words) >= 0.8 * len(words))


def _is_text(text: str) -> bool:
    return len(text.split()) > FOOTER_LABEL_WORDS or _SENTENCE_END.search(text) is not None


def _opens_comment(lines: list["Line"], i: int) -> bool:
    """True for a commenter's name line: a name followed by the comment's text."""
    return is_name_line(lines[i].text) and i + 1 < len(lines) and _is_text(lines[i + 1].text)


def has_comments(lines: list["Line"]) -> bool:
    """True when a comment section shows a list of comments, not only a form or a "Comments" link:
    a "<name> says:" line, a marker only comment lists carry, or per-comment reply or date lines."""
    meta = 0
    for line in lines:
        if says_author(line.text) or patterns.is_comment_list(line.text):
            return True
        meta += patterns.is_comment_meta(line.text)
    return meta >= MIN_COMMENT_META


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
