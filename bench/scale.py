"""Mosaic against SQLite FTS5 on one generated corpus: build time, memory, index size, query latency.

Usage (from the repo root):

    .venv/bin/python bench/scale.py --docs 10000 [--work /tmp/mosaic-bench] [--queries 210] [--seed 1] [--skip-build]
        [--worker-counts 1,2] [--compare OTHER_RESULTS]

Steps, each engine in its own child process so that time and memory are the engine's alone:

1. Build the corpus with bench/corpus.py (cached in the work folder by size, seed and JSONL share).
2. Mosaic: `mosaic -v index` end to end (ingest in worker processes, one per core); the CPU
   seconds of each stage come from the line it prints at the end (search.stages).
3. FTS5 on raw text (bench/fts5.py build_raw): each .txt file's whole text and each JSONL
   record's text field as it is, what a user would index first; build time only.
4. FTS5 on Mosaic's extraction (bench/fts5.py build): title, author, outlet, date, body,
   comments and actors from search.ingest, extraction timed apart; this is the index the query
   comparison uses.
5. With --worker-counts, Mosaic builds again with MOSAIC_INDEX_WORKERS at each count (articles/s).
6. Queries: a fresh process per engine times opening the index plus the first search, runs the
   query mix (bench/querymix.py) once to warm up, then once more measured. Every search asks for
   ten hits with snippets and facet counts for outlet, actor and date. Mosaic's total, first ten
   ids and facet counts of each search are recorded; --compare checks them against another run's
   results.json (bench/same_results.py: speed never changes an answer).

It prints a table whose last lines are the Mosaic/FTS5 ratios, and writes every number, the
per-query latencies included, to <work>/run-<docs>-s<seed>-j<share>/results.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import corpus
import fts5
import querymix
import same_results
from workdir import ROOT, add_run_arguments, corpus_folder, run_folder

CHILD = "_child"  # first argument of this script when it runs as a child process
RSS_SAMPLE_SECONDS = 0.5
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


# --- child processes -------------------------------------------------------------------------------

def tree_rss_bytes(root: int) -> int:
    """Return the summed RSS of a process and all its descendants, read from /proc."""
    parents, rss = {}, {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="ascii", errors="replace") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # the process ended while we looked
        pid = int(entry.name)
        parents[pid], rss[pid] = int(fields[1]), int(fields[21]) * PAGE_BYTES
    tree, frontier = {root}, [root]
    while frontier:
        frontier = [pid for pid, parent in parents.items() if parent in frontier and pid not in tree]
        tree.update(frontier)
    return sum(rss.get(pid, 0) for pid in tree)


def run_child(args: list[str], log: Path, settings: dict | None = None) -> dict:
    """Run a command with output to `log`; return its wall and CPU time (its worker processes
    included) and its peak RSS: of its largest process, and of its whole process tree (sampled).
    It runs with Mosaic's default settings, and the MOSAIC_* variables in `settings`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOSAIC_")} | (settings or {})
    peak_tree = [0]
    with open(log, "w", encoding="utf-8") as out:
        started = time.perf_counter()
        process = subprocess.Popen(args, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=env)
        finished = threading.Event()

        def sample():
            while not finished.wait(RSS_SAMPLE_SECONDS):
                peak_tree[0] = max(peak_tree[0], tree_rss_bytes(process.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        finished.set()
        sampler.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        sys.exit(f"error: {' '.join(map(str, args))} exited with {process.returncode}; see {log}")
    return {"seconds": seconds, "cpu_seconds": usage.ru_utime + usage.ru_stime, "peak_rss_mb": usage.ru_maxrss / 1024,
            "peak_tree_rss_mb": max(peak_tree[0] / 2**20, usage.ru_maxrss / 1024),
            "peak_sampled_rss_mb": peak_tree[0] / 2**20, "log": str(log)}


def run_task(task: str, *args, log: Path) -> dict:
    """Run one of this script's child tasks; return its report with the process figures added."""
    report_file = log.with_suffix(".json")
    process = run_child([sys.executable, str(Path(__file__).resolve()), CHILD, task, str(report_file), *map(str, args)], log)
    return {**json.loads(report_file.read_text(encoding="utf-8")), "process": process}


def task_fts5_build(articles: str, db: str) -> dict:
    return fts5.build(Path(articles), Path(db))


def task_fts5_raw(articles: str, db: str) -> dict:
    return fts5.build_raw(Path(articles), Path(db))


def task_queries(engine: str, index: str, mix_file: str, spawned: str) -> dict:
    """Time imports, opening the index with the first search, then a warm-up and a measured pass.

    `spawned` is the wall-clock time at which the parent started this process.
    """
    started = time.perf_counter()
    if engine == "mosaic":
        from search.config import Settings
        from search.errors import SearchError
        from search.query import engine_for
        from search.request import SearchRequest

        imported = time.perf_counter()
        searcher = engine_for(Settings(index_dir=Path(index)))

        def search(spec: dict) -> dict:
            return same_results.answer(searcher, spec, fts5.PAGE_SIZE)
        errors = (SearchError,)
    else:
        imported = time.perf_counter()
        searcher = fts5.Searcher(Path(index))

        def search(spec: dict) -> dict:
            return {"total": searcher.search(spec["fts"])["total"]}
        errors = (sqlite3.Error,)

    mix = json.loads(Path(mix_file).read_text(encoding="utf-8"))
    opened = time.perf_counter()
    search(mix[0])
    first = time.perf_counter() - opened
    start_to_first = time.time() - float(spawned)
    failures = {}
    for spec in mix:  # warm-up
        try:
            search(spec)
        except errors as exc:
            failures[spec["q"]] = str(exc)
    latencies, cpu_latencies, totals, answers = [], [], [], []
    for spec in mix:
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            answer = search(spec)
        except errors:
            answer = {"total": None}
        totals.append(answer["total"])
        answers.append(answer)
        latencies.append((time.perf_counter() - t0) * 1000)
        cpu_latencies.append((time.process_time() - c0) * 1000)
    return {"import_ms": (imported - started) * 1000, "open_first_ms": first * 1000, "start_to_first_ms": start_to_first * 1000,
            "latencies_ms": latencies, "cpu_latencies_ms": cpu_latencies, "totals": totals, "answers": answers,
            "errors": failures}


TASKS = {"fts5-build": task_fts5_build, "fts5-raw": task_fts5_raw, "queries": task_queries}


# --- the run ---------------------------------------------------------------------------------------

def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def mosaic_index_size(index_dir: Path) -> int:
    """Bytes of the live generation only (older ones are kept beside it for open searchers)."""
    live = index_dir / (index_dir / "CURRENT").read_text(encoding="utf-8").strip()
    return folder_size(live)


def percentile(values: list[float], pct: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1] if len(values) > 1 else values[0]


def latency_summary(latencies: list[float], cpu_latencies: list[float]) -> dict:
    return {"p50_ms": percentile(latencies, 50), "p95_ms": percentile(latencies, 95), "max_ms": max(latencies),
            "mean_ms": statistics.fmean(latencies), "cpu_p50_ms": percentile(cpu_latencies, 50),
            "cpu_p95_ms": percentile(cpu_latencies, 95)}


def engine_version() -> dict:
    """The commit the engine was measured at, and a fingerprint of uncommitted changes to it."""
    def git(*args):
        result = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return result.stdout.strip() if result.returncode == 0 else ""
    diff = git("diff", "HEAD", "--", "search")
    return {"commit": git("rev-parse", "--short", "HEAD"), "dirty": bool(diff),
            "diff_sha1": hashlib.sha1(diff.encode()).hexdigest()[:10] if diff else None}


def prepare_corpus(work: Path, docs: int, seed: int, share: float) -> tuple[Path, dict]:
    folder = corpus_folder(work, docs, seed, share)
    description = corpus.cached_corpus(docs, folder, seed, share)
    if description is None:
        print(f"building the corpus ({docs} articles) in {folder} …", file=sys.stderr)
        description = corpus.build_corpus(docs, folder, seed, share)
    else:
        print(f"using the corpus in {folder}", file=sys.stderr)
    return folder, description


STAGE_LINE = re.compile(r"CPU seconds by stage: ingest \((\d+) workers?[^)]*\) (.*?); writer (.*?);")


def stage_times(log: Path) -> dict:
    """Return the CPU seconds per stage that `mosaic -v index` printed (search.stages)."""
    for line in reversed(log.read_text(encoding="utf-8").splitlines()):
        match = STAGE_LINE.search(line)
        if match:
            pairs = (item.rsplit(" ", 1) for part in match.groups()[1:] for item in part.split(", "))
            return {"workers": int(match.group(1)), **{name: float(value) for name, value in pairs}}
    return {}


def mosaic_build(run: Path, articles: Path, name: str, settings: dict | None = None) -> dict:
    index_dir = run / name
    shutil.rmtree(index_dir, ignore_errors=True)
    build = run_child([sys.executable, "-m", "search", "-v", "index", str(articles), "--index-dir", str(index_dir)],
                      run / f"{name}.log", settings)
    log = Path(build["log"])
    summary = next((line for line in log.read_text(encoding="utf-8").splitlines() if line.startswith("indexed ")), "")
    return {**{k: build[k] for k in ("seconds", "cpu_seconds", "peak_rss_mb", "peak_tree_rss_mb")},
            "summary": summary, "indexed": int(summary.split()[1].rstrip(",")) if summary else None,
            "stages_cpu": stage_times(log), "index_bytes": mosaic_index_size(index_dir)}


def build_both(run: Path, articles: Path, worker_counts: list[int]) -> dict:
    """Build Mosaic's index and both FTS5 baselines from scratch; return the build figures."""
    db, raw_db = run / "fts5.sqlite", run / "fts5-raw.sqlite"
    print("Mosaic: mosaic -v index …", file=sys.stderr)
    mosaic = mosaic_build(run, articles, "mosaic-index")
    print("FTS5: raw file text …", file=sys.stderr)
    raw = run_task("fts5-raw", articles, raw_db, log=run / "fts5-raw.log")
    print("FTS5: Mosaic's extraction, then load …", file=sys.stderr)
    loaded = run_task("fts5-build", articles, db, log=run / "fts5-build.log")
    sweep = {}
    for count in worker_counts:
        print(f"Mosaic: mosaic -v index with {count} ingest worker(s) …", file=sys.stderr)
        sweep[str(count)] = mosaic_build(run, articles, f"mosaic-index-w{count}", {"MOSAIC_INDEX_WORKERS": str(count)})
        shutil.rmtree(run / f"mosaic-index-w{count}", ignore_errors=True)
    return {
        "mosaic": mosaic,
        "fts5_raw": {**{k: raw["process"][k] for k in ("seconds", "cpu_seconds", "peak_rss_mb", "peak_tree_rss_mb")},
                     "indexed": raw["docs"], "index_bytes": raw_db.stat().st_size},
        "fts5": {**{k: loaded["process"][k] for k in ("seconds", "cpu_seconds", "peak_rss_mb", "peak_tree_rss_mb")},
                 "indexed": loaded["docs"], "steps_cpu": loaded["steps_cpu"], "index_bytes": db.stat().st_size},
        "workers": sweep,
    }


def run_benchmark(work: Path, docs: int, queries: int, seed: int, share: float, skip_build: bool,
                  worker_counts: list[int] = ()) -> tuple[dict, Path]:
    """Run every step; return the results and the file they were written to."""
    load_before, engine_before = os.getloadavg()[0], engine_version()
    folder, description = prepare_corpus(work, docs, seed, share)
    run = run_folder(work, docs, seed, share)
    run.mkdir(parents=True, exist_ok=True)
    results_file = run / "results.json"
    if skip_build:
        if not results_file.exists():
            sys.exit(f"error: --skip-build needs an earlier run in {run}\nhint: run once without --skip-build")
        builds = json.loads(results_file.read_text(encoding="utf-8"))["build"]
    else:
        builds = build_both(run, folder / "articles", list(worker_counts))

    texts = [" ".join(paragraphs) for articles in corpus.load_source().articles.values() for _, paragraphs in articles]
    mix = querymix.make_mix(texts, querymix.load_manifest(folder / "manifest.jsonl"), queries, seed)
    mix_file = run / "queries.json"
    mix_file.write_text(json.dumps(mix, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    searches = {}
    for engine, index in (("mosaic", run / "mosaic-index"), ("fts5", run / "fts5.sqlite")):
        print(f"{engine}: {len(mix)} searches, warm-up then measured …", file=sys.stderr)
        searches[engine] = run_task("queries", engine, index, mix_file, time.time(), log=run / f"{engine}-queries.log")

    results = {
        "docs": docs, "seed": seed, "queries": len(mix), "when": time.strftime("%Y-%m-%d %H:%M:%S"),
        "engine": engine_before,
        "engine_at_end": engine_version(),  # others may change the engine while a run goes on
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
                    "load_average": [load_before, os.getloadavg()[0]]},
        "corpus": description,
        "build": builds,
        "search": {
            # Sampled, not getrusage: a child's ru_maxrss starts at its parent's size at fork
            # time on Linux, and the parent holds the source texts the mix was drawn from.
            engine: {**latency_summary(s["latencies_ms"], s["cpu_latencies_ms"]), "peak_rss_mb": s["process"]["peak_sampled_rss_mb"],
                     **{k: s[k] for k in ("import_ms", "open_first_ms", "start_to_first_ms", "errors")}}
            for engine, s in searches.items()
        },
        "per_query": [
            {"kind": spec["kind"], "q": spec["q"], **{f"{e}_{key}": searches[e][field][i] for e in searches
                                                      for key, field in (("ms", "latencies_ms"), ("cpu_ms", "cpu_latencies_ms"), ("total", "totals"))},
             "mosaic_top": searches["mosaic"]["answers"][i].get("top"), "mosaic_facets": searches["mosaic"]["answers"][i].get("facets")}
            for i, spec in enumerate(mix)
        ],
    }
    results["ratios"] = ratios(results)
    results_file.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return results, results_file


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == [CHILD]:
        task, report_file, *args = argv[1:]
        Path(report_file).write_text(json.dumps(TASKS[task](*args)), encoding="utf-8")
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_run_arguments(parser, "corpus size in articles")
    parser.add_argument("--queries", type=int, default=210, help="searches in the measured mix (default 210)")
    parser.add_argument("--skip-build", action="store_true", help="reuse the indexes (and build figures) of the last run")
    parser.add_argument("--worker-counts", default="", help="also build with these numbers of ingest workers, e.g. 1,2")
    parser.add_argument("--compare", type=Path, help="another run's results.json: check that every answer is the same")
    args = parser.parse_args(argv)
    if args.docs < 1 or args.queries < 1:
        parser.error("--docs and --queries must be positive")
    counts = [int(n) for n in args.worker_counts.split(",") if n.strip()]
    results, results_file = run_benchmark(args.work, args.docs, args.queries, args.seed, args.jsonl_share, args.skip_build, counts)
    print(report(results, results_file))
    if args.compare:
        print(f"\nanswers compared with {args.compare}:")
        return same_results.main(["compare", str(args.compare), str(results_file)])
    return 0


# --- the report ------------------------------------------------------------------------------------

def ratios(results: dict) -> dict:
    """Mosaic/FTS5 for build time (against raw-text FTS5 and extracted-text FTS5), p50, p95 and
    index size; in wall-clock time and in CPU time."""
    m, f, r = results["build"]["mosaic"], results["build"]["fts5"], results["build"]["fts5_raw"]
    sm, sf = results["search"]["mosaic"], results["search"]["fts5"]
    return {
        "build vs FTS5 raw text": (m["seconds"] / r["seconds"], m["cpu_seconds"] / r["cpu_seconds"]),
        "build vs FTS5 extracted": (m["seconds"] / f["seconds"], m["cpu_seconds"] / f["cpu_seconds"]),
        "query p50": (sm["p50_ms"] / sf["p50_ms"], sm["cpu_p50_ms"] / sf["cpu_p50_ms"]),
        "query p95": (sm["p95_ms"] / sf["p95_ms"], sm["cpu_p95_ms"] / sf["cpu_p95_ms"]),
        "index size": (m["index_bytes"] / f["index_bytes"], None),
    }


def report(results: dict, results_file: Path) -> str:
    """Return the printed table: builds, stages, workers, searches, latency per query kind, ratios."""
    c, m, f, r = results["corpus"], results["build"]["mosaic"], results["build"]["fts5"], results["build"]["fts5_raw"]
    sm, sf = results["search"]["mosaic"], results["search"]["fts5"]
    docs, machine = results["docs"], results["machine"]
    stages = m.get("stages_cpu", {})
    build_rows = [
        ("build, end to end (s)", f"{m['seconds']:.1f}", f"{r['seconds']:.1f}", f"{f['seconds']:.1f}"),
        ("  docs/s", f"{docs / m['seconds']:.0f}", f"{docs / r['seconds']:.0f}", f"{docs / f['seconds']:.0f}"),
        ("  CPU time, all processes (s)", f"{m['cpu_seconds']:.1f}", f"{r['cpu_seconds']:.1f}", f"{f['cpu_seconds']:.1f}"),
        ("    extraction, CPU (s)", "", "", f"{f['steps_cpu']['extract']:.1f}"),
        ("    loading, CPU (s)", "", f"{r['cpu_seconds']:.1f}", f"{f['steps_cpu']['index']:.1f}"),
        *((f"    {stage}, CPU (s)", f"{stages[stage]:.1f}", "", "") for stage in
          ("read", "decode", "extract", "actors", "fingerprints", "analysis", "write", "commit", "clustering") if stage in stages),
        ("build peak RSS, all processes (MB)", f"{m['peak_tree_rss_mb']:.0f}", f"{r['peak_tree_rss_mb']:.0f}", f"{f['peak_tree_rss_mb']:.0f}"),
        ("  largest process (MB)", f"{m['peak_rss_mb']:.0f}", f"{r['peak_rss_mb']:.0f}", f"{f['peak_rss_mb']:.0f}"),
        ("docs indexed", str(m["indexed"]), str(r["indexed"]), str(f["indexed"])),
        ("index size (MB)", f"{m['index_bytes'] / 1e6:.1f}", f"{r['index_bytes'] / 1e6:.1f}", f"{f['index_bytes'] / 1e6:.1f}"),
    ]
    rows = [
        ("new process to first result (ms)", f"{sm['start_to_first_ms']:.0f}", f"{sf['start_to_first_ms']:.0f}"),
        ("  imports (ms)", f"{sm['import_ms']:.0f}", f"{sf['import_ms']:.0f}"),
        ("  open + first query (ms)", f"{sm['open_first_ms']:.0f}", f"{sf['open_first_ms']:.1f}"),
        ("query p50 (ms)", f"{sm['p50_ms']:.1f}", f"{sf['p50_ms']:.1f}"),
        ("query p95 (ms)", f"{sm['p95_ms']:.1f}", f"{sf['p95_ms']:.1f}"),
        ("query max (ms)", f"{sm['max_ms']:.1f}", f"{sf['max_ms']:.1f}"),
        ("query p50 / p95, CPU (ms)", f"{sm['cpu_p50_ms']:.1f} / {sm['cpu_p95_ms']:.0f}", f"{sf['cpu_p50_ms']:.1f} / {sf['cpu_p95_ms']:.0f}"),
        ("search peak RSS (MB)", f"{sm['peak_rss_mb']:.0f}", f"{sf['peak_rss_mb']:.0f}"),
        ("search errors", str(len(sm["errors"])), str(len(sf["errors"]))),
    ]
    engine = results["engine"]
    changes = f" + uncommitted changes (diff {engine['diff_sha1']})" if engine["dirty"] else ""
    if results["engine_at_end"] != engine:
        end = results["engine_at_end"]
        changes += f"; WARNING: the engine changed during the run (now {end['commit']}, diff {end['diff_sha1']})"
    lines = [
        f"Mosaic vs SQLite FTS5: {docs} docs ({c['dump']} page dumps, {c['jsonl']} JSONL records, {c['syndicated']} "
        f"syndicated copies; {c['bytes'] / 1e6:.1f} MB), seed {results['seed']}, {results['queries']} queries",
        f"engine {engine['commit']}{changes}, {machine['cpus']} CPUs, "
        f"load average {machine['load_average'][0]:.1f} at start, {machine['load_average'][1]:.1f} at end",
        "",
        f"{'':36}{'Mosaic':>10}{'FTS5 raw':>10}{'FTS5 extr.':>12}",
        *(f"{label:36}{a:>10}{b:>10}{x:>12}" for label, a, b, x in build_rows),
    ]
    if results["build"].get("workers"):
        lines.append("")
        for count, w in results["build"]["workers"].items():
            ingest = sum(w["stages_cpu"].get(s, 0.0) for s in ("read", "decode", "extract", "actors", "fingerprints", "analysis"))
            lines.append(f"Mosaic with {count} ingest worker(s): {docs / w['seconds']:.0f} articles/s end to end "
                         f"({w['seconds']:.1f} s, {w['cpu_seconds']:.1f} CPU s, ingest {ingest:.1f} CPU s, "
                         f"peak RSS {w['peak_tree_rss_mb']:.0f} MB)")
    lines += [
        "",
        f"{'':36}{'Mosaic':>10}{'FTS5 extr.':>12}",
        *(f"{label:36}{a:>10}{b:>12}" for label, a, b in rows),
        "",
        f"{'query kind':14}{'Mosaic p50 / p95 ms':>22}{'FTS5 p50 / p95 ms':>22}{'median hits M / F':>20}",
    ]
    for kind in querymix.KINDS:
        rows = [q for q in results["per_query"] if q["kind"] == kind]
        if not rows:
            continue
        cells = []
        for engine_name in ("mosaic", "fts5"):
            ms = [q[f"{engine_name}_ms"] for q in rows]
            cells.append(f"{percentile(ms, 50):.1f} / {percentile(ms, 95):.1f}")
        hits = [statistics.median([q[f"{e}_total"] or 0 for q in rows]) for e in ("mosaic", "fts5")]
        lines.append(f"{kind:14}{cells[0]:>22}{cells[1]:>22}{f'{hits[0]:g} / {hits[1]:g}':>20}")
    lines += ["", f"results: {results_file}", "Mosaic/FTS5 ratios (wall clock; CPU time in brackets):"]
    for name, (wall, cpu) in results["ratios"].items():
        lines.append(f"  {name:24} {wall:6.1f}x" + (f"  ({cpu:.1f}x)" if cpu is not None else ""))
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
