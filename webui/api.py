"""JSON endpoints. Search-shaped ones take the same parameters as the search page's URL."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request, stream_with_context

from search.errors import BadQuery
from search.export import FORMATS, iter_export
from webui.engine import engine, settings
from webui.openapi import openapi_document
from webui.params import request_from_args

bp = Blueprint("api", __name__, url_prefix="/api")

MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())


@bp.get("/search")
def search():
    search_request = request_from_args(request.args, settings())
    return jsonify(engine().search(search_request).to_dict())


@bp.get("/export")
def export():
    """The full result set (every page) as CSV or JSONL, streamed."""
    fmt = request.args.get("format", "jsonl")
    if fmt not in FORMATS:
        raise BadQuery(f"format={fmt!r} is not an export format", hint="use csv or jsonl")
    search_request = request_from_args(request.args, settings())
    chunks = iter_export(engine(), search_request, fmt)
    first = next(chunks)  # runs the search: a bad query becomes a 400, not a broken download
    body = stream_with_context(_prepend(first, chunks))
    response = Response(body, mimetype=MEDIA_TYPES[fmt].split(";")[0], content_type=MEDIA_TYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="mosaic-export.{fmt}"'
    return response


def _prepend(first, rest):
    yield first
    yield from rest


@bp.get("/actors/<path:name>/cooccurrence")
def cooccurrence(name: str):
    """Actors most often mentioned together with `name` in the current results."""
    search_request = request_from_args(request.args, settings())
    return jsonify({"actor": name, "cooccurring": engine().cooccurrence(search_request, name)})


@bp.get("/actors/<path:name>/timeline")
def timeline(name: str):
    """Monthly counts of the current results that mention `name`, by outlet."""
    search_request = request_from_args(request.args, settings())
    return jsonify(engine().timeline(search_request, name))


@bp.get("/articles/<article_id>")
def article(article_id: str):
    return jsonify(engine().article(article_id).to_dict())


@bp.get("/articles/<article_id>/similar")
def similar(article_id: str):
    return jsonify({"id": article_id, "similar": [hit.to_dict() for hit in engine().more_like(article_id)]})
