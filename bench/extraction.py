"""Score article-body extraction on the extraction-dev pages in ../shared and print P/R/F1 and speed.

Usage (from the repo root):

    .venv/bin/python bench/extraction.py                 # every input kind that can run
    .venv/bin/python bench/extraction.py --kind dump     # one kind
    .venv/bin/python bench/extraction.py --per-case --keep /tmp/preds

Each input kind is one function that turns a case's page file into the body text; predictions go
to a temporary folder (one <id>.txt per case) and the shared scorer
(../shared/tools/score_extraction.py) scores that folder against the gold bodies. Pages/s counts
extraction only (reading, decoding and normalising included; scoring not), in CPU time of this
process, so that other work on the machine does not skew it; the first page of each kind pays
for imports and pattern compilation, so the rate without it is printed too (what a crawl of
thousands of pages sees).
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CASES = SHARED / "data" / "extraction-dev"
SCORER = SHARED / "tools" / "score_extraction.py"


class KindUnavailable(Exception):
    """An input kind cannot run in this checkout (its extractor is not written or not installed)."""


def body_from_dump(page: Path) -> str:
    """Return the body that dump extraction finds in a page dump (<id>.txt)."""
    from search.ingest.dump import extract_dump
    from search.ingest.normalise import decode_bytes, normalise_text

    parts = extract_dump(normalise_text(decode_bytes(page.read_bytes())))
    return "\n\n".join(parts.body)


def body_from_html(page: Path) -> str:
    """Return the body that HTML extraction finds in a saved page (<id>.html.gz)."""
    from search.ingest.normalise import decode_bytes, normalise_text

    try:
        from search.ingest.html import extract_html
    except ImportError as exc:
        raise KindUnavailable(f"search.ingest.html cannot be imported ({exc})") from exc
    parts = extract_html(decode_bytes(gzip.decompress(page.read_bytes())))
    return "\n\n".join(normalise_text(p) for p in parts.body if p.strip())


# Input kind -> (the page file each case needs, the extractor). Add a kind by adding a line.
KINDS: dict[str, tuple[str, Callable[[Path], str]]] = {
    "dump": (".txt", body_from_dump),
    "html": (".html.gz", body_from_html),
}


def load_scorer() -> ModuleType:
    """Import ../shared/tools/score_extraction.py as a module."""
    spec = importlib.util.spec_from_file_location("score_extraction", SCORER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def case_stems(cases_dir: Path) -> list[Path]:
    """Return <cases_dir>/<id> (no suffix) for every case with a gold body, sorted by id."""
    return sorted(cases_dir / p.name[: -len(".gold.txt")] for p in cases_dir.glob("*.gold.txt"))


def run_kind(name: str, cases: list[Path], pred_dir: Path) -> tuple[float, float]:
    """Write one prediction per case into pred_dir; return the extraction CPU time in seconds, in
    all and for the pages after the first (which pays for imports and compiling patterns)."""
    suffix, extract = KINDS[name]
    pred_dir.mkdir(parents=True, exist_ok=True)
    elapsed, first = 0.0, None
    for case in cases:
        page = case.with_name(case.name + suffix)
        if not page.exists():
            continue  # a missing prediction scores as empty output, as the scorer documents
        started = time.process_time()
        body = extract(page)
        elapsed += time.process_time() - started
        first = elapsed if first is None else first
        (pred_dir / f"{case.name}.txt").write_text(body + "\n", encoding="utf-8")
    return elapsed, elapsed - (first or 0.0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kind", choices=sorted(KINDS), action="append", help="input kind to run (repeatable; default all)")
    parser.add_argument("--cases", type=Path, default=CASES, help=f"cases folder (default {CASES})")
    parser.add_argument("--per-case", action="store_true", help="also print each case's token P/R/F1")
    parser.add_argument("--keep", type=Path, help="write predictions under this folder (<kind>/<id>.txt) and keep them")
    args = parser.parse_args(argv)

    if not args.cases.is_dir() or not SCORER.is_file():
        print(f"error: extraction-dev cases or scorer not found (looked for {args.cases} and {SCORER})", file=sys.stderr)
        print(f"hint: ../shared must sit beside the repo root ({ROOT}); this benchmark needs it", file=sys.stderr)
        return 2
    scorer = load_scorer()
    cases = case_stems(args.cases)
    if not cases:
        print(f"error: no *.gold.txt cases in {args.cases}", file=sys.stderr)
        return 2

    with tempfile.TemporaryDirectory(prefix="mosaic-extraction-") as tmp:
        out_root = args.keep or Path(tmp)
        for name in args.kind or list(KINDS):
            pred_dir = out_root / name
            try:
                elapsed, after_first = run_kind(name, cases, pred_dir)
            except KindUnavailable as exc:
                print(f"{name:5} skipped: {exc}")
                continue
            summary, per_case = scorer.score_dirs(args.cases, pred_dir)
            if args.per_case:
                for cid, c in per_case.items():
                    p, r, f = scorer.prf(c["tp"], c["fp"], c["fn"])
                    print(f"{name:5} {cid[:12]}  P={p:.3f} R={r:.3f} F1={f:.3f}  gold={c['n_gold']} pred={c['n_pred']}")
            speed = len(cases) / elapsed if elapsed else float("inf")
            steady = (len(cases) - 1) / after_first if after_first else float("inf")
            print(f"{name:5} {scorer.summary_line(summary)}  macro_F1={summary['macro_F1']:.3f} "
                  f"junk_lines={summary['junk_lines']:.3f}  {speed:.0f} pages/s ({steady:.0f} after the first)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
