"""Positions-free postings as flat arrays, one set per Whoosh segment: the fast path of scoring.

Whoosh keeps each term's postings in zlib-compressed pickled blocks of 128, positions included,
so reading a common term's document numbers means decompressing and unpickling its positions
too (about 80 µs a block: 65 ms for a term in every one of 100k documents), and its matchers
then step through them one Python call at a time. Most searches need only which documents hold
a term and how often. Those are written once more, at commit, as two arrays per segment:

    MAIN_<segment>-tfp.ids    uint32 document numbers (segment-local), term after term
    MAIN_<segment>-tfp.tfs    uint16 term frequencies, aligned with the ids
    MAIN_<segment>-tfp.terms  pickled {field: {term bytes: (start, count)}}

The names stay outside Whoosh's segment file pattern ("<segment>.<ext>"), or Whoosh would pack
them into the segment's compound file; `remove_orphans` deletes those of segments a merge
replaced. An updated generation carries them over with the segment's own files. A segment
without them (an index built before they existed) is searched by Whoosh's matchers.
"""

from __future__ import annotations

import pickle
import threading
from array import array
from pathlib import Path

import numpy as np

SUFFIX_IDS, SUFFIX_TFS, SUFFIX_TERMS = "-tfp.ids", "-tfp.tfs", "-tfp.terms"
MAX_TF = 65535
FLUSH_POSTINGS = 1 << 20  # postings buffered before they are appended to the files


class PostingsRecorder:
    """Tees the sorted postings a Whoosh writer flushes into its segment, writing the arrays."""

    def __init__(self, directory: Path, segment_id: str, field_boosts: dict[str, float]):
        self.prefix = str(Path(directory) / segment_id)
        self.field_boosts = field_boosts  # the fields recorded, with the boost in their weights
        self.terms: dict[str, dict[bytes, tuple[int, int]]] = {name: {} for name in field_boosts}

    def tee(self, items):
        """Yield `items` (fieldname, term, docnum, weight, value) unchanged, recording them."""
        boosts, terms = self.field_boosts, self.terms
        ids, tfs = array("I"), array("H")
        written = 0  # postings already on disk
        key, start = None, 0
        with open(self.prefix + SUFFIX_IDS, "wb") as ids_file, open(self.prefix + SUFFIX_TFS, "wb") as tfs_file:
            for item in items:
                yield item
                fieldname, btext, docnum, weight, _ = item
                boost = boosts.get(fieldname)
                if boost is None:
                    continue
                if key != (fieldname, btext):
                    at = written + len(ids)
                    if key is not None:
                        terms[key[0]][key[1]] = (start, at - start)
                    key, start = (fieldname, btext), at
                ids.append(docnum)
                tfs.append(min(MAX_TF, int(round(weight / boost))))
                if len(ids) >= FLUSH_POSTINGS:
                    written += len(ids)
                    ids.tofile(ids_file)
                    tfs.tofile(tfs_file)
                    del ids[:], tfs[:]
            if key is not None:
                terms[key[0]][key[1]] = (start, written + len(ids) - start)
            ids.tofile(ids_file)
            tfs.tofile(tfs_file)
        with open(self.prefix + SUFFIX_TERMS, "wb") as f:
            pickle.dump(self.terms, f, protocol=pickle.HIGHEST_PROTOCOL)


def recorded_fields(schema) -> dict[str, float]:
    """Return the scorable or keyword fields worth recording, with their index-time boosts."""
    boosts = {}
    for name, field in schema.items():
        fmt = getattr(field, "format", None)
        if field.indexed and fmt is not None and name not in ("id", "path", "date"):
            boosts[name] = fmt.field_boost or 1.0
    return boosts


class SegmentPostings:
    """The recorded postings of one segment: term → (document numbers, term frequencies)."""

    def __init__(self, prefix: str):
        with open(prefix + SUFFIX_TERMS, "rb") as f:
            self.terms: dict[str, dict[bytes, tuple[int, int]]] = pickle.load(f)
        # Mapped, not read: a query touches a few terms' slices of arrays that can be large.
        self.ids = _map(prefix + SUFFIX_IDS, np.uint32)
        self.tfs = _map(prefix + SUFFIX_TFS, np.uint16)

    def has_field(self, fieldname: str) -> bool:
        return fieldname in self.terms

    def postings(self, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray] | None:
        """Return (docnums, tfs) of a term, or None when the segment does not hold it."""
        span = self.terms[fieldname].get(btext)
        if span is None:
            return None
        start, count = span
        return self.ids[start : start + count], self.tfs[start : start + count]


def _map(path: str, dtype) -> np.ndarray:
    if Path(path).stat().st_size == 0:
        return np.zeros(0, dtype=dtype)
    return np.memmap(path, dtype=dtype, mode="r")


_cache: dict[str, SegmentPostings | None] = {}
_lock = threading.Lock()


def segment_postings(directory: Path, segment_id: str) -> SegmentPostings | None:
    """Return the recorded postings of a segment, loaded once, or None when it has none."""
    prefix = str(Path(directory) / segment_id)
    with _lock:
        if prefix not in _cache:
            try:
                _cache[prefix] = SegmentPostings(prefix)
            except (OSError, pickle.UnpicklingError, EOFError):
                _cache[prefix] = None
            if len(_cache) > 64:  # segments of generations long gone
                for stale in list(_cache)[: len(_cache) - 64]:
                    del _cache[stale]
        return _cache[prefix]


def commit_recording_postings(writer, directory: Path, commit) -> None:
    """Run `commit()` on a Whoosh SegmentWriter with its flushed postings recorded as arrays."""
    pool = getattr(writer, "pool", None)
    if pool is None or not hasattr(writer, "get_segment"):
        commit()
        return
    recorder = PostingsRecorder(directory, writer.get_segment().segment_id(), recorded_fields(writer.schema))
    iter_postings = pool.iter_postings
    pool.iter_postings = lambda: recorder.tee(iter_postings())
    commit()


def remove_orphans(directory: Path, segment_ids: set[str]) -> None:
    """Delete the recorded postings of segments that are no longer in the index."""
    for path in Path(directory).glob("*" + SUFFIX_TERMS[:4] + "*"):
        if path.name.split(SUFFIX_TERMS[:4])[0] not in segment_ids:
            path.unlink(missing_ok=True)
