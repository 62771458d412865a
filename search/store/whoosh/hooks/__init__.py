"""Every place Mosaic reaches past Whoosh's public API, in one sub-package.

Whoosh's own matchers, pool and codec do their work one posting at a time in Python; Mosaic
records postings as arrays while Whoosh writes them (postings), reads positions straight from
posting blocks (postings), answers field lengths from memory (lengths), compresses the sort runs
a big build spills (runs), and, here, expands wildcards, lists segments and reads a weighting's
settings. Each of these uses names Whoosh does not promise to keep, so whoosh-reloaded is pinned
below its next minor version (pyproject.toml) and tests/test_whoosh_hooks.py holds one contract
test per hook: a Whoosh upgrade that changes one fails there, not in a search.
"""

from __future__ import annotations

import whoosh

# The minor version these hooks were written against and are tested with (pyproject.toml pins it).
TESTED_MINOR = (2, 7)


def whoosh_minor() -> tuple[int, int]:
    return tuple(whoosh.__version__[:2])


def expand(node, reader):
    """Return the index terms (bytes) a wildcard or prefix node stands for in `reader`: Whoosh's
    own expansion (MultiTerm._btexts), which also serves any object with a reader's lexicon API."""
    return node._btexts(reader)


def segments_of(index) -> list:
    """Return the segments of an open index, in docnum order (FileIndex._segments)."""
    return index._segments()


def has_field_weights(weighting) -> bool:
    """Whether a BM25F weighting has per-field B settings (BM25F._field_B), which the array
    scorer does not reproduce."""
    return bool(getattr(weighting, "_field_B", None))
