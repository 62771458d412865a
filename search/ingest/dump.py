"""Plain-text page dumps: find the title, byline, article body and comment section by layout.

A dump is a rendered page copied as text: one block per paragraph, blank lines between blocks,
menus, widgets, footers and comments all still in. What survives of the page's structure is
paragraph length and punctuation, position relative to the title and byline, repeated lines and
phrases that page chrome always uses; this module reads those.
"""

from __future__ import annotations

import re

from collections import Counter
from dataclasses import dataclass, field

from search.article import Comment
from search.ingest import metadata, patterns
from search.ingest.comments import find_section_end, has_comments, says_author, split_comments
from search.ingest.dump_features import (
    LineInfo, best_run, bio_lines, describe_lines, is_chrome_line, is_meta_line, looks_like_name, score_lines,
)

# The headline search: how far above the body it looks, and what each cue is worth (see find_title).
# Calibrated on extraction-dev against each page's <h1> and og:title: the headline is found on 65
# of 91 pages (32 with the first version); each value sits in a range where that count is flat.
TITLE_REACH = 25
TITLE_WORDS_SCORE = 4.0  # FULL_TITLE_WORDS to LONG_TITLE_WORDS words: a headline, not a label
LONG_TITLE_WORDS = 16  # longer title-like lines are mostly captions and standfirsts
TITLE_BEFORE_BYLINE_SCORE = 8.0  # the next line is a byline or dateline (half if one of the next 3)
TITLE_REPEATED_SCORE = 3.0  # the page prints it twice
TITLE_DISTANCE_COST = 0.5  # per text line between it and the body ...
TITLE_DISTANCE_CAP = 10.0  # ... up to this (a list of teasers may sit in between)
TITLE_NAME_COST = 2.0  # "Jane Doe": a bare name is the byline, not the headline
TITLE_MIN_WORDS, TITLE_MAX_WORDS = 2, 30
# A headline may end in an initialism's dot ("... means for the U.S."), not a sentence's.
_ENDS_WITH_INITIALISM = re.compile(r"(?<![\w.])(?:[A-Z]\.){2,}$")
FULL_TITLE_WORDS = 4  # fewer words is more often a section label ("World", "Asia Defense")
BYLINE_REACH = 4  # a byline sits above the body or within its first lines
DATELINE_REACH = 2


@dataclass(frozen=True)
class Line:
    text: str
    gap: int  # blank lines before it; 0 means it continues the previous block

    @property
    def words(self) -> int:
        return len(self.text.split())


@dataclass
class DumpParts:
    title: str = ""
    author: str = ""
    date: str | None = None
    tags: tuple[str, ...] = ()
    body: list[str] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    chrome: list[str] = field(default_factory=list)  # lines judged page chrome (outlet names live here)


def split_lines(text: str) -> list[Line]:
    """Return the non-empty lines of a dump with the number of blank lines before each."""
    lines, gap = [], 0
    for raw in text.split("\n"):
        if raw.strip():
            lines.append(Line(raw.strip(), gap if lines else 0))
            gap = 0
        else:
            gap += 1
    return lines


def looks_like_title(text: str) -> bool:
    """True for a line that could be a headline: a short unpunctuated line that is not chrome,
    a byline, a dateline or a tag list."""
    words = text.split()
    if not TITLE_MIN_WORDS <= len(words) <= TITLE_MAX_WORDS or len(text) > 250:
        return False
    if text.endswith((".", ",", ";", ":")) and not (text.endswith("...") or _ENDS_WITH_INITIALISM.search(text)):
        return False
    if not (text[:1].isupper() or text[:1].isdigit() or text[:1] in "\"“‘'"):
        return False
    return not (
        patterns.is_chrome(text) or metadata.tags_from_line(text) or metadata.date_from_line(text)
        or metadata.find_byline(text)
    )


def find_title(lines: list[Line], infos: list[LineInfo], body_start: int) -> int | None:
    """Return the index of the headline above the body, or None.

    Candidates are title-like lines at most TITLE_REACH lines above the body. The headline is
    usually followed by the byline or dateline, is often printed twice (breadcrumb, share widget),
    reads as a phrase of several words rather than a section label, and sits near the body: each
    candidate is scored on those four cues and the best one wins (the nearest on a tie).
    """
    counts = Counter(line.text for line in lines)
    best, best_score = None, float("-inf")
    between = 0  # text lines (not chrome, not metadata) between the candidate and the body
    for i in range(body_start - 1, max(-1, body_start - 1 - TITLE_REACH), -1):
        text, words = lines[i].text, lines[i].words
        if looks_like_title(text) and not (infos[i].credit or infos[i].chrome or is_meta_line(text)):
            score = TITLE_WORDS_SCORE if FULL_TITLE_WORDS <= words <= LONG_TITLE_WORDS else 0.0
            if looks_like_name(text):
                score = -TITLE_NAME_COST  # "Jane Doe" or "Jane Doe, Outlet" under the headline
            after = [k for k in range(i + 1, min(len(lines), i + 8)) if not (infos[k].chrome or infos[k].credit)][:3]
            meta = [_is_header_meta(lines, k, after, body_start) for k in after]
            if meta and meta[0]:
                score += TITLE_BEFORE_BYLINE_SCORE
            elif any(meta[1:]):
                score += TITLE_BEFORE_BYLINE_SCORE / 2
            if counts[text] > 1 and words >= FULL_TITLE_WORDS:
                score += TITLE_REPEATED_SCORE
            score -= min(TITLE_DISTANCE_CAP, TITLE_DISTANCE_COST * between)
            if score > best_score:
                best, best_score = i, score
        if not (infos[i].chrome or infos[i].credit or is_meta_line(text)):
            between += 1
    return best


def _is_header_meta(lines: list[Line], k: int, after: list[int], body_start: int) -> bool:
    """True for a byline or dateline under a headline; a bare name counts when a dateline or the
    body follows it (headline, name, date), not when a menu item or another headline does."""
    if is_meta_line(lines[k].text):
        return True
    nxt = after[after.index(k) + 1] if after.index(k) + 1 < len(after) else k + 1
    return looks_like_name(lines[k].text) and (nxt >= body_start or is_meta_line(lines[nxt].text))


def extract_dump(text: str) -> DumpParts:
    """Return the title, byline, date, tags, body paragraphs and comments of a normalised dump."""
    lines = split_lines(text)
    parts = DumpParts()
    if not lines:
        return parts

    # 1. A first guess at the body: the best-scoring run of lines (dump_features scores each line
    #    in words: prose for, chrome, datelines and end-of-article markers against; a comment
    #    section's opening marker ends any run).
    infos = describe_lines(lines)
    scores = score_lines(infos)
    begin, end = best_run(scores, 0)

    # 2. The header above it: title, then byline, date and tags between the title and the body.
    title_at = find_title(lines, infos, begin)
    if title_at is not None:
        parts.title = lines[title_at].text
    head_from = 0 if title_at is None else max(0, title_at - 2)
    byline_at = None
    for i in range(head_from, min(len(lines), begin + BYLINE_REACH)):
        author = metadata.find_byline(lines[i].text)
        if author:
            parts.author, byline_at = author, i
            break
    if byline_at is None and title_at is not None:
        # A bare name line right under the headline is a byline too ("Jane Doe", then the body).
        for k in range(title_at + 1, min(title_at + 3, begin + 1, len(lines))):
            if (looks_like_name(lines[k].text) and not metadata.has_byline_prefix(lines[k].text)
                    and _is_header_meta(lines, k, list(range(k, begin + 1)), begin)):
                parts.author = metadata.clean_author(lines[k].text)
                byline_at = k if parts.author else None
                break
    header_end = max(x for x in (title_at, byline_at, -1) if x is not None)
    # The dateline under the headline wins over one in a ticker or sidebar higher up.
    top = lines[: max(begin, header_end + 1) + DATELINE_REACH]
    for line in top[head_from:] + top[:head_from]:
        parts.date = parts.date or metadata.date_from_line(line.text)
    for line in top:
        if not parts.tags and line.words <= 40 and not is_meta_line(line.text):
            parts.tags = metadata.tags_from_line(line.text)

    # 3. The body proper: the best run after the header, now that the author's bio box is known;
    #    lines that are never article text (captions, credits, widgets, repeats) drop out of it.
    bio = bio_lines(lines, parts.author)
    scores = [float("-inf") if i in bio else score for i, score in enumerate(scores)]
    begin, end = best_run(scores, header_end + 1)
    parts.body = [lines[i].text for i in range(begin, end) if not is_chrome_line(infos[i])]

    # 4. Comments: from the first comment-section marker (or "<name> says:") after the body to the
    #    page footer, when the section shows comments rather than only a form or a link.
    comment_start = next(
        (i for i in range(end, len(lines)) if patterns.is_comment_start(lines[i].text) or says_author(lines[i].text)), None
    )
    section_end = comment_start
    if comment_start is not None:
        section_end = find_section_end(lines, comment_start)
        section = lines[comment_start:section_end]
        parts.comments = split_comments(section) if has_comments(section) else []
    # The page's own chrome, where it names itself: not the body, not photo credits ("Photo:
    # Reuters") and not the readers' comments, which name other outlets all the time.
    parts.chrome = [
        line.text for i, line in enumerate(lines)
        if not (begin <= i < end or (comment_start is not None and comment_start <= i < section_end) or infos[i].credit)
    ]

    # 5. Tag lines also follow the body ("Tags: Taiwan, China"); only explicitly labelled ones.
    if not parts.tags:
        for line in lines[end : comment_start]:
            if metadata.has_tag_prefix(line.text):
                parts.tags = metadata.tags_from_line(line.text)
                break
    return parts
