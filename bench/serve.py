"""A real `mosaic serve` under HTTP load: throughput and latency for one client and for many,
and the memory of all its processes.

Usage (from the repo root, after bench/scale.py has built an index and written its query mix):

    .venv/bin/python bench/serve.py --docs 100000 [--clients 8] [--workers 0] [--rounds 2] [--work /tmp/mosaic-bench]

It starts `mosaic serve` (gunicorn, --workers processes; 0: one per core) on a free loopback
port over the scale run's index, and sends the run's query mix (queries.json) as /api/search
requests, the same searches bench/scale.py times in-process (ten hits, snippets, facet
counts): first from one client, then from --clients client threads, after a warm-up pass. It
samples every server process's RSS and PSS (proportional set size: shared pages counted once
across the processes) from /proc every 50 ms, and prints both sums at their peak, the
throughput and p50/p95 of each pass, and the ratios the scaling targets are stated in. It fails
when any request is not a 200.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from workdir import ROOT, add_run_arguments, run_folder



def memory_mb(pid: int) -> tuple[float, float]:
    """Return a process's (RSS, PSS) in MB; zeros when it is gone."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as f:
            values = {line.split(":")[0]: int(line.split()[1]) for line in f if line[:4] in ("Rss:", "Pss:")}
        return values.get("Rss", 0) / 1024, values.get("Pss", 0) / 1024
    except (OSError, ValueError, IndexError):
        return 0.0, 0.0


def server_processes(master: int) -> list[int]:
    """The master and its worker processes."""
    pids = [master]
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == master:
                        pids.append(int(entry))
            except (OSError, ValueError, IndexError):
                continue
    return pids


def total_memory(master: int) -> tuple[float, float]:
    sums = [memory_mb(pid) for pid in server_processes(master)]
    return sum(r for r, _ in sums), sum(p for _, p in sums)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def search_url(base: str, spec: dict) -> str:
    params = [("q", spec["q"]), ("per_page", "10")]
    params += [("outlet", v) for v in spec["outlets"]] + [("actor", v) for v in spec["actors"]]
    params += [(k, spec[f"date_{k}"]) for k in ("from", "to") if spec.get(f"date_{k}")]
    return f"{base}/api/search?{urllib.parse.urlencode(params)}"


def fetch(url: str) -> tuple[int, float]:
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    return status, (time.perf_counter() - started) * 1000


def timed_pass(urls: list[str], clients: int) -> tuple[list[tuple[int, float]], float]:
    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(fetch, urls))
    return results, time.perf_counter() - started


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[int(share * (len(ordered) - 1))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_run_arguments(parser, "corpus size of the bench/scale.py run")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client threads of the second pass")
    parser.add_argument("--workers", type=int, default=0, help="server processes (0: one per core)")
    parser.add_argument("--rounds", type=int, default=2, help="passes over the query mix in each measured pass")
    args = parser.parse_args(argv)
    run = run_folder(args.work, args.docs, args.seed, args.jsonl_share)
    index_dir, mix_file = run / "mosaic-index", run / "queries.json"
    if not (index_dir / "CURRENT").is_file() or not mix_file.is_file():
        sys.exit(f"error: no index or query mix in {run}\nhint: run bench/scale.py --docs {args.docs} first")
    mix = json.loads(mix_file.read_text(encoding="utf-8"))

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "MOSAIC_WORKERS": str(args.workers)}
    server = subprocess.Popen([sys.executable, "-m", "search", "serve", "--index-dir", str(index_dir), "--port", str(port)],
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    samples: list[tuple[float, float]] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            samples.append(total_memory(server.pid))
            time.sleep(0.05)

    try:
        deadline = time.time() + 180
        while True:  # up: a search answers (the app is loaded and warmed before the port opens)
            try:
                with urllib.request.urlopen(base + "/static/style.css", timeout=2):
                    break
            except OSError:
                if server.poll() is not None or time.time() > deadline:
                    sys.exit(f"error: the server did not start:\n{server.stderr.read().decode()[-2000:]}")
                time.sleep(0.1)
        started_mb = total_memory(server.pid)
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        urls = [search_url(base, spec) for spec in mix]
        timed_pass(urls, args.clients)  # warm-up: every worker reads what it needs
        processes = len(server_processes(server.pid)) - 1  # counted once every worker has booted
        one, one_s = timed_pass(urls * args.rounds, 1)
        many, many_s = timed_pass(urls * args.rounds, args.clients)
    finally:
        stop.set()
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        server.stderr.close()
    failures = [code for code, _ in one + many if code != 200]
    one_ms, many_ms = [ms for _, ms in one], [ms for _, ms in many]
    one_rate, many_rate = len(one) / one_s, len(many) / many_s
    peak_rss, peak_pss = max(r for r, _ in samples), max(p for _, p in samples)
    print(f"mosaic serve on {index_dir} ({args.docs} articles): {processes} worker processes; "
          f"{len(one)} searches from 1 client, then {len(many)} from {args.clients}")
    print("| clients | searches/s | p50 ms | p95 ms |\n|---|---|---|---|")
    for clients, rate, values in ((1, one_rate, one_ms), (args.clients, many_rate, many_ms)):
        print(f"| {clients} | {rate:.1f} | {statistics.median(values):.1f} | {percentile(values, 0.95):.1f} |")
    print(f"throughput {args.clients} clients / 1 client: {many_rate / one_rate:.2f}x (target >= 1.7x); "
          f"p95 {args.clients} clients / 1 client: {percentile(many_ms, 0.95) / percentile(one_ms, 0.95):.2f}x (target <= 4.5x)")
    print(f"server processes together: RSS {started_mb[0]:.0f} MB started, {peak_rss:.0f} MB peak; "
          f"PSS {started_mb[1]:.0f} MB started, {peak_pss:.0f} MB peak (target <= 600 MB)")
    print(f"non-200 responses: {len(failures)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
