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
looking their candidates up in the stored keys, instead of the whole corpus (13 s at 100k).
"""

from __future__ import annotations

from array import array
from collections import defaultdict
from itertools import combinations
from pathlib import Path

import numpy as np

from search.ingest.fingerprint import resemblance, unpack
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
_KEY_MASK = (1 << 64) - 1


def cluster_roots(sketches: list[tuple[int, ...]]) -> list[int]:
    """Return, per docnum, the smallest docnum of its near-duplicate cluster (itself if unique)."""
    parent = list(range(len(sketches)))

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    buckets: dict[tuple[int, int], list[int]] = defaultdict(list)
    for doc, sketch in enumerate(sketches):
        for key in combinations(sketch[:CANDIDATE_MINIMA], 2):
            buckets[key].append(doc)
    values = [frozenset(sketch) for sketch in sketches]
    for docs in buckets.values():
        for i, a in enumerate(docs):
            for b in docs[i + 1 :]:
                # Resemblance counts shared values among at least max(len) of them, so too few
                # shared values rule a pair out without the costlier estimate.
                if len(values[a] & values[b]) < DUPLICATE_RESEMBLANCE * max(len(values[a]), len(values[b])):
                    continue
                ra, rb = root(a), root(b)
                if ra != rb and resemblance(sketches[a], sketches[b]) >= DUPLICATE_RESEMBLANCE:
                    parent[max(ra, rb)] = min(ra, rb)
    return [root(doc) for doc in range(len(sketches))]


def write_clusters(generation: Path, roots: list[int]) -> None:
    (generation / CLUSTERS_FILE).write_bytes(array("I", roots).tobytes())


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


def pair_keys(sketch: tuple[int, ...]) -> list[int]:
    """Return a document's candidate keys: one 64-bit hash per pair of its first minima."""
    return [((a * 0x9E3779B97F4A7C15) ^ b) & _KEY_MASK for a, b in combinations(sketch[:CANDIDATE_MINIMA], 2)]


def key_table(sketches_by_doc: dict[int, tuple[int, ...]] | list[tuple[int, ...]]) -> np.ndarray:
    """Return the (key, doc) rows of documents' sketches, sorted by key."""
    items = sketches_by_doc.items() if isinstance(sketches_by_doc, dict) else enumerate(sketches_by_doc)
    rows = [(key, doc) for doc, sketch in items for key in pair_keys(sketch)]
    table = np.array(rows, dtype=np.uint64).reshape(-1, 2)
    return table[np.argsort(table[:, 0], kind="stable")]


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
    parent = roots.copy()

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = int(parent[x])
        return x

    sketches: dict[int, tuple[int, ...]] = dict(new_sketches)

    def sketch(doc: int) -> tuple[int, ...]:
        if doc not in sketches:
            sketches[doc] = sketch_of(doc)
        return sketches[doc]

    column = keys[:, 0]
    for doc in [*dirty_old.tolist(), *sorted(new_sketches)]:
        mine = sketch(doc)
        values = frozenset(mine)
        for key in pair_keys(mine):
            lo, hi = np.searchsorted(column, np.uint64(key), "left"), np.searchsorted(column, np.uint64(key), "right")
            for other in keys[lo:hi, 1].astype(np.int64).tolist():
                if other == doc:
                    continue
                ra, rb = root(doc), root(other)
                if ra == rb:
                    continue
                theirs = sketch(other)
                if len(values & set(theirs)) < DUPLICATE_RESEMBLANCE * max(len(values), len(theirs)):
                    continue
                if resemblance(mine, theirs) >= DUPLICATE_RESEMBLANCE:
                    parent[max(ra, rb)] = min(ra, rb)
    # Flatten: every document points at its cluster's smallest docnum.
    while True:
        flattened = parent[parent]
        if np.array_equal(flattened, parent):
            break
        parent = flattened
    return parent.tolist(), keys


def sketches_of(reader) -> list[tuple[int, ...]]:
    """Return the body sketch of every document, by docnum; deleted documents have none, so an
    updated article does not count its own replaced version as a copy."""
    if not reader.has_column(FINGERPRINT):
        return [()] * reader.doc_count_all()
    sketches = [unpack(value) for value in reader.column_reader(FINGERPRINT)]
    if reader.has_deletions():
        sketches = [() if reader.is_deleted(doc) else sketch for doc, sketch in enumerate(sketches)]
    return sketches


def store_clusters(generation: Path, reader, live: Path | None, old_segments: list[str], segments: list[str]) -> None:
    """Store the generation's near-duplicate clusters: updated from the live generation's for
    the segments it kept in place (documents after them are clustered as new ones: appended, or
    renumbered by a merge of small segments), else computed over the whole index."""
    leaves = list(reader.leaf_readers())
    deleted = {offset + doc for leaf, offset in leaves for doc in leaf.segment().deleted_docs()}
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
    sketches = sketches_of(reader)
    write_clusters(generation, cluster_roots(sketches))
    write_keys(generation, key_table(sketches))
