"""Near-duplicate clusters over an index generation, from the body sketches made at ingest.

A pair of documents becomes a candidate when two of the first CANDIDATE_MINIMA values of their
sketches are equal (each value is a MinHash sample, equal with probability = Jaccard
similarity). Keying on pairs rather than on single values matters at scale: one common phrase
whose shingle hash happens to be small is the minimum of hundreds of unrelated articles, and
single-value buckets made the comparisons grow with the square of the corpus (3.5 s at 10k
articles). A candidate pair joins a cluster when its estimated resemblance reaches
DUPLICATE_RESEMBLANCE.

Clusters are computed once per generation, when the build finishes, and stored beside it with
the candidate keys of every document (a sorted array). An update that only appends documents
and deletes some then re-clusters just the new documents and the clusters that lost a member,
looking their candidates up in the stored keys, instead of the whole corpus (6 s at 100k;
0.1 s for one changed file).
"""

from __future__ import annotations

from array import array
from itertools import chain, combinations
from pathlib import Path

import numpy as np

from search.ingest.fingerprint import SKETCH_SIZE, unpack
from search.schema import FINGERPRINT

# Syndicated copies with different chrome, a changed headline or an added paragraph score
# 0.7–1.0; distinct articles on the same event score below 0.2 (checked on the fixture corpus
# and on rewritten BBC texts from the benchmark corpus).
DUPLICATE_RESEMBLANCE = 0.6
# Two shared values among the first five: a pair at resemblance 0.6 is found with probability
# ~0.91 (binomial, 5 draws at 0.6), at 0.8 with ~0.99.
CANDIDATE_MINIMA = 5
CLUSTERS_FILE = "clusters.bin"
KEYS_FILE = "cluster-keys.npy"  # (key, docnum) rows sorted by key: every live document's pair keys
KEY_FACTOR = 0x9E3779B97F4A7C15


def cluster_roots(sketches: list[tuple[int, ...]]) -> list[int]:
    """Return, per docnum, the smallest docnum of its near-duplicate cluster (itself if unique).

    Array operations throughout: at 100k articles, buckets of candidate pairs in Python dicts
    and lists took 13 s and half a gigabyte on top of the writer's memory at the end of a build.
    """
    return _cluster_rows(*_sketch_matrix(sketches)).tolist()


def reader_clusters(reader) -> np.ndarray:
    """cluster_roots of every document of an index reader, by docnum."""
    return _cluster_rows(*_reader_matrix(reader))


def _cluster_rows(matrix: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """cluster_roots over sketches as rows of an array (see _sketch_matrix)."""
    table = _sorted_key_rows(matrix, lengths, np.arange(len(lengths), dtype=np.uint64))
    labels = np.arange(len(lengths), dtype=np.int64)
    keys, docs = table[:, 0], table[:, 1].astype(np.int64)
    # Rows with equal keys are neighbours in the sorted table; a row pairs with the rows after
    # it in its group: first with the next one, then the one after, ... (offset by offset), so
    # once a group's documents are joined the remaining pairs cost only a label comparison.
    group_end = np.searchsorted(keys, keys, side="right")
    active = np.flatnonzero(group_end - np.arange(len(keys)) > 1)
    offset = 1
    while len(active):
        for chunk in range(0, len(active), _PAIRS_PER_CHUNK):
            rows = active[chunk : chunk + _PAIRS_PER_CHUNK]
            a, b = docs[rows], docs[rows + offset]
            differ = labels[a] != labels[b]
            a, b = a[differ], b[differ]
            if len(a):
                similar = _resemblances(matrix, lengths, a, b) >= DUPLICATE_RESEMBLANCE
                _join(labels, a[similar], b[similar])
        offset += 1
        active = active[group_end[active] - active > offset]
    return labels


# Pairs whose resemblance is estimated at once: two (pairs × 2·SKETCH_SIZE) arrays of uint64.
_PAIRS_PER_CHUNK = 16384
_NO_VALUE = np.uint64(2**64 - 1)  # pads short sketches; hash() of a tuple is never -1


def _sketch_matrix(sketches) -> tuple[np.ndarray, np.ndarray]:
    """Return the sketches as rows of a (documents × SKETCH_SIZE) array, padded, and their lengths."""
    lengths = np.fromiter((len(s) for s in sketches), dtype=np.int64, count=len(sketches))
    matrix = np.full((len(sketches), SKETCH_SIZE), _NO_VALUE, dtype=np.uint64)
    values = np.fromiter(chain.from_iterable(sketches), dtype=np.uint64, count=int(lengths.sum()))
    rows = np.repeat(np.arange(len(sketches)), lengths)
    columns = np.arange(len(values)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    matrix[rows, columns] = values
    return matrix, lengths


def _reader_matrix(reader) -> tuple[np.ndarray, np.ndarray]:
    """_sketch_matrix of every document's stored sketch, straight from the packed bytes (as
    tuples of Python ints, 100k sketches take 130 MB); deleted documents have none, so an
    updated article does not count its own replaced version as a copy."""
    size = reader.doc_count_all()
    matrix = np.full((size, SKETCH_SIZE), _NO_VALUE, dtype=np.uint64)
    if not reader.has_column(FINGERPRINT):
        return matrix, np.zeros(size, dtype=np.int64)
    packed = list(reader.column_reader(FINGERPRINT))
    lengths = np.fromiter(map(len, packed), dtype=np.int64, count=size) // 8
    values = np.frombuffer(b"".join(packed), dtype=">u8").astype(np.uint64)
    del packed
    rows = np.repeat(np.arange(size), lengths)
    matrix[rows, np.arange(len(values)) - np.repeat(np.cumsum(lengths) - lengths, lengths)] = values
    if reader.has_deletions():
        deleted = sorted(_deleted_docs(reader))
        matrix[deleted], lengths[deleted] = _NO_VALUE, 0
    return matrix, lengths


def _deleted_docs(reader) -> set[int]:
    """Return the deleted docnums of an index reader, numbered across its segments."""
    return {offset + doc for leaf, offset in reader.leaf_readers() if leaf.segment() is not None
            for doc in leaf.segment().deleted_docs()}


def _sorted_key_rows(matrix: np.ndarray, lengths: np.ndarray, docs: np.ndarray) -> np.ndarray:
    """Return the (key, doc) rows of the sketches' candidate keys, by key: one 64-bit hash
    (a·KEY_FACTOR xor b, modulo 2**64) per pair (a, b) of a sketch's first minima."""
    pairs = list(combinations(range(CANDIDATE_MINIMA), 2))
    with np.errstate(over="ignore"):  # the multiplication wraps modulo 2**64, as the key is defined
        keys = np.stack([(matrix[:, i] * np.uint64(KEY_FACTOR)) ^ matrix[:, j] for i, j in pairs], axis=1)
    present = np.stack([lengths > j for _, j in pairs], axis=1)
    rows = np.stack([keys[present], np.broadcast_to(docs[:, None], keys.shape)[present]], axis=1)
    return rows[np.argsort(rows[:, 0], kind="stable")]


def _resemblances(matrix: np.ndarray, lengths: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """fingerprint.resemblance of each pair (a[i], b[i]), over arrays: among the SKETCH_SIZE
    smallest values of the two sketches together, the share found in both."""
    merged = np.sort(np.concatenate([matrix[a], matrix[b]], axis=1), axis=1)
    real = merged != _NO_VALUE
    repeated = np.zeros_like(real)
    repeated[:, 1:] = merged[:, 1:] == merged[:, :-1]
    distinct = real & ~repeated  # each value of the union once, ascending
    in_union = distinct & (np.cumsum(distinct, axis=1, dtype=np.uint8) <= SKETCH_SIZE)
    shared = np.zeros_like(real)
    shared[:, :-1] = repeated[:, 1:]  # a value followed by its copy is in both sketches
    union = in_union.sum(axis=1)
    estimate = (in_union & shared).sum(axis=1) / np.maximum(union, 1)
    return np.where((lengths[a] > 0) & (lengths[b] > 0), estimate, 0.0)


def _join(labels: np.ndarray, a: np.ndarray, b: np.ndarray) -> None:
    """Merge the clusters of each pair (a[i], b[i]) in place; every label stays its cluster's
    smallest docnum."""
    while len(a):
        ra, rb = labels[a], labels[b]
        differ = ra != rb
        a, b, ra, rb = a[differ], b[differ], ra[differ], rb[differ]
        if not len(a):
            return
        np.minimum.at(labels, np.maximum(ra, rb), np.minimum(ra, rb))
        while True:  # point every document straight at its root again
            flattened = labels[labels]
            if np.array_equal(flattened, labels):
                break
            labels[:] = flattened


def write_clusters(generation: Path, roots: list[int]) -> None:
    (generation / CLUSTERS_FILE).write_bytes(np.asarray(roots, dtype=np.uint32).tobytes())


def read_clusters(generation: Path, doc_count: int | None = None) -> list[int] | None:
    """Return the clusters stored with a generation, or None when absent or not of this index
    (`doc_count` documents; any number when None)."""
    try:
        data = (generation / CLUSTERS_FILE).read_bytes()
    except OSError:
        return None
    roots = array("I")
    roots.frombytes(data[: len(data) - len(data) % roots.itemsize])
    return roots.tolist() if doc_count is None or len(roots) == doc_count else None


def key_table(sketches_by_doc: dict[int, tuple[int, ...]] | list[tuple[int, ...]]) -> np.ndarray:
    """Return the (key, doc) rows of documents' sketches, sorted by key."""
    if isinstance(sketches_by_doc, dict):
        docs, sketches = list(sketches_by_doc), list(sketches_by_doc.values())
    else:
        docs, sketches = range(len(sketches_by_doc)), sketches_by_doc
    matrix, lengths = _sketch_matrix(sketches)
    return _sorted_key_rows(matrix, lengths, np.fromiter(docs, dtype=np.uint64, count=len(sketches)))


def write_keys(generation: Path, table: np.ndarray) -> None:
    with open(generation / KEYS_FILE, "wb") as f:
        np.save(f, table)


def read_keys(generation: Path) -> np.ndarray | None:
    try:
        return np.load(generation / KEYS_FILE)
    except (OSError, ValueError):
        return None


def update_clusters(old_roots, old_keys: np.ndarray, size: int, deleted: set[int], sketch_of,
                    new_sketches: dict[int, tuple[int, ...]], broken: np.ndarray | None = None) -> tuple[list[int], np.ndarray]:
    """Return the clusters and key table after documents were appended and some deleted.

    `old_roots` and `old_keys` describe the first len(old_roots) docnums, which keep their
    numbers; `new_sketches` holds the appended documents' sketches; `sketch_of(doc)` reads an
    old document's sketch; `broken` lists further old clusters (by root) to take apart. Only the
    new documents and the members of clusters that lost one are re-clustered: a cluster
    untouched by the change cannot have changed.
    """
    roots = np.arange(size, dtype=np.int64)
    old = np.asarray(old_roots, dtype=np.int64)
    roots[: len(old)] = old
    gone = np.zeros(size, dtype=bool)
    gone[list(d for d in deleted if d < size)] = True
    keys = old_keys[~gone[old_keys[:, 1].astype(np.int64)]] if len(old_keys) else old_keys.reshape(-1, 2)
    # Clusters that lost a member are taken apart; their remaining members are clustered again.
    broken = np.union1d(roots[gone], broken if broken is not None else np.zeros(0, dtype=np.int64))
    dirty_old = np.flatnonzero(np.isin(roots, broken) & ~gone) if len(broken) else np.zeros(0, dtype=np.int64)
    roots[dirty_old] = dirty_old
    roots[gone] = np.flatnonzero(gone)
    new_keys = key_table(new_sketches)
    if len(new_keys):  # a few rows into a sorted million: inserted, not sorted again
        keys = np.insert(keys, np.searchsorted(keys[:, 0], new_keys[:, 0], side="right"), new_keys, axis=0)
    sketches: dict[int, tuple[int, ...]] = dict(new_sketches)
    for doc in dirty_old.tolist():
        sketches[doc] = sketch_of(doc)
    dirty = np.array(sorted(sketches), dtype=np.int64)
    # Candidates: every row of the key table that shares a key with a document to re-cluster.
    mine = _sorted_key_rows(*_sketch_matrix([sketches[d] for d in dirty.tolist()]), dirty.astype(np.uint64))
    column = keys[:, 0]
    lo, hi = np.searchsorted(column, mine[:, 0], "left"), np.searchsorted(column, mine[:, 0], "right")
    counts = hi - lo
    rows = np.repeat(lo, counts) + np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    a, b = np.repeat(mine[:, 1], counts).astype(np.int64), keys[rows, 1].astype(np.int64)
    a, b = a[a != b], b[a != b]
    # Sketches of just the documents involved, as rows of a small matrix.
    involved = np.union1d(a, b)
    for doc in involved.tolist():
        if doc not in sketches:
            sketches[doc] = sketch_of(doc)
    matrix, lengths = _sketch_matrix([sketches[d] for d in involved.tolist()])
    labels = roots.copy()  # every label is its cluster's smallest docnum, as _join keeps them
    for chunk in range(0, len(a), _PAIRS_PER_CHUNK):
        pa, pb = a[chunk : chunk + _PAIRS_PER_CHUNK], b[chunk : chunk + _PAIRS_PER_CHUNK]
        differ = labels[pa] != labels[pb]
        pa, pb = pa[differ], pb[differ]
        if len(pa):
            rows_a, rows_b = np.searchsorted(involved, pa), np.searchsorted(involved, pb)
            similar = _resemblances(matrix, lengths, rows_a, rows_b) >= DUPLICATE_RESEMBLANCE
            _join(labels, pa[similar], pb[similar])
    return labels.tolist(), keys


def store_clusters(generation: Path, reader, live: Path | None, old_segments: list[str], segments: list[str]) -> None:
    """Store the generation's near-duplicate clusters: updated from the live generation's for
    the segments it kept in place (documents after them are clustered as new ones: appended, or
    renumbered by a merge of small segments), else computed over the whole index."""
    leaves = list(reader.leaf_readers())
    deleted = _deleted_docs(reader)
    size = reader.doc_count_all()
    kept = 0  # segments at the start that are the live generation's, in place
    while kept < min(len(old_segments), len(segments)) and old_segments[kept] == segments[kept]:
        kept += 1
    if live is not None and kept:
        old_size = sum(leaf.doc_count_all() for leaf, _ in leaves[:kept])
        old_roots, old_keys = read_clusters(live), read_keys(live)
        if old_roots is not None and old_keys is not None and len(old_roots) >= old_size:
            roots = np.asarray(old_roots, dtype=np.int64)
            # Documents after the kept segments got new numbers: their old clusters come apart.
            moved = np.unique(roots[old_size:])
            if len(old_keys):
                old_keys = old_keys[old_keys[:, 1] < old_size]
            column = reader.column_reader(FINGERPRINT) if reader.has_column(FINGERPRINT) else None
            sketch_of = (lambda doc: unpack(column[doc])) if column is not None else (lambda doc: ())
            appended = {doc: sketch_of(doc) for doc in range(old_size, size) if doc not in deleted}
            new_roots, keys = update_clusters(roots[:old_size], old_keys, size, deleted, sketch_of, appended, broken=moved)
            write_clusters(generation, new_roots)
            write_keys(generation, keys)
            return
    matrix, lengths = _reader_matrix(reader)
    write_clusters(generation, _cluster_rows(matrix, lengths))
    write_keys(generation, _sorted_key_rows(matrix, lengths, np.arange(size, dtype=np.uint64)))
