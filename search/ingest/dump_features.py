"""Per-line features of a plain-text page dump, for telling article text from page chrome."""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import TYPE_CHECKING

from search.ingest import metadata, patterns

if TYPE_CHECKING:
    from search.ingest.dump import Line

# Scripts written without spaces between words: a run of their characters counts as
# len / CJK_CHARS_PER_WORD words (Japanese and Chinese average about two characters a word).
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]")
CJK_CHARS_PER_WORD = 2
SHORT_WORDS = 5  # a line this short or shorter is a label, a menu item, a heading or a name
PROSE_WORDS = 15
CONTEXT = 3  # lines either side that make a line's neighbourhood

_SENTENCE_END = re.compile(r"[.!?…。！？][\"”’»)\]]*$")
_PUNCT = re.compile(r"[.,;:!?、。，；！？]")
_TIME = re.compile(r"\b\d{1,2}:\d{2}\b")
_SEPARATORS = re.compile(r"\s[|•·/»›>]\s|\s[|•·]$|^[|•·]\s")
_BULLET = re.compile(r"^[»›►▶→•·◦▪■□+*>-]\s*")
_URLISH = re.compile(r"https?://|www\.|\S+@\S+\.\w|\.(?:com|org|net)\b", re.IGNORECASE)


def word_count(text: str) -> float:
    """Return the number of words in `text`, counting runs of CJK characters by their length."""
    cjk = len(_CJK.findall(text))
    if not cjk:
        return len(text.split())
    latin = len(_CJK.sub(" ", text).split())
    return latin + cjk / CJK_CHARS_PER_WORD


def is_prose_text(text: str, words: float) -> bool:
    """True for text that reads like a sentence: long, or medium length and punctuated."""
    return words >= PROSE_WORDS or (words >= 8 and _SENTENCE_END.search(text) is not None)


def _capitalised_share(text: str) -> float:
    alpha = [w for w in text.split() if w[:1].isalpha()]
    if not alpha:
        return 0.0
    cased = [w for w in alpha if w[:1].isupper() or w[:1].islower()]
    if not cased:
        return 0.0  # uncased script: no signal
    return sum(1 for w in cased if w[:1].isupper()) / len(cased)


def line_features(lines: list["Line"]) -> list[dict[str, float]]:
    """Return one feature dict per line (numbers, mostly 0/1 flags or log counts)."""
    n = len(lines)
    words = [word_count(line.text) for line in lines]
    prose = [is_prose_text(line.text, w) for line, w in zip(lines, words)]
    short = [w <= SHORT_WORDS for w in words]
    counts = Counter(line.text for line in lines)

    # Blocks: lines joined by single newlines (<br> inside one paragraph) form one block.
    block_words: list[float] = []
    start = 0
    for i in range(1, n + 1):
        if i == n or lines[i].gap > 0:
            total = sum(words[start:i])
            block_words.extend([total] * (i - start))
            start = i

    # Runs of consecutive short lines (menus, link lists, tag clouds).
    short_run = [0] * n
    i = 0
    while i < n:
        j = i
        while j < n and short[j]:
            j += 1
        for k in range(i, j):
            short_run[k] = j - i
        i = max(j, i + 1)

    feats = []
    for i, line in enumerate(lines):
        text = line.text
        lo, hi = max(0, i - CONTEXT), min(n, i + CONTEXT + 1)
        around = [k for k in range(lo, hi) if k != i]
        w = words[i]
        feats.append({
            "log_words": math.log1p(w),
            "log_block_words": math.log1p(block_words[i]),
            "prose": float(prose[i]),
            "sentence_end": float(_SENTENCE_END.search(text) is not None),
            "punct_rate": min(1.0, len(_PUNCT.findall(text)) / max(w, 1)),
            "capitalised": _capitalised_share(text) if w >= 2 else 0.0,
            "digits": sum(ch.isdigit() for ch in text) / max(len(text), 1),
            "chrome": float(patterns.is_chrome(text)),
            "end_of_body": float(patterns.is_end_of_body(text)),
            "comment_start": float(patterns.is_comment_start(text)),
            "repeated": float(counts[text] > 1),
            "ctx_prose": sum(prose[k] for k in around) / max(len(around), 1),
            "ctx_log_words": sum(math.log1p(words[k]) for k in around) / max(len(around), 1),
            "short_run": math.log1p(short_run[i]) if short[i] else 0.0,
            "separators": float(_SEPARATORS.search(text) is not None),
            "bullet": float(_BULLET.match(text) is not None),
            "urlish": float(_URLISH.search(text) is not None),
            "dateline": float(w <= 12 and (metadata.date_from_line(text) is not None or _TIME.search(text) is not None)),
            "byline": float(w <= 12 and bool(metadata.find_byline(text))),
            "colon_end": float(text.endswith(":")),
            "position": i / max(n - 1, 1),
        })
    return feats
