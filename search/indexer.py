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
import hashlib
import logging
import os
import pickle
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage
from whoosh.reading import SegmentReader, TermNotFound

from search.config import Settings
from search.duplicates import CLUSTERS_FILE, KEYS_FILE, store_clusters
from search.errors import IndexMissing, SearchError
from search.facets import cache_segment_facets
from search.ingest import Skipped
from search.ingest.actors import gazetteer_digest
from search.ingest.sources import iter_input_names
from search.postings import commit_recording_postings, remove_orphans
from search.readers import commit_with_loaded_lengths
from search.runs import compress_runs
from search.schema import ACTOR_TERMS_FILE, build_schema, stored_gazetteer_digest, write_actor_terms
from search.vocabulary import VOCABULARY_FILE, Vocabulary, words_of, write_vocabulary
from search.workers import prepare_files

logger = logging.getLogger(__name__)

CURRENT_FILE = "CURRENT"
# Per generation: input file → size, mtime, content digest. Pickled: an update reads and
# writes one row per input file before anything else, 0.27 s at 70k files as text, 0.05 s so.
MANIFEST_FILE = "sources.pickle"
OLD_MANIFEST_FILE = "sources.tsv"  # the same as text lines, in generations built before
LOCK_FILE = ".lock"
OWN_FILES = {MANIFEST_FILE, OLD_MANIFEST_FILE, VOCABULARY_FILE, CLUSTERS_FILE, KEYS_FILE, ACTOR_TERMS_FILE}  # beside Whoosh's, in each generation
GENERATION_PREFIX = "gen-"
# Generations kept after a swap: the live one and its predecessor, which searchers opened
# before the swap may still be reading.
KEEP_GENERATIONS = 2
# Whoosh's posting buffer before it spills a sort run. Its own estimate of the buffer's size;
# the process holds about twice that, and memory once held is not given back: 256 made the
# writer 860 MB at 100k articles, 128 costs no measurable build time at 10k (148 s both).
WRITER_LIMIT_MB = 128
# Segments an index may have before an update merges the small ones (see _append_unless_many).
MAX_SEGMENTS = 8
# A segment with this share of all documents, and at least this many, is never merged by an
# update (re-clustering what a merge renumbers costs about as much as the segment holds).
BIG_SEGMENT_SHARE = 0.1
BIG_SEGMENT_DOCS = 1000


@dataclass
class BuildReport:
    """What a build did: counts per input kind, and every skipped input with its reason."""

    indexed: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    kinds: Counter = field(default_factory=Counter)
    unchanged_files: int = 0
    removed_files: int = 0
    seconds: float = 0.0
    generation: str = ""
    incremental: bool = False
    rebuilt_because: str = ""  # why an update read every file again, if it had to

    def summary(self) -> str:
        kinds = ", ".join(f"{n} {k}" for k, n in sorted(self.kinds.items()))
        line = f"indexed {self.indexed}, skipped {len(self.skipped)}" + (f" ({kinds})" if kinds else "")
        if self.incremental:
            line += f"; {self.unchanged_files} files unchanged, {self.removed_files} removed"
        if self.rebuilt_because:
            line += f"; every file read again: {self.rebuilt_because}"
        return line + f" in {self.seconds:.1f}s"


class SourceState(NamedTuple):
    """What the index knows of one input file: enough to tell whether it changed (a named
    tuple: an update reads and writes one per file, 100k of them, before anything else)."""

    size: int
    mtime_ns: int
    digest: str


def file_digest(path: Path) -> str:
    h = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_manifest(generation: Path) -> dict[str, SourceState] | None:
    """Return what a generation knows of its input files; None when its manifest is damaged."""
    try:
        with open(generation / MANIFEST_FILE, "rb") as f:
            return {source: SourceState(*row) for source, row in pickle.load(f).items()}
    except FileNotFoundError:
        pass
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError):
        return None
    states = {}
    path = generation / OLD_MANIFEST_FILE
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            source, size, mtime, digest = line.rsplit("\t", 3)
            states[source] = SourceState(int(size), int(mtime), digest)
    return states


def has_manifest(generation: Path) -> bool:
    return (generation / MANIFEST_FILE).is_file() or (generation / OLD_MANIFEST_FILE).is_file()


def write_manifest(generation: Path, states: dict[str, SourceState]) -> None:
    rows = {source: tuple(state) for source, state in states.items()}
    with open(generation / MANIFEST_FILE, "wb") as f:
        pickle.dump(rows, f, protocol=pickle.HIGHEST_PROTOCOL)


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
    return open_generation(generation)


def open_generation(generation: Path):
    """Open one generation for reading and writing."""
    return _storage(generation).open_index()


def _storage(generation: Path) -> FileStorage:
    """Return a generation's storage, without mmap: Whoosh wraps each mapped file of a segment
    in a BytesIO, which copies it, so every searcher would copy most of the index (0.5 s and
    170 MB per search at 10k articles), and a build opening its finished segment would copy
    all of it (2.2 GB more at 100k). Plain file reads copy only what is read."""
    return FileStorage(str(generation), supports_mmap=False)


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


def _in_use(index_dir: Path, live: Path | None) -> set[str]:
    """Return the generations searchers may still read: the live one and the one before it."""
    if live is None:
        return set()
    older = sorted(p.name for p in index_dir.iterdir() if p.name.startswith(GENERATION_PREFIX) and p.name < live.name)
    return {live.name, *older[-(KEEP_GENERATIONS - 1):]}


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
    rebuild: bool = True,
) -> BuildReport:
    """Make the index mirror the supported files under `paths`, in a new generation made live
    atomically.

    With `rebuild=False` and a live index, only new or changed files (by size and mtime, then
    content digest) are ingested, and articles of files that changed or are gone are deleted;
    the rest is carried over by hard links. Unreadable files are skipped and listed in the
    report; they never stop the build. `progress` is called with the number of files read.
    """
    settings = settings or Settings()
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    report = BuildReport()
    started = time.perf_counter()
    with _build_lock(index_dir):
        live = current_generation(index_dir)
        _remove_stale(index_dir, keep=_in_use(index_dir, live))
        incremental = not rebuild and live is not None and has_manifest(live)
        if incremental and stored_gazetteer_digest(live) not in ("", gazetteer_digest(settings.actors_file)):
            # Actors are found at ingest: articles read with the old gazetteer would keep its
            # actors, so an update after a gazetteer change reads everything again.
            incremental = False
            report.rebuilt_because = "the gazetteer changed"
            logger.info("the gazetteer changed since the live generation: reading every file again")
        old_states = read_manifest(live) if incremental else {}
        if old_states is None:
            incremental, old_states = False, {}
            report.rebuilt_because = "the list of indexed files could not be read"
            logger.warning("the manifest of %s is damaged: reading every file again", live.name)
        report.incremental = incremental
        states, to_ingest, to_delete = _plan(paths, old_states)
        report.unchanged_files = len(states) - len(to_ingest)
        report.removed_files = len(set(old_states) - set(states))
        if incremental and not to_ingest and not to_delete and states == old_states:
            # Nothing changed: the live generation stays; no new one to write and switch to.
            report.generation = live.name
            report.seconds = time.perf_counter() - started
            return report
        generation = index_dir / f"{GENERATION_PREFIX}{time.time_ns():020d}-{os.getpid()}"
        generation.mkdir()
        try:
            if incremental:
                _link_generation(live, generation)
                ix = open_generation(generation)
                doc_frequencies = Vocabulary.load_counts(live)
            else:
                ix = _storage(generation).create_index(build_schema())
                doc_frequencies = Counter()
            old_segments = [segment.segment_id() for segment in ix._segments()] if incremental else []
            writer = ix.writer(limitmb=WRITER_LIMIT_MB)
            writer.mergetype = _append_unless_many
            compress_runs(writer)
            # The live generation's articles, to tell a new article from one already indexed.
            known_reader = ix.reader() if incremental else None
            try:
                is_known = _drop_sources(writer, known_reader, to_delete, doc_frequencies) if incremental else (lambda _: False)
                added: set[str] = set()
                for item in prepare_files(to_ingest, settings, ix.schema, progress):
                    if isinstance(item, Skipped):
                        report.skipped.append((item.source, item.reason))
                        logger.info("skipped %s: %s", item.source, item.reason)
                    elif item.id in added or is_known(item.id):
                        report.skipped.append((item.path, f"duplicate of an article already indexed (id {item.id})"))
                    else:
                        added.add(item.id)
                        writer.add_document(**item.document)
                        doc_frequencies.update(item.words)
                        report.indexed += 1
                        report.kinds[item.kind] += 1
            except BaseException:
                writer.cancel()
                raise
            finally:
                if known_reader is not None:
                    known_reader.close()
            # The positions-free postings are recorded as Whoosh writes the segment (search.postings).
            added_at = time.perf_counter()
            logger.info("read and added %d articles in %.1fs", report.indexed, added_at - started)
            commit_recording_postings(writer, generation, lambda: commit_with_loaded_lengths(writer))
            logger.info("committed in %.1fs", time.perf_counter() - added_at)
            with ix.reader() as reader:
                segments = [leaf.segment().segment_id() for leaf, _ in reader.leaf_readers()]
                remove_orphans(generation, set(segments))
                doc_count = reader.doc_count()
                # Clustering needs the whole corpus; done here, the first search need not do it.
                store_clusters(generation, reader, live if incremental else None, old_segments, segments)
                for leaf, _ in reader.leaf_readers():
                    cache_segment_facets(leaf, generation)
            logger.info("clusters and facet tables ready at %.1fs", time.perf_counter() - started)
            write_vocabulary(generation, +doc_frequencies, doc_count)
            write_actor_terms(generation, settings, live if incremental else None)
            write_manifest(generation, states)
        except BaseException:
            shutil.rmtree(generation, ignore_errors=True)
            raise
        _publish(index_dir, generation)
        keep = sorted(p.name for p in index_dir.iterdir() if p.name.startswith(GENERATION_PREFIX))[-KEEP_GENERATIONS:]
        _remove_stale(index_dir, keep=set(keep) | {generation.name})
    report.generation = generation.name
    report.seconds = time.perf_counter() - started
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


def _link_generation(live: Path, generation: Path) -> None:
    """Fill a new generation with hard links to the live one's Whoosh files (Whoosh never
    rewrites a segment file in place, so the copies can be changed independently). Mosaic's own
    files are rewritten by the build, and a rewrite through a hard link would change the live
    generation too, so they are not linked."""
    for item in live.iterdir():
        if item.is_file() and not item.name.endswith(".lock") and item.name not in OWN_FILES:
            os.link(item, generation / item.name)


def _drop_sources(writer, reader, sources: set[str], doc_frequencies: Counter) -> Callable[[str], bool]:
    """Delete the articles of `sources`; return a test (over `reader`) of whether an id is
    still indexed."""
    searcher = writer.searcher()
    try:
        deleted: set[str] = set()
        for source in sources:
            for stored in searcher.documents(path=source):
                deleted.add(stored["id"])
                doc_frequencies.subtract(words_of(stored.get("title", "") + "\n" + stored.get("body", "")))
            writer.delete_by_term("path", source)
    finally:
        searcher.close()

    def is_known(article_id: str) -> bool:
        if article_id in deleted:
            return False
        try:
            return reader.postings("id", article_id).is_active()  # skips documents deleted before
        except TermNotFound:
            return False

    return is_known


def _append_unless_many(writer, segments):
    """Merge policy: add the new segment after the others, so that every docnum stays what it
    was and near-duplicate clusters can be updated rather than recomputed. Once an index has
    MAX_SEGMENTS segments, the small ones after the last big one are merged into the new
    segment; the big ones keep their place. (Whoosh's own policy returns the segments sorted
    by size, which renumbers the whole index.)"""
    if len(segments) < MAX_SEGMENTS:
        return list(segments)
    total = sum(segment.doc_count_all() for segment in segments)
    big = [i for i, segment in enumerate(segments)
           if segment.doc_count_all() >= max(BIG_SEGMENT_SHARE * total, BIG_SEGMENT_DOCS)]
    kept = big[-1] + 1 if big else 0
    for segment in segments[kept:]:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        try:
            writer.add_reader(reader)  # its live documents go into the new segment
        finally:
            reader.close()
    return list(segments[:kept])
