"""Writing Whoosh generations: a full build, or an update that appends to the live one.

An update links the live generation's Whoosh files into the new one (Whoosh never rewrites a
segment file in place), deletes the articles of changed and vanished files, appends one segment
and re-clusters near-duplicates only for what changed, so one edited file in a 100,000-article
index is live in about a second. Everything lands in a new generation made live at once.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import shutil
import time
from datetime import datetime, timezone
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from whoosh.reading import SegmentReader, TermNotFound

from search.config import Settings
from search.engine import SourceState
from search.ingest.actors import gazetteer_digest
from search.store.whoosh.hooks.postings import commit_recording_postings, remove_orphans
from search.store.whoosh.hooks.lengths import commit_with_loaded_lengths
from search.store.whoosh.hooks.runs import compress_runs
from search.store.whoosh.hooks.codec import MosaicCodec, store_builder
from search.schema import ACTOR_TERMS_FILE, ANALYSED_AHEAD, IN_STORE, INDEXED_AT, Analysed, analyse_ahead, article_to_document, build_schema, stored_gazetteer_digest, write_actor_terms
from search.store.whoosh.duplicates import CLUSTERS_FILE, KEYS_FILE, store_clusters
from search.store.whoosh.facets import segment_facets
from search.store.whoosh.generation import (
    FORMAT, FORMAT_FILE, INDEXED_FILE, MANIFEST_FILE, OLD_MANIFEST_FILE, ROOTS_FILE, Generation, build_lock, current_generation,
    generations_in_use, new_generation, newest_generations, publish, remove_stale, write_atomically,
)
from search.vocabulary import VOCABULARY_FILE, Vocabulary, words_of, write_vocabulary
from search.store.whoosh.hooks import segments_of

logger = logging.getLogger(__name__)

# Mosaic's files in each generation, beside Whoosh's: rewritten by every build, never linked.
OWN_FILES = {MANIFEST_FILE, OLD_MANIFEST_FILE, VOCABULARY_FILE, CLUSTERS_FILE, KEYS_FILE, ACTOR_TERMS_FILE, FORMAT_FILE,
             INDEXED_FILE, ROOTS_FILE}
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


@dataclass(frozen=True)
class PreparedArticle:
    """An article made ready for the Whoosh writer by an ingest worker: its document, long text
    fields already analysed (search.schema.analyse_ahead), and its vocabulary words."""

    id: str
    path: str
    kind: str
    document: dict
    words: frozenset[str]
    digest: bytes  # of the title and body: the same text re-read keeps its indexed time


class WhooshPreparer:
    """Article → PreparedArticle, in the ingest worker processes (picklable: holds the schema)."""

    def __init__(self, schema):
        self.schema = schema

    def __call__(self, article) -> PreparedArticle:
        tokens: dict[str, list[str]] = {}
        document = analyse_ahead(article_to_document(article), self.schema, tokens)
        text = article.title + "\n" + article.body
        # The vocabulary's words are letter runs, each inside one of the analyser's words: found
        # in the distinct words alone, the text is not read a second time word by word.
        distinct = set(tokens.get("title", ())) | set(tokens.get("body", ()))
        vocabulary = _vocabulary_words(distinct) if tokens or not text.strip() else words_of(text)
        return PreparedArticle(article.id, article.path, article.kind, document, frozenset(vocabulary),
                               hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest())


_WORD_VOCABULARY: dict[str, frozenset[str]] = {}  # analyser's word → its vocabulary words
_WORD_VOCABULARY_MAX = 500_000


def _vocabulary_words(words) -> set[str]:
    """words_of of the words, each looked up once per process (a dict lookup in C per word)."""
    try:
        return set().union(*map(_WORD_VOCABULARY.__getitem__, words))
    except KeyError:
        pass
    found = list(map(_WORD_VOCABULARY.get, words))
    for i, (word, vocabulary) in enumerate(zip(words, found)):
        if vocabulary is None:
            vocabulary = found[i] = frozenset(words_of(word))
            if len(_WORD_VOCABULARY) < _WORD_VOCABULARY_MAX:
                _WORD_VOCABULARY[word] = vocabulary
    return set().union(*found)


class WhooshWriter:
    """A build or update of one index directory (search.engine.IndexWriter); holds its lock."""

    def __init__(self, settings: Settings, rebuild: bool):
        self.settings = settings
        self.index_dir = Path(settings.index_dir)
        self.index_dir.mkdir(parents=True, exist_ok=True)
        self._lock = build_lock(self.index_dir)
        self._lock.__enter__()
        try:
            self._open(rebuild)
        except BaseException:
            self.close()
            raise

    def _open(self, rebuild: bool) -> None:
        path = current_generation(self.index_dir)
        remove_stale(self.index_dir, keep=generations_in_use(self.index_dir, path))
        self.live = Generation(path) if path is not None else None
        self.rebuilt_because = ""
        live = self.live
        self.incremental = not rebuild and live is not None and live.has_manifest()
        if self.incremental and live.format != FORMAT:
            self.incremental, self.rebuilt_because = False, "the index was built by an older Mosaic"
        if self.incremental and stored_gazetteer_digest(live.path) not in ("", gazetteer_digest(self.settings.actors_file)):
            # Actors are found at ingest: articles read with the old gazetteer would keep its
            # actors, so an update after a gazetteer change reads everything again.
            self.incremental, self.rebuilt_because = False, "the gazetteer changed"
        self._sources = live.manifest() if self.incremental else {}
        if self._sources is None:
            self.incremental, self._sources = False, {}
            self.rebuilt_because = "the list of indexed files could not be read"
            logger.warning("the manifest of %s is damaged: reading every file again", live.name)
        if self.rebuilt_because:
            logger.info("reading every file again: %s", self.rebuilt_because)
        self.generation: Generation | None = None
        self._writer = None
        self._known_reader = None
        self._deleted: set[str] = set()
        self.stage_times: dict[str, float] = {}  # CPU seconds of publish's steps (search.stages)

    def sources(self) -> dict[str, SourceState]:
        return self._sources

    def start(self) -> None:
        """Make the new generation: linked to the live one for an update, empty for a build."""
        self.generation = generation = new_generation(self.index_dir)
        self._started = time.perf_counter()
        now = datetime.now(timezone.utc).replace(microsecond=0)
        self._now = (int(now.timestamp()), now.isoformat().replace("+00:00", "Z"))
        self._live_indexed = _read_indexed(self.live) if self.live is not None else {}
        self._indexed = dict(self._live_indexed) if self.incremental else {}
        if self.incremental:
            _link_generation(self.live.path, generation.path)
            ix = generation.index
            self._doc_frequencies = Vocabulary.load_counts(self.live.path)
        else:
            ix = generation.storage().create_index(build_schema())
            self._doc_frequencies = Counter()
        self._ix = ix
        self._old_segments = [segment.segment_id() for segment in segments_of(ix)] if self.incremental else []
        # The long text fields' postings go to Mosaic's positional store (search.store.whoosh.positional).
        writer = ix.writer(limitmb=WRITER_LIMIT_MB, codec=MosaicCodec(positional_fields=ANALYSED_AHEAD))
        writer.mergetype = _append_unless_many
        compress_runs(writer)
        self._writer = writer
        self._store = store_builder(writer)
        # The live generation's articles, to tell a new article from one already indexed.
        self._known_reader = ix.reader() if self.incremental else None

    def preparer(self) -> WhooshPreparer:
        return WhooshPreparer(self._ix.schema)

    def delete_sources(self, sources: set[str]) -> None:
        searcher = self._writer.searcher()
        try:
            for source in sources:
                for stored in searcher.documents(path=source):
                    self._deleted.add(stored["id"])
                    self._indexed.pop(stored["id"], None)
                    self._doc_frequencies.subtract(words_of(stored.get("title", "") + "\n" + stored.get("body", "")))
                self._writer.delete_by_term("path", source)
        finally:
            searcher.close()

    def is_known(self, article_id: str) -> bool:
        if self._known_reader is None or article_id in self._deleted:
            return False
        try:
            return self._known_reader.postings("id", article_id).is_active()  # skips documents deleted before
        except TermNotFound:
            return False

    def add(self, prepared: PreparedArticle) -> None:
        before = self._live_indexed.get(prepared.id)
        seconds = before[1] if before and before[0] == prepared.digest else self._now[0]
        self._indexed[prepared.id] = (prepared.digest, seconds)
        moment = self._now[1] if seconds == self._now[0] else _iso(seconds)
        document = prepared.document
        if self._store is not None:
            docnum = self._writer.docnum
            document = dict(document)
            for name in self._store.fields:
                value = document.get(name)
                if isinstance(value, Analysed):
                    self._store.add(docnum, name, value)
                    document[name] = IN_STORE
        self._writer.add_document(**document, **{INDEXED_AT: moment, INDEXED_AT + "_seconds": seconds})
        self._doc_frequencies.update(prepared.words)

    def publish(self, states: dict[str, SourceState], roots: list[str]) -> str:
        generation, writer = self.generation, self._writer
        self._close_known_reader()
        try:
            # The positions-free postings are recorded as Whoosh writes the segment (search.store.whoosh.hooks.postings).
            added_at, cpu_at = time.perf_counter(), time.process_time()
            if self._store is not None:
                self._store.flush_in_background()  # while Whoosh writes its own postings
            commit_recording_postings(writer, generation.path, lambda: commit_with_loaded_lengths(writer))
            self._writer = None
            self.stage_times = {"commit": time.process_time() - cpu_at}
            logger.info("committed in %.1fs", time.perf_counter() - added_at)
            clustering_at = time.process_time()
            live = self.live.path if self.incremental else None
            with generation.storage().open_index().reader() as reader:
                # An index of no articles has one empty reader, of no segment.
                segments = [leaf.segment().segment_id() for leaf, _ in reader.leaf_readers() if leaf.segment() is not None]
                remove_orphans(generation.path, set(segments))
                doc_count = reader.doc_count()
                # Clustering needs the whole corpus; done here, the first search need not do it.
                store_clusters(generation.path, reader, live, self._old_segments, segments)
                for leaf, _ in reader.leaf_readers():
                    if leaf.segment() is not None:
                        segment_facets(leaf, generation)
            self.stage_times["clustering"] = time.process_time() - clustering_at
            logger.info("clusters and facet tables ready at %.1fs", time.perf_counter() - self._started)
            write_vocabulary(generation.path, +self._doc_frequencies, doc_count)
            write_actor_terms(generation.path, self.settings, live)
            generation.write_manifest(states)
            write_atomically(generation.file(INDEXED_FILE), pickle.dumps(self._indexed, protocol=pickle.HIGHEST_PROTOCOL))
            write_atomically(generation.file(ROOTS_FILE), json.dumps(roots).encode())
            generation.write_format()
        except BaseException:
            self.cancel()
            raise
        publish(self.index_dir, generation)
        remove_stale(self.index_dir, keep=newest_generations(self.index_dir) | {generation.name})
        return generation.name

    def cancel(self) -> None:
        self._close_known_reader()
        if self._writer is not None:
            self._writer.cancel()
            self._writer = None
            if self._store is not None:
                self._store.cancel()
        if self.generation is not None:
            shutil.rmtree(self.generation.path, ignore_errors=True)

    def close(self) -> None:
        self._close_known_reader()
        self._lock.__exit__(None, None, None)

    def _close_known_reader(self) -> None:
        if self._known_reader is not None:
            self._known_reader.close()
            self._known_reader = None


def _read_indexed(generation: Generation) -> dict[str, tuple[bytes, int]]:
    try:
        with open(generation.file(INDEXED_FILE), "rb") as f:
            return pickle.load(f)
    except (OSError, pickle.UnpicklingError, EOFError, ValueError):
        return {}


def _iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).isoformat().replace("+00:00", "Z")


def _link_generation(live: Path, generation: Path) -> None:
    """Fill a new generation with hard links to the live one's Whoosh files (Whoosh never
    rewrites a segment file in place, so the copies can be changed independently). Mosaic's own
    files are rewritten by the build, and a rewrite through a hard link would change the live
    generation too, so they are not linked."""
    for item in live.iterdir():
        if item.is_file() and not item.name.endswith(".lock") and item.name not in OWN_FILES:
            os.link(item, generation / item.name)


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
