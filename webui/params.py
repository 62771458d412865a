"""request.args → SearchRequest, shared by the HTML pages and the JSON API; URL helpers.

The filter parameters come from search.filters.FILTERS, so a filter declared there is parsed
here, written back into links, and shown as a chip without an edit in this module.
"""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlencode

from search.config import Settings
from search.errors import BadQuery
from search.filters import FILTERS, TRUE_FLAGS
from search.request import SearchRequest

# URL parameters, in the order they appear in generated links.
PARAMS = ("q", "in", *(f.param for f in FILTERS), "sort", "page", "per_page", "collapse")
FALSE_FLAGS = ("0", "false", "off")


def _int(args, name: str, default: int) -> int:
    raw = args.get(name, "").strip()
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit()):
        raise BadQuery(f"{name}={raw!r} is not a whole number")
    return int(raw)


def _flag(args, name: str, default: bool) -> bool:
    raw = args.get(name, "").strip().lower()
    if not raw:
        return default
    if raw not in TRUE_FLAGS + FALSE_FLAGS:
        raise BadQuery(f"{name}={raw!r} is not a yes/no value", hint="use 1 or 0")
    return raw in TRUE_FLAGS


def request_from_args(args, settings: Settings) -> SearchRequest:
    """Return the validated SearchRequest a query string describes; raise BadQuery if it is bad."""
    unknown = sorted(set(args) - set(PARAMS) - {"format"})
    if unknown:
        raise BadQuery(f"unknown parameter {unknown[0]!r}", hint="parameters: " + ", ".join(PARAMS))
    filters = {}
    for f in FILTERS:
        if f.kind == "values":
            filters[f.field] = tuple(dict.fromkeys(v.strip() for v in args.getlist(f.param) if v.strip()))
        elif f.kind in ("date", "time"):
            filters[f.field] = args.get(f.param, "").strip() or None
        else:
            filters[f.field] = _flag(args, f.param, False)
    request = SearchRequest(
        q=args.get("q", ""),
        scope=args.get("in", "all") or "all",
        sort=args.get("sort", "relevance") or "relevance",
        page=_int(args, "page", 1),
        per_page=_int(args, "per_page", settings.per_page),
        collapse=_flag(args, "collapse", True),
        **filters,
    )
    return request.validate(settings)


def filter_pairs(request: SearchRequest) -> list[tuple[str, str]]:
    """Return the URL parameters of the request's filters."""
    pairs: list[tuple[str, str]] = []
    for f in FILTERS:
        value = getattr(request, f.field)
        if f.kind == "values":
            pairs += [(f.param, v) for v in value]
        elif f.kind in ("date", "time") and value:
            pairs.append((f.param, value))
        elif f.kind == "flag" and value:
            pairs.append((f.param, "1"))
    return pairs


def request_to_pairs(request: SearchRequest, settings: Settings) -> list[tuple[str, str]]:
    """Return the URL parameters that describe `request`, defaults left out."""
    pairs: list[tuple[str, str]] = []
    if request.q:
        pairs.append(("q", request.q))
    if request.scope != "all":
        pairs.append(("in", request.scope))
    pairs += filter_pairs(request)
    if request.sort != "relevance":
        pairs.append(("sort", request.sort))
    if request.page != 1:
        pairs.append(("page", str(request.page)))
    if request.per_page != settings.per_page:
        pairs.append(("per_page", str(request.per_page)))
    if not request.collapse:
        pairs.append(("collapse", "0"))
    return pairs


def search_url(request: SearchRequest, settings: Settings, **changes) -> str:
    """Return "/?..." for `request` with `changes` applied; any change but a page resets to page 1."""
    if "page" not in changes:
        changes["page"] = 1
    query = urlencode(request_to_pairs(replace(request, **changes), settings))
    return "/" + ("?" + query if query else "")


def toggled(values: tuple[str, ...], value: str) -> tuple[str, ...]:
    return tuple(v for v in values if v != value) if value in values else (*values, value)
