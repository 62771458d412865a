"""In-memory copies of the per-document field lengths that ranking and commits read.

BM25 reads each matching document's field length, and a commit reads each posting's document
length again to write block statistics. Whoosh fetches it from the column file one document at
a time (a seek and a read each: a third of a common-term query's time at 10k articles, a
quarter of a commit's). The lengths are one byte per document and field, so a segment's whole
set is a few hundred kilobytes: read it once and answer from memory.
"""

from __future__ import annotations

import threading

import numpy as np

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield

_cache: dict[str, dict[tuple[str, str], bytes]] = {}
_lock = threading.Lock()


def preload_field_lengths(searcher, generation_key: str) -> None:
    """Make the searcher's segment readers answer field lengths from memory."""
    with _lock:
        if generation_key not in _cache:
            _cache.clear()  # one live generation at a time
            _cache[generation_key] = {}
        lengths = _cache[generation_key]
        for leaf, _ in searcher.leaf_searchers():
            segment = leaf.reader().segment().segment_id()
            if not _load_lengths(getattr(leaf.reader(), "_perdoc", None), searcher.schema, lengths, segment):
                return


def commit_with_loaded_lengths(writer) -> None:
    """Commit a Whoosh writer whose postings step reads document lengths from memory."""
    per_document_reader = writer.per_document_reader
    opened = []

    def loaded_reader():
        reader = per_document_reader()
        opened.append(reader)
        _load_lengths(reader, writer.schema, {}, "")
        return reader

    writer.per_document_reader = loaded_reader
    try:
        writer.commit()
    except BaseException:
        # Whoosh closes the reader (its column files) only after the segment's postings are
        # written: a commit that fails there (a full disk) would leave the files open.
        for reader in opened:
            reader.close()
        raise


def _load_lengths(perdoc, schema, lengths: dict, segment: str) -> bool:
    """Put the length columns of a per-document reader in memory; False for another codec."""
    readers = getattr(perdoc, "_readers", None)
    if not isinstance(readers, dict):
        return False  # not the codec this was written for: Whoosh reads lengths itself
    for fieldname, field in schema.items():
        column = _lenfield(fieldname)  # the codec's name for the lengths column
        if not perdoc.has_column(column):
            # No lengths in this field (one not scored, or no document has it): Whoosh answers 0,
            # as it does for this None, but without it asks the file system again for each
            # posting (a commit asks for every posting's length: 30,000 stat calls at 10k).
            readers[column] = None
            continue
        if not field.scorable:
            continue
        key = (segment, column)
        if key not in lengths:
            lengths[key] = _read_lengths(perdoc.column_reader(column, LENGTHS_COLUMN), perdoc.doc_count_all())
        readers[column] = lengths[key]
    return True


def _read_lengths(column_reader, doc_count: int) -> bytes:
    """Return the one-byte length codes of every document (indexing bytes gives the int)."""
    stored = column_reader._dbfile.get(column_reader._basepos, column_reader._count)
    return bytes(stored) + bytes(doc_count - len(stored))



def length_codes(reader, fieldname: str) -> np.ndarray:
    """Return a segment's one-byte length codes of a field, by docnum (zero-copy over the
    in-memory copy when the lengths were preloaded)."""
    perdoc = getattr(reader, "_perdoc", None)
    column = _lenfield(fieldname)
    readers = getattr(perdoc, "_readers", None)
    codes = readers.get(column) if isinstance(readers, dict) else None
    if not isinstance(codes, bytes):
        if perdoc is None or not perdoc.has_column(column):
            return np.zeros(reader.doc_count_all(), dtype=np.uint8)
        codes = _read_lengths(perdoc.column_reader(column, LENGTHS_COLUMN), perdoc.doc_count_all())
        if isinstance(readers, dict):
            readers[column] = codes
    return np.frombuffer(codes, dtype=np.uint8)
