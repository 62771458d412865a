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
from typing import TYPE_CHECKING

from search.ingest import metadata, patterns

if TYPE_CHECKING:
    from search.ingest.dump import Line

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
# A short line between two prose lines is a subheading or a one-line paragraph, not a menu.
HEADING_COST = 2
# A dateline ("November 19, 2019 at 6:58 am") inside the text area starts a comment or a teaser
# of another article: article bodies do not restate their date between paragraphs.
DATELINE_PENALTY = 30
# A line that usually ends the article ("Related posts", "Share this article", "About the author")
# but that some pages put between paragraphs: it takes several paragraphs to bridge.
STOP_PENALTY = 50
PROSE_WORDS = 15  # a line this long reads as prose whatever its punctuation
SHORT_WORDS = 5  # a line this short is a label, a menu item, a heading or a name

# "— Name (@handle) November 18, 2019": the signature of an embedded post, which is article text.
_EMBED_SIGNATURE = re.compile(r"^[—–-] |\(@\w+\)")
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
    dateline: bool


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
    words = [word_count(line.text) for line in lines]
    counts = Counter(line.text for line in lines)
    block_words: list[float] = []
    start = 0
    for i in range(1, len(lines) + 1):
        if i == len(lines) or lines[i].gap > 0:
            block_words.extend([sum(words[start:i])] * (i - start))
            start = i
    infos = []
    for line, w, bw in zip(lines, words, block_words):
        text = line.text
        infos.append(LineInfo(
            words=w,
            block_words=bw,
            prose=is_prose_text(text, w),
            chrome=patterns.is_chrome(text),
            credit=patterns.is_credit(text),
            stop=patterns.is_end_of_body(text),
            comments=patterns.is_comment_start(text),
            repeated=counts[text] > 1,
            dateline=w <= 12 and not _EMBED_SIGNATURE.search(text) and metadata.date_from_line(text) is not None,
        ))
    return infos


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
        if info.chrome or info.credit or (info.repeated and not info.prose):
            scores.append(-CHROME_PENALTY)
            continue
        share = info.words / info.block_words if info.block_words else 1.0
        score = info.words - SHORT_LINE_PENALTY * share
        if score < -HEADING_COST and _between_prose(infos, i):
            score = -HEADING_COST
        scores.append(score)
    return scores


def is_chrome_line(info: LineInfo) -> bool:
    """True for a line that is never article text, even inside the article's run."""
    return info.chrome or info.credit or info.dateline or info.stop or info.comments or (info.repeated and not info.prose)


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
