"""One on-disk Whoosh index generation, and the directory that holds them.

Layout of an index directory:

    index/CURRENT          name of the live generation (replaced atomically with os.replace)
    index/gen-<stamp>/     one complete Whoosh index per generation, with Mosaic's own files
    index/.lock            held (fcntl) by the one build that may run at a time

A build writes a new generation beside the live one and only then points CURRENT at it, so a
failed or killed build leaves the previous index serving; leftovers are removed by the next
build. As in Lucene, a reader is a snapshot of one commit point: a `Generation` owns its files
and everything derived from them (schema, facet table, vocabulary, actor terms, clusters), and a
search holds the Generation it started with, so a rebuild never changes a search under way.
"""

from __future__ import annotations

import fcntl
import logging
import os
import pickle
import shutil
import threading
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage

from search.engine import SourceState
from search.errors import IndexMissing, IndexOutdated, SearchError

logger = logging.getLogger(__name__)

CURRENT_FILE = "CURRENT"
LOCK_FILE = ".lock"
GENERATION_PREFIX = "gen-"
# Per generation: input file → size, mtime, content digest. Pickled: an update reads and
# writes one row per input file before anything else, 0.27 s at 70k files as text, 0.05 s so.
MANIFEST_FILE = "sources.pickle"
OLD_MANIFEST_FILE = "sources.tsv"  # the same as text lines, in generations built before
# Per generation: article id → (text digest, indexed time in seconds), so that a rebuild keeps
# the indexed time of every article whose text is unchanged (feeds of what is new to the index
# would otherwise offer the whole index again after each rebuild).
INDEXED_FILE = "indexed.pickle"
# Per generation: the folders and files the build was given, to show file names relative to them.
ROOTS_FILE = "roots.json"
# What a generation's files mean changes with Mosaic's versions; a generation of another
# format is rebuilt by the next `mosaic index` and refused by searches until then.
FORMAT_FILE = "format"
FORMAT = "6"  # 3: facet columns per declared facet (authors many per article); 4: indexed times; 5: stop words indexed (marked) with positions, field weights at query time; 6: title, body and comments postings in the positional store (store/whoosh/positional)
# Generations kept after a swap: the live one and its predecessor, which searchers opened
# before the swap may still be reading.
KEEP_GENERATIONS = 2


class Generation:
    """One generation directory: its Whoosh index and Mosaic's files beside it."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._derived: dict[str, object] = {}

    def __repr__(self) -> str:
        return f"Generation({self.path.name})"

    @property
    def name(self) -> str:
        return self.path.name

    def file(self, name: str) -> Path:
        return self.path / name

    # --- the Whoosh index --------------------------------------------------------------------

    def storage(self) -> FileStorage:
        """Return the generation's storage, without mmap: Whoosh wraps each mapped file of a
        segment in a BytesIO, which copies it, so every searcher would copy most of the index
        (0.5 s and 170 MB per search at 10k articles), and a build opening its finished segment
        would copy all of it (2.2 GB more at 100k). Plain file reads copy only what is read."""
        return FileStorage(str(self.path), supports_mmap=False)

    @cached_property
    def index(self):
        return self.storage().open_index()

    @cached_property
    def schema(self):
        return self.index.schema  # Index.schema re-reads and unpickles it on every access

    # --- things derived from the generation, made once ---------------------------------------

    def derived(self, key: str, make):
        """Return what `make()` returns, made on first use and kept with this generation (the
        facet table, the vocabulary, the actor terms): when a new generation goes live, the
        old one's tables go with it."""
        value = self._derived.get(key)
        if value is None:
            with self._lock:
                value = self._derived.get(key)
                if value is None:
                    value = self._derived[key] = make()
        return value

    # --- Mosaic's files ----------------------------------------------------------------------

    @property
    def format(self) -> str:
        try:
            return self.file(FORMAT_FILE).read_text(encoding="utf-8").strip()
        except OSError:
            return ""

    def write_format(self) -> None:
        write_atomically(self.file(FORMAT_FILE), (FORMAT + "\n").encode())

    def manifest(self) -> dict[str, SourceState] | None:
        """Return what the generation knows of its input files; None when that is damaged."""
        try:
            with open(self.file(MANIFEST_FILE), "rb") as f:
                return {source: SourceState(*row) for source, row in pickle.load(f).items()}
        except FileNotFoundError:
            pass
        except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError):
            return None
        states = {}
        path = self.file(OLD_MANIFEST_FILE)
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                source, size, mtime, digest = line.rsplit("\t", 3)
                states[source] = SourceState(int(size), int(mtime), digest)
        return states

    def has_manifest(self) -> bool:
        return self.file(MANIFEST_FILE).is_file() or self.file(OLD_MANIFEST_FILE).is_file()

    def write_manifest(self, states: dict[str, SourceState]) -> None:
        rows = {source: tuple(state) for source, state in states.items()}
        write_atomically(self.file(MANIFEST_FILE), pickle.dumps(rows, protocol=pickle.HIGHEST_PROTOCOL))


def write_atomically(path: Path, data: bytes) -> None:
    """Write a file so that a reader sees the old contents or the new, never a part."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


# --- the index directory ---------------------------------------------------------------------

def current_generation(index_dir: Path) -> Path | None:
    """Return the live generation directory of an index, or None when there is none."""
    pointer = Path(index_dir) / CURRENT_FILE
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except OSError:
        return None
    path = Path(index_dir) / name
    return path if name and path.is_dir() else None


def live_generation(index_dir: Path) -> Generation:
    """Return the live generation; raise IndexMissing when there is none or it is unusable."""
    path = current_generation(index_dir)
    if path is None or not whoosh_index.exists_in(str(path)):
        raise IndexMissing(f"no index in {index_dir}", hint="build one with: mosaic index [PATH ...]")
    generation = Generation(path)
    if generation.format != FORMAT:
        raise IndexOutdated(
            f"the index in {index_dir} was built by an older Mosaic",
            hint="rebuild it with: mosaic index [PATH ...]",
        )
    return generation


def open_index(index_dir: Path):
    """Return the live Whoosh index in `index_dir` (for tests and tools); raise IndexMissing."""
    return live_generation(index_dir).index


def new_generation(index_dir: Path) -> Generation:
    """Make an empty directory for the next generation (named so that names sort by age)."""
    import time

    path = Path(index_dir) / f"{GENERATION_PREFIX}{time.time_ns():020d}-{os.getpid()}"
    path.mkdir()
    return Generation(path)


def publish(index_dir: Path, generation: Generation) -> None:
    """Point CURRENT at `generation`, durably and atomically."""
    pointer = Path(index_dir) / CURRENT_FILE
    tmp = Path(index_dir) / f".{CURRENT_FILE}.{os.getpid()}"
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


@contextmanager
def build_lock(index_dir: Path):
    """Hold the index directory's build lock; raise SearchError when another build has it."""
    handle = open(Path(index_dir) / LOCK_FILE, "w")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise SearchError(f"another build is running on {index_dir}", hint="wait for it to finish") from exc
        yield
    finally:
        handle.close()  # closing releases the lock; a killed process releases it too


def generations_in_use(index_dir: Path, live: Path | None) -> set[str]:
    """Return the generations searchers may still read: the live one and the one before it."""
    if live is None:
        return set()
    older = sorted(p.name for p in Path(index_dir).iterdir() if p.name.startswith(GENERATION_PREFIX) and p.name < live.name)
    return {live.name, *older[-(KEEP_GENERATIONS - 1):]}


def newest_generations(index_dir: Path) -> set[str]:
    return set(sorted(p.name for p in Path(index_dir).iterdir() if p.name.startswith(GENERATION_PREFIX))[-KEEP_GENERATIONS:])


def remove_stale(index_dir: Path, keep: set[str]) -> None:
    """Delete generations that are neither live nor kept (including those of killed builds)."""
    for path in sorted(Path(index_dir).iterdir()):
        if path.is_dir() and path.name.startswith(GENERATION_PREFIX) and path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)
