"""The SQLite FTS5 baselines for bench/scale.py: raw file text, and Mosaic's extracted articles.

Two builds, timed apart:

- `build_raw`: what a user would do first: each .txt file's whole text, and each JSONL record's
  text field as it is, into one FTS5 column. Build time only (nothing to facet, no fields).
- `build`: FTS5 fed Mosaic's own extraction (search.ingest.read_articles: title, author, outlet,
  date, body, comments and the actors Mosaic tags), for the query comparison: searches return what
  Mosaic's do: the total, ten hits ranked by bm25 with body and comment snippets, and disjunctive
  facet counts for outlet, actor and date, each facet a GROUP BY over a side table of (doc, kind,
  value) rows. Extraction is timed on its own ("extract"), apart from loading ("index").
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

# Column weights mirror Mosaic's field boosts (title 3, author 1.5, body 1, comments 0.5).
COLUMNS = ("title", "author", "body", "comments")
BM25_WEIGHTS = "3.0, 1.5, 1.0, 0.5"
SNIPPET_TOKENS = 24
PAGE_SIZE = 10
UNDATED = "undated"
TOKENIZE = "porter unicode61 remove_diacritics 2"

SCHEMA = f"""
CREATE TABLE docs (id INTEGER PRIMARY KEY, url TEXT, title TEXT, author TEXT, outlet TEXT, date TEXT);
CREATE VIRTUAL TABLE fts USING fts5(title, author, body, comments, tokenize = '{TOKENIZE}');
CREATE TABLE facet (doc INTEGER NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (doc, kind, value)) WITHOUT ROWID;
"""
RAW_SCHEMA = f"CREATE VIRTUAL TABLE fts USING fts5(path UNINDEXED, body, tokenize = '{TOKENIZE}');"


def _input_files(articles: Path) -> list[Path]:
    return sorted(p for p in articles.rglob("*") if p.is_file() and p.suffix in (".txt", ".jsonl"))


def build_raw(articles: Path, db_path: Path) -> dict:
    """Index every .txt file's whole text and every JSONL record's text field as it is."""
    db_path.unlink(missing_ok=True)
    started, cpu = time.perf_counter(), time.process_time()
    conn = sqlite3.connect(db_path)
    conn.executescript(RAW_SCHEMA)
    docs = 0
    with conn:
        for path in _input_files(articles):
            if path.suffix == ".txt":
                rows = [(str(path), path.read_text(encoding="utf-8", errors="replace"))]
            else:
                rows = []
                with open(path, encoding="utf-8", errors="replace") as lines:
                    for line in lines:
                        try:
                            record = json.loads(line)
                        except ValueError:
                            continue
                        if isinstance(record, dict) and isinstance(record.get("text"), str):
                            rows.append((str(path), record["text"]))
            conn.executemany("INSERT INTO fts (path, body) VALUES (?, ?)", rows)
            docs += len(rows)
    conn.execute("INSERT INTO fts (fts) VALUES ('optimize')")
    conn.commit()
    conn.close()
    return {"docs": docs, "seconds": time.perf_counter() - started, "steps_cpu": {"index": time.process_time() - cpu}}


def build(articles: Path, db_path: Path) -> dict:
    """Load Mosaic's extracted articles under `articles` into a new FTS5 database; return the
    CPU time of extraction and of loading."""
    from search.config import Settings
    from search.ingest import Skipped, iter_input_files, read_articles

    db_path.unlink(missing_ok=True)
    started = time.perf_counter()
    settings = Settings()
    seconds = {"extract": 0.0, "index": 0.0}
    conn = sqlite3.connect(db_path)
    conn.executescript(SCHEMA)
    doc = 0
    with conn:
        for path in iter_input_files([articles]):
            items = read_articles(path, settings)
            while True:
                t0 = time.process_time()
                article = next(items, None)
                t1 = time.process_time()
                seconds["extract"] += t1 - t0
                if article is None:
                    break
                if isinstance(article, Skipped):
                    continue
                doc += 1
                comments = "\n\n".join(c.text for c in article.comments)
                conn.execute("INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?)",
                             (doc, article.url, article.title, article.author, article.outlet, article.date))
                conn.execute("INSERT INTO fts (rowid, title, author, body, comments) VALUES (?, ?, ?, ?, ?)",
                             (doc, article.title, article.author, article.body, comments))
                rows = [(doc, "outlet", article.outlet), (doc, "year", article.date[:4] if article.date else UNDATED)]
                conn.executemany("INSERT OR IGNORE INTO facet VALUES (?, ?, ?)", rows + [(doc, "actor", a) for a in article.actors])
                seconds["index"] += time.process_time() - t1
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
