"""Where the scale benchmarks keep their corpora and runs, and the options that name them.

bench/scale.py builds a corpus and a run (indexes, query mix, results) per size, seed and JSONL
share; bench/update.py and bench/serve.py find that run again from the same options.
"""

from __future__ import annotations

import argparse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_WORK = Path("/tmp/mosaic-bench")


def add_run_arguments(parser: argparse.ArgumentParser, docs_help: str) -> None:
    """Add --docs, --work, --seed and --jsonl-share: which corpus and run a benchmark uses."""
    parser.add_argument("--docs", type=int, required=True, help=docs_help)
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK, help=f"work folder (default {DEFAULT_WORK})")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jsonl-share", type=float, default=0.3, help="share of articles written as JSONL records")


def corpus_folder(work: Path, docs: int, seed: int, share: float) -> Path:
    return work / f"corpus-{docs}-s{seed}-j{share:g}"


def run_folder(work: Path, docs: int, seed: int, share: float) -> Path:
    return work / f"run-{docs}-s{seed}-j{share:g}"
