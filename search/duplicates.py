"""Near-duplicate clusters over an index generation, from the body sketches made at ingest.

Candidates share one of their two smallest shingle hashes (each is a MinHash sample, equal with
probability = Jaccard similarity); a candidate pair joins a cluster when its estimated
resemblance reaches DUPLICATE_RESEMBLANCE. Clusters are computed once per generation.
"""

from __future__ import annotations

from collections import defaultdict

from search.ingest.fingerprint import resemblance

# Syndicated copies with different chrome, a changed headline or an added paragraph score
# 0.7–1.0; distinct articles on the same event score below 0.2 (checked on the fixture corpus
# and on rewritten BBC texts from the benchmark corpus).
DUPLICATE_RESEMBLANCE = 0.6
CANDIDATE_KEYS = 2


def cluster_roots(sketches: list[tuple[int, ...]]) -> list[int]:
    """Return, per docnum, the smallest docnum of its near-duplicate cluster (itself if unique)."""
    parent = list(range(len(sketches)))

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    buckets: dict[int, list[int]] = defaultdict(list)
    for doc, sketch in enumerate(sketches):
        for key in sketch[:CANDIDATE_KEYS]:
            buckets[key].append(doc)
    for docs in buckets.values():
        if len(docs) < 2:
            continue
        for i, a in enumerate(docs):
            for b in docs[i + 1 :]:
                ra, rb = root(a), root(b)
                if ra != rb and resemblance(sketches[a], sketches[b]) >= DUPLICATE_RESEMBLANCE:
                    parent[max(ra, rb)] = min(ra, rb)
    return [root(doc) for doc in range(len(sketches))]
