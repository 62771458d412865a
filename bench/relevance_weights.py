"""Mosaic's nDCG@10 on the judged set of bench/relevance.py as its query-time ranking constants vary.

Usage (from the repo root):

    .venv/bin/python bench/relevance_weights.py                       # the sweeps the README quotes
    .venv/bin/python bench/relevance_weights.py title=1,2,4,8 K1=0.9,1.2,2.0

Field weights (search.schema.FIELD_WEIGHTS) and the constants of search.store.whoosh.ranking and search.parsing
apply when a query runs, so one index serves every setting: each line is one setting, all other
constants at their values in the code. Each argument is NAME=v1,v2,...: a field of FIELD_WEIGHTS
(title, author, body, comments) or a constant of search.store.whoosh.ranking or search.parsing; several
arguments make a grid. A setting is only as good as the judgments: documents it brings into the
top 10 that are not judged yet count as not relevant ("unjudged" says how many).
"""

from __future__ import annotations

import itertools
import sys

from relevance import CATEGORIES, canonical_keys, load_judgments, load_queries, score
from relevance_engines import CorpusMissing, MosaicEngine, load_docs

# The sweeps quoted in the README's "Ranking" section.
DEFAULT_SWEEPS = [
    {"title": [1, 2, 4, 6, 8, 16]},
    {"author": [0, 1, 3]},
    {"comments": [0.1, 0.3, 1]},
    {"K1": [0.9, 1.2, 2.0], "B": [0.4, 0.75, 0.9]},
    {"PROXIMITY_WEIGHT": [0, 0.25, 0.5, 1]},
    {"LONG_QUERY_WORDS": [4, 6, 99], "LONG_QUERY_SHARE": [0.01, 1 / 3, 0.5]},
]


def _constant_holders():
    import search.parsing as parsing
    import search.store.whoosh.ranking as ranking
    import search.schema as schema

    return schema.FIELD_WEIGHTS, (ranking, parsing)


def set_constant(name: str, value: float) -> None:
    weights, modules = _constant_holders()
    if name in weights:
        weights[name] = value
        return
    for module in modules:
        if hasattr(module, name):
            setattr(module, name, type(getattr(module, name))(value))
            return
    raise SystemExit(f"error: {name} is neither a field weight nor a constant of search.store.whoosh.ranking or search.parsing")


def current(name: str) -> float:
    weights, modules = _constant_holders()
    return weights[name] if name in weights else next(getattr(m, name) for m in modules if hasattr(m, name))


def parse_sweep(args: list[str]) -> dict[str, list[float]]:
    sweep = {}
    for arg in args:
        name, _, values = arg.partition("=")
        if not values:
            raise SystemExit(f"error: write NAME=v1,v2,... (got {arg!r})")
        sweep[name] = [float(v) for v in values.split(",")]
    return sweep


def main(argv: list[str]) -> int:
    if argv and argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    try:
        docs = load_docs()
    except CorpusMissing as exc:
        raise SystemExit(f"error: {exc}") from None
    queries, judgments, canonical = load_queries(), load_judgments(), canonical_keys(docs)
    engine = MosaicEngine(docs, log=lambda m: print(m, file=sys.stderr))
    sweeps = [parse_sweep(argv)] if argv else DEFAULT_SWEEPS
    for sweep in sweeps:
        defaults = {name: current(name) for name in sweep}
        print(f"\n{'setting':<48}{'nDCG@10':>8}{'unjudged':>9}  " + " ".join(f"{c[:6]:>6}" for c in CATEGORIES))
        for values in itertools.product(*sweep.values()):
            setting = dict(zip(sweep, values))
            for name, value in setting.items():
                set_constant(name, value)
            table = score(queries, judgments, {"Mosaic": {q.id: engine.search(q.q, 10) for q in queries}}, canonical)["Mosaic"]
            overall = sum(table[q.id]["ndcg"] for q in queries) / len(queries)
            by_category = [sum(table[q.id]["ndcg"] for q in queries if q.category == c) / max(1, sum(q.category == c for q in queries))
                           for c in CATEGORIES]
            label = " ".join(f"{k}={v:g}" for k, v in setting.items())
            print(f"{label:<48}{overall:8.3f}{sum(table[q.id]['unjudged'] for q in queries):9d}  "
                  + " ".join(f"{x:6.3f}" for x in by_category), flush=True)
        for name, value in defaults.items():
            set_constant(name, value)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
