"""The header of an article: the byline and dateline around its headline, for page dumps and
rendered HTML alike.

Both input paths end up with the page as lines of text and an idea of where the headline and the
body start; these helpers read who wrote it and when from the lines around that spot, and
nowhere else: a date far above the headline is a today's-date widget or a ticker, one in the
body, the comments or a related-articles list dates something else.
"""

from __future__ import annotations

from datetime import timedelta

from search.ingest import bylines, dates, patterns
from search.ingest.bylines import Byline

BYLINE_REACH = 4  # a byline sits above the body or within its first lines
BYLINE_ABOVE_TITLE = 2  # ... or just above the headline ("By Jane Roe" then the headline)
NAME_LINE_REACH = 3  # a bare name line sits right under the headline or right above the body
DATELINE_REACH = 2
DATE_ABOVE_TITLE = 3  # a dateline further above the headline is a today's-date widget or a ticker
LABELLED_DATE_REACH = 3  # lines from the top of the page
WIDGET_DATE_REACH = 1  # ... and one with a weekday counts only right above it (a blog's date header)


class Line:
    """One non-empty line of a page: its text, the blank lines before it, and its word count
    (asked for again and again by the header search, so counted once)."""

    __slots__ = ("text", "gap", "words")

    def __init__(self, text: str, gap: int):
        self.text = text
        self.gap = gap  # blank lines before it; 0 means it continues the previous block
        self.words = len(text.split())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Line) and (self.text, self.gap) == (other.text, other.gap)

    def __hash__(self) -> int:
        return hash((self.text, self.gap))

    def __repr__(self) -> str:
        return f"Line({self.text!r}, {self.gap})"


def find_byline(lines: list[Line], title_at: int | None, begin: int) -> tuple[Byline, int | None]:
    """Return who the page's byline credits and its line: a byline line near the headline or the
    body ("By Jane Roe", "By" then "Jane Roe"), else a bare name right under the headline or right
    above the body ("Jane Roe", "Jane Roe - Nov 19, 2019")."""
    start = max(0, (title_at if title_at is not None else begin) - BYLINE_ABOVE_TITLE)
    stop = min(len(lines), begin + BYLINE_REACH)
    for i in range(start, stop):
        text = lines[i].text
        if i == title_at:
            continue
        if bylines.is_bare_byline_word(text) and i + 1 < len(lines):
            found = bylines.read_credit(lines[i + 1].text)
            if found:
                return found, i + 1
            continue
        found = bylines.read_byline(text)
        if found:
            return found, i
        if bylines.is_desk_credit(text):
            return Byline(credit=text.strip()), i  # "Meridian wire services": a desk, not a person
    near = set(range(begin - NAME_LINE_REACH, begin + (title_at is None)))
    if title_at is not None:
        near |= set(range(title_at + 1, title_at + 1 + NAME_LINE_REACH))
    for i in sorted(k for k in near if 0 <= k < len(lines) and k != title_at and (title_at is None or k > title_at - 1)):
        found = bylines.read_name_line(lines[i].text) if not patterns.is_credit(lines[i].text) else None
        if found and (title_at is not None or i >= begin - 2):  # not "John Roe, Associated Press" under a photo
            return found, i
    # "Working Paper | Jane ROE | Title of the paper" as the headline's line; "Full version: Jane
    # Roe, 'Title', Institute" as the only place that names the author.
    if title_at is not None and (series := bylines.read_series_line(lines[title_at].text)):
        return series[1], title_at
    for line in lines:
        found = bylines.read_full_version_line(line.text)
        if found:
            return found, None  # a citation below the article: no header line
    return Byline(), None


def find_affiliation(lines: list[Line], byline: Byline, byline_at: int | None, title_at: int | None, begin: int) -> str:
    """Return the outlet the byline line, or a dateline in the header, names beside the author
    or the date ("By Jane Roe | Outlet", "Nov 19, 2019 / 10:07 AM / Outlet"), or ""."""
    start = title_at + 1 if title_at is not None else max(0, begin - NAME_LINE_REACH)
    candidates = [byline_at] if byline_at is not None and byline_at != title_at else []
    candidates += [i for i in range(start, min(len(lines), begin + 1)) if i != byline_at and dates.date_from_line(lines[i].text)]
    for i in candidates:
        found = bylines.read_affiliation(lines[i].text, byline if i == byline_at else Byline())
        if found:
            return found
    return ""


def find_date(lines: list[Line], title_at: int | None, begin: int, header_end: int) -> tuple[str | None, timedelta | None]:
    """Return the page's date from its header datelines (published before updated; the one under
    the headline before one above it), or, when it shows none, how long ago it says it was
    published ("2 years ago"); datelines far above the headline (today's-date widgets, tickers),
    in the body, the comments or the related-article lists never count."""
    anchor = title_at if title_at is not None else begin
    stop = min(len(lines), max(begin, header_end + 1) + DATELINE_REACH)
    below = range(anchor, stop)
    above = range(max(0, anchor - DATE_ABOVE_TITLE), anchor)
    order = dates.numeric_order([line.text for line in lines[: stop + 20]])
    found: list[dates.Dateline] = []
    for i in [*below, *above]:
        if i < anchor - WIDGET_DATE_REACH and dates.has_weekday(lines[i].text):
            continue  # "Friday, November 22, 2024" in the masthead: today's date, not the article's
        dateline = dates.read_dateline(lines[i].text, order) or _split_dateline(lines, i, order) or _byline_date(lines[i].text, order)
        if dateline:
            found.append(dateline)
    # A date labelled as the page's ("date 2024-02-16", "Published: 3 March 2021") at the very top,
    # where some crawls and feeds print it, counts however far above the headline it is.
    for i in range(0, min(LABELLED_DATE_REACH, max(0, anchor - DATE_ABOVE_TITLE))):
        if dates.is_labelled_date(lines[i].text):
            dateline = dates.read_dateline(lines[i].text, order)
            if dateline:
                found.append(dateline)
    published = [d for d in found if not d.updated]
    if published or found:
        return (published or found)[0].date, None
    for i in [*below, *above]:
        age = dates.relative_age(lines[i].text)
        if age is not None:
            return None, age
    return None, None


def _byline_date(text: str, order: bool | None) -> dates.Dateline | None:
    """Return the date a byline line states however long it is ("By Jane Roe and John Doe on
    Monday, November 18th, 2019 at 11:08 a.m.")."""
    if not bylines.read_byline(text):
        return None
    found = dates.parse_date(text, order)
    return dates.Dateline(found) if found else None


def _split_dateline(lines: list[Line], i: int, order: bool | None) -> dates.Dateline | None:
    """Return the date of a dateline that a page printed over two or three short lines ("21", "Mar 2024")."""
    if lines[i].words > 3 or not any(c.isdigit() for c in lines[i].text):
        return None
    joined = lines[i].text
    for k in range(i + 1, min(len(lines), i + 3)):
        if lines[k].words > 4:
            break
        joined += " " + lines[k].text
        found = dates.parse_date(joined, order)
        if found:
            return dates.Dateline(found)
    return None
