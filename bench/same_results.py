"""Speed never changes an answer: Mosaic's answers to the scale query mix, recorded and compared.

Usage (from the repo root):

    .venv/bin/python bench/same_results.py answers --index DIR --mix queries.json --out answers.json
    .venv/bin/python bench/same_results.py compare BEFORE.json AFTER.json

`answers` runs every search of a mix (bench/querymix.py, as bench/scale.py writes it to
<run>/queries.json) against an index and records, per search, the total, the ids of the first
page (ten hits) and every facet's counts. `compare` takes two such files, or two results.json of
bench/scale.py (which records the same per query), and lists every search whose total, first ten
or facet counts differ; it exits 1 when any does. Run `answers` with PYTHONPATH pointing at
another checkout to record what an older engine answered.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def answer(searcher, spec: dict, per_page: int = 10) -> dict:
    """Run one search spec with Mosaic; return its total, first-page ids and facet counts."""
    from search.request import SearchRequest

    request = SearchRequest(q=spec["q"], outlets=tuple(spec["outlets"]), actors=tuple(spec["actors"]),
                            date_from=spec["date_from"], date_to=spec["date_to"], per_page=per_page)
    result = searcher.search(request)
    return {"total": result.total, "top": [hit.id for hit in result.hits],
            "facets": {name: [[v.value, v.count] for v in values] for name, values in sorted(result.facets.items())}}


def record_answers(index: Path, mix: list[dict]) -> list[dict]:
    from search.config import Settings
    from search.query import engine_for

    searcher = engine_for(Settings(index_dir=index))
    return [{"kind": spec["kind"], "q": spec["q"], **answer(searcher, spec)} for spec in mix]


def _answers_of(path: Path) -> list[dict]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(data, dict):  # a results.json of bench/scale.py
        return [{"kind": q["kind"], "q": q["q"], "total": q.get("mosaic_total"), "top": q.get("mosaic_top"),
                 "facets": q.get("mosaic_facets")} for q in data["per_query"]]
    return data


def differences(before: list[dict], after: list[dict]) -> list[str]:
    """Return one line per search whose answer differs (or that the other file lacks)."""
    if len(before) != len(after):
        return [f"the files hold {len(before)} and {len(after)} searches"]
    out = []
    for i, (a, b) in enumerate(zip(before, after)):
        if a["q"] != b["q"]:
            out.append(f"#{i}: different searches ({a['q']!r} vs {b['q']!r})")
            continue
        for key in ("total", "top", "facets"):
            if a.get(key) is None or b.get(key) is None:
                out.append(f"#{i} {a['kind']} {a['q']!r}: no {key} recorded in one of the files")
            elif a[key] != b[key]:
                out.append(f"#{i} {a['kind']} {a['q']!r}: {key} differs ({_short(a[key])} vs {_short(b[key])})")
    return out


def _short(value) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) < 120 else text[:117] + "..."


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("answers", help="record Mosaic's answers to a query mix")
    run.add_argument("--index", type=Path, required=True)
    run.add_argument("--mix", type=Path, required=True, help="queries.json of a bench/scale.py run")
    run.add_argument("--out", type=Path, required=True)
    compare = commands.add_parser("compare", help="compare two answer files (or scale results.json)")
    compare.add_argument("before", type=Path)
    compare.add_argument("after", type=Path)
    args = parser.parse_args(argv)
    if args.command == "answers":
        mix = json.loads(args.mix.read_text(encoding="utf-8"))
        answers = record_answers(args.index, mix)
        args.out.write_text(json.dumps(answers, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
        print(f"{len(answers)} searches answered into {args.out}")
        return 0
    before, after = _answers_of(args.before), _answers_of(args.after)
    found = differences(before, after)
    for line in found:
        print(line)
    print(f"{len(before)} searches: {len(found)} differences in totals, first ten or facet counts")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
