"""Whoosh against OpenSearch on one corpus and one query mix: build time, latency with facets and
snippets from one client and from several over HTTP, and whether both engines count alike.

Usage (from the repo root):

    .venv/bin/python bench/engines.py --docs 10000 [--clients 8] [--queries 210] [--heap 1g]
                                      [--opensearch-url URL] [--skip-build] [--work /tmp/mosaic-bench]

Steps:

1. The corpus and query mix of bench/scale.py (same options, same cached corpus).
2. OpenSearch: the cluster at --opensearch-url (or MOSAIC_OPENSEARCH_URL); else one node
   started here from tools/opensearch-node (full JIT, --heap), stopped at the end. Its CPU time
   is counted apart, as it is another process.
3. Builds: `mosaic index` into a fresh Whoosh index, then `mosaic index --rebuild` with
   MOSAIC_ENGINE=opensearch (prefix bench-<docs>), each in its own child process.
4. One client: a fresh process per engine runs the mix once to warm up, once measured (ten
   hits with snippets and every facet's counts, as the search page asks), and records each
   search's total, so that the two engines' counts are compared query by query.
5. Several clients: `mosaic serve` (gunicorn, one worker per core) per engine, the mix sent
   as /api/search requests from --clients threads.

It prints one table and writes every number to <work>/run-<docs>-.../engines.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import corpus
import querymix
from scale import CHILD, latency_summary, percentile, prepare_corpus, run_child
from serve import fetch, free_port, memory_mb, search_url, total_memory
from workdir import ROOT, add_run_arguments, run_folder

ENGINES = ("whoosh", "opensearch")


def engine_settings(engine: str, run: Path, url: str, docs: int) -> dict:
    """The MOSAIC_* variables that point `mosaic` at one engine's index of this run."""
    if engine == "whoosh":
        return {"MOSAIC_INDEX_DIR": str(run / "whoosh-index")}
    return {"MOSAIC_ENGINE": "opensearch", "MOSAIC_OPENSEARCH_URL": url, "MOSAIC_OPENSEARCH_PREFIX": f"bench-{docs}"}


def task_queries(mix_file: str, report_file: str) -> None:
    """Child: warm-up pass, then a measured pass, with the engine the environment names."""
    from search.config import Settings
    from search.errors import SearchError
    from search.query import engine_for
    from search.request import SearchRequest

    engine = engine_for(Settings.from_env())
    mix = json.loads(Path(mix_file).read_text(encoding="utf-8"))

    def search(spec: dict) -> int:
        request = SearchRequest(q=spec["q"], outlets=tuple(spec["outlets"]), actors=tuple(spec["actors"]),
                                date_from=spec["date_from"], date_to=spec["date_to"], per_page=10)
        return engine.search(request).total

    errors = {}
    for spec in mix:
        try:
            search(spec)
        except SearchError as exc:
            errors[spec["q"]] = str(exc)
    latencies, cpu, totals = [], [], []
    for spec in mix:
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            totals.append(search(spec))
        except SearchError:
            totals.append(None)
        latencies.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    Path(report_file).write_text(json.dumps({"latencies_ms": latencies, "cpu_latencies_ms": cpu, "totals": totals,
                                             "errors": errors}), encoding="utf-8")


def node_cpu_seconds(pid: int | None) -> float | None:
    if pid is None:
        return None
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def index_bytes(engine: str, run: Path, url: str, docs: int) -> int:
    if engine == "whoosh":
        index_dir = run / "whoosh-index"
        live = index_dir / (index_dir / "CURRENT").read_text(encoding="utf-8").strip()
        return sum(p.stat().st_size for p in live.rglob("*") if p.is_file())
    from opensearchpy import OpenSearch

    client = OpenSearch([u.strip() for u in url.split(",")])
    stats = client.indices.stats(index=f"bench-{docs}", metric="store")
    return sum(index["primaries"]["store"]["size_in_bytes"] for index in stats["indices"].values())


def build(engine: str, run: Path, articles: Path, url: str, docs: int, node_pid: int | None) -> dict:
    print(f"{engine}: mosaic index …", file=sys.stderr)
    before = node_cpu_seconds(node_pid)
    args = [sys.executable, "-m", "search", "index", "--rebuild", str(articles)]
    figures = run_child(args, run / f"{engine}-index.log", engine_settings(engine, run, url, docs))
    after = node_cpu_seconds(node_pid)
    summary = next((line for line in Path(figures["log"]).read_text(encoding="utf-8").splitlines() if line.startswith("indexed ")), "")
    return {**{k: figures[k] for k in ("seconds", "cpu_seconds", "peak_tree_rss_mb")}, "summary": summary,
            "indexed": int(summary.split()[1].rstrip(",")) if summary else None,
            "node_cpu_seconds": after - before if engine == "opensearch" and before is not None else None,
            "index_bytes": index_bytes(engine, run, url, docs)}


def one_client(engine: str, run: Path, mix_file: Path, url: str, docs: int) -> dict:
    print(f"{engine}: one client, warm-up then measured …", file=sys.stderr)
    report_file = run / f"{engine}-queries.json"
    run_child([sys.executable, str(Path(__file__).resolve()), CHILD, str(mix_file), str(report_file)],
              run / f"{engine}-queries.log", engine_settings(engine, run, url, docs))
    found = json.loads(report_file.read_text(encoding="utf-8"))
    return {**latency_summary(found["latencies_ms"], found["cpu_latencies_ms"]), "totals": found["totals"],
            "errors": found["errors"], "latencies_ms": found["latencies_ms"]}


def many_clients(engine: str, run: Path, mix: list[dict], clients: int, url: str, docs: int) -> dict:
    print(f"{engine}: mosaic serve, {clients} clients …", file=sys.stderr)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOSAIC_")} | engine_settings(engine, run, url, docs)
    env["MOSAIC_PORT"] = str(port)
    log = open(run / f"{engine}-serve.log", "w", encoding="utf-8")
    server = subprocess.Popen([sys.executable, "-m", "search", "serve"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 120
        while not (_up(port) and fetch(f"{base}/api/search?per_page=1")[0] == 200):
            if server.poll() is not None or time.time() > deadline:
                sys.exit(f"error: the {engine} server did not start; see {log.name}")
            time.sleep(0.2)
        urls = [search_url(base, spec) for spec in mix]
        with ThreadPoolExecutor(clients) as pool:
            list(pool.map(fetch, urls))  # warm-up: every worker process opens its engine
            started = time.perf_counter()
            results = list(pool.map(fetch, urls))
            seconds = time.perf_counter() - started
        server_mb = total_memory(server.pid)[0]  # master and workers
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
    latencies = [ms for _, ms in results]
    return {"p50_ms": percentile(latencies, 50), "p95_ms": percentile(latencies, 95), "per_second": len(results) / seconds,
            "non_200": sum(code != 200 for code, _ in results), "server_rss_mb": server_mb}


def _up(port: int) -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == [CHILD]:
        task_queries(*argv[1:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_run_arguments(parser, "corpus size in articles")
    parser.add_argument("--queries", type=int, default=210, help="searches in the measured mix (default 210)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent HTTP clients (default 8)")
    parser.add_argument("--opensearch-url", default=os.environ.get("MOSAIC_OPENSEARCH_URL"),
                        help="an OpenSearch cluster to use (default: start one node here)")
    parser.add_argument("--heap", default="1g", help="heap of the node started here (default 1g)")
    parser.add_argument("--skip-build", action="store_true", help="reuse the indexes and build figures of the last run")
    args = parser.parse_args(argv)

    folder, description = prepare_corpus(args.work, args.docs, args.seed, args.jsonl_share)
    run = run_folder(args.work, args.docs, args.seed, args.jsonl_share)
    run.mkdir(parents=True, exist_ok=True)
    results_file = run / "engines.json"
    texts = [" ".join(paragraphs) for articles in corpus.load_source().articles.values() for _, paragraphs in articles]
    mix = querymix.make_mix(texts, querymix.load_manifest(folder / "manifest.jsonl"), args.queries, args.seed)
    mix_file = run / "engines-queries.json"
    mix_file.write_text(json.dumps(mix, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")

    sys.path.insert(0, str(ROOT))
    from tests.opensearch_node import launch

    node = None
    url = args.opensearch_url
    if not url:
        print(f"starting an OpenSearch node ({args.heap} heap) …", file=sys.stderr)
        node = launch(1, run / "opensearch-node", heap=args.heap, java_opts="")
        url = node.urls[0]
    node_pid = node.pids[0] if node else None
    try:
        if args.skip_build:
            builds = json.loads(results_file.read_text(encoding="utf-8"))["build"]
        else:
            builds = {engine: build(engine, run, folder / "articles", url, args.docs, node_pid) for engine in ENGINES}
        single = {engine: one_client(engine, run, mix_file, url, args.docs) for engine in ENGINES}
        several = {engine: many_clients(engine, run, mix, args.clients, url, args.docs) for engine in ENGINES}
        node_mb = memory_mb(node_pid)[0] if node_pid else None
    finally:
        if node is not None:
            node.stop()
    differ = [(spec["q"], a, b) for spec, a, b in zip(mix, single["whoosh"]["totals"], single["opensearch"]["totals"]) if a != b]
    results = {"docs": args.docs, "seed": args.seed, "queries": len(mix), "clients": args.clients, "corpus": description,
               "when": time.strftime("%Y-%m-%d %H:%M:%S"), "cpus": os.cpu_count(), "opensearch_url": args.opensearch_url or "started here",
               "build": builds, "one_client": single, "many_clients": several, "node_rss_mb": node_mb,
               "totals_differ": differ, "load_average": os.getloadavg()[0]}
    results_file.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(report(results, results_file, mix))
    return 1 if differ else 0


def report(results: dict, results_file: Path, mix: list[dict]) -> str:
    b, s, m = results["build"], results["one_client"], results["many_clients"]

    def cells(fmt, pick):
        return [fmt(pick(engine)) if pick(engine) is not None else "-" for engine in ENGINES]

    rows = [
        ("build, end to end (s)", cells("{:.1f}".format, lambda e: b[e]["seconds"])),
        ("  docs/s", cells("{:.0f}".format, lambda e: results["docs"] / b[e]["seconds"])),
        ("  CPU, mosaic processes (s)", cells("{:.1f}".format, lambda e: b[e]["cpu_seconds"])),
        ("  CPU, OpenSearch node (s)", cells("{:.1f}".format, lambda e: b[e]["node_cpu_seconds"])),
        ("  peak RSS, mosaic processes (MB)", cells("{:.0f}".format, lambda e: b[e]["peak_tree_rss_mb"])),
        ("docs indexed", cells(str, lambda e: b[e]["indexed"])),
        ("index size (MB)", cells("{:.1f}".format, lambda e: b[e]["index_bytes"] / 1e6)),
        ("1 client: p50 / p95 (ms)", cells(lambda v: f"{v[0]:.1f} / {v[1]:.1f}", lambda e: (s[e]["p50_ms"], s[e]["p95_ms"]))),
        ("  CPU in mosaic, p50 / p95 (ms)", cells(lambda v: f"{v[0]:.1f} / {v[1]:.1f}", lambda e: (s[e]["cpu_p50_ms"], s[e]["cpu_p95_ms"]))),
        (f"{results['clients']} clients, HTTP: p50 / p95 (ms)", cells(lambda v: f"{v[0]:.0f} / {v[1]:.0f}", lambda e: (m[e]["p50_ms"], m[e]["p95_ms"]))),
        (f"{results['clients']} clients: searches/s", cells("{:.1f}".format, lambda e: m[e]["per_second"])),
        ("  non-200 answers", cells(str, lambda e: m[e]["non_200"])),
        ("search errors", cells(str, lambda e: len(s[e]["errors"]))),
    ]
    c = results["corpus"]
    lines = [
        f"Whoosh vs OpenSearch: {results['docs']} docs ({c['dump']} page dumps, {c['jsonl']} JSONL records, "
        f"{c['syndicated']} syndicated copies), seed {results['seed']}, {results['queries']} queries, "
        f"{results['cpus']} CPUs (shared with the node), OpenSearch: {results['opensearch_url']}",
        "",
        f"{'':36}{'Whoosh':>14}{'OpenSearch':>14}",
        *(f"{label:36}{a:>14}{b_:>14}" for label, (a, b_) in rows),
        "",
        f"{'query kind':14}{'Whoosh p50 / p95 ms':>24}{'OpenSearch p50 / p95 ms':>26}",
    ]
    for kind in querymix.KINDS:
        picked = [i for i, spec in enumerate(mix) if spec["kind"] == kind]
        if picked:
            kind_cells = []
            for engine in ENGINES:
                ms = [s[engine]["latencies_ms"][i] for i in picked]
                kind_cells.append(f"{percentile(ms, 50):.1f} / {percentile(ms, 95):.1f}")
            lines.append(f"{kind:14}{kind_cells[0]:>24}{kind_cells[1]:>26}")
    differ = results["totals_differ"]
    lines += ["", f"searches whose totals differ between the engines: {len(differ)} of {results['queries']}"]
    lines += [f"  {q!r}: whoosh {a}, opensearch {b_}" for q, a, b_ in differ[:10]]
    if results["node_rss_mb"]:
        lines.append(f"OpenSearch node RSS at the end: {results['node_rss_mb']:.0f} MB")
    lines.append(f"results: {results_file}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
