"""The OpenAPI 3.1 document of the JSON endpoints, served at /api/openapi.json."""

from __future__ import annotations

from search.filters import FACETS, FILTERS
from search.request import SORTS
from search.schema import SCOPES

_STRING_LIST = {"type": "array", "items": {"type": "string"}}
_SEARCH_PARAMETERS = [
    {"name": "q", "in": "query", "schema": {"type": "string", "maxLength": 1000},
     "description": 'Query: AND by default; OR, NOT, "phrases", field:value (title, author, outlet, actor, comments), wildcards.'},
    {"name": "in", "in": "query", "schema": {"type": "string", "enum": list(SCOPES)}, "description": "Where bare words are looked up."},
    *({"name": f.param, "in": "query", "schema": f.openapi_schema(), "description": f.help,
       **({"explode": True} if f.kind == "values" else {})} for f in FILTERS),
    {"name": "sort", "in": "query", "schema": {"type": "string", "enum": list(SORTS)}},
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000}},
    {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
    {"name": "collapse", "in": "query", "schema": {"type": "string", "enum": ["1", "0", "true", "false", "on", "off"]},
     "description": "Show one copy of near-duplicates (default 1)."},
]
_ERROR = {
    "type": "object", "required": ["error"], "additionalProperties": False,
    "properties": {"error": {
        "type": "object", "required": ["code", "message"], "additionalProperties": False,
        "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "hint": {"type": "string"}},
    }},
}
_SUMMARY = {
    "type": "object", "required": ["id", "title", "author", "authors", "outlet", "date", "url", "actors"],
    "properties": {
        "id": {"type": "string"}, "title": {"type": "string"}, "author": {"type": "string"}, "authors": _STRING_LIST,
        "outlet": {"type": "string"}, "date": {"type": ["string", "null"]}, "url": {"type": "string"},
        "actors": _STRING_LIST, "score": {"type": ["number", "null"]},
        "fetched_at": {"type": ["string", "null"]}, "indexed_at": {"type": ["string", "null"]},
    },
}
_HIT = {
    "allOf": [{"$ref": "#/components/schemas/ArticleSummary"}, {
        "type": "object", "required": ["score", "snippets", "matched_in", "copies"],
        "properties": {
            "snippets": {"type": "array", "items": {
                "type": "object", "required": ["field", "html"],
                "properties": {"field": {"type": "string", "enum": ["body", "comments"]}, "html": {"type": "string"}},
            }},
            "matched_in": {"type": "array", "items": {"type": "string", "enum": ["title", "body", "comments"]}},
            "copies": {"oneOf": [{"type": "null"}, {
                "type": "object", "required": ["count", "outlets", "earliest_id", "is_earliest"],
                "properties": {"count": {"type": "integer"}, "outlets": {"type": "integer"},
                               "earliest_id": {"type": "string"}, "is_earliest": {"type": "boolean"}},
            }]},
        },
    }],
}
_FACET_ENTRY = {
    "type": "object", "required": ["value", "count", "selected", "excluded"], "additionalProperties": False,
    "properties": {"value": {"type": "string"}, "count": {"type": "integer", "minimum": 0},
                   "selected": {"type": "boolean"}, "excluded": {"type": "boolean"},
                   "from": {"type": ["string", "null"]}, "to": {"type": ["string", "null"]}},
}
_SEARCH = {
    "type": "object",
    "required": ["query", "total", "page", "per_page", "took_ms", "hits", "facets", "did_you_mean", "key_terms"],
    "properties": {
        "query": {"type": "string"}, "parsed_query": {"type": "string"}, "in": {"type": "string"},
        "sort": {"type": "string"}, "filters": {"type": "object"},
        "total": {"type": "integer", "minimum": 0}, "listed": {"type": "integer", "minimum": 0},
        "collapsed": {"type": "boolean"},
        "page": {"type": "integer", "minimum": 1}, "per_page": {"type": "integer", "minimum": 1},
        "pages": {"type": "integer", "minimum": 1}, "took_ms": {"type": "number"},
        "hits": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}},
        "facets": {
            "type": "object", "required": [*FACETS, "date"],
            "properties": {name: {"type": "array", "items": {"$ref": "#/components/schemas/FacetEntry"}}
                           for name in (*FACETS, "date")},
        },
        "did_you_mean": {"oneOf": [{"type": "null"}, {"type": "object", "required": ["query", "total"]}]},
        "key_terms": {"type": "array", "items": {"type": "object", "required": ["term", "weight"]}},
        "engine": {"type": "string", "description": "Which engine answered (whoosh or opensearch)."},
    },
}
_ARTICLE = {
    "type": "object",
    "required": ["id", "path", "url", "title", "author", "outlet", "date", "tags", "actors", "body", "comments"],
    "properties": {
        "id": {"type": "string"}, "url": {"type": "string"}, "title": {"type": "string"},
        "author": {"type": "string"}, "outlet": {"type": "string"}, "date": {"type": ["string", "null"]},
        "tags": _STRING_LIST, "actors": _STRING_LIST, "body": {"type": "string"},
        "comments": {"type": "array", "items": {"type": "object", "required": ["author", "text"]}},
        "actor_mentions": {"type": "array"},
        "authors": _STRING_LIST,
        "fetched_at": {"type": ["string", "null"], "description": "When a crawler fetched the page; never the publication date."},
        "source": {"type": "string", "description": "The outlet a syndicated copy credits."},
        "provenance": {"type": "object", "additionalProperties": {"type": "string"},
                       "description": "Where each metadata field's value came from."},
    },
}


def _error_responses(*codes: int) -> dict:
    text = {400: "Malformed query or parameter", 404: "No such article", 413: "Request body too large",
            414: "URL too long", 431: "Headers too large",
            503: "No index built yet (index_missing), or the query ran past the time limit (query_timeout)"}
    return {str(c): {"description": text[c], "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}} for c in codes}


def _json(schema_name: str, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_name}"}}}}


def openapi_document() -> dict:
    article_id = {"name": "article_id", "in": "path", "required": True, "schema": {"type": "string"}}
    actor_name = {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Mosaic", "version": "1", "description": "Full-text search over political analysis articles."},
        "paths": {
            "/api/search": {"get": {
                "summary": "Search, with facet counts and highlighted snippets",
                "parameters": _SEARCH_PARAMETERS,
                "responses": {"200": _json("SearchResult", "One page of results"), **_error_responses(400, 413, 414, 431, 503)},
            }},
            "/api/export": {"get": {
                "summary": "Every result of a search as CSV or JSONL, streamed",
                "parameters": [*_SEARCH_PARAMETERS, {"name": "format", "in": "query", "schema": {"type": "string", "enum": ["csv", "jsonl"]}}],
                "responses": {
                    "200": {"description": "The export file", "content": {"text/csv": {"schema": {"type": "string"}},
                                                                           "application/x-ndjson": {"schema": {"type": "string"}}}},
                    **_error_responses(400, 413, 414, 431, 503),
                },
            }},
            "/feed.atom": {"get": {
                "summary": "An Atom feed of a search (newest first; with since=, what is new to the index)",
                "parameters": _SEARCH_PARAMETERS,
                "responses": {
                    "200": {"description": "Atom feed", "content": {"application/atom+xml": {"schema": {"type": "string"}}}},
                    "304": {"description": "Unchanged since the ETag given in If-None-Match"},
                    **_error_responses(400, 413, 414, 431, 503),
                },
            }},
            "/api/articles/{article_id}": {"get": {
                "summary": "One article", "parameters": [article_id],
                "responses": {"200": _json("Article", "The article"), **_error_responses(404, 413, 414, 431, 503)},
            }},
            "/api/articles/{article_id}/similar": {"get": {
                "summary": "Articles like this one", "parameters": [article_id],
                "responses": {"200": {"description": "Similar articles", "content": {"application/json": {"schema": {
                    "type": "object", "required": ["id", "similar"],
                    "properties": {"similar": {"type": "array", "items": {"$ref": "#/components/schemas/ArticleSummary"}}}}}}},
                    **_error_responses(404, 413, 414, 431, 503)},
            }},
            "/api/actors/{name}/cooccurrence": {"get": {
                "summary": "Actors mentioned together with an actor in a search's results",
                "parameters": [actor_name, *_SEARCH_PARAMETERS],
                "responses": {"200": {"description": "Co-occurring actors", "content": {"application/json": {"schema": {
                    "type": "object", "required": ["actor", "cooccurring"],
                    "properties": {"cooccurring": {"type": "array", "items": {
                        "type": "object", "required": ["actor", "count"],
                        "properties": {"actor": {"type": "string"}, "count": {"type": "integer"}}}}}}}}},
                    **_error_responses(400, 413, 414, 431, 503)},
            }},
            "/api/actors/{name}/timeline": {"get": {
                "summary": "Monthly counts of a search's articles mentioning an actor, by outlet",
                "parameters": [actor_name, *_SEARCH_PARAMETERS],
                "responses": {"200": {"description": "Timeline", "content": {"application/json": {"schema": {
                    "type": "object", "required": ["actor", "months", "outlets", "undated"]}}}},
                    **_error_responses(400, 413, 414, 431, 503)},
            }},
        },
        "components": {"schemas": {
            "Error": _ERROR, "ArticleSummary": _SUMMARY, "Hit": _HIT, "FacetEntry": _FACET_ENTRY,
            "SearchResult": _SEARCH, "Article": _ARTICLE,
        }},
    }
