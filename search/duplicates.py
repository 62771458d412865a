"""Near-duplicate clusters over an index generation, from the body sketches made at ingest.

A pair of documents becomes a candidate when two of the first CANDIDATE_MINIMA values of their
sketches are equal (each value is a MinHash sample, equal with probability = Jaccard
similarity). Keying on pairs rather than on single values matters at scale: one common phrase
whose shingle hash happens to be small is the minimum of hundreds of unrelated articles, and
single-value buckets made the comparisons grow with the square of the corpus (3.5 s at 10k
articles). A candidate pair joins a cluster when its estimated resemblance reaches
DUPLICATE_RESEMBLANCE.

Clusters are computed once per generation, when the build finishes, and stored beside it.
"""

from __future__ import annotations

from array import array
from collections import defaultdict
from itertools import combinations
from pathlib import Path

from search.ingest.fingerprint import resemblance

# Syndicated copies with different chrome, a changed headline or an added paragraph score
# 0.7–1.0; distinct articles on the same event score below 0.2 (checked on the fixture corpus
# and on rewritten BBC texts from the benchmark corpus).
DUPLICATE_RESEMBLANCE = 0.6
# Two shared values among the first five: a pair at resemblance 0.6 is found with probability
# ~0.91 (binomial, 5 draws at 0.6), at 0.8 with ~0.99.
CANDIDATE_MINIMA = 5
CLUSTERS_FILE = "clusters.bin"


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


def read_clusters(generation: Path, doc_count: int) -> list[int] | None:
    """Return the clusters stored with a generation, or None when absent or not of this index."""
    try:
        data = (generation / CLUSTERS_FILE).read_bytes()
    except OSError:
        return None
    roots = array("I")
    roots.frombytes(data[: len(data) - len(data) % roots.itemsize])
    return roots.tolist() if len(roots) == doc_count else None
