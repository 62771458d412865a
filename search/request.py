"""SearchRequest: a validated search, the same whether it came from a URL, the CLI or code."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import date, datetime, timezone

from search.config import Settings
from search.errors import BadQuery
from search.filters import FILTERS, facet_filters
from search.schema import SCOPES

# newest/oldest: by publication date; indexed: the articles most recently added to the index first.
SORTS = ("relevance", "newest", "oldest", "indexed")
_DATE_VALUE = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")


@dataclass(frozen=True)
class SearchRequest:
    """What to search for, within which filters (declared in search.filters), in which order,
    and which page of it."""

    q: str = ""
    scope: str = "all"
    outlets: tuple[str, ...] = ()
    not_outlets: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()
    not_actors: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    not_authors: tuple[str, ...] = ()
    date_from: str | None = None
    date_to: str | None = None
    undated: bool = False
    indexed_since: str | None = None  # an ISO 8601 instant (search.request.parse_instant)
    sort: str = "relevance"
    page: int = 1
    per_page: int = 10
    collapse: bool = True  # show one copy per cluster of near-duplicates

    def validate(self, settings: Settings) -> "SearchRequest":
        """Return the request; raise BadQuery naming the parameter that is out of bounds."""
        if len(self.q) > settings.max_query_chars:
            raise BadQuery(f"query is {len(self.q)} characters; the limit is {settings.max_query_chars}")
        if self.scope not in SCOPES:
            raise BadQuery(f"in={self.scope!r} is not a search scope", hint="use one of: " + ", ".join(SCOPES))
        if self.sort not in SORTS:
            raise BadQuery(f"sort={self.sort!r} is not a sort order", hint="use one of: " + ", ".join(SORTS))
        if not 1 <= self.page <= settings.max_page:
            raise BadQuery(f"page={self.page} is out of range", hint=f"pages run from 1 to {settings.max_page}")
        if not 1 <= self.per_page <= settings.max_per_page:
            raise BadQuery(f"per_page={self.per_page} is out of range", hint=f"use 1 to {settings.max_per_page}")
        for f in FILTERS:
            value = getattr(self, f.field)
            if f.kind == "date" and value is not None:
                check_date(f.param, value)
            if f.kind == "time" and value is not None:
                parse_instant(f.param, value)
            if f.kind == "values" and len(value) > settings.max_filter_values:
                raise BadQuery(f"{f.param} lists {len(value)} values; the limit is {settings.max_filter_values}",
                               hint="narrow the search another way, e.g. by leaving values out with -" + f.param.lstrip("-"))
        if self.date_from and self.date_to and date_bounds(self.date_from)[0] > date_bounds(self.date_to)[1]:
            raise BadQuery(f"from={self.date_from} is after to={self.date_to}")
        return self

    def selected(self, facet: str) -> tuple[str, ...]:
        """Return the values of a facet the request keeps only."""
        keep, _ = facet_filters(facet)
        return getattr(self, keep.field) if keep else ()

    def excluded(self, facet: str) -> tuple[str, ...]:
        """Return the values of a facet the request leaves out."""
        _, leave = facet_filters(facet)
        return getattr(self, leave.field) if leave else ()

    @property
    def has_query(self) -> bool:
        return bool(self.q.strip())

    @property
    def single_year(self) -> str | None:
        """The year the date filter lies within, when it lies within one (dates then facet by month)."""
        if self.date_from and self.date_to and self.date_from[:4] == self.date_to[:4]:
            return self.date_from[:4]
        return None

    def filter_values(self) -> dict[str, object]:
        """Return every filter's value by URL parameter (for export headers and echoes)."""
        return {f.param: list(v) if isinstance(v := getattr(self, f.field), tuple) else v for f in FILTERS}


REQUEST_FIELDS = {f.name for f in fields(SearchRequest)}


def check_date(name: str, value: str) -> None:
    """Raise BadQuery unless `value` is a real calendar date of year, month or day precision."""
    match = _DATE_VALUE.fullmatch(value)
    try:
        if match is None:
            raise ValueError
        year, month, day = match.groups()
        date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        raise BadQuery(f"{name}={value!r} is not a date", hint="write YYYY, YYYY-MM or YYYY-MM-DD") from None


def parse_instant(name: str, value: str) -> datetime:
    """Return an ISO 8601 date or date-time as an aware UTC datetime (UTC when it names no
    zone); raise BadQuery naming the parameter when it is not one."""
    text = value.strip()
    try:
        if not text.isascii():
            raise ValueError
        instant = datetime.fromisoformat(text[:-1] + "+00:00" if text[-1:] in "zZ" else text)
    except ValueError:
        raise BadQuery(f"{name}={value!r} is not a time", hint="write an ISO 8601 time, e.g. 2026-12-01 or 2026-12-01T09:30Z") from None
    return (instant if instant.tzinfo else instant.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)


def date_bounds(value: str) -> tuple[str, str]:
    """Return the first and last day an ISO date of any precision covers."""
    start = (value + "-01-01")[:10] if len(value) == 4 else (value + "-01")[:10]
    end = value + "-12-31" if len(value) == 4 else (value + "-31" if len(value) == 7 else value)
    return start, end
