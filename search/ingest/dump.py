"""Plain-text page dumps: find the title, byline, article body and comment section by layout.

A dump is a rendered page copied as text: one block per paragraph, blank lines between blocks,
menus, widgets, footers and comments all still in. What survives of the page's structure is
paragraph length and punctuation, position relative to the title and byline, repeated lines and
phrases that page chrome always uses; this module reads those.
"""

from __future__ import annotations

import re

from collections import Counter
from functools import lru_cache

from search.ingest import bylines, dates, metadata, outlets, patterns
from search.ingest.comments import find_section_end, has_comments, says_author, split_comments
from search.ingest.dump_features import (
    LineInfo, best_run, bio_lines, describe_lines, is_chrome_line, is_meta_line, score_lines,
)
from search.ingest.header import DATELINE_REACH, Line, find_affiliation, find_byline, find_date
from search.ingest.parts import PageParts

# Per-line checks are asked about the same line several times (body search, headline, byline):
# they remember this many answers.
LINE_CACHE_SIZE = 4096
# The headline search: how far above the body it looks, and what each cue is worth (see find_title).
# Calibrated on extraction-dev dumps (91) against the hand-checked headline, and on the crawl-dev
# excerpts (55 with a headline, 45 without): a random search over these weights, then each one
# moved alone around the chosen point; every value sits in a range where the count is flat
# (75/91 and 51/55 with 4 false headlines; the first version found 32/91).
TITLE_REACH = 25
TITLE_WORDS_SCORE = 6.0  # FULL_TITLE_WORDS to LONG_TITLE_WORDS words: a headline, not a label
LONG_TITLE_WORDS = 20  # longer title-like lines are mostly captions and standfirsts
TITLE_BEFORE_BYLINE_SCORE = 10.0  # the next line is a byline or dateline (half if one of the next 3)
DEK_MIN_WORDS = 8  # a standfirst is a phrase of this many words or more
TITLE_DEK_COST = 4.0  # a title-like line right under another one is its standfirst (headline, dek, byline)
TITLE_REPEATED_SCORE = 3.0  # the page prints it twice
TITLE_DISTANCE_COST = 0.5  # per text line between it and the body ...
TITLE_DISTANCE_CAP = 8.0  # ... up to this (a list of teasers may sit in between)
TITLE_MIN_WORDS, TITLE_MAX_WORDS = 2, 30
# A headline may end in an initialism's dot ("... means for the U.S."), not a sentence's.
_ENDS_WITH_INITIALISM = re.compile(r"(?<![\w.])(?:[A-Z]\.){2,}$")
# "... in Madrid, Spain, Tuesday. (Manu Fernandez/AP)": a photo caption ends in its credit.
_CAPTION_CREDIT = re.compile(r"[(\[](?:[\w.-]+\.(?:com|org|net|co\.uk)|[^()\[\]]{2,60}/[^()\[\]]{2,40}|[^()\[\]]*\b(?:photo|image|file|getty|reuters|afp|ap|epa|credit)\b[^()\[\]]*)[)\]]\s*$", re.IGNORECASE)
_SENTENCE_INSIDE = re.compile(r"[a-z]{2}[.!?][”\"’]?\s+[A-Z“\"‘]")
SENTENCES_MAX_WORDS = 12  # a longer line with a sentence break inside is a standfirst, not a headline
_NUMBER = re.compile(r"[+(]?\d[\d().,:/-]*")
TITLE_MAX_NUMBERS = 3
_BREADCRUMB = re.compile(r"\s[>»]\s|\s[>»]$")
_COUNT_SUFFIX = re.compile(r"\(\d+\)$")
_ABOUT = re.compile(r"^(?:about|über|sobre|à propos de|a proposito di|tentang|об авторе)\s", re.IGNORECASE)
# A short line in capitals is a section label or a button ("EMAIL ME", "GROWING AN ONLINE BUSINESS").
SHOUTED_MAX_WORDS = 6
TITLE_SHOUTED_COST = 4.0
# The line right above the body, with nothing but a byline or dateline between, is the headline
# more often than not (a teaser list or a menu sits further up).
TITLE_ABOVE_BODY_SCORE = 3.0
TITLE_FIRST_LINE_SCORE = 4.0
# A breadcrumb ends with the headline ("Home > News > Headline"): the line it ends with is the headline.
TITLE_IN_BREADCRUMB_SCORE = 6.0
# Some crawls put the page's date in front of its text on the same line ("date 2024-02-16 Addis
# Abeba — ..."): it becomes a dateline of its own.
_LABELLED_DATE = re.compile(r"^\s*(?P<label>(?:date|published|posted)\s*:?\s+(?:19|20)\d\d-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d)?Z?)?)\s+(?=\S)", re.IGNORECASE)
_SOURCE_CUE = re.compile(r"source|quelle|fuente|fonte|источник|kaynak|sumber|via|originally", re.IGNORECASE)
_ASCII_SOURCE_CUES = ("source", "quelle", "fuente", "fonte", "kaynak", "sumber", "via", "originally")
_PIECES = re.compile(r"\s+[/|]\s+")
FULL_TITLE_WORDS = 4  # fewer words is more often a section label ("World", "Asia Defense")


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


@lru_cache(maxsize=LINE_CACHE_SIZE)
def looks_like_title(text: str) -> bool:
    """True for a line that could be a headline: a short unpunctuated line that is not chrome,
    a byline, a dateline, a photo caption or a tag list."""
    words = text.split()
    if not TITLE_MIN_WORDS <= len(words) <= TITLE_MAX_WORDS or len(text) > 250:
        return False
    bare = text.rstrip("\"”’'»)")
    if bare.endswith((".", ",", ";", ":")) and not (bare.endswith("...") or _ENDS_WITH_INITIALISM.search(bare)):
        return False
    if not (text[:1].isupper() or text[:1].isdigit() or text[:1] in "\"“‘'«[(¿¡"):
        return False
    if sum(bool(_NUMBER.fullmatch(w)) for w in words) >= TITLE_MAX_NUMBERS or _ABOUT.match(text):
        return False  # a table row, a phone number, a score line; "About Jane Roe" heads a bio box
    if _BREADCRUMB.search(text) or _COUNT_SUFFIX.search(text) or outlets.is_known_outlet(text) or bylines.is_desk_credit(text):
        return False  # "News > Nation", "Headline (122)" (a teaser with its comment count), the masthead, "X wire services"
    if len(words) > SENTENCES_MAX_WORDS and _SENTENCE_INSIDE.search(text):
        return False  # "The authorities’ repression has fuelled the crisis. It is up to them ...": a standfirst
    return not (
        patterns.is_chrome(text) or metadata.tags_from_line(text) or dates.date_from_line(text)
        or bylines.read_byline(text) or _CAPTION_CREDIT.search(text) or dates.is_reading_time(text)
        or dates.relative_age(text)
    )


def find_title(lines: list[Line], infos: list[LineInfo], body_start: int) -> int | None:
    """Return the index of the headline above the body, or None.

    Candidates are title-like lines at most TITLE_REACH lines above the body (or among its first
    short lines, which the body search may have taken in). The headline is usually followed by
    the byline or dateline (or by a standfirst and then the byline), is often printed twice
    (breadcrumb, share widget), reads as a phrase of several words rather than a section label,
    and sits near the body: each candidate is scored on those cues and the best one wins (the
    nearest on a tie).
    """
    counts = Counter(line.text for line in lines)
    # The body starts at its first prose line; a headline that ends in "?" reads as prose too.
    first_prose = next((i for i in range(body_start, len(lines)) if infos[i].prose
                        and not looks_like_title(lines[i].text)), body_start)
    candidates = {i for i in range(max(0, first_prose - TITLE_REACH), first_prose)
                  if bylines.read_series_line(lines[i].text)} | {i for i in range(max(0, first_prose - TITLE_REACH), first_prose)
                  if looks_like_title(lines[i].text) and not (infos[i].credit or infos[i].chrome or is_meta_line(lines[i].text))
                  and not (i > 0 and bylines.is_bare_byline_word(lines[i - 1].text))  # "By", then the name
                  and not bylines.read_name_line(lines[i].text)}  # "Jane Roe": the byline, not the headline
    best, best_score = None, float("-inf")
    between = 0  # text lines (not chrome, not metadata) between the candidate and the body
    for i in range(first_prose - 1, max(-1, first_prose - 1 - TITLE_REACH), -1):
        text, words = lines[i].text, lines[i].words
        if i in candidates:
            score = TITLE_WORDS_SCORE if FULL_TITLE_WORDS <= words <= LONG_TITLE_WORDS else 0.0
            if words == FULL_TITLE_WORDS - 1:
                score = TITLE_WORDS_SCORE / 2  # "The Impeachment Clock": short headlines exist
            if text.isupper() and words <= SHOUTED_MAX_WORDS:
                score -= TITLE_SHOUTED_COST
            after = [k for k in range(i + 1, min(len(lines), i + 8))
                     if not (infos[k].chrome or infos[k].credit or lines[k].text.isdigit())][:3]
            meta = [_is_header_meta(lines, k, after, first_prose) for k in after]
            # Headline, standfirst, byline: the standfirst is a phrase or a sentence under the headline.
            dek = (bool(after) and words >= FULL_TITLE_WORDS and lines[after[0]].words >= DEK_MIN_WORDS
                   and not is_meta_line(lines[after[0]].text))
            if meta and meta[0] or dek and any(meta[1:]):
                score += TITLE_BEFORE_BYLINE_SCORE
            elif any(meta[1:]):
                score += TITLE_BEFORE_BYLINE_SCORE / 2
            before = next((k for k in range(i - 1, max(-1, i - 4), -1) if not (infos[k].chrome or infos[k].credit)), None)
            if before is not None and lines[before].text != text and lines[before].text.endswith(text):
                score += TITLE_IN_BREADCRUMB_SCORE
            elif before in candidates and lines[before].words >= DEK_MIN_WORDS and words >= DEK_MIN_WORDS:
                score -= TITLE_DEK_COST
            elif before is not None and words >= FULL_TITLE_WORDS and _is_meta_above(lines[before].text):
                score += TITLE_BEFORE_BYLINE_SCORE / 2  # "By Jane Roe", then the headline
            if counts[text] > 1 and words >= FULL_TITLE_WORDS:
                score += TITLE_REPEATED_SCORE
            if between == 0:
                score += TITLE_ABOVE_BODY_SCORE
            if i == 0 and words >= FULL_TITLE_WORDS:
                score += TITLE_FIRST_LINE_SCORE  # a copied article starts with its headline
            score -= min(TITLE_DISTANCE_CAP, TITLE_DISTANCE_COST * between)
            if score > best_score:
                best, best_score = i, score
        if not (infos[i].chrome or infos[i].credit or is_meta_line(text)):
            between += 1
    return best


def _is_meta_above(text: str) -> bool:
    """True for what may stand right above a headline: a byline, a dateline, "2 years ago", "4 min read"."""
    return is_meta_line(text) or dates.is_reading_time(text) or dates.relative_age(text) is not None


def _is_header_meta(lines: list[Line], k: int, after: list[int], body_start: int) -> bool:
    """True for a byline or dateline under a headline; a bare name counts when a dateline or the
    body follows it (headline, name, date), not when a menu item or another headline does."""
    text = lines[k].text
    if is_meta_line(text) or dates.is_reading_time(text) or dates.relative_age(text) or bylines.is_bare_byline_word(text):
        return True
    nxt = after[after.index(k) + 1] if after.index(k) + 1 < len(after) else k + 1
    return bool(bylines.read_name_line(text)) and (nxt >= body_start or is_meta_line(lines[nxt].text)) and not patterns.is_credit(text)


def _has_source_cue(text: str) -> bool:
    # Every body line is asked: an ASCII line (most) by substring, which is many times faster
    # than the case-insensitive pattern and, on ASCII text, the same.
    if text.isascii():
        folded = text.lower()
        return any(cue in folded for cue in _ASCII_SOURCE_CUES)
    return _SOURCE_CUE.search(text) is not None


def extract_dump(text: str) -> PageParts:
    """Return the title, byline, date, tags, body paragraphs, comments and self-names of a normalised dump."""
    lines = split_lines(_LABELLED_DATE.sub(r"\g<label>\n", text, count=1))
    parts = PageParts()
    if not lines:
        return parts

    # 1. A first guess at the body: the best-scoring run of lines (dump_features scores each line
    #    in words: prose for, chrome, datelines and end-of-article markers against; a comment
    #    section's opening marker ends any run).
    infos = describe_lines(lines)
    scores = score_lines(infos)
    begin, end = best_run(scores, 0)

    # 2. The header above it: the headline (never the site's own name, which mastheads and
    #    footers repeat), then the byline and dateline around it, and tags.
    title_at = find_title(lines, infos, begin)
    if title_at is not None:
        series = bylines.read_series_line(lines[title_at].text)
        parts.title, parts.origin["title"] = (series[0] if series else lines[title_at].text), "headline"
    parts.byline, byline_at = find_byline(lines, title_at, begin)
    if parts.byline:
        parts.origin["author"] = "byline"
    parts.affiliation = find_affiliation(lines, parts.byline, byline_at, title_at, begin)
    header_end = max(x for x in (title_at, byline_at, -1) if x is not None)
    parts.date, parts.age = find_date(lines, title_at, begin, header_end)
    if parts.date:
        parts.origin["date"] = "dateline"
    head_from = 0 if title_at is None else max(0, title_at - 2)
    for line in lines[: max(begin, header_end + 1) + DATELINE_REACH]:
        if not parts.tags and line.words <= 40 and not is_meta_line(line.text):
            parts.tags = metadata.tags_from_line(line.text)

    # 3. The body proper: the best run after the header, now that the author's bio box is known;
    #    lines that are never article text (captions, credits, widgets, repeats) drop out of it.
    bio = bio_lines(lines, parts.byline.people[0] if parts.byline.people else "")
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
    # A syndicated copy says where the text came from ("Source: Trend", "Author: X / Source: Y").
    for line in lines[head_from : comment_start]:
        if not _has_source_cue(line.text):
            continue
        source = next(filter(None, map(bylines.read_source_line, _PIECES.split(line.text))), "")
        if source:
            parts.source, parts.origin["source"] = source, "source_line"
            break

    # 5. Tag lines also follow the body ("Tags: Taiwan, China"); only explicitly labelled ones.
    if not parts.tags:
        for line in lines[end : comment_start]:
            if metadata.has_tag_prefix(line.text):
                parts.tags = metadata.tags_from_line(line.text)
                break
    return parts

