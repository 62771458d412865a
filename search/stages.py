"""Where a build's time goes, per stage, in every process that works on it.

`mosaic -v index` prints the CPU seconds of each stage at the end of a build (bench/scale.py
reads them from the build's log). The ingest stages run in the worker processes: reading files,
decoding bytes to text, extracting the article (everything else ingest does: splitting the page,
metadata, comments), tagging actors, body fingerprints, and analysing the text fields for the
index; each worker times its own calls and sends the sums back with its results. The writer's
stages run in the main process: adding documents, the commit, and clustering with the facet
tables.

The ingest functions are timed by wrapping them where search.ingest looks them up, so ingest
code stays free of timing calls; a function that moved is simply not timed (its time counts as
extraction).
"""

from __future__ import annotations

import time
from collections import Counter
from contextlib import contextmanager

INGEST_STAGES = ("read", "decode", "extract", "actors", "fingerprints", "analysis")
WRITER_STAGES = ("write", "commit", "clustering")
STAGES = INGEST_STAGES + WRITER_STAGES

# (module, attribute, stage): the functions search.ingest calls for each timed stage.
_TIMED = (
    ("search.ingest", "read_bytes", "read"),
    ("search.ingest", "decode_bytes", "decode"),
    ("search.ingest", "body_sketch", "fingerprints"),
    ("search.ingest", "tokens_of", "actors"),  # the actor tagger's tokens, which fingerprints reuse
)

_times: Counter = Counter()
_installed = False


def times() -> Counter:
    """This process's CPU seconds per stage since the last `take`."""
    return _times


def take() -> Counter:
    """Return this process's stage times and start counting again."""
    global _times
    taken, _times = _times, Counter()
    return taken


@contextmanager
def timed(stage: str):
    started = time.process_time()
    try:
        yield
    finally:
        _times[stage] += time.process_time() - started


def _wrap(function, stage: str):
    def timed_call(*args, **kwargs):
        started = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            _times[stage] += time.process_time() - started

    timed_call.__wrapped__ = function
    return timed_call


def install() -> None:
    """Time the ingest stages in this process (once)."""
    global _installed
    if _installed:
        return
    _installed = True
    import importlib

    for module_name, name, stage in _TIMED:
        module = importlib.import_module(module_name)
        function = getattr(module, name, None)
        if callable(function):
            setattr(module, name, _wrap(function, stage))
    from search.ingest.actors import Gazetteer

    if callable(getattr(Gazetteer, "count_mentions", None)):
        Gazetteer.count_mentions = _wrap(Gazetteer.count_mentions, "actors")


def ingest_times(total: float, measured: Counter) -> Counter:
    """Stage times of ingest work that took `total` CPU seconds: what was not timed is extraction."""
    out = Counter({stage: measured.get(stage, 0.0) for stage in INGEST_STAGES if stage != "extract"})
    out["extract"] = max(0.0, total - sum(out.values()))
    return out


def describe(stages: Counter, documents: int, seconds: float, workers: int) -> str:
    """One line: ingest stages (all workers; 0 workers: ingest ran in the writer's process) and
    writer stages (one process)."""
    ingest = ", ".join(f"{stage} {stages.get(stage, 0.0):.1f}" for stage in INGEST_STAGES)
    writer = ", ".join(f"{stage} {stages.get(stage, 0.0):.1f}" for stage in WRITER_STAGES)
    rate = f"{documents / seconds:.0f} articles/s" if seconds > 0 else ""
    where = f"{workers} worker{'s' if workers != 1 else ''}" if workers else "0 workers: in the writer's process"
    return (f"CPU seconds by stage: ingest ({where}) {ingest}; "
            f"writer {writer}; {rate} end to end")
