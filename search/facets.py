"""Facet values per document, read once per index generation, and disjunctive facet counting.

Whoosh's own grouping re-reads the terms of every matching document on every query; reading the
facet columns once into arrays of value codes makes filtering and counting vector operations
over the matching docnums.
"""

from __future__ import annotations

import os
import pickle
import threading
from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from search.duplicates import read_clusters, reader_clusters
from search.schema import FACET_ACTORS, FACET_AUTHOR, FACET_DATE, FACET_OUTLET, VALUE_SEPARATOR

UNDATED = "undated"
UNKNOWN_OUTLET = "(unknown)"
UNKNOWN_AUTHOR = "(no byline)"


@dataclass(frozen=True)
class FacetTable:
    """Facet values by docnum, as integer codes into lists of distinct values (numpy arrays, so
    filtering and counting a hundred thousand matches is a few vector operations).

    Actors are many per document: `actor_docs[i]` holds `actor_codes[i]`, pairs in docnum order.
    Dates are ISO strings of any precision, "" when undated.
    """

    outlet_values: list[str]
    outlet_codes: np.ndarray
    author_values: list[str]
    author_codes: np.ndarray
    date_values: list[str]
    date_codes: np.ndarray
    actor_values: list[str]
    actor_docs: np.ndarray
    actor_codes: np.ndarray
    clusters: np.ndarray  # per docnum: the smallest docnum of its near-duplicate cluster

    @property
    def size(self) -> int:
        return len(self.outlet_codes)

    # Per-document values for code that walks a few documents (copies, timelines).
    @cached_property
    def outlets(self) -> list[str]:
        return [self.outlet_values[c] for c in self.outlet_codes.tolist()]

    @cached_property
    def authors(self) -> list[str]:
        return [self.author_values[c] for c in self.author_codes.tolist()]

    @cached_property
    def dates(self) -> list[str]:
        return [self.date_values[c] for c in self.date_codes.tolist()]

    @cached_property
    def actors(self) -> list[tuple[str, ...]]:
        out: list[list[str]] = [[] for _ in range(self.size)]
        values = self.actor_values
        for doc, code in zip(self.actor_docs.tolist(), self.actor_codes.tolist()):
            out[doc].append(values[code])
        return [tuple(a) for a in out]

    def cluster_members(self, doc: int) -> list[int]:
        """Return every docnum in the near-duplicate cluster of `doc` (just `doc` when unique)."""
        members = self._members().get(int(self.clusters[doc]))
        return members if members else [doc]

    def _members(self) -> dict[int, list[int]]:
        # Built on first use: the clusters that have more than one member.
        cached = self.__dict__.get("_member_map")
        if cached is None:
            counts = np.bincount(self.clusters, minlength=self.size) if self.size else np.zeros(0, dtype=np.int64)
            shared = np.flatnonzero(counts[self.clusters] > 1) if self.size else np.zeros(0, dtype=np.int64)
            cached = {}
            for doc, root in zip(shared.tolist(), self.clusters[shared].tolist()):
                cached.setdefault(root, []).append(doc)
            object.__setattr__(self, "_member_map", cached)
        return cached

    @cached_property
    def date_ranks(self) -> np.ndarray:
        """Per distinct date value, its place in date order from 1 (0 for undated)."""
        ranks = np.zeros(len(self.date_values) or 1, dtype=np.int64)
        for rank, code in enumerate(sorted((c for c, v in enumerate(self.date_values) if v),
                                           key=self.date_values.__getitem__), start=1):
            ranks[code] = rank
        return ranks

    # Date arithmetic over the distinct values: bounds as YYYYMMDD integers, year and month keys.
    @cached_property
    def _date_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        starts, ends = [], []
        for value in self.date_values:
            if value:
                start, end = date_bounds(value)
                starts.append(int(start.replace("-", "")))
                ends.append(int(end.replace("-", "")))
            else:
                starts.append(0)
                ends.append(0)
        return np.array(starts, dtype=np.int64), np.array(ends, dtype=np.int64)

    def date_mask(self, date_from: str | None, date_to: str | None, undated: bool) -> np.ndarray:
        """Return, per distinct date value, whether it passes the date filter."""
        starts, ends = self._date_bounds
        dated = starts > 0
        if undated:
            return ~dated
        keep = dated.copy()
        if date_from is not None:
            keep &= ends >= int(date_bounds(date_from)[0].replace("-", ""))
        if date_to is not None:
            keep &= starts <= int(date_bounds(date_to)[1].replace("-", ""))
        return keep

    @classmethod
    def load(cls, reader, generation: Path | None = None) -> "FacetTable":
        """Read the facet columns of every segment (from the per-segment caches written at
        build time when present), and the generation's near-duplicate clusters."""
        parts = [cache_segment_facets(leaf, generation) for leaf, _ in reader.leaf_readers()]
        table = _concatenate(parts)
        size = table["outlet_codes"].shape[0]
        clusters = read_clusters(generation, size) if generation else None
        if clusters is None:  # a generation built before clusters were stored with it
            clusters = reader_clusters(reader)
        return cls(**table, clusters=np.asarray(clusters, dtype=np.int64))


SEGMENT_FACETS_SUFFIX = "-facets.pickle"


def cache_segment_facets(reader, generation: Path | None) -> dict:
    """Return one segment's facet columns as codes and values; cached beside the segment."""
    segment = reader.segment().segment_id() if hasattr(reader, "segment") else None
    path = generation / (segment + SEGMENT_FACETS_SUFFIX) if generation and segment else None
    if path is not None:
        try:
            with open(path, "rb") as f:
                cached = pickle.load(f)
            if cached["outlet_codes"].shape[0] == reader.doc_count_all():
                return cached
        except (OSError, pickle.UnpicklingError, EOFError, KeyError):
            pass
    facets = _read_segment_facets(reader)
    if path is not None:
        try:
            tmp = path.with_suffix(f".tmp{os.getpid()}")
            with open(tmp, "wb") as f:
                pickle.dump(facets, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except OSError:
            pass  # a read-only index is searched without the cache
    return facets


def _read_segment_facets(reader) -> dict:
    size = reader.doc_count_all()

    def column(name: str) -> list[str]:
        if not reader.has_column(name):
            return [""] * size
        return [value.decode("utf-8") for value in reader.column_reader(name)]

    def encode(values: list[str], empty: str) -> tuple[list[str], np.ndarray]:
        index: dict[str, int] = {}
        codes = np.fromiter((index.setdefault(v or empty, len(index)) for v in values), dtype=np.int32, count=len(values))
        return list(index), codes

    outlet_values, outlet_codes = encode(column(FACET_OUTLET), UNKNOWN_OUTLET)
    author_values, author_codes = encode(column(FACET_AUTHOR), UNKNOWN_AUTHOR)
    date_values, date_codes = encode(column(FACET_DATE), "")
    actor_index: dict[str, int] = {}
    actor_docs, actor_codes = [], []
    for doc, value in enumerate(column(FACET_ACTORS)):
        if value:
            for name in value.split(VALUE_SEPARATOR):
                actor_docs.append(doc)
                actor_codes.append(actor_index.setdefault(name, len(actor_index)))
    return {
        "outlet_values": outlet_values, "outlet_codes": outlet_codes,
        "author_values": author_values, "author_codes": author_codes,
        "date_values": date_values, "date_codes": date_codes,
        "actor_values": list(actor_index), "actor_docs": np.array(actor_docs, dtype=np.int32),
        "actor_codes": np.array(actor_codes, dtype=np.int32),
    }


def _concatenate(parts: list[dict]) -> dict:
    """Join per-segment tables into one over the whole index (docnums offset, codes merged)."""
    out = {}
    for facet in ("outlet", "author", "date", "actor"):
        index: dict[str, int] = {}
        codes = []
        for part in parts:
            remap = np.array([index.setdefault(v, len(index)) for v in part[facet + "_values"]] or [0], dtype=np.int32)
            codes.append(remap[part[facet + "_codes"]] if len(part[facet + "_codes"]) else part[facet + "_codes"])
        out[facet + "_values"] = list(index)
        out[facet + "_codes"] = np.concatenate(codes).astype(np.int32) if codes else np.zeros(0, dtype=np.int32)
    offsets = np.cumsum([0] + [len(p["outlet_codes"]) for p in parts])
    docs = [p["actor_docs"].astype(np.int64) + offset for p, offset in zip(parts, offsets)]
    out["actor_docs"] = np.concatenate(docs) if docs else np.zeros(0, dtype=np.int64)
    return out


_tables: dict[str, FacetTable] = {}
_tables_lock = threading.Lock()


def facet_table(generation: Path, reader) -> FacetTable:
    """Return the facet table of an index generation, loading it on first use."""
    key = str(generation)
    with _tables_lock:
        table = _tables.get(key)
        if table is None:
            table = FacetTable.load(reader, generation)
            _tables.clear()  # one live generation at a time; the old table is garbage
            _tables[key] = table
        return table


def date_bounds(value: str) -> tuple[str, str]:
    """Return the first and last day an ISO date of any precision covers."""
    start = (value + "-01-01")[:10] if len(value) == 4 else (value + "-01")[:10]
    end = value + "-12-31" if len(value) == 4 else (value + "-31" if len(value) == 7 else value)
    return start, end


@dataclass(frozen=True)
class Filters:
    outlets: frozenset[str] = frozenset()
    not_outlets: frozenset[str] = frozenset()
    actors: frozenset[str] = frozenset()
    not_actors: frozenset[str] = frozenset()
    date_from: str | None = None
    date_to: str | None = None
    undated: bool = False
    authors: frozenset[str] = frozenset()

    def masks(self, table: FacetTable) -> dict[str, np.ndarray]:
        """Return a per-docnum pass mask for each facet that has a filter set."""
        masks: dict[str, np.ndarray] = {}
        if self.outlets or self.not_outlets:
            allowed = _value_mask(table.outlet_values, self.outlets, self.not_outlets)
            masks["outlet"] = allowed[table.outlet_codes]
        if self.actors or self.not_actors:
            keep = np.ones(table.size, dtype=bool)
            if self.actors:
                keep = docs_with(table, self.actors)
            if self.not_actors:
                keep &= ~docs_with(table, self.not_actors)
            masks["actor"] = keep
        if self.authors:
            masks["author"] = _value_mask(table.author_values, self.authors, frozenset())[table.author_codes]
        if self.date_from or self.date_to or self.undated:
            masks["date"] = table.date_mask(self.date_from, self.date_to, self.undated)[table.date_codes]
        return masks

    def selection(self, table: FacetTable, docs: np.ndarray) -> np.ndarray | None:
        """Return which of `docs` pass every filter (a mask aligned with them), or None for all."""
        combined = None
        for mask in self.masks(table).values():
            combined = mask if combined is None else combined & mask
        return None if combined is None else combined[docs]


def _value_mask(values: list[str], selected: frozenset[str], excluded: frozenset[str]) -> np.ndarray:
    """Return, per distinct value, whether it passes a selection and an exclusion."""
    return np.array([(not selected or v in selected) and v not in excluded for v in values] or [False], dtype=bool)


def docs_with(table: FacetTable, names: frozenset[str]) -> np.ndarray:
    """Return a per-docnum mask of the documents that have any of the actors `names`."""
    wanted = np.array([v in names for v in table.actor_values] or [False], dtype=bool)
    has = np.zeros(table.size, dtype=bool)
    if len(table.actor_codes):
        has[table.actor_docs[wanted[table.actor_codes]]] = True
    return has


def _passing(masks: dict[str, np.ndarray], docs: np.ndarray, skip: str = "") -> np.ndarray:
    """Return the docs that pass every mask except the one of the facet named by `skip`."""
    combined = None
    for name, mask in masks.items():
        if name != skip:
            combined = mask if combined is None else combined & mask
    return docs if combined is None else docs[combined[docs]]


def _counter(values: list[str], counts: np.ndarray) -> Counter:
    return Counter({values[i]: int(counts[i]) for i in np.flatnonzero(counts).tolist()})


def count_facets(table: FacetTable, docs: np.ndarray, filters: Filters, date_year: str | None) -> dict[str, Counter]:
    """Return value counts for outlet, actor, author and date over the matching `docs`.

    Counting is disjunctive: each facet's counts apply every filter but its own, so selecting one
    outlet still shows what the other outlets would add. Dates count by year, or by month of
    `date_year` when the date filter lies within that one year.
    """
    active = filters.masks(table)
    kept_by_all = _passing(active, docs)
    # A facet without a filter of its own counts what passes every filter.
    counted = {name: _passing(active, docs, skip=name) if name in active else kept_by_all
               for name in ("outlet", "actor", "author", "date")}

    def bincount(codes: np.ndarray, chosen: np.ndarray, size: int) -> np.ndarray:
        return np.bincount(codes[chosen], minlength=size) if len(chosen) else np.zeros(size, dtype=np.int64)

    in_actor_set = np.zeros(table.size, dtype=bool)
    in_actor_set[counted["actor"]] = True
    actor_counts = bincount(table.actor_codes, in_actor_set[table.actor_docs], len(table.actor_values)) \
        if len(table.actor_codes) else np.zeros(len(table.actor_values), dtype=np.int64)
    by_date = bincount(table.date_codes, counted["date"], len(table.date_values))
    date_counts: Counter = Counter()
    for code in np.flatnonzero(by_date).tolist():
        value = table.date_values[code]
        if not value:
            key = UNDATED
        elif not date_year:
            key = value[:4]
        elif value.startswith(date_year):
            key = value[:7]
        else:
            continue
        date_counts[key] += int(by_date[code])
    return {
        "outlet": _counter(table.outlet_values, bincount(table.outlet_codes, counted["outlet"], len(table.outlet_values))),
        "actor": _counter(table.actor_values, actor_counts),
        "author": _counter(table.author_values, bincount(table.author_codes, counted["author"], len(table.author_values))),
        "date": date_counts,
    }
