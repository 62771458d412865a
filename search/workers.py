"""Ingest worker processes: files read, extracted and prepared in parallel, results in order.

The one process that writes the index can only add documents one at a time, so everything
that can be done before is done in workers: reading and extracting each file, and preparing
each article for the engine's writer (the engine's `preparer`: for Whoosh, analysing the long
text fields and collecting the vocabulary's words). Small jobs run in the calling process; the
start-up of workers costs more.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterator
from pathlib import Path

from search.config import Settings
from search.ingest import Skipped, read_articles

# Ingest runs in worker processes when at least this many files need reading; below it the
# start-up of the workers costs more than it saves.
PARALLEL_MIN_FILES = 64
BATCH_FILES = 32
BATCH_BYTES = 4 << 20
WINDOW_BATCHES = 64
WINDOW_BYTES = 24 << 20  # input bytes in flight; their prepared articles wait in the writer's memory


def _prepared(path: Path, settings: Settings, preparer) -> list:
    return [item if isinstance(item, Skipped) else preparer(item) for item in read_articles(path, settings)]


def _batches(paths: list[Path]) -> list[tuple[list[Path], int]]:
    """Group files into batches of at most BATCH_FILES files and about BATCH_BYTES of input (a
    JSONL export of a thousand articles is a batch of its own); return each with its size."""
    batches, batch, size = [], [], 0
    for path in paths:
        try:
            length = path.stat().st_size
        except OSError:
            length = 0
        if batch and (size + length > BATCH_BYTES or len(batch) >= BATCH_FILES):
            batches.append((batch, size))
            batch, size = [], 0
        batch.append(path)
        size += length
    if batch:
        batches.append((batch, size))
    return batches


def prepare_files(paths: list[Path], settings: Settings, preparer, progress) -> Iterator:
    """Yield `preparer(article)` for each article of `paths`, and a Skipped for each input that
    holds none, in order; read by worker processes for big jobs."""
    workers = min(settings.index_workers or os.cpu_count() or 1, 8)
    if workers < 2 or len(paths) < PARALLEL_MIN_FILES:
        for done, path in enumerate(paths, start=1):
            yield from _prepared(path, settings, preparer)
            if progress:
                progress(done, path)
        return
    context = multiprocessing.get_context("spawn")  # no fork: the parent may hold threads and locks
    done = 0
    with context.Pool(workers, initializer=_init_worker, initargs=(settings, preparer)) as pool:
        # Results are taken in input order, so a slow batch (a JSONL export of a thousand
        # articles) holds up the ones behind it: a wide window of batches in flight keeps the
        # workers busy meanwhile; its bound in input bytes keeps memory flat.
        pending: deque = deque()
        in_flight = 0

        def finish_oldest():
            nonlocal done, in_flight
            batch_done, size, result = pending.popleft()
            yield from result.get()
            in_flight -= size
            done += len(batch_done)
            if progress:
                progress(done, batch_done[-1])

        for batch, size in _batches(paths):
            pending.append((batch, size, pool.apply_async(_read_batch, (batch,))))
            in_flight += size
            while pending and (in_flight > WINDOW_BYTES or len(pending) > WINDOW_BATCHES):
                yield from finish_oldest()
        while pending:
            yield from finish_oldest()


_worker_state: tuple | None = None


def _init_worker(settings: Settings, preparer) -> None:
    global _worker_state
    _worker_state = (settings, preparer)


def _read_batch(paths: list[Path]) -> list:
    settings, preparer = _worker_state
    return [item for path in paths for item in _prepared(path, settings, preparer)]
