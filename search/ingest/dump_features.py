"""What each line of a plain-text page dump shows, and how much it counts for or against article text.

A dump keeps no markup, so the evidence is what a reader sees: how long a line is, whether it is
punctuated like a sentence, whether it sits among other sentences or in a run of short labels,
whether the page repeats it, and whether it is a phrase page chrome always uses. `score_lines`
turns that into one number per line, in words: article lines score their length, chrome scores
below zero, and `best_run` (Kadane) picks the stretch of the page with the highest total.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from search.ingest import bylines, dates, patterns

if TYPE_CHECKING:
    from search.ingest.header import Line

# Scripts written without spaces between words: their characters count 1/CJK_CHARS_PER_WORD of a
# word each (Japanese and Chinese average about two characters a word).
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]")
CJK_CHARS_PER_WORD = 2

# --- tuned weights ------------------------------------------------------------------------------
# All in words. Calibrated by hand on extraction-dev (../shared/data/extraction-dev, 91 pages):
# each was moved in steps while bench/extraction.py reported token micro F1, and kept at the
# middle of the range where F1 stays flat, not at the single best point.
#
# A block (one paragraph; <br> lines inside it are separate lines) pays this once: prose lines pull
# a run up, one-word menu items and widget labels pull it down. 10 is the README baseline's value.
SHORT_LINE_PENALTY = 10
# A line known to be chrome (boilerplate.toml, a photo credit, a line the page repeats).
CHROME_PENALTY = 15
# A short line between two prose lines is a subheading or a one-line paragraph, not a menu. (No
# effect on extraction-dev, where runs bridge such lines anyway; it keeps articles made of many
# subheadings and one-line paragraphs in one piece.)
HEADING_COST = 2
# A dateline ("November 19, 2019 at 6:58 am") inside the text area starts a comment or a teaser
# of another article: article bodies do not restate their date between paragraphs.
DATELINE_PENALTY = 30
# A line that usually ends the article ("Related posts", "Share this article", "About the author")
# but that some pages put between paragraphs: it takes several paragraphs to bridge.
STOP_PENALTY = 50
# The first paragraph within HEADER_REACH lines under the page's first byline or dateline: that
# header usually sits on the article, so this outweighs a longer block of teasers or footer text.
HEADER_BONUS = 40
HEADER_REACH = 4
# Phrase lists that match anywhere in a line (widget words, caption cues) only count on lines up
# to this long: a paragraph may say "subscribe" or "(pictured above)" in passing.
WIDGET_MAX_WORDS = 40
CAPTION_MAX_WORDS = 40
# Consecutive lines with this many numbers or more, the same count on each, are the rows of a table
# and share one block's penalty (2 also joins poll results and score lists: F1 drops 0.005).
TABLE_MIN_NUMBERS = 3
META_MAX_WORDS = 15  # a byline or dateline is at most this long
PROSE_WORDS = 15  # a line this long reads as prose whatever its punctuation

# "— Name (@handle) November 18, 2019": the signature of an embedded post, which is article text.
_EMBED_SIGNATURE = re.compile(r"^[—–-] |\(@\w+\)")
# Link lists and footers print their items in one line with separators: "About | Contact | Jobs".
_SEPARATOR = re.compile(r" [|•·] ")
_ABOUT = re.compile(r"^(?:about|über|sobre|à propos de|a proposito di|tentang)\s+([^.!?]{2,40})$", re.IGNORECASE)
_PERSON_NAME = re.compile(r"[A-ZÀ-ÖØ-Þ][\w.'’-]+(?: (?:[A-ZÀ-ÖØ-Þ][\w.'’-]+|de|da|van|von|der|bin|al)){1,3}")
_NOT_NAME_START = re.compile(r"(?:the|a|an|how|why|what|when|who|new|top|best|more|all|our|my|your)\b", re.IGNORECASE)
_BIO_AFTER_NAME = re.compile(r"\s*(?:,|is\b|\(|–|—|-)")
_NUMBER = re.compile(r"(?<![\w.,])\d[\d.,:]*(?![\w])")
# Cues of a byline or dateline in most languages: a numeric date, a time, "by/von/por Name", a handle.
# "by" only opens a byline at the start or after one word ("By Jane Doe", "Analysis by Jane
# Doe"); further in, it is a headline's passive ("Irish company hit by Iraqi report").
_META = re.compile(
    r"\b\d{1,4}[./-]\d{1,2}[./-]\d{2,4}\b|\b\d{1,2}:\d{2}\b|^(?:[\w-]+\s+)?(?:by|von|por|par|oleh|автор:?)\s+\w"
    r"|@\w{2,}|\b(?:published|updated|posted)\b",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?…。！？][\"”’»)\]]*$")


@dataclass(frozen=True)
class LineInfo:
    words: float
    block_words: float  # words in the whole block (paragraph) this line belongs to
    prose: bool
    chrome: bool
    credit: bool
    stop: bool  # a marker that usually ends the article (related posts, share bar, bio box, ...)
    comments: bool  # a marker that opens the comment section: nothing after it is the article
    repeated: bool  # the page shows this exact line more than once
    twin: bool  # ... right next to itself: a caption or teaser that a widget renders twice
    dateline: bool  # a short line stating a date ("November 19, 2019 at 6:58 am")
    byline: bool  # a short line naming an author ("By Jane Doe")


def word_count(text: str) -> float:
    """Return the number of words in `text`, counting runs of CJK characters by their length."""
    cjk = len(_CJK.findall(text))
    if not cjk:
        return len(text.split())
    return len(_CJK.sub(" ", text).split()) + cjk / CJK_CHARS_PER_WORD


def is_prose_text(text: str, words: float) -> bool:
    """True for text that reads like a sentence: long, or medium length and punctuated."""
    return words >= PROSE_WORDS or (words >= 8 and _SENTENCE_END.search(text) is not None)


def describe_lines(lines: list["Line"]) -> list[LineInfo]:
    """Return what each line shows (length, prose, chrome, repetition, ...), in page order."""
    features = [_text_features(line.text) for line in lines]
    counts = Counter(line.text for line in lines)
    # Blocks: a paragraph's <br> lines, or the rows of a table (the dump prints one per paragraph).
    numbers = [f.numbers for f in features]
    block_words: list[float] = []
    start = 0
    for i in range(1, len(lines) + 1):
        same_row_shape = i < len(lines) and numbers[i] >= TABLE_MIN_NUMBERS and numbers[i] == numbers[i - 1]
        if i == len(lines) or (lines[i].gap > 0 and not same_row_shape):
            block_words.extend([sum(f.words for f in features[start:i])] * (i - start))
            start = i
    infos = []
    for i, (line, f, bw) in enumerate(zip(lines, features, block_words)):
        text = line.text
        infos.append(LineInfo(
            words=f.words,
            block_words=bw,
            prose=f.prose,
            chrome=f.chrome,
            credit=f.credit,
            stop=f.stop,
            comments=f.comments,
            repeated=counts[text] > 1,
            twin=(i > 0 and lines[i - 1].text == text) or (i + 1 < len(lines) and lines[i + 1].text == text),
            byline=f.byline,
            dateline=f.dateline,
        ))
    return infos


@dataclass(frozen=True)
class _TextFeatures:
    """What a line's text alone says, whatever page it is on."""

    words: float
    numbers: int
    prose: bool
    chrome: bool
    credit: bool
    stop: bool
    comments: bool
    byline: bool
    dateline: bool


# A site prints the same menus, labels and footers on every page, so a crawl shows the same short
# lines thousands of times: each is read once per process. (Paragraphs rarely repeat; they only
# pass through the cache.)
@lru_cache(maxsize=1 << 16)
def _text_features(text: str) -> _TextFeatures:
    w = word_count(text)
    return _TextFeatures(
        words=w,
        numbers=len(_NUMBER.findall(text)),
        prose=is_prose_text(text, w),
        chrome=_is_chrome_text(text, w),
        credit=patterns.is_credit(text) or (w <= CAPTION_MAX_WORDS and patterns.is_caption(text)),
        stop=patterns.is_end_of_body(text),
        comments=patterns.is_comment_start(text),
        byline=w <= 12 and bool(bylines.read_byline(text)),
        dateline=w <= 12 and not _EMBED_SIGNATURE.search(text) and dates.date_from_line(text) is not None,
    )


def _is_chrome_text(text: str, words: float) -> bool:
    """True for a boilerplate phrase, a widget line, or a link list printed with separators."""
    if patterns.is_chrome(text) or (words <= WIDGET_MAX_WORDS and patterns.is_widget(text)):
        return True
    separators = len(_SEPARATOR.findall(text))
    return separators >= 2 or (separators == 1 and not _SENTENCE_END.search(text))


def score_lines(infos: list[LineInfo]) -> list[float]:
    """Return each line's score for the body search (words for, or against, being article text)."""
    scores = []
    for i, info in enumerate(infos):
        if info.comments:
            scores.append(float("-inf"))
            continue
        if info.stop:
            scores.append(-STOP_PENALTY)
            continue
        if info.dateline:
            scores.append(-DATELINE_PENALTY)
            continue
        if info.chrome or info.credit or info.twin or info.repeated:
            scores.append(-CHROME_PENALTY)
            continue
        share = info.words / info.block_words if info.block_words else 1.0
        score = info.words - SHORT_LINE_PENALTY * share
        if score < -HEADING_COST and _between_prose(infos, i):
            score = -HEADING_COST
        scores.append(score)
    # The first byline or dateline on the page usually heads the article: its first paragraph
    # gets a bonus, so the article wins over a longer block of teasers or footer text.
    header = next((i for i, info in enumerate(infos) if info.byline or info.dateline), None)
    if header is not None:
        first = next((k for k in range(header + 1, min(len(infos), header + 1 + HEADER_REACH)) if infos[k].prose), None)
        if first is not None:
            scores[first] += HEADER_BONUS
    return scores


def bio_lines(lines: list["Line"], author: str) -> set[int]:
    """Return the indexes of author bio lines: "Jane Doe is a ...", or a line naming X after "About X"."""
    found = set()
    for i, line in enumerate(lines):
        if author and line.text.startswith(author) and _BIO_AFTER_NAME.match(line.text[len(author):]):
            found.add(i)
        about = _ABOUT.match(line.text)
        if about:
            name = about.group(1).strip(" :")
            if not _PERSON_NAME.fullmatch(name):
                continue  # "About Acme Corp" closes a press release, and belongs to it
            found.update(k for k in range(i + 1, min(len(lines), i + 3)) if name in lines[k].text)
    return found


@lru_cache(maxsize=4096)
def is_meta_line(text: str) -> bool:
    """True for a byline or dateline: a short line with a date, a time, a handle or "by Name"."""
    if word_count(text) > META_MAX_WORDS:
        return False
    return bool(_META.search(text) or dates.parse_date(text) or bylines.read_byline(text))


def looks_like_name(text: str) -> bool:
    """True for "Jane Doe" or "Jane Doe, Outlet Name": a byline without its "By"."""
    name = text.split(",")[0].strip()
    return _PERSON_NAME.fullmatch(name) is not None and not _NOT_NAME_START.match(name)


def is_chrome_line(info: LineInfo) -> bool:
    """True for a line that is never article text, even inside the article's run."""
    return info.chrome or info.credit or info.twin or info.dateline or info.stop or info.comments or info.repeated


def _between_prose(infos: list[LineInfo], i: int) -> bool:
    return 0 < i < len(infos) - 1 and infos[i - 1].prose and infos[i + 1].prose


def best_run(scores: list[float], start: int = 0) -> tuple[int, int]:
    """Return the [begin, end) run at or after `start` with the largest score sum (Kadane)."""
    best, best_span = float("-inf"), (start, start)
    total, begin = 0.0, start
    for i in range(start, len(scores)):
        if total <= 0:
            total, begin = 0.0, i
        total += scores[i]
        if total > best:
            best, best_span = total, (begin, i + 1)
    return best_span
