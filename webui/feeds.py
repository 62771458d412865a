"""An Atom feed for every search: `/feed.atom` takes the search page's parameters.

Feed readers and alert pipelines poll it: entries keep the article id as their Atom id, the
response carries an ETag and Last-Modified so an unchanged feed costs a 304, and `since=`
narrows it to the articles indexed after a moment (what is new to the index, whatever the
articles' own dates).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from urllib.parse import urlencode

from flask import Blueprint, Response, request
from werkzeug.datastructures import MultiDict

from search.results import Hit
from webui.engine import engine, settings
from webui.params import request_from_args, request_to_pairs

bp = Blueprint("feeds", __name__)

ATOM = "http://www.w3.org/2005/Atom"
FEED_ENTRIES = 50
# XML 1.0 cannot carry these characters at all; a page's text must not break the feed.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


@bp.get("/feed.atom")
def feed():
    args = MultiDict(request.args)
    if "sort" not in args:  # the newest first: by indexed time when the feed is of what is new
        args["sort"] = "indexed" if args.get("since") else "newest"
    if "per_page" not in args:
        args["per_page"] = str(min(FEED_ENTRIES, settings().max_per_page))
    search = request_from_args(args, settings())
    index = engine().status()["index"]
    etag = hashlib.blake2b(f"{index}\n{urlencode(request_to_pairs(search, settings()))}".encode(), digest_size=12).hexdigest()
    if request.if_none_match.contains(etag):
        return Response(status=304, headers={"ETag": f'"{etag}"'})
    result = engine().search(search)
    updated = max(filter(None, (_instant(hit.indexed_at) for hit in result.hits)), default=None) \
        or datetime.now(timezone.utc).replace(microsecond=0)
    body = _atom(result, search, updated)
    response = Response(body, mimetype="application/atom+xml")
    response.set_etag(etag)
    response.last_modified = updated
    response.cache_control.no_cache = True  # may be stored, but asked again (cheaply) each time
    return response


def _atom(result, search, updated: datetime) -> bytes:
    root = request.url_root.rstrip("/")
    page_url = root + "/?" + urlencode(request_to_pairs(replace(search, page=1), settings()))
    ET.register_namespace("", ATOM)
    feed_el = ET.Element(f"{{{ATOM}}}feed")
    _text(feed_el, "id", "urn:mosaic:search:" + hashlib.blake2b(request.query_string, digest_size=12).hexdigest())
    _text(feed_el, "title", f"Mosaic: {search.q or 'all articles'}" + (f" (indexed since {search.indexed_since})" if search.indexed_since else ""))
    _text(feed_el, "updated", _iso(updated))
    _text(feed_el, "generator", "Mosaic")
    ET.SubElement(feed_el, f"{{{ATOM}}}link", rel="self", href=request.url, type="application/atom+xml")
    ET.SubElement(feed_el, f"{{{ATOM}}}link", rel="alternate", href=page_url, type="text/html")
    for hit in result.hits:
        feed_el.append(_entry(hit, root))
    return ET.tostring(feed_el, encoding="utf-8", xml_declaration=True)


def _entry(hit: Hit, root: str) -> ET.Element:
    entry = ET.Element(f"{{{ATOM}}}entry")
    _text(entry, "id", f"urn:mosaic:article:{hit.id}")
    _text(entry, "title", hit.title)
    # Publication date when the page states one; else the fetch (or index) time, marked as such.
    if hit.date:
        when, kind = datetime.fromisoformat((hit.date + "-01-01")[:10]).replace(tzinfo=timezone.utc), "published"
        _text(entry, "published", _iso(when))
    elif _instant(hit.fetched_at):
        when, kind = _instant(hit.fetched_at), "fetched"
    else:
        when, kind = _instant(hit.indexed_at) or datetime.now(timezone.utc), "indexed"
    _text(entry, "updated", _iso(when))
    ET.SubElement(entry, f"{{{ATOM}}}category", scheme="urn:mosaic:date", term=kind,
                  label={"published": "publication date", "fetched": "fetch time (no publication date)",
                         "indexed": "indexed time (no publication or fetch date)"}[kind])
    for name in hit.authors or ((hit.author,) if hit.author else ()):
        author = ET.SubElement(entry, f"{{{ATOM}}}author")
        _text(author, "name", name)
    if hit.outlet:
        ET.SubElement(entry, f"{{{ATOM}}}category", scheme="urn:mosaic:outlet", term=_clean(hit.outlet), label=_clean(hit.outlet))
    ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=f"{root}/articles/{hit.id}")
    if hit.url.lower().startswith(("http://", "https://")):
        ET.SubElement(entry, f"{{{ATOM}}}link", rel="related", href=_clean(hit.url), title="original")
    snippet = " … ".join(s.html for s in hit.snippets)
    if snippet:
        summary = _text(entry, "summary", snippet)  # escaped HTML with <mark>, as the page shows it
        summary.set("type", "html")
    return entry


def _text(parent: ET.Element, tag: str, value: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}")
    element.text = _clean(value)
    return element


def _clean(value: str) -> str:
    return _NOT_XML.sub("", value or "")


def _instant(value: str | None) -> datetime | None:
    """Return an ISO time as UTC, or None for none or one that does not parse."""
    try:
        moment = datetime.fromisoformat((value or "").strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
