"""A real `mosaic serve` under HTTP load: its resident memory and the latency clients see.

Usage (from the repo root, after bench/scale.py has built an index and written its query mix):

    .venv/bin/python bench/serve.py --docs 100000 [--clients 4] [--rounds 2] [--work /tmp/mosaic-bench]

It starts `mosaic serve` (gunicorn) on a free loopback port over the scale run's index, sends
the run's query mix (queries.json) as /api/search requests, the same searches bench/scale.py
times in-process (ten hits, snippets, facet counts), from several client threads for a few
rounds, and samples the server's RSS from /proc every 50 ms. It prints the server's RSS after
start-up, after the first search and at its peak, and the p50/p95 latency over HTTP, and
fails when any request is not a 200.
"""

from __future__ import annotations

import argparse
import json
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



def rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_run_arguments(parser, "corpus size of the bench/scale.py run")
    parser.add_argument("--clients", type=int, default=4, help="concurrent client threads")
    parser.add_argument("--rounds", type=int, default=2, help="passes over the query mix")
    args = parser.parse_args(argv)
    run = run_folder(args.work, args.docs, args.seed, args.jsonl_share)
    index_dir, mix_file = run / "mosaic-index", run / "queries.json"
    if not (index_dir / "CURRENT").is_file() or not mix_file.is_file():
        sys.exit(f"error: no index or query mix in {run}\nhint: run bench/scale.py --docs {args.docs} first")
    mix = json.loads(mix_file.read_text(encoding="utf-8"))

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "search", "serve", "--index-dir", str(index_dir), "--port", str(port)],
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    samples: list[float] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            samples.append(rss_mb(server.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        deadline = time.time() + 120
        while True:  # up: the port answers (a page that opens no index)
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if server.poll() is not None or time.time() > deadline:
                    sys.exit(f"error: the server did not start:\n{server.stderr.read().decode()[-2000:]}")
                time.sleep(0.05)
        started_mb = rss_mb(server.pid)
        status, first_ms = fetch(search_url(base, mix[0]))
        first_mb = rss_mb(server.pid)
        urls = [search_url(base, spec) for spec in mix] * args.rounds
        with ThreadPoolExecutor(args.clients) as pool:
            results = list(pool.map(fetch, urls))
        last_mb = rss_mb(server.pid)
    finally:
        stop.set()
        sampler.join()
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        server.stderr.close()
    latencies = sorted(ms for _, ms in results)
    failures = [code for code, _ in results if code != 200] + ([status] if status != 200 else [])
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    print(f"mosaic serve on {index_dir} ({args.docs} articles), {len(urls)} searches from {args.clients} clients")
    print(f"server RSS: {started_mb:.0f} MB started, {first_mb:.0f} MB after the first search ({first_ms:.0f} ms), "
          f"{last_mb:.0f} MB at the end, {max(samples):.0f} MB peak")
    print(f"latency over HTTP: p50 {statistics.median(latencies):.1f} ms, p95 {p95:.1f} ms; non-200 responses: {len(failures)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
