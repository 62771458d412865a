"""Ingest worker processes: files read, extracted and prepared in parallel, results in order.

The one process that writes the index can only add documents one at a time, so everything
that can be done before is done in workers: reading and extracting each file, and preparing
each article for the engine's writer (the engine's `preparer`: for Whoosh, analysing the long
text fields and collecting the vocabulary's words). Small jobs run in the calling process; the
start-up of workers costs more.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import time
from collections import Counter, deque
from collections.abc import Iterator
from pathlib import Path

from search import stages
from search.config import Settings
from search.ingest import Skipped, read_articles
from search.ingest.sources import input_kind
from search.ingest.warc import WarcChunk, WarcScan, chunk_fetches, latest_fetches, read_fetches, scan_warc

# Ingest runs in worker processes when at least this many files (or pages of WARC files) need
# reading; below it the start-up of the workers costs more than it saves.
PARALLEL_MIN_FILES = 64
BATCH_FILES = 32
BATCH_BYTES = 4 << 20
WINDOW_BATCHES = 64
WINDOW_BYTES = 24 << 20  # input bytes in flight; their prepared articles wait in the writer's memory


def _prepared(path: Path, settings: Settings, preparer) -> list:
    return _prepare_all(read_articles(path, settings), preparer)


def _prepared_chunk(chunk: WarcChunk, settings: Settings, preparer) -> list:
    return _prepare_all(read_fetches(chunk, settings), preparer)


def _prepare_all(items, preparer) -> list:
    out = []
    for item in items:
        if not isinstance(item, Skipped):
            started = time.process_time()
            item = preparer(item)
            stages.times()["analysis"] += time.process_time() - started
        out.append(item)
    return out


def _jobs(paths: list[Path], scans: dict[str, WarcScan]) -> list[tuple[list[Path] | WarcChunk, int]]:
    """Group files into batches of at most BATCH_FILES files and about BATCH_BYTES of input (a
    JSONL export of a thousand articles is a batch of its own), and split each WARC file into
    chunks of records alike (a WARC of 20,000 pages is read by every worker); return each job
    with its size, in input order."""
    jobs, batch, size = [], [], 0
    for path in paths:
        scan = scans.get(str(path))
        if scan is not None:
            if batch:
                jobs.append((batch, size))
                batch, size = [], 0
            jobs.extend((chunk, chunk.bytes_done - (chunk.fetches[0].offset if chunk.fetches else chunk.bytes_done))
                        for chunk in chunk_fetches(scan, BATCH_FILES, BATCH_BYTES))
            continue
        try:
            length = path.stat().st_size
        except OSError:
            length = 0
        if batch and (size + length > BATCH_BYTES or len(batch) >= BATCH_FILES):
            jobs.append((batch, size))
            batch, size = [], 0
        batch.append(path)
        size += length
    if batch:
        jobs.append((batch, size))
    return jobs


def worker_count(settings: Settings) -> int:
    return min(settings.index_workers or os.cpu_count() or 1, 8)


def prepare_files(paths: list[Path], settings: Settings, preparer, progress, stage_times: Counter | None = None) -> Iterator:
    """Yield `preparer(article)` for each article of `paths`, and a Skipped for each input that
    holds none, in order; read by worker processes for big jobs. WARC files are scanned first,
    in this process (headers only: a few per cent of the time their pages take), so that each
    URL is read once, at its latest fetch, whichever file holds it (search.ingest.warc).
    The CPU seconds of each ingest stage (search.stages) are added to `stage_times`."""
    stage_times = Counter() if stage_times is None else stage_times
    workers = worker_count(settings)
    max_record = int(settings.max_file_mb * 1024 * 1024)
    scans = latest_fetches(
        scan_warc(path, max_record, progress and functools.partial(progress, 0, path))
        for path in paths if input_kind(path) == "warc"
    )
    jobs = _jobs(paths, {scan.path: scan for scan in scans})
    done = 0

    def report(job) -> None:
        nonlocal done
        if isinstance(job, WarcChunk):
            done += job.records_done == job.records_total
            if progress:
                progress(done, Path(job.path), job.progress)
        else:
            done += len(job)
            if progress:
                progress(done, job[-1])

    # A page in a WARC file counts as a file: a WARC of a few MB holds hundreds.
    to_read = len(paths) - len(scans) + sum(len(scan.fetches) for scan in scans)
    parallel = workers >= 2 and to_read >= PARALLEL_MIN_FILES
    stage_times["workers"] = workers if parallel else 0  # 0: in this process
    if not parallel:
        stages.install()
        for job, _ in jobs:
            items, times = _timed_job(job, settings, preparer)
            stage_times.update(times)
            yield from items
            report(job)
        return
    context = multiprocessing.get_context("spawn")  # no fork: the parent may hold threads and locks
    with context.Pool(workers, initializer=_init_worker, initargs=(settings, preparer)) as pool:
        # Results are taken in input order, so a slow batch (a JSONL export of a thousand
        # articles) holds up the ones behind it: a wide window of batches in flight keeps the
        # workers busy meanwhile; its bound in input bytes keeps memory flat.
        pending: deque = deque()
        in_flight = 0

        def finish_oldest():
            nonlocal in_flight
            job, size, result = pending.popleft()
            items, times = result.get()
            stage_times.update(times)
            yield from items
            in_flight -= size
            report(job)

        for job, size in jobs:
            pending.append((job, size, pool.apply_async(_read_job, (job,))))
            in_flight += size
            while pending and (in_flight > WINDOW_BYTES or len(pending) > WINDOW_BATCHES):
                yield from finish_oldest()
        while pending:
            yield from finish_oldest()


def _run_job(job, settings: Settings, preparer) -> list:
    if isinstance(job, WarcChunk):
        return _prepared_chunk(job, settings, preparer)
    return [item for path in job for item in _prepared(path, settings, preparer)]


_worker_state: tuple | None = None


def _init_worker(settings: Settings, preparer) -> None:
    global _worker_state
    _worker_state = (settings, preparer)
    stages.install()


def _read_job(job) -> tuple[list, Counter]:
    settings, preparer = _worker_state
    return _timed_job(job, settings, preparer)


def _timed_job(job, settings: Settings, preparer) -> tuple[list, Counter]:
    """Run a job; return its items and the CPU seconds of each ingest stage it took."""
    stages.take()
    started = time.process_time()
    items = _run_job(job, settings, preparer)
    return items, stages.ingest_times(time.process_time() - started, stages.take())
