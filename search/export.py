"""Export a whole result set as CSV or JSONL, streamed, with the query and filters recorded."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import datetime, timezone

from search.engine import Engine
from search.request import SearchRequest

FORMATS = ("csv", "jsonl")
CSV_COLUMNS = ("id", "title", "author", "authors", "outlet", "date", "url", "actors", "tags", "score", "comments", "body")


def export_header(request: SearchRequest) -> dict:
    """Return what was searched, for the top of an export file."""
    return {
        "exported_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "query": request.q,
        "in": request.scope,
        "sort": request.sort,
        "filters": request.filter_values(),
    }


# Characters that JSON allows raw in strings but that line-splitting tools (Python's
# str.splitlines, JavaScript) take for line ends: escaped, so one record stays one line.
_LINE_BREAKS = str.maketrans({"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"})


def json_line(record: dict) -> str:
    """Return one JSONL line: UTF-8 text, every line-breaking character escaped."""
    return json.dumps(record, ensure_ascii=False).translate(_LINE_BREAKS) + "\n"


# OWASP's CSV-injection guidance: a cell a spreadsheet would read as a formula starts with one
# of these; a leading apostrophe makes it text (shown without the apostrophe).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> str:
    """Return a value as a CSV cell that no spreadsheet runs as a formula."""
    if isinstance(value, list):
        value = "; ".join(str(v) for v in value)
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def iter_export(engine: Engine, request: SearchRequest, fmt: str) -> Iterator[str]:
    """Yield the export file in chunks: a header recording the search, then one row per hit.

    CSV starts with '#' comment lines (pandas: comment="#"); JSONL starts with one
    {"export": {...}} record. Rows come in the search's sort order, all pages.
    """
    rows = engine.iter_export(request)
    first = next(rows, None)  # runs the search now, so a bad query fails before any output
    header = export_header(request)
    if fmt == "jsonl":
        yield json_line({"export": header})
        for row in ([first] if first else []):
            yield json_line(row)
        for row in rows:
            yield json_line(row)
        return
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for key in ("exported_at", "query", "in", "sort"):
        # JSON-quoted: a line break in the query cannot end the comment line and start a row.
        buffer.write(f"# {key}: {json.dumps(header[key], ensure_ascii=False)}\n")
    buffer.write("# filters: " + json.dumps(header["filters"], ensure_ascii=False) + "\n")
    writer.writerow(CSV_COLUMNS)

    def line(row: dict) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([csv_cell(row[c]) for c in CSV_COLUMNS])
        return buffer.getvalue()

    head = buffer.getvalue()
    yield head
    for row in ([first] if first else []):
        yield line(row)
    for row in rows:
        yield line(row)
