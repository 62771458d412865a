"""Exports open safely in a spreadsheet and keep one record per line."""

import csv
import io
import json

import pytest

from search.export import csv_cell, json_line


@pytest.mark.parametrize("value, cell", [
    ("=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")"),
    ("+1+1", "'+1+1"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"), ("\tcmd", "'\tcmd"), ("\rcmd", "'\rcmd"),
    ("Erdogan", "Erdogan"), ("", ""), (None, ""), (3.5, "3.5"), (["=a", "b"], "'=a; b"),
])
def test_csv_cells_never_start_a_formula(value, cell):
    assert csv_cell(value) == cell


def test_jsonl_escapes_what_line_splitters_break_on():
    line = json_line({"q": "a\u2028b\u2029c\x85d\ne"})
    assert len(line.splitlines()) == 1 and json.loads(line) == {"q": "a\u2028b\u2029c\x85d\ne"}


def test_a_query_cannot_inject_a_csv_line(client):
    body = client.get("/api/export?format=csv&q=Turkey%0A%3DSUM(1%2B1)").get_data(as_text=True)
    comments = [line for line in body.splitlines() if line.startswith("#")]
    rows = list(csv.reader(io.StringIO("\n".join(line for line in body.splitlines() if not line.startswith("#")))))
    assert any(line.startswith("# query: ") and "\\n=SUM" in line for line in comments)
    assert not any(cell.startswith("=") for row in rows for cell in row)
