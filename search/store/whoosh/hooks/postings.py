"""Positions-free postings as flat arrays, one set per Whoosh segment: the fast path of scoring.

Whoosh keeps each term's postings in zlib-compressed pickled blocks of 128, positions included,
so reading a common term's document numbers means decompressing and unpickling its positions
too (about 80 µs a block: 65 ms for a term in every one of 100k documents), and its matchers
then step through them one Python call at a time. Most searches need only which documents hold
a term and how often. Those are written once more, at commit, as two arrays per segment (stop
words, indexed for phrases only, left out):

    MAIN_<segment>-tfp.ids      uint32 document numbers (segment-local), term after term
    MAIN_<segment>-tfp.weights  float32 weights (term frequency times field boost), aligned
    MAIN_<segment>-tfp.terms    pickled {field: {term bytes: (start, count)}}

The names stay outside Whoosh's segment file pattern ("<segment>.<ext>"), or Whoosh would pack
them into the segment's compound file; `remove_orphans` deletes those of segments a merge
replaced. An updated generation carries them over with the segment's own files. A segment
without them (an index built before they existed) has its postings read through Whoosh.

Positions (for phrases and proximity) stay in Whoosh's blocks; `positions_in` decodes those of
a few candidate documents only.
"""

from __future__ import annotations

import os
import pickle
from array import array
from itertools import accumulate
from pathlib import Path

import numpy as np
from whoosh.codec.whoosh3 import W3FieldWriter, W3LeafMatcher
from whoosh.formats import Positions
from whoosh.system import _INT_SIZE

from search.analysis import STOP_MARK
from search.schema import ANALYSED_AHEAD
from search.store.whoosh.segment_cache import SegmentCache

SUFFIX_IDS, SUFFIX_WEIGHTS, SUFFIX_TERMS = "-tfp.ids", "-tfp.weights", "-tfp.terms"
STOP_BYTES = STOP_MARK.encode("utf-8")
FLUSH_POSTINGS = 1 << 20  # postings buffered before they are appended to the files


class PostingsRecorder:
    """Copies the postings Whoosh writes into a segment, block by block, into the arrays.

    It hooks Whoosh's own posting writer where a block of up to 128 postings goes to disk, so
    the copy costs two C-level array extends per block rather than Python work per posting.
    """

    def __init__(self, directory: Path, segment_id: str, fields: set[str]):
        self.prefix = str(Path(directory) / segment_id)
        self.fields = fields
        self.terms: dict[str, dict[bytes, tuple[int, int]]] = {name: {} for name in fields}
        self.ids, self.weights = array("I"), array("f")
        self.written = 0  # postings already in the files
        self.field: str | None = None
        self.term_start = 0
        self.skipping = False  # the term being written is not recorded
        self._ids_file = open(self.prefix + SUFFIX_IDS, "wb")
        self._weights_file = open(self.prefix + SUFFIX_WEIGHTS, "wb")

    @property
    def count(self) -> int:
        return self.written + len(self.ids)

    def add_block(self, ids, weights) -> None:
        self.ids.extend(ids)
        self.weights.extend(weights)
        if len(self.ids) >= FLUSH_POSTINGS:
            self._flush()

    def _flush(self) -> None:
        self.written += len(self.ids)
        self.ids.tofile(self._ids_file)
        self.weights.tofile(self._weights_file)
        del self.ids[:], self.weights[:]

    def close(self) -> None:
        self._flush()
        self._ids_file.close()
        self._weights_file.close()
        with open(self.prefix + SUFFIX_TERMS, "wb") as f:
            pickle.dump(self.terms, f, protocol=pickle.HIGHEST_PROTOCOL)

    def hook(self, fieldwriter) -> None:
        """Wrap a Whoosh W3FieldWriter's per-field, per-term and per-block steps."""
        start_field, start_term, finish_term = fieldwriter.start_field, fieldwriter.start_term, fieldwriter.finish_term

        def hooked_start_field(fieldname, fieldobj):
            start_field(fieldname, fieldobj)
            self.field = fieldname if fieldname in self.fields else None
            if self.field is not None:
                postwriter = fieldwriter._postwriter
                write_block = postwriter._write_block

                def hooked_write_block(last=False):
                    if not self.skipping:
                        self.add_block(postwriter._ids, postwriter._weights)
                    write_block(last)

                postwriter._write_block = hooked_write_block

        def hooked_start_term(btext):
            start_term(btext)
            self.term_start = self.count
            # Stop words are indexed for phrases only: no query asks the arrays for them.
            self.skipping = btext.startswith(STOP_BYTES)

        def hooked_finish_term():
            finish_term()
            if self.field is not None and not self.skipping:
                self.terms[self.field][fieldwriter._btext] = (self.term_start, self.count - self.term_start)

        fieldwriter.start_field = hooked_start_field
        fieldwriter.start_term = hooked_start_term
        fieldwriter.finish_term = hooked_finish_term


def recorded_fields(schema) -> set[str]:
    """Return the indexed fields worth recording (not the one-term-per-document ids, nor the
    fields whose postings are in the positional store)."""
    return {name for name, field in schema.items()
            if field.indexed and getattr(field, "format", None) is not None
            and name not in ("id", "path", "date") and name not in ANALYSED_AHEAD}


class SegmentPostings:
    """The recorded postings of one segment: term → (document numbers, weights)."""

    def __init__(self, prefix: str):
        with open(prefix + SUFFIX_TERMS, "rb") as f:
            self.terms: dict[str, dict[bytes, tuple[int, int]]] = pickle.load(f)
        # Read per term with pread, not mapped: mapped pages of every term searched would stay
        # in the server's resident memory, and would hold on to the files of a generation that
        # a rebuild has deleted.
        self._ids = open(prefix + SUFFIX_IDS, "rb")
        self._weights = open(prefix + SUFFIX_WEIGHTS, "rb")

    def close(self) -> None:
        self._ids.close()
        self._weights.close()

    def __del__(self):
        try:
            self.close()
        except AttributeError:  # failed before the files were opened
            pass

    def has_field(self, fieldname: str) -> bool:
        return fieldname in self.terms

    def postings(self, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray] | None:
        """Return (docnums, weights) of a term, or None when the segment does not hold it."""
        span = self.terms[fieldname].get(btext)
        if span is None:
            return None
        start, count = span
        ids = np.frombuffer(os.pread(self._ids.fileno(), 4 * count, 4 * start), dtype=np.uint32)
        weights = np.frombuffer(os.pread(self._weights.fileno(), 4 * count, 4 * start), dtype=np.float32)
        if len(ids) != count or len(weights) != count:
            raise OSError(f"postings of {fieldname}:{btext!r} are cut short")
        return ids, weights


_segments = SegmentCache(SegmentPostings, (OSError, pickle.UnpicklingError, EOFError))


def segment_postings(directory: Path, segment_id: str) -> SegmentPostings | None:
    """Return the recorded postings of a segment, loaded once (see SegmentCache), or None when it
    has none."""
    return _segments.get(directory, segment_id)


def commit_recording_postings(writer, directory: Path, commit) -> None:
    """Run `commit()` on a Whoosh SegmentWriter with the segment's postings recorded as arrays
    (nothing is recorded for a writer of another kind; its segments are searched by Whoosh)."""
    fieldwriter = getattr(writer, "fieldwriter", None)
    if not isinstance(fieldwriter, W3FieldWriter) or not hasattr(writer, "get_segment"):
        commit()
        return
    recorder = PostingsRecorder(directory, writer.get_segment().segment_id(), recorded_fields(writer.schema))
    recorder.hook(fieldwriter)
    try:
        commit()
    finally:
        recorder.close()


def remove_orphans(directory: Path, segment_ids: set[str]) -> None:
    """Delete Mosaic's per-segment files ("<segment>-<what>") of segments no longer in the index."""
    for path in Path(directory).glob("MAIN_*-*"):
        if path.name.split("-", 1)[0] not in segment_ids:
            path.unlink(missing_ok=True)


# --- positions, read from Whoosh's own posting blocks ----------------------------------------------

def reader_store(reader):
    """Return the positional store (search.store.whoosh.positional) a segment reader's terms
    reader answers from, or None (search.store.whoosh.hooks.codec)."""
    from search.store.whoosh.hooks.codec import MosaicTermsReader

    terms = getattr(reader, "_terms", None)  # SegmentReader's terms reader
    return terms._store if isinstance(terms, MosaicTermsReader) else None


def positions_in(reader, fieldname: str, btext: bytes, candidates: np.ndarray, fmt, deadline) -> list[list[int]]:
    """Return a term's positions in each of `candidates` (ascending docnums; [] for one without it).

    Reads Whoosh's posting blocks directly and decodes positions only for the candidates: its
    matcher's skip_to steps through every posting before a target one Python call at a time.
    """
    store = reader_store(reader)
    if store is not None and fieldname in store.fields:
        return store.positions_lists(fieldname, btext, np.asarray(candidates, dtype=np.int64))
    matcher = reader.postings(fieldname, btext)
    raw = getattr(matcher, "child", matcher)  # under the filter that hides deleted documents
    if not isinstance(raw, W3LeafMatcher) or type(fmt).decode_positions is not Positions.decode_positions:
        return _positions_by_matcher(matcher, candidates)
    wanted = candidates.tolist()
    out: list[list[int]] = []
    at = 0
    blocks = 0
    while at < len(wanted) and raw.is_active():  # blocks in order, skipping those before a candidate
        if raw.block_max_id() < wanted[at]:
            raw._next_block()  # reads only the block's header
            continue
        if raw._ids is None:
            raw._read_ids()
        if raw._values is None:
            raw._read_values()
        ids, values = raw._ids, raw._values
        index = {doc: i for i, doc in enumerate(ids)}
        last = ids[-1]
        here = []
        while at < len(wanted) and wanted[at] <= last:
            here.append(index.get(wanted[at]))
            at += 1
        decoded = iter(_decode_block([values[i] for i in here if i is not None]))
        out.extend(next(decoded) if i is not None else [] for i in here)
        raw._next_block()
        blocks += 1
        if blocks % 256 == 0:
            deadline.check()
    out.extend([] for _ in range(len(wanted) - len(out)))
    return out


def _decode_block(values: list[bytes]) -> list[list[int]]:
    """Whoosh's Positions.decode_positions of several postings' values, in one unpickling.

    A value is a length, then a protocol-2 pickle of the list of gaps (its final STOP byte
    sometimes cut off). Without their headers and STOPs the pickles are instructions that each
    leave one list on the stack; between a MARK and a LIST they make one list of all of them,
    so C unpickles a block's candidates at once (a Python call per posting was most of a
    phrase's time). The running sums are taken in C too.
    """
    if not values:
        return []
    body = b"".join(v[_INT_SIZE + 2 : -1] if v.endswith(b".") else v[_INT_SIZE + 2 :] for v in values)
    return [list(accumulate(gaps)) for gaps in pickle.loads(b"\x80\x02(" + body + b"l.")]


def _positions_by_matcher(matcher, candidates: np.ndarray) -> list[list[int]]:
    out = []
    for doc in candidates.tolist():
        matcher.skip_to(doc)
        out.append(matcher.value_as("positions"))
    return out
