"""Make an index mirror a set of input files, through whichever engine the settings name.

The steps are the same for every engine: find the input files and compare them with what the
live index knows (size and mtime, then content digest); read and extract the new and changed
ones in worker processes; delete the articles of changed and vanished files; add the new
articles; publish everything at once. A failed or killed build leaves the live index as it was.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from search.config import Settings
from search.engine import SourceState, open_engine
from search.ingest import Skipped
from search.ingest.sources import iter_input_names
from search.ingest.warc import SkippedRecords
from search.stages import describe
from search.workers import prepare_files

logger = logging.getLogger(__name__)


@dataclass
class BuildReport:
    """What a build did: counts per input kind, and every skipped input with its reason."""

    indexed: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    kinds: Counter = field(default_factory=Counter)
    skipped_records: Counter = field(default_factory=Counter)  # WARC records left out, by reason
    unchanged_files: int = 0
    removed_files: int = 0
    seconds: float = 0.0
    generation: str = ""  # the name of what is live after the build
    incremental: bool = False
    rebuilt_because: str = ""  # why an update read every file again, if it had to
    stages: Counter = field(default_factory=Counter)  # CPU seconds per stage (search.stages), all processes

    def summary(self) -> str:
        kinds = ", ".join(f"{n} {k}" for k, n in sorted(self.kinds.items()))
        line = f"indexed {self.indexed}, skipped {len(self.skipped)}" + (f" ({kinds})" if kinds else "")
        if self.skipped_records:
            reasons = sorted(self.skipped_records.items(), key=lambda item: (-item[1], item[0]))
            line += "; WARC records skipped: " + ", ".join(f"{n} {reason}" for reason, n in reasons)
        if self.incremental:
            line += f"; {self.unchanged_files} files unchanged, {self.removed_files} removed"
        if self.rebuilt_because:
            line += f"; every file read again: {self.rebuilt_because}"
        return line + f" in {self.seconds:.1f}s"


def file_digest(path: Path) -> str:
    h = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def build_index(
    paths: Iterable[Path],
    index_dir: Path | None = None,
    settings: Settings | None = None,
    progress: Callable[..., None] | None = None,
    rebuild: bool = True,
) -> BuildReport:
    """Make the index mirror the supported files under `paths`, made live atomically.

    With `rebuild=False` and a live index, only new or changed files (by size and mtime, then
    content digest) are ingested, and articles of files that changed or are gone are deleted.
    Unreadable files are skipped and listed in the report; they never stop the build.
    `progress` is called with the number of files read and the last one, and for a WARC file
    also with how far into its records it is (search.ingest.warc.WarcProgress).
    """
    settings = settings or Settings()
    paths = list(paths)
    if index_dir is not None:
        settings = replace(settings, index_dir=Path(index_dir))
    engine = open_engine(settings)
    report = BuildReport()
    started = time.perf_counter()
    writer = engine.writer(rebuild)
    try:
        report.incremental, report.rebuilt_because = writer.incremental, writer.rebuilt_because
        old_states = writer.sources()
        states, to_ingest, to_delete = _plan(paths, old_states)
        report.unchanged_files = len(states) - len(to_ingest)
        report.removed_files = len(set(old_states) - set(states))
        if writer.incremental and not to_ingest and not to_delete and states == old_states:
            # Nothing changed: the live index stays; no new one to write and switch to.
            report.generation = engine.status()["index"]
            report.seconds = time.perf_counter() - started
            return report
        writer.start()
        try:
            if to_delete:
                writer.delete_sources(to_delete)
            added: set[str] = set()
            stage_times = report.stages
            for item in prepare_files(to_ingest, settings, writer.preparer(), progress, stage_times):
                if isinstance(item, SkippedRecords):
                    report.skipped_records.update(dict(item.counts))
                elif isinstance(item, Skipped):
                    report.skipped.append((item.source, item.reason))
                    logger.info("skipped %s: %s", item.source, item.reason)
                elif item.id in added or writer.is_known(item.id):
                    report.skipped.append((item.path, f"duplicate of an article already indexed (id {item.id})"))
                else:
                    added.add(item.id)
                    adding = time.process_time()
                    writer.add(item)
                    stage_times["write"] += time.process_time() - adding
                    report.indexed += 1
                    report.kinds[item.kind] += 1
            logger.info("read and added %d articles in %.1fs", report.indexed, time.perf_counter() - started)
            publishing = time.process_time()
            report.generation = writer.publish(states, [str(Path(p).resolve()) for p in paths])
            publish_seconds = time.process_time() - publishing
            own = getattr(writer, "stage_times", None) or {}
            stage_times.update(own)
            stage_times["commit"] += max(0.0, publish_seconds - sum(own.values()))
        except BaseException:
            writer.cancel()
            raise
    finally:
        engine.close_writer(writer)
    report.seconds = time.perf_counter() - started
    if report.stages:
        logger.info(describe(report.stages, report.indexed, report.seconds, int(report.stages.get("workers", 0))))
    return report


def _plan(paths: Iterable[Path], old: dict[str, SourceState]):
    """Return (state of every input file, files to ingest, sources whose articles go)."""
    states: dict[str, SourceState] = {}
    to_ingest: list[Path] = []
    for name in iter_input_names(paths):
        key = name if os.path.isabs(name) else str(Path(name).resolve())
        if key in states:
            continue  # the same file named twice
        try:
            stat = os.stat(key)
        except OSError:
            to_ingest.append(Path(name))  # read_articles reports why it cannot be read
            continue
        previous = old.get(key)
        if previous and (previous.size, previous.mtime_ns) == (stat.st_size, stat.st_mtime_ns):
            states[key] = previous
            continue
        path = Path(key)
        digest = file_digest(path) if previous else ""
        if previous and digest == previous.digest:
            states[key] = SourceState(stat.st_size, stat.st_mtime_ns, digest)
            continue
        states[key] = SourceState(stat.st_size, stat.st_mtime_ns, digest or file_digest(path))
        to_ingest.append(path)
    changed = {str(p) for p in to_ingest}
    to_delete = (set(old) - set(states)) | (changed & set(old))
    return states, to_ingest, to_delete
