"""Every search filter and facet, declared once.

`FILTERS` drives the URL parser and links (webui.params), the CLI options (search.cli), the
export header (search.export), the OpenAPI document (webui.openapi) and the filter chips
(webui.views); `FACETS` says which article values each facet counts, for every engine. A new
filter on an existing facet is one row here plus its field on SearchRequest, and a test fails
when the two disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from search.article import Article

UNDATED = "undated"


@dataclass(frozen=True)
class Facet:
    """A facet: the values an article counts under, and what stands for an article with none."""

    name: str
    label: str
    values_of: Callable[[Article], tuple[str, ...]]
    missing: str = ""  # the value counted for an article without one ("" counts nothing)
    multi: bool = False  # several values per article (actors, co-authors)


FACETS: dict[str, Facet] = {
    facet.name: facet
    for facet in (
        Facet("outlet", "Outlet", lambda a: (a.outlet,) if a.outlet else (), missing="(unknown)"),
        Facet("actor", "Actor", lambda a: a.actors, multi=True),
        Facet("author", "Author", lambda a: a.authors or ((a.author,) if a.author else ()), missing="(no byline)", multi=True),
    )
}

_DATE_PATTERN = r"^\d{4}(-\d{2}(-\d{2})?)?$"


@dataclass(frozen=True)
class Filter:
    """One search filter: the SearchRequest field it sets and how each surface spells it."""

    field: str  # SearchRequest attribute
    param: str  # URL parameter (repeatable for kind "values")
    option: str  # CLI option
    kind: str  # "values" (any of them), "date" (YYYY[-MM[-DD]]), "time" (an instant) or "flag"
    help: str
    facet: str | None = None  # the facet whose values it selects or excludes
    exclude: bool = False  # leaves out the values instead of keeping only them
    chip: str = ""  # label of the filter chip on the search page

    def openapi_schema(self) -> dict:
        if self.kind == "values":
            return {"type": "array", "items": {"type": "string", "maxLength": 200}}
        if self.kind == "date":
            return {"type": "string", "pattern": _DATE_PATTERN}
        if self.kind == "time":
            return {"type": "string", "format": "date-time"}
        return {"type": "string", "enum": ["1", "0", "true", "false", "on", "off"]}


FILTERS: tuple[Filter, ...] = (
    Filter("outlets", "outlet", "--outlet", "values", "Only these outlets (any of them).", facet="outlet", chip="outlet"),
    Filter("not_outlets", "-outlet", "--not-outlet", "values", "Leave out these outlets.", facet="outlet", exclude=True, chip="not outlet"),
    Filter("actors", "actor", "--actor", "values", "Only articles about these actors (any of them).", facet="actor", chip="actor"),
    Filter("not_actors", "-actor", "--not-actor", "values", "Leave out articles about these actors.", facet="actor", exclude=True, chip="not actor"),
    Filter("authors", "author", "--author", "values", "Only articles by these authors (any of them).", facet="author", chip="author"),
    Filter("not_authors", "-author", "--not-author", "values", "Leave out articles by these authors.", facet="author", exclude=True, chip="not author"),
    Filter("date_from", "from", "--from", "date", "From this date: YYYY, YYYY-MM or YYYY-MM-DD."),
    Filter("date_to", "to", "--to", "date", "Up to this date: YYYY, YYYY-MM or YYYY-MM-DD."),
    Filter("undated", "undated", "--undated", "flag", "Only articles without a date."),
    Filter("indexed_since", "since", "--since", "time",
           "Only articles indexed at or after this time (ISO 8601, UTC unless it says: 2026-12-01 or 2026-12-01T09:30Z)."),
)
FILTERS_BY_PARAM = {f.param: f for f in FILTERS}
TRUE_FLAGS = ("1", "true", "on")


def facet_filters(facet: str) -> tuple[Filter | None, Filter | None]:
    """Return the (keep only, leave out) filters of a facet."""
    keep = next((f for f in FILTERS if f.facet == facet and not f.exclude), None)
    leave = next((f for f in FILTERS if f.facet == facet and f.exclude), None)
    return keep, leave


def facet_values(article: Article) -> dict[str, tuple[str, ...]]:
    """Return every facet's values for one article (the missing value where it has none)."""
    out = {}
    for facet in FACETS.values():
        # One value per line in the index's facet columns: a line break inside a value would split it.
        values = tuple(dict.fromkeys(" ".join(v.split()) for v in facet.values_of(article) if v and v.strip()))
        out[facet.name] = values or ((facet.missing,) if facet.missing else ())
    return out
