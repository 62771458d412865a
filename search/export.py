"""Export a whole result set as CSV or JSONL, streamed, with the query and filters recorded."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import datetime, timezone

from search.query import SearchEngine, SearchRequest

FORMATS = ("csv", "jsonl")
CSV_COLUMNS = ("id", "title", "author", "outlet", "date", "url", "actors", "tags", "score", "comments", "body")


def export_header(request: SearchRequest) -> dict:
    """Return what was searched, for the top of an export file."""
    return {
        "exported_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "query": request.q,
        "in": request.scope,
        "sort": request.sort,
        "filters": {
            "outlet": list(request.outlets), "-outlet": list(request.not_outlets),
            "actor": list(request.actors), "-actor": list(request.not_actors),
            "from": request.date_from, "to": request.date_to, "undated": request.undated,
        },
    }


def iter_export(engine: SearchEngine, request: SearchRequest, fmt: str) -> Iterator[str]:
    """Yield the export file in chunks: a header recording the search, then one row per hit.

    CSV starts with '#' comment lines (pandas: comment="#"); JSONL starts with one
    {"export": {...}} record. Rows come in the search's sort order, all pages.
    """
    rows = engine.iter_export(request)
    first = next(rows, None)  # runs the search now, so a bad query fails before any output
    header = export_header(request)
    if fmt == "jsonl":
        yield json.dumps({"export": header}, ensure_ascii=False) + "\n"
        for row in ([first] if first else []):
            yield json.dumps(row, ensure_ascii=False) + "\n"
        for row in rows:
            yield json.dumps(row, ensure_ascii=False) + "\n"
        return
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for key in ("exported_at", "query", "in", "sort"):
        buffer.write(f"# {key}: {header[key]}\n")
    buffer.write("# filters: " + json.dumps(header["filters"], ensure_ascii=False) + "\n")
    writer.writerow(CSV_COLUMNS)

    def line(row: dict) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(["; ".join(row[c]) if isinstance(row[c], list) else ("" if row[c] is None else row[c]) for c in CSV_COLUMNS])
        return buffer.getvalue()

    head = buffer.getvalue()
    yield head
    for row in ([first] if first else []):
        yield line(row)
    for row in rows:
        yield line(row)
