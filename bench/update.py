"""How long one changed file takes to be live in a big index: incremental `mosaic index` timed.

Usage (from the repo root, after bench/scale.py has built an index):

    .venv/bin/python bench/update.py --docs 100000 [--work /tmp/mosaic-bench] [--seed 1]

Steps, each run of `mosaic index` in a fresh process as a user would start it:

1. A run with no change (the cost of finding out that nothing changed).
2. One page dump edited (a sentence with a made-up word added to its longest paragraph): the run re-reads that file,
   replaces its article, and publishes a new generation; a search then finds the word.
3. The edit undone (the same file back as it was).

It prints, per step, the wall time of the whole command (Python start-up included) and the
time build_index reports, with the number of articles re-indexed. The index and the corpus
are left as they were found, but for the generation counter.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path

from workdir import ROOT, add_run_arguments, corpus_folder, run_folder

MARKER = "Zorblaxian"  # in no article of the corpus
_SUMMARY = re.compile(r"indexed (\d+), skipped (\d+).* in ([\d.]+)s")


def run_index(articles: Path, index_dir: Path) -> dict:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "search", "index", str(articles), "--index-dir", str(index_dir)],
                          cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode:
        sys.exit(f"error: mosaic index failed:\n{done.stderr[-2000:]}")
    match = _SUMMARY.search(done.stdout)
    return {"wall_s": wall, "build_s": float(match.group(3)), "indexed": int(match.group(1))}


def hits(index_dir: Path, q: str) -> int:
    done = subprocess.run([sys.executable, "-m", "search", "query", q, "--index-dir", str(index_dir), "--json"],
                          cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)["total"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_run_arguments(parser, "corpus size of the bench/scale.py run")
    args = parser.parse_args(argv)
    articles = corpus_folder(args.work, args.docs, args.seed, args.jsonl_share) / "articles"
    index_dir = run_folder(args.work, args.docs, args.seed, args.jsonl_share) / "mosaic-index"
    if not (index_dir / "CURRENT").is_file() or not articles.is_dir():
        sys.exit(f"error: no index in {index_dir}\nhint: run bench/scale.py --docs {args.docs} first")
    target = min(p for p in articles.rglob("*.txt"))
    original = target.read_bytes()
    rows = [("no change", run_index(articles, index_dir))]
    try:
        lines = original.split(b"\n")
        longest = max(range(len(lines)), key=lambda n: len(lines[n]))  # a body paragraph, not page chrome
        lines[longest] += f" The {MARKER} delegation left early.".encode()
        target.write_bytes(b"\n".join(lines))
        rows.append(("one file edited", run_index(articles, index_dir)))
        found = hits(index_dir, MARKER)
    finally:
        target.write_bytes(original)
    rows.append(("edit undone", run_index(articles, index_dir)))
    gone = hits(index_dir, MARKER)
    print(f"incremental mosaic index on {index_dir} ({args.docs} articles); edited {target.relative_to(articles)}")
    print(f"{'step':18}{'command (s)':>13}{'build (s)':>11}{'re-indexed':>12}")
    for label, row in rows:
        print(f"{label:18}{row['wall_s']:>13.2f}{row['build_s']:>11.2f}{row['indexed']:>12}")
    print(f"searches for the new word: {found} hit after the edit, {gone} after undoing it")
    return 0 if (found, gone) == (1, 0) else 1


if __name__ == "__main__":
    sys.exit(main())
