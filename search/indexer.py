"""Build the on-disk index from input files, atomically.

Layout of an index directory:

    index/CURRENT          name of the live generation (replaced atomically with os.replace)
    index/gen-<stamp>/     one complete Whoosh index per generation
    index/.lock            held (fcntl) by the one build that may run at a time

A build writes a new generation beside the live one and only then points CURRENT at it, so a
failed or killed build leaves the previous index serving; leftovers are removed by the next build.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import index as whoosh_index

from search.config import Settings
from search.errors import IndexMissing, SearchError
from search.ingest import Skipped, iter_input_files, read_articles
from search.schema import article_to_document, build_schema
from search.vocabulary import words_of, write_vocabulary

logger = logging.getLogger(__name__)

CURRENT_FILE = "CURRENT"
LOCK_FILE = ".lock"
GENERATION_PREFIX = "gen-"
# Generations kept after a swap: the live one and its predecessor, which searchers opened
# before the swap may still be reading.
KEEP_GENERATIONS = 2
WRITER_LIMIT_MB = 256


@dataclass
class BuildReport:
    """What a build did: counts per input kind, and every skipped file with its reason."""

    indexed: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    kinds: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    generation: str = ""

    def summary(self) -> str:
        kinds = ", ".join(f"{n} {k}" for k, n in sorted(self.kinds.items()))
        line = f"indexed {self.indexed}, skipped {len(self.skipped)}"
        return line + (f" ({kinds})" if kinds else "") + f" in {self.seconds:.1f}s"


def current_generation(index_dir: Path) -> Path | None:
    """Return the live generation directory of an index, or None when there is none."""
    pointer = Path(index_dir) / CURRENT_FILE
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except OSError:
        return None
    path = Path(index_dir) / name
    return path if name and path.is_dir() else None


def open_index(index_dir: Path):
    """Return the live Whoosh index in `index_dir`; raise IndexMissing when there is none."""
    generation = current_generation(index_dir)
    if generation is None or not whoosh_index.exists_in(str(generation)):
        raise IndexMissing(f"no index in {index_dir}", hint="build one with: mosaic index [PATH ...]")
    return whoosh_index.open_dir(str(generation))


@contextmanager
def _build_lock(index_dir: Path):
    handle = open(index_dir / LOCK_FILE, "w")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise SearchError(f"another build is running on {index_dir}", hint="wait for it to finish") from exc
        yield
    finally:
        handle.close()  # closing releases the lock; a killed process releases it too


def _remove_stale(index_dir: Path, keep: set[str]) -> None:
    """Delete generations that are neither live nor kept (including those of killed builds)."""
    generations = sorted(p for p in index_dir.iterdir() if p.is_dir() and p.name.startswith(GENERATION_PREFIX))
    for path in generations:
        if path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)


def _publish(index_dir: Path, generation: Path) -> None:
    pointer = index_dir / CURRENT_FILE
    tmp = index_dir / f".{CURRENT_FILE}.{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(generation.name + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, pointer)
    dir_fd = os.open(index_dir, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def build_index(
    paths: Iterable[Path],
    index_dir: Path,
    settings: Settings | None = None,
    progress: Callable[[int, Path], None] | None = None,
) -> BuildReport:
    """Ingest every supported file under `paths` into a new generation and make it live.

    Unreadable files are skipped and listed in the report; they never stop the build. `progress`
    is called after each file with the number of files done so far.
    """
    settings = settings or Settings()
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    report = BuildReport()
    started = time.perf_counter()
    with _build_lock(index_dir):
        live = current_generation(index_dir)
        _remove_stale(index_dir, keep={live.name} if live else set())
        generation = index_dir / f"{GENERATION_PREFIX}{time.time_ns():020d}-{os.getpid()}"
        generation.mkdir()
        try:
            ix = whoosh_index.create_in(str(generation), build_schema())
            writer = ix.writer(limitmb=WRITER_LIMIT_MB)
            try:
                seen_ids: set[str] = set()
                doc_frequencies: Counter = Counter()
                for done, path in enumerate(iter_input_files(paths), start=1):
                    for item in read_articles(path, settings):
                        if isinstance(item, Skipped):
                            report.skipped.append((item.source, item.reason))
                            logger.info("skipped %s: %s", item.source, item.reason)
                        elif item.id in seen_ids:
                            report.skipped.append((item.path, f"duplicate of an article already indexed (id {item.id})"))
                        else:
                            seen_ids.add(item.id)
                            writer.add_document(**article_to_document(item))
                            doc_frequencies.update(words_of(item.title + "\n" + item.body))
                            report.indexed += 1
                            report.kinds[item.kind] += 1
                    if progress:
                        progress(done, path)
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
            write_vocabulary(generation, doc_frequencies, report.indexed)
        except BaseException:
            shutil.rmtree(generation, ignore_errors=True)
            raise
        _publish(index_dir, generation)
        keep = sorted(p.name for p in index_dir.iterdir() if p.name.startswith(GENERATION_PREFIX))[-KEEP_GENERATIONS:]
        _remove_stale(index_dir, keep=set(keep) | {generation.name})
    report.generation = generation.name
    report.seconds = time.perf_counter() - started
    return report
