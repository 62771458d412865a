"""Relevance on a judged query set: Mosaic, SQLite FTS5 (bm25) and tantivy (BM25) in one run.

Usage (from the repo root; tantivy comes with the `bench` extra: `.venv/bin/pip install -e '.[bench]'`):

    .venv/bin/python bench/relevance.py              # nDCG@10, P@10, zero-result queries, pool gaps
    .venv/bin/python bench/relevance.py --verbose    # ... and one row per query
    .venv/bin/python bench/relevance.py --pool       # pooled documents not judged yet, with reading aids

Corpus: the 2,225 BBC articles of ../shared/data/news-corpus and the 100 crawl-dev analysis-page
excerpts in /tmp/crawl-dev/pages (see bench/relevance_engines.py for how each engine gets them).
The judged set lives in bench/relevance/:

- queries.toml: per query an id, a category, the text as typed and the information need (1-3
  sentences), written before any engine's results were looked at.
- judgments.tsv: query id, document key (`bbc/<category>/NNN.txt` or the page URL), grade, note.
  2 = substantially about the need, 1 = partly relevant or mentions it usefully, 0 = not relevant;
  a phrase query's document without the phrase is 0 (so loosening phrases can never score).
  Most grades come from the pool below; notes starting "off-pool" mark documents found while
  reading the corpus, which count in the ideal ranking like the rest.

Measures, per query then averaged over all queries and per category: nDCG@10 with gains 0/1/2
(the ideal ranking is every judged document of the query, best first), P@10 (grade >= 1 counts),
zero-result queries, and unjudged documents in the top 10 (scored 0; a number above 0 means the
pool misses documents that engine now ranks, so its score is a lower bound until they are judged).
Byte-identical files (100 pairs in the BBC set) count as one document, judged under the first key
in sorted order: the first copy in a result list earns the grade, a later copy earns nothing, as
a reader learns nothing from it. That is also why Mosaic showing one copy costs it nothing.

Topping up the judgments after a ranking change (pool depth: each engine's top 20):
1. Run `bench/relevance.py --pool` (`--only n01,a02` for some queries). It lists, per query,
   every document in any engine's top 20 that judgments.tsv does not grade yet, as a line ready
   to fill in, with the query's need, the document's title, opening and the passages holding the
   query words, and which engines ranked it where.
2. Read each one against the written need (not against the query words), replace the `?` with
   0, 1 or 2 and the ranks with a short reason, and append the line to judgments.tsv. Never change
   a need or an existing grade to suit a ranking; a grade that was wrong is fixed with a note
   saying why.
3. Run the benchmark again: "unjudged in top 10" should be 0 for every engine, and
   tests/test_relevance_judgments.py checks the file still parses and names real documents.
"""

from __future__ import annotations

import argparse
import csv
import math
import re
import sys
import time
import tomllib
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from relevance_engines import CorpusMissing, Doc, Fts5Engine, MosaicEngine, TantivyEngine, load_docs

DATA = Path(__file__).resolve().parent / "relevance"
QUERIES_FILE = DATA / "queries.toml"
JUDGMENTS_FILE = DATA / "judgments.tsv"
CUTOFF = 10
POOL_DEPTH = 20
GRADES = (0, 1, 2)
CATEGORIES = ("natural", "diacritics", "acronym", "analyst", "phrase", "short", "long")
OPENING_CHARS = 400
PASSAGE_CHARS = 160
PASSAGES = 4


@dataclass(frozen=True)
class Query:
    id: str
    category: str
    q: str
    need: str


def load_queries(path: Path = QUERIES_FILE) -> list[Query]:
    """Return the judged queries; raise ValueError naming a malformed entry."""
    entries = tomllib.loads(path.read_text(encoding="utf-8")).get("query", [])
    queries = []
    for entry in entries:
        try:
            query = Query(entry["id"], entry["category"], entry["q"], " ".join(entry["need"].split()))
        except KeyError as missing:
            raise ValueError(f"{path.name}: query {entry.get('id', '?')} has no {missing}") from None
        if query.category not in CATEGORIES:
            raise ValueError(f"{path.name}: query {query.id} has category {query.category!r}, not one of {CATEGORIES}")
        queries.append(query)
    ids = [q.id for q in queries]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{path.name}: duplicate query ids")
    return queries


def load_judgments(path: Path = JUDGMENTS_FILE) -> dict[str, dict[str, int]]:
    """Return {query id: {document key: grade}}; raise ValueError naming a bad line."""
    judged: dict[str, dict[str, int]] = defaultdict(dict)
    with open(path, encoding="utf-8", newline="") as f:
        for number, row in enumerate(csv.reader(f, delimiter="\t"), 1):
            if not row or row[0].startswith("#") or row[0] == "query":
                continue
            if len(row) < 3 or not row[2].strip().isdigit() or int(row[2]) not in GRADES:
                raise ValueError(f"{path.name}:{number}: want query id, key, grade 0/1/2: {row!r}")
            qid, key, grade = row[0].strip(), row[1].strip(), int(row[2])
            if key in judged[qid]:
                raise ValueError(f"{path.name}:{number}: {qid} {key} is judged twice")
            judged[qid][key] = grade
    return dict(judged)


def canonical_keys(docs: list[Doc]) -> dict[str, str]:
    """Map every key to the first key (sorted) of the documents with the same text."""
    first: dict[str, str] = {}
    canonical = {}
    for doc in sorted(docs, key=lambda d: d.key):
        text = " ".join(doc.text.split())
        canonical[doc.key] = first.setdefault(text, doc.key)
    return canonical


def shown(ranked: list[str], canonical: dict[str, str]) -> list[str | None]:
    """The ranked list in canonical keys, a repeated copy of a document replaced by None."""
    seen, out = set(), []
    for key in ranked:
        key = canonical.get(key, key)
        out.append(None if key in seen else key)
        seen.add(key)
    return out


def ndcg(ranked: list[str | None], grades: dict[str, int], k: int = CUTOFF) -> float:
    gain = sum(grades.get(key, 0) / math.log2(i + 2) for i, key in enumerate(ranked[:k]) if key)
    ideal = sum(g / math.log2(i + 2) for i, g in enumerate(sorted(grades.values(), reverse=True)[:k]))
    return gain / ideal if ideal else 0.0


def precision(ranked: list[str | None], grades: dict[str, int], k: int = CUTOFF) -> float:
    return sum(1 for key in ranked[:k] if key and grades.get(key, 0) >= 1) / k


def unjudged(ranked: list[str | None], grades: dict[str, int], k: int = CUTOFF) -> int:
    return sum(1 for key in ranked[:k] if key and key not in grades)


def run_engines(engines, queries: list[Query], depth: int) -> dict[str, dict[str, list[str]]]:
    """Return {engine name: {query id: the keys of its top `depth` hits, best first}}."""
    results = {}
    for engine in engines:
        results[engine.name] = {q.id: engine.search(q.q, depth) for q in queries}
    return results


def score(queries, judgments, results, canonical) -> dict[str, dict[str, dict]]:
    """Return {engine: {query id: {"ndcg", "p10", "zero", "unjudged", "hits"}}}."""
    table = {}
    for name, per_query in results.items():
        table[name] = {}
        for q in queries:
            ranked = shown(per_query[q.id], canonical)
            grades = judgments.get(q.id, {})
            table[name][q.id] = {"ndcg": ndcg(ranked, grades), "p10": precision(ranked, grades),
                                 "zero": not ranked, "unjudged": unjudged(ranked, grades), "hits": len(ranked)}
    return table


def print_report(queries, table, engines, verbose: bool) -> None:
    names = [e.name for e in engines]
    groups = [("all", queries)] + [(c, [q for q in queries if q.category == c]) for c in CATEGORIES]
    width = 8 * len(names)
    print(f"\n{'':<11}{'n':>3}  {'nDCG@10':<{width}}  {'P@10':<{width}}  {'zero results':<{width}}  unjudged in top 10")
    head = "".join(f"{n:>8}" for n in names)
    print(f"{'category':<11}{'':>3}  {head}  {head}  {head}  {head}")
    for label, group in groups:
        if not group:
            continue
        cells = []
        for measure, fmt in (("ndcg", "{:8.3f}"), ("p10", "{:8.3f}"), ("zero", "{:8d}"), ("unjudged", "{:8d}")):
            values = [[table[n][q.id][measure] for q in group] for n in names]
            cells.append("".join(fmt.format(sum(v) / len(v) if measure in ("ndcg", "p10") else int(sum(v))) for v in values))
        print(f"{label:<11}{len(group):>3}  " + "  ".join(cells))
    answered = [q for q in queries if not any(table[n][q.id]["zero"] for n in names)]
    if answered and len(answered) < len(queries):
        print(f"{'answered':<11}{len(answered):>3}  " + "".join(
            f"{sum(table[n][q.id]['ndcg'] for q in answered) / len(answered):8.3f}" for n in names)
            + "   (nDCG@10 on the queries every engine answers)")
    print("\nzero-result queries:")
    for engine in engines:
        empty = [q.id for q in queries if table[engine.name][q.id]["zero"]]
        print(f"  {engine.name:<8} {len(empty):>2}  {' '.join(empty)}")
        for q, message in engine.errors.items():
            print(f"           error on {q!r}: {message}")
    if verbose:
        print(f"\n{'id':<5} {'category':<10} {'query':<44}" + "".join(f"{n:>16}" for n in names) + "   (nDCG@10 P@10 unjudged)")
        for q in queries:
            row = "".join(f"{table[n][q.id]['ndcg']:>7.3f} {table[n][q.id]['p10']:4.1f} {table[n][q.id]['unjudged']:>3}" for n in names)
            print(f"{q.id:<5} {q.category:<10} {q.q[:44]:<44}{row}")


# --- --pool: what to read next ---------------------------------------------------------------------

def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).lower()


# Words too common to point at a passage worth reading (the reading aid only; no engine uses this).
READING_AID_SKIP = frozenset("the a an of in on to for and or is are was were what who why how does did do "
                             "will would if it its they their there so many".split())


def reading_aid(doc: Doc, q: str) -> str:
    """The title, the opening and up to PASSAGES passages around the query's words, on a few lines."""
    title, body = doc.title_body()
    body = " ".join(body.split())
    # Acronyms count even when short or common ("US", "IT", "WHO"): they are written in capitals.
    acronyms = {w.lower() for w in re.findall(r"\b[A-Z]{2,}\b", q)}
    words = {w for w in re.findall(r"\w+", _fold(q)) if w in acronyms or (len(w) > 1 and w not in READING_AID_SKIP)}
    folded = _fold(body)
    spots = sorted({m.start() for w in words for m in re.finditer(rf"\b{re.escape(w[:6])}", folded)})
    passages, last = [], -PASSAGE_CHARS
    for at in spots:
        if at - last >= PASSAGE_CHARS and at > OPENING_CHARS:
            passages.append("…" + body[max(0, at - PASSAGE_CHARS // 2): at + PASSAGE_CHARS // 2] + "…")
            last = at
        if len(passages) == PASSAGES:
            break
    lines = [f"    title: {title}  ({len(body.split())} words)", f"    opening: {body[:OPENING_CHARS]}"]
    lines += [f"    passage: {p}" for p in passages]
    return "\n".join(lines)


def print_pool(queries, judgments, results, canonical, docs_by_key, only: set[str]) -> int:
    """Print every pooled, unjudged document per query; return how many there are."""
    total = 0
    for q in queries:
        if only and q.id not in only:
            continue
        grades = judgments.get(q.id, {})
        ranks: dict[str, list[str]] = defaultdict(list)
        for name, per_query in results.items():
            for rank, key in enumerate(shown(per_query[q.id], canonical), 1):
                if key and key not in grades:
                    ranks[key].append(f"{name} {rank}")
        if not ranks:
            continue
        total += len(ranks)
        print(f"\n### {q.id} [{q.category}] {q.q}\n### need: {q.need}")
        for key in sorted(ranks, key=lambda k: min(int(r.split()[1]) for r in ranks[k])):
            print(f"{q.id}\t{key}\t?\t# {', '.join(ranks[key])}")
            print(reading_aid(docs_by_key[key], q.q))
    return total


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--verbose", action="store_true", help="print one row per query")
    parser.add_argument("--pool", action="store_true", help="list pooled documents not judged yet")
    parser.add_argument("--only", default="", help="with --pool: comma-separated query ids")
    parser.add_argument("--depth", type=int, default=POOL_DEPTH, help=f"pool depth per engine (default {POOL_DEPTH})")
    args = parser.parse_args(argv)

    queries = load_queries()
    judgments = load_judgments()
    unknown = sorted(set(judgments) - {q.id for q in queries})
    if unknown:
        sys.exit(f"error: judgments.tsv grades queries that queries.toml lacks: {', '.join(unknown)}")
    try:
        docs = load_docs()
    except CorpusMissing as exc:
        sys.exit(f"error: {exc}")
    canonical = canonical_keys(docs)
    judged_keys = {key for grades in judgments.values() for key in grades}
    strays = sorted(k for k in judged_keys if canonical.get(k) != k)
    if strays:
        sys.exit("error: judgments.tsv names keys that are not corpus documents, or copies judged under "
                 "another key: " + ", ".join(f"{k} (judge {canonical[k]})" if k in canonical else k for k in strays[:5]))

    started = time.perf_counter()
    engines = [MosaicEngine(docs, log=lambda m: print(m, file=sys.stderr)), Fts5Engine(docs), TantivyEngine(docs)]
    built = time.perf_counter()
    results = run_engines(engines, queries, max(args.depth, CUTOFF))
    searched = time.perf_counter()
    names = [e.name for e in engines]

    if args.pool:
        only = {s.strip() for s in args.only.split(",") if s.strip()}
        count = print_pool(queries, judgments, results, canonical, {d.key: d for d in docs}, only)
        print(f"\n{count} pooled documents not judged yet (top {args.depth} of {', '.join(names)})")
        return 0

    table = score(queries, judgments, results, canonical)
    bbc = sum(1 for d in docs if d.key.startswith("bbc/"))
    print(f"relevance: {len(queries)} queries, {sum(len(g) for g in judgments.values())} judgments; "
          f"corpus {bbc} BBC articles + {len(docs) - bbc} crawl-dev pages "
          f"({len(docs) - len(set(canonical.values()))} byte-identical copies); "
          f"engines ready in {built - started:.1f}s, {len(queries)} x {len(names)} searches in {searched - built:.1f}s")
    print(f"Mosaic index: {engines[0].build_summary()}")
    print_report(queries, table, engines, args.verbose)
    return 0


if __name__ == "__main__":
    sys.exit(main())
