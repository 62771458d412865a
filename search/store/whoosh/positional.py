"""Mosaic's own positional postings for the long text fields (title, body, comments), one store
per Whoosh segment, written and read with array operations.

Whoosh writes postings one at a time in Python: each goes through its pool (sorted, spilled to
runs, merged) and its codec (delta-coded and pickled per block of 128, positions pickled per
posting): at 10k articles about half of a build's time in the one process that writes. Here the
writer appends each document's terms, frequencies and positions (analysed in the ingest workers,
shipped as arrays) to flat buffers; a part of the store is the buffer sorted by term with one
stable argsort and written as three arrays. Reading a term is a slice of each; a phrase is an
intersection of position arrays.

Files, per segment (named outside Whoosh's "<segment>.<ext>" pattern, like the arrays of
search.store.whoosh.hooks.postings, and removed with them when a merge replaces the segment):

    MAIN_<segment>-pos.docs       uint32 document numbers (segment-local): per part, term after
                                  term, each term's ascending
    MAIN_<segment>-pos.freqs      uint32 term frequencies, aligned with the documents
    MAIN_<segment>-pos.positions  uint32 word positions, posting after posting, each ascending
    MAIN_<segment>-pos.table      pickle: per field, the terms (in the order they were first
                                  met: the term number), their statistics, and per part which
                                  terms it holds and where their postings and positions start

A part covers the documents added while it was buffered, so a term's postings are the
concatenation of its slices in every part. Whoosh keeps the stored fields, columns and lengths;
its term dictionary answers for these fields from the table (search.store.whoosh.hooks.codec).
"""

from __future__ import annotations

import os
import pickle
import threading
from array import array

import numpy as np
from whoosh.util.numeric import byte_to_length

from search.store.whoosh.segment_cache import SegmentCache

SUFFIX = "-pos"
EXTENSIONS = ("docs", "freqs", "positions")
TABLE = "table"
FORMAT = 1
# Positions buffered before a part is sorted and written: 16M positions are 64 MB, and the sort
# of a part holds about four times its size. A 10k-article build is one part, 100k about ten.
PART_POSITIONS = 1 << 24
_QUANTIZED = np.array([byte_to_length(code) for code in range(256)], dtype=np.int64)  # Whoosh's one-byte length codes


def quantized_lengths(lengths: np.ndarray) -> np.ndarray:
    """Whoosh's byte_to_length(length_to_byte(n)) of each length: what its readers report."""
    codes = np.minimum(np.searchsorted(_QUANTIZED, lengths, side="left"), 255)
    return np.where(lengths > 0, _QUANTIZED[codes], 0)


class _Buffer:
    def __init__(self):
        self.gids, self.freqs, self.positions = array("I"), array("I"), array("I")
        self.docs, self.counts = array("I"), array("I")  # per document: its number, its terms


class StoreBuilder:
    """Collects the postings of one segment's positional fields and writes its store."""

    def __init__(self, prefix: str, fields, part_positions: int | None = None):
        self.prefix = prefix
        self.fields = tuple(fields)
        self.part_positions = part_positions or PART_POSITIONS
        self._vocab: dict[str, dict[str, int]] = {f: {} for f in self.fields}
        self._buffers = {f: _Buffer() for f in self.fields}
        self._parts: dict[str, list] = {f: [] for f in self.fields}
        self._lengths = {f: array("I") for f in self.fields}  # by docnum
        self._stats = {f: _Stats() for f in self.fields}
        self.pending_lengths: dict[str, int] = {}  # of the document being added, for Whoosh's lengths
        self._buffered = 0
        self._last_doc = -1
        self._files = None
        self._postings_written = 0
        self._positions_written = 0
        self._flushing: threading.Thread | None = None
        self._flush_error: BaseException | None = None
        self.closed = False

    # --- adding ----------------------------------------------------------------------------------

    def add(self, docnum: int, field: str, value: Analysed) -> None:
        """Add one document's postings of a field (documents in ascending docnum order)."""
        self._wait()
        if self._buffered >= self.part_positions and docnum != self._last_doc:
            self._flush()  # between documents: every buffered one has its lengths noted
        self._last_doc = docnum
        vocab = self._vocab[field]
        buffer = self._buffers[field]
        terms = value.terms
        known = len(buffer.gids)
        try:
            buffer.gids.extend(map(vocab.__getitem__, terms))  # in C; new terms numbered below
        except KeyError:
            del buffer.gids[known:]
            buffer.gids.extend([vocab.setdefault(term, len(vocab)) for term in terms])
        buffer.freqs.frombytes(value.freqs.tobytes())  # C copies, whatever array type came
        buffer.positions.frombytes(value.positions.tobytes())
        buffer.docs.append(docnum)
        buffer.counts.append(len(value.terms))
        self._buffered += len(value.positions)
        self.pending_lengths[field] = len(value.positions)

    def note_length(self, docnum: int, field: str, length: int) -> None:
        """Record a document's length in a field, as Whoosh stores it (for term statistics)."""
        self._wait()
        lengths = self._lengths[field]
        if docnum >= len(lengths):
            lengths.extend(array("I", bytes(4 * (docnum + 1 - len(lengths)))))
        lengths[docnum] = length

    def add_term(self, field: str, term: str, docs: list[int], freqs: list[int], positions: list[list[int]]) -> None:
        """Add one term's postings in documents added since the last part (a segment merge feeds
        them term by term)."""
        self._wait()
        vocab = self._vocab[field]
        gid = vocab.setdefault(term, len(vocab))
        buffer = self._buffers[field]
        for doc, freq, found in zip(docs, freqs, positions):
            buffer.gids.append(gid)
            buffer.freqs.append(freq)
            buffer.positions.extend(found)
            buffer.docs.append(doc)
            buffer.counts.append(1)
        self._buffered += sum(freqs)

    # --- writing ---------------------------------------------------------------------------------

    def flush_in_background(self) -> None:
        """Start writing the buffered part in a thread, for a commit to do meanwhile what Whoosh
        does: the part is mostly sorting and copying arrays, which numpy does without the GIL, so
        it costs the commit little wall-clock time (every other method waits for it)."""
        if self._flushing is None and self._buffered and not self.closed:
            self._flushing = threading.Thread(target=self._flush_keeping_error, name="mosaic-positional-flush", daemon=True)
            self._flushing.start()

    def _flush_keeping_error(self) -> None:
        try:
            self._flush()
        except BaseException as error:  # noqa: BLE001 - raised again in the thread that waits
            self._flush_error = error

    def _wait(self) -> None:
        """Wait for a part being written in the background, if one is; raise what stopped it."""
        flushing, self._flushing = self._flushing, None
        if flushing is not None:
            flushing.join()
        error, self._flush_error = self._flush_error, None
        if error is not None:
            raise error

    def _open_files(self):
        if self._files is None:
            self._files = {ext: open(f"{self.prefix}{SUFFIX}.{ext}", "wb") for ext in EXTENSIONS}
        return self._files

    def _flush(self) -> None:
        files = self._open_files()
        for field in self.fields:
            buffer = self._buffers[field]
            if not len(buffer.gids):
                continue
            self._buffers[field] = _Buffer()
            self._write_part(field, buffer, files)
        self._buffered = 0

    def _write_part(self, field: str, buffer: _Buffer, files) -> None:
        gids = np.frombuffer(buffer.gids, dtype=np.uint32)
        freqs = np.frombuffer(buffer.freqs, dtype=np.uint32)
        positions = np.frombuffer(buffer.positions, dtype=np.uint32)
        docs = np.repeat(np.frombuffer(buffer.docs, dtype=np.uint32), np.frombuffer(buffer.counts, dtype=np.uint32))
        # Postings arrive document after document: a stable sort by term keeps each term's
        # documents in the order they came (ascending, but for a merge's, see _ordered).
        order = np.argsort(gids, kind="stable")
        gids, docs, freqs = gids[order], docs[order], freqs[order]
        if len(order) > 1 and not _ascending_within_terms(gids, docs):
            order2 = np.lexsort((docs, gids))
            order, gids, docs, freqs = order[order2], gids[order2], docs[order2], freqs[order2]
        old_starts = np.zeros(len(order) + 1, dtype=np.int64)
        np.cumsum(np.frombuffer(buffer.freqs, dtype=np.uint32), out=old_starts[1:])
        new_starts = np.zeros(len(order) + 1, dtype=np.int64)
        np.cumsum(freqs, out=new_starts[1:])
        if len(positions):
            gather = np.repeat(old_starts[:-1][order] - new_starts[:-1], freqs) + np.arange(len(positions), dtype=np.int64)
            positions = positions[gather]
            del gather
        bounds = np.concatenate(([0], np.flatnonzero(np.diff(gids)) + 1, [len(gids)]))
        firsts = bounds[:-1]
        part_gids = gids[firsts]
        files["docs"].write(docs.tobytes())
        files["freqs"].write(freqs.tobytes())
        files["positions"].write(positions.astype(np.uint32, copy=False).tobytes())
        self._parts[field].append((part_gids, (bounds + self._postings_written).astype(np.uint64),
                                   (new_starts[bounds] + self._positions_written).astype(np.uint64)))
        self._postings_written += len(gids)
        self._positions_written += len(positions)
        lengths = np.zeros(max(len(self._lengths[field]), int(docs.max()) + 1), dtype=np.int64)
        lengths[: len(self._lengths[field])] = np.frombuffer(self._lengths[field], dtype=np.uint32)
        doc_lengths = quantized_lengths(lengths)[docs]
        self._stats[field].add(part_gids, np.diff(bounds), np.add.reduceat(freqs.astype(np.float64), firsts),
                               np.maximum.reduceat(freqs, firsts), docs[firsts], docs[bounds[1:] - 1],
                               np.minimum.reduceat(doc_lengths, firsts), np.maximum.reduceat(doc_lengths, firsts))

    def finish(self) -> None:
        """Write the last part and the table."""
        if self.closed:
            return
        self._wait()
        self._flush()
        for f in (self._files or {}).values():
            f.close()
        tables = {}
        for field in self.fields:
            terms = list(self._vocab[field])
            if not terms:
                continue
            tables[field] = {"terms": terms, "stats": self._stats[field].arrays(len(terms)), "parts": self._parts[field]}
        tmp = f"{self.prefix}{SUFFIX}.{TABLE}.tmp"
        with open(tmp, "wb") as f:
            pickle.dump({"format": FORMAT, "fields": tables}, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, f"{self.prefix}{SUFFIX}.{TABLE}")
        self.closed = True

    def cancel(self) -> None:
        try:
            self._wait()
        except Exception:  # noqa: BLE001 - the store is abandoned: what failed no longer matters
            pass
        for f in (self._files or {}).values():
            f.close()
        self.closed = True


def _ascending_within_terms(gids: np.ndarray, docs: np.ndarray) -> bool:
    same = gids[1:] == gids[:-1]
    return bool(np.all(docs[1:][same] > docs[:-1][same]))


class _Stats:
    """Whoosh's term statistics (TermInfo), per term number, summed over parts."""

    NAMES = ("df", "weight", "maxweight", "minid", "maxid", "minlength", "maxlength")

    def __init__(self):
        self.columns = {name: np.zeros(0, dtype=np.float64 if name == "weight" else np.int64) for name in self.NAMES}

    def _grow(self, size: int) -> None:
        for name, column in self.columns.items():
            if len(column) < size:
                grown = np.zeros(max(size, 2 * len(column)), dtype=column.dtype)
                if name in ("minid", "minlength"):
                    grown[len(column):] = np.iinfo(np.int64).max
                grown[: len(column)] = column
                self.columns[name] = grown

    def add(self, gids, df, weight, maxweight, minid, maxid, minlength, maxlength) -> None:
        self._grow(int(gids.max()) + 1)
        c = self.columns
        c["df"][gids] += df
        c["weight"][gids] += weight
        c["maxweight"][gids] = np.maximum(c["maxweight"][gids], maxweight)
        c["minid"][gids] = np.minimum(c["minid"][gids], minid)
        c["maxid"][gids] = np.maximum(c["maxid"][gids], maxid)
        c["minlength"][gids] = np.minimum(c["minlength"][gids], minlength)
        c["maxlength"][gids] = np.maximum(c["maxlength"][gids], maxlength)

    def arrays(self, size: int) -> dict[str, np.ndarray]:
        self._grow(size)
        out = {}
        for name, column in self.columns.items():
            column = column[:size]
            out[name] = column.astype(np.float64 if name == "weight" else (np.uint32 if name in ("df", "minid", "maxid") else np.int64))
        return out


# --- reading ---------------------------------------------------------------------------------------

class FieldTable:
    """One field's terms in a store: term → number, statistics, and each part's slices."""

    def __init__(self, stored: dict):
        self.terms: list[str] = stored["terms"]
        self.numbers = {term.encode("utf-8"): n for n, term in enumerate(self.terms)}
        self.stats: dict[str, np.ndarray] = stored["stats"]
        self.parts = stored["parts"]
        self._sorted: list[bytes] | None = None

    def sorted_terms(self) -> list[bytes]:
        """The field's terms as bytes, in byte order (for prefixes and wildcards)."""
        if self._sorted is None:
            self._sorted = sorted(self.numbers)
        return self._sorted

    def spans(self, number: int) -> list[tuple[int, int, int, int]]:
        """Return (postings start, end, positions start, end) of a term in each part holding it."""
        out = []
        for gids, starts, pstarts in self.parts:
            at = int(np.searchsorted(gids, number))
            if at < len(gids) and gids[at] == number:
                out.append((int(starts[at]), int(starts[at + 1]), int(pstarts[at]), int(pstarts[at + 1])))
        return out


class SegmentStore:
    """The positional postings of one segment, read with pread (see search.store.whoosh.hooks.postings
    for why not mapped)."""

    def __init__(self, prefix: str):
        with open(f"{prefix}{SUFFIX}.{TABLE}", "rb") as f:
            stored = pickle.load(f)
        if stored.get("format") != FORMAT:
            raise ValueError("a positional store of another format")
        self.fields = {name: FieldTable(table) for name, table in stored["fields"].items()}
        self._files = {ext: open(f"{prefix}{SUFFIX}.{ext}", "rb") for ext in EXTENSIONS}

    def close(self) -> None:
        for f in self._files.values():
            f.close()

    def __del__(self):
        try:
            self.close()
        except AttributeError:
            pass

    def _read(self, ext: str, start: int, end: int, dtype=np.uint32) -> np.ndarray:
        size = 4 * (end - start)
        data = os.pread(self._files[ext].fileno(), size, 4 * start) if size else b""
        if len(data) != size:
            raise OSError(f"the positional store's {ext} file is cut short")
        return np.frombuffer(data, dtype=dtype)

    def number(self, field: str, btext: bytes) -> int | None:
        table = self.fields.get(field)
        return None if table is None else table.numbers.get(btext)

    def postings(self, field: str, btext: bytes) -> tuple[np.ndarray, np.ndarray] | None:
        """Return (docnums, frequencies) of a term, or None when the segment lacks it."""
        number = self.number(field, btext)
        if number is None:
            return None
        spans = self.fields[field].spans(number)
        docs = [self._read("docs", a, b) for a, b, _, _ in spans]
        freqs = [self._read("freqs", a, b) for a, b, _, _ in spans]
        docs, freqs = (np.concatenate(docs), np.concatenate(freqs)) if len(spans) != 1 else (docs[0], freqs[0])
        if len(spans) > 1 and np.any(docs[1:] < docs[:-1]):  # parts not in docnum order (a merge's)
            order = np.argsort(docs, kind="stable")
            docs, freqs = docs[order], freqs[order]
        return docs, freqs

    def positions(self, field: str, btext: bytes, candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return a term's positions in the `candidates` (ascending docnums) as two aligned
        arrays: the index of the candidate, and the position. Only the candidates' positions are
        read: one read over the span they cover, or one per candidate when they are few and far
        apart."""
        number = self.number(field, btext)
        empty = np.zeros(0, dtype=np.int64)
        if number is None or not len(candidates):
            return empty, empty
        which, where = [], []
        for start, end, pstart, pend in self.fields[field].spans(number):
            docs = self._read("docs", start, end).astype(np.int64)
            at = np.searchsorted(docs, candidates)
            inside = at < len(docs)
            hit = np.zeros(len(candidates), dtype=bool)
            hit[inside] = docs[at[inside]] == candidates[inside]
            if not hit.any():
                continue
            freqs = self._read("freqs", start, end).astype(np.int64)
            offsets = np.zeros(len(freqs) + 1, dtype=np.int64)
            np.cumsum(freqs, out=offsets[1:])
            index = at[hit]
            first, last = offsets[index], offsets[index + 1]
            counts = last - first
            wanted = int(counts.sum())
            span_start, span_end = int(first[0]), int(last[-1])
            if span_end - span_start <= 4 * wanted + 4096:
                block = self._read("positions", pstart + span_start, pstart + span_end)
                gather = np.repeat(first - span_start, counts) + _ranges(counts)
                found = block[gather]
            else:
                found = np.concatenate([self._read("positions", pstart + a, pstart + b) for a, b in zip(first.tolist(), last.tolist())])
            which.append(np.repeat(np.flatnonzero(hit), counts))
            where.append(found.astype(np.int64))
        if not which:
            return empty, empty
        return np.concatenate(which), np.concatenate(where)

    def positions_lists(self, field: str, btext: bytes, candidates: np.ndarray) -> list[list[int]]:
        """The positions of a term in each candidate, as lists ([] where it is absent)."""
        which, where = self.positions(field, btext, candidates)
        out: list[list[int]] = [[] for _ in range(len(candidates))]
        if len(which):
            bounds = np.flatnonzero(np.diff(which)) + 1
            for doc, found in zip(which[np.concatenate(([0], bounds))].tolist(), np.split(where, bounds)):
                out[doc] = found.tolist()
        return out

    def phrase(self, field: str, words: list[tuple[bytes, int]], candidates: np.ndarray) -> np.ndarray:
        """Return, per candidate, whether every word sits at its offset from one start: the keys
        (candidate, position - offset) of each word, intersected; the rarest word first, and each
        next word read only in the candidates still alive."""
        table = self.fields.get(field)
        held = np.zeros(len(candidates), dtype=bool)
        if table is None or not len(candidates) or not words:
            return held
        numbers = [table.numbers.get(btext) for btext, _ in words]
        if any(n is None for n in numbers):
            return held
        df = table.stats["df"]
        ordered = sorted(zip(words, numbers), key=lambda w: int(df[w[1]]))
        keys = None
        alive = np.arange(len(candidates), dtype=np.int64)
        for (btext, offset), _ in ordered:
            which, where = self.positions(field, btext, candidates[alive])
            # Ascending already: candidates in order, each one's positions in order.
            word_keys = (alive[which] << 32) | (where - offset + _BIAS)
            if keys is not None:
                at = np.searchsorted(keys, word_keys)
                found = at < len(keys)
                found[found] = keys[at[found]] == word_keys[found]
                word_keys = word_keys[found]
            keys = word_keys
            if not len(keys):
                return held
            docs = keys >> 32
            alive = docs[np.concatenate(([True], docs[1:] != docs[:-1]))]
        held[alive] = True
        return held


_BIAS = 1 << 16  # keeps position - offset positive (a phrase has fewer words than this)


def _ranges(counts: np.ndarray) -> np.ndarray:
    """0..c-1 for each count c, concatenated."""
    total = int(counts.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    starts = np.zeros(len(counts), dtype=np.int64)
    np.cumsum(counts[:-1], out=starts[1:])
    return np.arange(total, dtype=np.int64) - np.repeat(starts, counts)


_stores = SegmentCache(SegmentStore, (OSError, pickle.UnpicklingError, EOFError, ValueError, KeyError))


def segment_store(directory, segment_id: str) -> SegmentStore | None:
    """Return the positional store of a segment, loaded once (see SegmentCache), or None when it
    has none."""
    return _stores.get(directory, segment_id)
