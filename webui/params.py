"""request.args → SearchRequest, shared by the HTML pages and the JSON API; URL helpers."""

from __future__ import annotations

from urllib.parse import urlencode

from search.config import Settings
from search.errors import BadQuery
from search.query import SearchRequest

# URL parameters, in the order they appear in generated links.
PARAMS = ("q", "in", "outlet", "-outlet", "actor", "-actor", "author", "from", "to", "undated", "sort", "page", "per_page", "collapse")


def _int(args, name: str, default: int) -> int:
    raw = args.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise BadQuery(f"{name}={raw!r} is not a whole number") from None


def request_from_args(args, settings: Settings) -> SearchRequest:
    """Return the validated SearchRequest a query string describes; raise BadQuery if it is bad."""
    unknown = sorted(set(args) - set(PARAMS) - {"format"})
    if unknown:
        raise BadQuery(f"unknown parameter {unknown[0]!r}", hint="parameters: " + ", ".join(PARAMS))

    def values(name: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys(v.strip() for v in args.getlist(name) if v.strip()))

    request = SearchRequest(
        q=args.get("q", ""),
        scope=args.get("in", "all") or "all",
        outlets=values("outlet"),
        actors=values("actor"),
        not_outlets=values("-outlet"),
        not_actors=values("-actor"),
        authors=values("author"),
        date_from=args.get("from", "").strip() or None,
        date_to=args.get("to", "").strip() or None,
        undated=args.get("undated", "") in ("1", "true", "on"),
        sort=args.get("sort", "relevance") or "relevance",
        page=_int(args, "page", 1),
        per_page=_int(args, "per_page", settings.per_page),
        collapse=args.get("collapse", "1") not in ("0", "false", "off"),
    )
    return request.validate(settings)


def request_to_pairs(request: SearchRequest, settings: Settings) -> list[tuple[str, str]]:
    """Return the URL parameters that describe `request`, defaults left out."""
    pairs: list[tuple[str, str]] = []
    if request.q:
        pairs.append(("q", request.q))
    if request.scope != "all":
        pairs.append(("in", request.scope))
    pairs += [("outlet", v) for v in request.outlets] + [("-outlet", v) for v in request.not_outlets]
    pairs += [("actor", v) for v in request.actors] + [("-actor", v) for v in request.not_actors]
    pairs += [("author", v) for v in request.authors]
    if request.date_from:
        pairs.append(("from", request.date_from))
    if request.date_to:
        pairs.append(("to", request.date_to))
    if request.undated:
        pairs.append(("undated", "1"))
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
    from dataclasses import replace

    if "page" not in changes:
        changes["page"] = 1
    changed = replace(request, **changes)
    query = urlencode(request_to_pairs(changed, settings))
    return "/" + ("?" + query if query else "")


def toggled(values: tuple[str, ...], value: str) -> tuple[str, ...]:
    return tuple(v for v in values if v != value) if value in values else (*values, value)
