"""Boilerplate and comment-section phrase lists, loaded once from search/data/boilerplate.toml.

Every line of every page is asked about several of these groups, often more than once (the body
search, the headline search and the comment splitter all ask), so each group remembers its
answers for the lines it saw last, and a group that declares `cues` (words every one of its
patterns needs) skips the regular expression for a line that has none of them.
"""

from __future__ import annotations

import re
import tomllib
from bisect import bisect_left
from functools import lru_cache
from importlib import resources

# Answers each group remembers, for lines up to MEMO_MAX_CHARS long. A crawl repeats its sites'
# menus, widgets and footers on every page, and those lines are short; a page's own sentences are
# long, asked about once or twice within the page, and would only crowd them out. Clearing the memo when it is
# full keeps its memory bounded (a few MB for all groups) without the bookkeeping of an LRU.
MEMO_LINES = 20_000
MEMO_MAX_CHARS = 200
# ... and longer lines only within a page or two (a comment is asked about by the comment-section
# search and again by the comment splitter).
RECENT_LONG_LINES = 512
# Line lengths where the patterns a line is tried against change (see LinePatterns): narrow
# where most lines are (menus, labels), wide where few patterns reach (paragraphs). Nine bands
# instead of four read extraction-dev no faster (14 µs a line either way) and compile slower.
LENGTH_BANDS = (20, 45, 90, 190)
UNBOUNDED = 1 << 62
# What a line may carry around a phrase ("Share this:", "| Subscribe |").
_STRIPPED = " .:!|•·–—-"


class LinePatterns:
    """A named group of whole-line patterns; `matches(line)` is case-insensitive."""

    def __init__(self, patterns: list[str], cues: list[str] | None = None):
        # Most patterns match only lines of some lengths ("share this article", "photo: .{0,80}"):
        # a line is tried against those whose lengths fit its own, one alternation per length band.
        widths = [_widths(p) for p in patterns]
        self._bands = [
            _alternation([p for p, (shortest, longest) in zip(patterns, widths) if shortest <= high and longest >= low])
            for low, high in zip((0, *(b + 1 for b in LENGTH_BANDS)), (*LENGTH_BANDS, UNBOUNDED))
        ]
        self._cues = re.compile("|".join(re.escape(c.lower()) for c in cues)) if cues else None
        self._memo: dict[str, bool] = {}
        self._recent: dict[str, bool] = {}

    def matches(self, line: str) -> bool:
        memo, limit = (self._memo, MEMO_LINES) if len(line) <= MEMO_MAX_CHARS else (self._recent, RECENT_LONG_LINES)
        found = memo.get(line)
        if found is None:
            found = self._match(line)
            if len(memo) >= limit:
                memo.clear()
            memo[line] = found
        return found

    def _match(self, line: str) -> bool:
        if self._cues is not None and not self._cues.search(line.lower()):
            return False
        stripped = line.strip(_STRIPPED)
        return self._fullmatch(stripped) or (stripped != line and self._fullmatch(line))

    def _matches_either(self, stripped: str, band: int, line: str | None, line_band: int) -> bool:
        regex = self._bands[band]
        if regex is not None and regex.fullmatch(stripped) is not None:
            return True
        regex = self._bands[line_band]
        return line is not None and regex is not None and regex.fullmatch(line) is not None

    def _fullmatch(self, text: str) -> bool:
        regex = self._bands[bisect_left(LENGTH_BANDS, len(text))]
        return regex is not None and regex.fullmatch(text) is not None


def _alternation(patterns: list[str]) -> re.Pattern | None:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE) if patterns else None


def _widths(pattern: str) -> tuple[int, int]:
    """Return the fewest and most characters `pattern` can match (the most may be unbounded)."""
    try:
        from re import _parser  # CPython's own pattern parser (sre_parse before 3.11)
        return _parser.parse(pattern, re.IGNORECASE).getwidth()
    except Exception:  # noqa: BLE001 - any trouble: try the pattern on every line, which is always right
        return 0, UNBOUNDED


@lru_cache(maxsize=1)
def load_patterns() -> dict[str, LinePatterns]:
    """Return the pattern groups of boilerplate.toml by name (chrome, end_of_body, ...)."""
    text = resources.files("search.data").joinpath("boilerplate.toml").read_text(encoding="utf-8")
    return {name: LinePatterns(group["patterns"], group.get("cues")) for name, group in tomllib.loads(text).items()}


_GROUPS: dict[str, LinePatterns] = {}  # load_patterns(), without a call per question


def _group(name: str) -> LinePatterns:
    if not _GROUPS:
        _GROUPS.update(load_patterns())
    return _GROUPS[name]


def line_classes(line: str, short: bool) -> tuple[bool, bool, bool, bool, bool, bool]:
    """Return (chrome, widget, credit, caption, end_of_body, comment_start) for one line, asking
    widget and caption only of a `short` line: what the body search asks of every line of a page,
    in one call (the same answers as the is_* functions, without their per-question overhead)."""
    stripped = line.strip(_STRIPPED)
    band = bisect_left(LENGTH_BANDS, len(stripped))
    raw, raw_band = (line, bisect_left(LENGTH_BANDS, len(line))) if stripped != line else (None, band)
    widget = _group("widget")
    cued = short and (widget._cues is None or widget._cues.search(line.lower()) is not None)
    return (
        _group("chrome")._matches_either(stripped, band, raw, raw_band),
        cued and widget._matches_either(stripped, band, raw, raw_band),
        _group("credit")._matches_either(stripped, band, raw, raw_band),
        short and _group("caption")._matches_either(stripped, band, raw, raw_band),
        _group("end_of_body")._matches_either(stripped, band, raw, raw_band),
        _group("comment_start")._matches_either(stripped, band, raw, raw_band),
    )


def is_chrome(line: str) -> bool:
    return _group("chrome").matches(line)


def is_end_of_body(line: str) -> bool:
    return _group("end_of_body").matches(line)


def is_comment_start(line: str) -> bool:
    return _group("comment_start").matches(line)


_COMMENT_CHROME: dict[str, bool] = {}  # both groups' answer at once: a comment section asks it of every line, twice


def is_comment_chrome(line: str) -> bool:
    if len(line) > MEMO_MAX_CHARS:
        return _group("comment_chrome").matches(line) or is_chrome(line)
    found = _COMMENT_CHROME.get(line)
    if found is None:
        found = _group("comment_chrome").matches(line) or is_chrome(line)
        if len(_COMMENT_CHROME) >= MEMO_LINES:
            _COMMENT_CHROME.clear()
        _COMMENT_CHROME[line] = found
    return found


def is_credit(line: str) -> bool:
    return _group("credit").matches(line)


def is_widget(line: str) -> bool:
    return _group("widget").matches(line)


def is_caption(line: str) -> bool:
    return _group("caption").matches(line)


def is_comment_list(line: str) -> bool:
    return _group("comment_list").matches(line)


def is_comment_meta(line: str) -> bool:
    return _group("comment_meta").matches(line)
