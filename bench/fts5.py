"""The SQLite FTS5 baseline for bench/scale.py: a minimal reader, a loader and a searcher.

The reader does what a quick FTS5 setup would: the whole page dump is the body (chrome included)
up to the first comment-section marker, the rest is the comments; title, author and date come from
a few line patterns, the outlet from the URL's domain; JSONL records give their own fields. Actors
are tagged with Mosaic's own gazetteer so that both engines facet by the same actor names (that
step is timed on its own). Searches return what Mosaic's do: the total, ten hits ranked by bm25
with body and comment snippets, and disjunctive facet counts for outlet, actor and date, each
facet a GROUP BY over a side table of (doc, kind, value) rows.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

# Column weights mirror Mosaic's field boosts (title 3, author 1.5, body 1, comments 0.5).
COLUMNS = ("title", "author", "body", "comments")
BM25_WEIGHTS = "3.0, 1.5, 1.0, 0.5"
SNIPPET_TOKENS = 24
PAGE_SIZE = 10
HEAD_LINES = 40  # title, byline and dateline sit near the top of a dump
UNDATED = "undated"

SCHEMA = """
CREATE TABLE docs (id INTEGER PRIMARY KEY, url TEXT, title TEXT, author TEXT, outlet TEXT, date TEXT);
CREATE VIRTUAL TABLE fts USING fts5(title, author, body, comments, tokenize = 'porter unicode61 remove_diacritics 2');
CREATE TABLE facet (doc INTEGER NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (doc, kind, value)) WITHOUT ROWID;
"""

_COMMENT_START = re.compile(r"(?im)^(?:notify of|\d+ comments?|comments)[ \t]*$")
_BYLINE = re.compile(r"^(?:by|written by)\s+([^|,\n]+)", re.IGNORECASE)
_URL_DATE = re.compile(r"/((?:19|20)\d\d)/(\d\d)/(\d\d)/")
_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
_DATES = (
    (re.compile(r"\b((?:19|20)\d\d)-(\d\d)-(\d\d)\b"), ("y", "m", "d")),
    (re.compile(r"\b(\d{1,2}) ([A-Z][a-z]{2})[a-z]* ((?:19|20)\d\d)\b"), ("d", "mon", "y")),
    (re.compile(r"\b([A-Z][a-z]{2})[a-z]* (\d{1,2}), ((?:19|20)\d\d)\b"), ("mon", "d", "y")),
    (re.compile(r"\b(\d{1,2})\.(\d{1,2})\.((?:19|20)\d\d)\b"), ("d", "m", "y")),
)


@dataclass(frozen=True)
class Record:
    url: str
    title: str
    author: str
    outlet: str
    date: str | None  # YYYY-MM-DD
    body: str
    comments: str


def split_comments(text: str) -> tuple[str, str]:
    match = _COMMENT_START.search(text)
    return (text[: match.start()], text[match.start() :]) if match else (text, "")


def find_date(text: str) -> str | None:
    for pattern, order in _DATES:
        match = pattern.search(text)
        if match:
            parts = dict(zip(order, match.groups()))
            month = _MONTHS.get(parts["mon"][:3].lower()) if "mon" in parts else int(parts["m"])
            if month:
                return f"{int(parts['y']):04d}-{month:02d}-{int(parts['d']):02d}"
    return None


def domain_of(url: str) -> str:
    host = (urlparse(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def read_dump(path: Path, url: str) -> Record:
    text = path.read_text(encoding="utf-8", errors="replace")
    body, comments = split_comments(text)
    head = [line.strip() for line in body.split("\n")[: HEAD_LINES * 2] if line.strip()][:HEAD_LINES]
    # Dumps print the headline twice (breadcrumb or share widget, then the headline itself).
    title = next((line for i, line in enumerate(head) if len(line.split()) > 1 and line in head[:i]), "")
    author = next((m.group(1).strip() for m in map(_BYLINE.match, head) if m), "")
    url_date = _URL_DATE.search(url)
    date = "-".join(url_date.groups()) if url_date else find_date("\n".join(head))
    return Record(url, title, author, domain_of(url), date, body, comments)


def read_jsonl(line: str) -> Record | None:
    try:
        record = json.loads(line)
    except ValueError:
        return None
    if not isinstance(record, dict) or not isinstance(record.get("text"), str):
        return None
    body, comments = split_comments(record["text"])
    date = str(record.get("date") or "")[:10]
    return Record(str(record.get("url", "")), str(record.get("title", "")), str(record.get("author", "")),
                  str(record.get("outlet", "")), date if re.fullmatch(r"\d{4}-\d\d-\d\d", date) else None, body, comments)


def read_records(articles: Path) -> Iterator[Record]:
    """Yield a record per page dump and JSONL line under `articles`, in sorted path order."""
    for folder in sorted({p.parent for p in articles.rglob("*") if p.is_file()}):
        manifest = folder / "sources.toml"
        urls = tomllib.loads(manifest.read_text(encoding="utf-8")).get("urls", {}) if manifest.exists() else {}
        for path in sorted(folder.iterdir()):
            if path.suffix == ".txt":
                yield read_dump(path, urls.get(path.name, ""))
            elif path.suffix == ".jsonl":
                with open(path, encoding="utf-8", errors="replace") as lines:
                    for line in lines:
                        record = read_jsonl(line) if line.strip() else None
                        if record is not None:
                            yield record


def build(articles: Path, db_path: Path) -> dict:
    """Load every record under `articles` into a new FTS5 database; return the CPU time of each step."""
    from search.ingest.actors import load_gazetteer

    db_path.unlink(missing_ok=True)
    started = time.perf_counter()
    gazetteer = load_gazetteer()
    seconds = {"read": 0.0, "actors": 0.0, "index": 0.0}
    conn = sqlite3.connect(db_path)
    conn.executescript(SCHEMA)
    records = read_records(articles)
    doc = 0
    with conn:
        while True:
            t0 = time.process_time()
            record = next(records, None)
            t1 = time.process_time()
            if record is None:
                break
            doc += 1
            actors = sorted(gazetteer.count_mentions(record.title + "\n\n" + record.body))
            t2 = time.process_time()
            conn.execute("INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?)",
                         (doc, record.url, record.title, record.author, record.outlet, record.date))
            conn.execute("INSERT INTO fts (rowid, title, author, body, comments) VALUES (?, ?, ?, ?, ?)",
                         (doc, record.title, record.author, record.body, record.comments))
            rows = [(doc, "outlet", record.outlet), (doc, "year", record.date[:4] if record.date else UNDATED)]
            conn.executemany("INSERT INTO facet VALUES (?, ?, ?)", rows + [(doc, "actor", a) for a in actors])
            seconds["read"] += t1 - t0
            seconds["actors"] += t2 - t1
            seconds["index"] += time.process_time() - t2
    t0 = time.process_time()
    conn.execute("INSERT INTO fts (fts) VALUES ('optimize')")  # merge segments, as a finished index would be
    conn.execute("CREATE INDEX docs_date ON docs (date)")
    conn.commit()
    conn.close()
    seconds["index"] += time.process_time() - t0
    return {"docs": doc, "seconds": time.perf_counter() - started, "steps_cpu": seconds}


class Searcher:
    """Runs one search spec (see bench/querymix.py) against an FTS5 database."""

    FILTERS = {
        "outlet": "d.outlet = :outlet",
        "actor": "EXISTS (SELECT 1 FROM facet a WHERE a.doc = d.id AND a.kind = 'actor' AND a.value = :actor)",
        "date": "d.date BETWEEN :date_lo AND :date_hi",
    }

    def __init__(self, db_path: Path):
        self.conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)

    def _where(self, spec: dict, skip: str = "") -> str:
        filters = {"outlet": spec["outlet"], "actor": spec["actor"], "date": spec["date_lo"]}
        clauses = ["fts MATCH :match"] + [sql for name, sql in self.FILTERS.items() if filters[name] and name != skip]
        return " AND ".join(clauses)

    def search(self, spec: dict) -> dict:
        """Return {"total", "hits", "facets"} for the `fts` part of a spec, as Mosaic's search returns them."""
        params = dict(spec, year=(spec["date_lo"] or "")[:4])
        source = "FROM fts JOIN docs d ON d.id = fts.rowid"
        total = self.conn.execute(f"SELECT count(*) {source} WHERE {self._where(spec)}", params).fetchone()[0]
        hits = self.conn.execute(f"""
            SELECT d.id, d.title, d.author, d.outlet, d.date, d.url, bm25(fts, {BM25_WEIGHTS}) AS score,
                   snippet(fts, 2, '<mark>', '</mark>', '…', {SNIPPET_TOKENS}),
                   snippet(fts, 3, '<mark>', '</mark>', '…', {SNIPPET_TOKENS}),
                   (SELECT group_concat(value, '|') FROM facet WHERE doc = d.id AND kind = 'actor')
            {source} WHERE {self._where(spec)} ORDER BY score LIMIT {PAGE_SIZE}""", params).fetchall()
        facets = {}
        for name, kind in (("outlet", "outlet"), ("actor", "actor")):
            facets[name] = self.conn.execute(f"""
                SELECT f.value, count(*) AS n {source} JOIN facet f ON f.doc = d.id AND f.kind = '{kind}'
                WHERE {self._where(spec, skip=name)} GROUP BY f.value ORDER BY n DESC, f.value""", params).fetchall()
        if spec["date_lo"] and spec["date_lo"][:4] == spec["date_hi"][:4]:
            # A date filter within one year facets by month, as Mosaic's does.
            facets["date"] = self.conn.execute(f"""
                SELECT coalesce(substr(d.date, 1, 7), '{UNDATED}') AS value, count(*) AS n {source}
                WHERE {self._where(spec, skip='date')} AND (d.date IS NULL OR substr(d.date, 1, 4) = :year)
                GROUP BY value ORDER BY value DESC""", params).fetchall()
        else:
            facets["date"] = self.conn.execute(f"""
                SELECT f.value, count(*) AS n {source} JOIN facet f ON f.doc = d.id AND f.kind = 'year'
                WHERE {self._where(spec, skip='date')} GROUP BY f.value ORDER BY f.value DESC""", params).fetchall()
        return {"total": total, "hits": hits, "facets": facets}
