"""Shape a SearchResult for the HTML page: toggle links on facet values, filter chips, page
links and chart geometry. The JSON API returns the result itself (SearchResult.to_dict());
everything added here is presentation.
"""

from __future__ import annotations

from search.config import Settings
from search.filters import FACETS, FILTERS, facet_filters
from search.results import SearchResult
from webui.params import filter_pairs, search_url, toggled


def decorate_result(result: SearchResult, settings: Settings) -> dict:
    """Return result.to_dict() with what the page shows around it: facet toggle URLs, chips,
    pagination and export links, the date histogram and the hidden form fields."""
    r = result.request
    data = result.to_dict()
    for name in FACETS:
        keep, _ = facet_filters(name)
        for entry in data["facets"][name]:
            entry["toggle_url"] = search_url(r, settings, **{keep.field: toggled(getattr(r, keep.field), entry["value"])})
    for entry in data["facets"]["date"]:
        if entry["value"] == "undated":
            entry["toggle_url"] = search_url(r, settings, undated=not r.undated, date_from=None, date_to=None)
        elif entry["selected"]:
            entry["toggle_url"] = search_url(r, settings, date_from=None, date_to=None)
        else:
            entry["toggle_url"] = search_url(r, settings, date_from=entry["from"], date_to=entry["to"], undated=False)
    chips = [{"label": f"{f.chip}: {v}", "remove_url": search_url(r, settings, **{f.field: toggled(getattr(r, f.field), v)})}
             for f in FILTERS if f.kind == "values" for v in getattr(r, f.field)]
    if r.date_from or r.date_to:
        label = r.date_from if r.date_from == r.date_to else f"{r.date_from or '…'} – {r.date_to or '…'}"
        chips.append({"label": f"date: {label}", "remove_url": search_url(r, settings, date_from=None, date_to=None)})
    if r.undated:
        chips.append({"label": "undated", "remove_url": search_url(r, settings, undated=False)})
    if r.indexed_since:
        chips.append({"label": f"indexed since {r.indexed_since}", "remove_url": search_url(r, settings, indexed_since=None)})
    if data.get("did_you_mean"):
        data["did_you_mean"]["url"] = search_url(r, settings, q=data["did_you_mean"]["query"])
    for term in data.get("key_terms", []):
        term["url"] = search_url(r, settings, q=f"{r.q} {term['term']}".strip())
    for hit in data["hits"]:
        hit["actor_urls"] = [search_url(r, settings, actors=(a,) if a not in r.actors else r.actors) for a in hit["actors"][:12]]
    data["histogram"] = date_histogram(data["facets"]["date"])
    data["chips"] = chips
    cleared = {f.field: () if f.kind == "values" else (False if f.kind == "flag" else None) for f in FILTERS}
    data["clear_url"] = search_url(r, settings, **cleared)
    # The search box keeps every filter; the facet form's checkboxes stand for their own.
    checkbox_params = {facet_filters(name)[0].param for name in FACETS}
    data["hidden_filters"] = filter_pairs(r)
    data["facet_form_hidden"] = [(k, v) for k, v in filter_pairs(r) if k not in checkbox_params]
    data["links"] = {
        "self": search_url(r, settings, page=r.page),
        "prev": search_url(r, settings, page=r.page - 1) if r.page > 1 else None,
        "next": search_url(r, settings, page=r.page + 1) if r.page < result.pages else None,
        "sort": {s: search_url(r, settings, sort=s) for s in ("relevance", "newest", "oldest")},
        "export_csv": "/api/export" + _with_format(search_url(r, settings), "csv"),
        "export_jsonl": "/api/export" + _with_format(search_url(r, settings), "jsonl"),
        "feed": "/feed.atom" + search_url(r, settings)[1:],
    }
    data["links"]["feed_since"] = "/feed.atom" + search_url(r, settings, indexed_since=_now_iso())[1:]
    return data


def _now_iso() -> str:
    from datetime import datetime, timezone

    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _with_format(url: str, fmt: str) -> str:
    query = url[1:]  # "/?a=b" → "?a=b"
    return (query + "&" if query else "?") + f"format={fmt}"


HISTOGRAM_WIDTH, HISTOGRAM_HEIGHT, HISTOGRAM_GAP = 240, 64, 2
HISTOGRAM_MAX_BAR = 32  # a few bars stay bars, not blocks


def date_histogram(dates: list[dict]) -> dict | None:
    """Return bars (geometry, label, link) for the dated entries of the date facet, oldest first."""
    dated = sorted((e for e in dates if e["value"] != "undated"), key=lambda e: e["value"])
    if not dated:
        return None
    top = max(e["count"] for e in dated) or 1
    width = min(HISTOGRAM_WIDTH / len(dated), HISTOGRAM_MAX_BAR)
    bars = []
    for i, entry in enumerate(dated):
        height = max(2.0, HISTOGRAM_HEIGHT * entry["count"] / top)
        noun = "article" if entry["count"] == 1 else "articles"
        bars.append({
            "x": round(i * width + HISTOGRAM_GAP / 2, 2), "width": round(max(1.0, width - HISTOGRAM_GAP), 2),
            "y": round(HISTOGRAM_HEIGHT - height, 2), "height": round(height, 2),
            "label": f"{entry['value']}: {entry['count']} {noun}", "url": entry["toggle_url"],
            "selected": entry["selected"], "value": entry["value"],
        })
    return {"width": HISTOGRAM_WIDTH, "height": HISTOGRAM_HEIGHT, "bars": bars,
            "first": dated[0]["value"], "last": dated[-1]["value"]}


def actor_panel(engine, request, actor: str, settings: Settings) -> dict:
    """Return, for one selected actor, who is mentioned with it and its monthly timeline."""
    from dataclasses import replace

    base = replace(request, page=1)
    together = engine.cooccurrence(base, actor, top=12)
    for entry in together:
        entry["url"] = search_url(base, settings, q=f'{base.q} actor:"{entry["actor"]}"'.strip())
    timeline = engine.timeline(base, actor)
    months = timeline["months"]
    totals = [sum(o["counts"][i] for o in timeline["outlets"]) for i in range(len(months))]
    bars = []
    if months:
        top = max(totals) or 1
        width = min(HISTOGRAM_WIDTH * 2 / len(months), HISTOGRAM_MAX_BAR)
        for i, (month, total) in enumerate(zip(months, totals)):
            height = max(2.0, HISTOGRAM_HEIGHT * total / top)
            by_outlet = ", ".join(f"{o['outlet']} {o['counts'][i]}" for o in timeline["outlets"] if o["counts"][i])
            bars.append({"x": round(i * width + 1, 2), "width": round(max(1.0, width - 2), 2),
                         "y": round(HISTOGRAM_HEIGHT - height, 2), "height": round(height, 2),
                         "label": f"{month}: {total} article{'s' if total != 1 else ''} ({by_outlet})",
                         "url": search_url(base, settings, date_from=month, date_to=month, undated=False)})
    return {"actor": actor, "together": together, "timeline": {
        "bars": bars, "width": HISTOGRAM_WIDTH * 2, "height": HISTOGRAM_HEIGHT,
        "first": months[0] if months else None, "last": months[-1] if months else None,
        "outlets": timeline["outlets"][:6], "months": months, "undated": timeline["undated"]}}
