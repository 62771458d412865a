"""Facet values per document, read once per generation, and disjunctive facet counting.

Whoosh's own grouping re-reads the terms of every matching document on every query; reading the
facet columns once into arrays of value codes makes filtering and counting vector operations
over the matching docnums. Which facets exist, and whether an article has one value or many,
is declared in search.filters.FACETS.
"""

from __future__ import annotations

import os
import pickle
from collections import Counter
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from search.filters import FACETS, UNDATED
from search.request import SearchRequest, date_bounds
from search.request import parse_instant
from search.schema import FACET_DATE, INDEXED_AT, VALUE_SEPARATOR, facet_column
from search.store.whoosh.duplicates import read_clusters, reader_clusters

SEGMENT_FACETS_SUFFIX = "-facets.pickle"


@dataclass(frozen=True)
class FacetColumn:
    """One facet's values by docnum, as integer codes into the list of distinct values.

    Single-valued facets hold one code per document (`docs` is None); many-valued ones hold
    (docs[i], codes[i]) pairs in docnum order.
    """

    values: list[str]
    codes: np.ndarray
    docs: np.ndarray | None = None

    def docs_with(self, names, size: int) -> np.ndarray:
        """Return a per-docnum mask of the documents that have any of `names`."""
        wanted = np.array([v in names for v in self.values] or [False], dtype=bool)
        if self.docs is None:
            return wanted[self.codes] if len(self.codes) else np.zeros(size, dtype=bool)
        has = np.zeros(size, dtype=bool)
        if len(self.codes):
            has[self.docs[wanted[self.codes]]] = True
        return has

    def count(self, chosen: np.ndarray, size: int) -> Counter:
        """Return how many of the documents in `chosen` (docnums) have each value."""
        if self.docs is None:
            counts = np.bincount(self.codes[chosen], minlength=len(self.values)) if len(chosen) else np.zeros(0, dtype=np.int64)
        else:
            member = np.zeros(size, dtype=bool)
            member[chosen] = True
            counts = np.bincount(self.codes[member[self.docs]], minlength=len(self.values)) if len(self.codes) else np.zeros(0, dtype=np.int64)
        return Counter({self.values[i]: int(counts[i]) for i in np.flatnonzero(counts).tolist()})

    def by_doc(self, size: int) -> list[tuple[str, ...]]:
        """Every document's values, for code that walks a few documents (copies, timelines)."""
        if self.docs is None:
            return [(self.values[c],) for c in self.codes.tolist()]
        out: list[list[str]] = [[] for _ in range(size)]
        for doc, code in zip(self.docs.tolist(), self.codes.tolist()):
            out[doc].append(self.values[code])
        return [tuple(v) for v in out]


@dataclass(frozen=True)
class FacetTable:
    """Every facet of a generation, its dates, and its near-duplicate clusters, by docnum.

    Dates are ISO strings of any precision, "" when undated.
    """

    columns: dict[str, FacetColumn]
    date_values: list[str]
    date_codes: np.ndarray
    indexed_at: np.ndarray  # per docnum: when the article entered the index, in seconds (0: unknown)
    clusters: np.ndarray  # per docnum: the smallest docnum of its near-duplicate cluster

    @property
    def size(self) -> int:
        return len(self.date_codes)

    @cached_property
    def dates(self) -> list[str]:
        return [self.date_values[c] for c in self.date_codes.tolist()]

    @cached_property
    def outlets(self) -> list[str]:
        return [values[0] if values else "" for values in self.columns["outlet"].by_doc(self.size)]

    @cached_property
    def actors(self) -> list[tuple[str, ...]]:
        return self.columns["actor"].by_doc(self.size)

    def cluster_members(self, doc: int) -> list[int]:
        """Return every docnum in the near-duplicate cluster of `doc` (just `doc` when unique)."""
        members = self._members.get(int(self.clusters[doc]))
        return members if members else [doc]

    @cached_property
    def _members(self) -> dict[int, list[int]]:
        # Built on first use: the clusters that have more than one member.
        counts = np.bincount(self.clusters, minlength=self.size) if self.size else np.zeros(0, dtype=np.int64)
        shared = np.flatnonzero(counts[self.clusters] > 1) if self.size else np.zeros(0, dtype=np.int64)
        members: dict[int, list[int]] = {}
        for doc, root in zip(shared.tolist(), self.clusters[shared].tolist()):
            members.setdefault(root, []).append(doc)
        return members

    @cached_property
    def date_ranks(self) -> np.ndarray:
        """Per distinct date value, its place in date order from 1 (0 for undated)."""
        ranks = np.zeros(len(self.date_values) or 1, dtype=np.int64)
        for rank, code in enumerate(sorted((c for c, v in enumerate(self.date_values) if v),
                                           key=self.date_values.__getitem__), start=1):
            ranks[code] = rank
        return ranks

    @cached_property
    def _date_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Per distinct date value, its first and last day as YYYYMMDD integers (0: undated)."""
        starts, ends = [], []
        for value in self.date_values:
            start, end = date_bounds(value) if value else ("0", "0")
            starts.append(int(start.replace("-", "")))
            ends.append(int(end.replace("-", "")))
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
    def load(cls, reader, generation) -> "FacetTable":
        """Read the facet columns of every segment (from the per-segment caches written at
        build time when present), and the generation's near-duplicate clusters."""
        parts = [segment_facets(leaf, generation) for leaf, _ in reader.leaf_readers()]
        columns, date_values, date_codes = _concatenate(parts)
        indexed_at = np.concatenate([p["indexed_at"] for p in parts]) if parts else np.zeros(0, dtype=np.int64)
        size = len(date_codes)
        clusters = read_clusters(generation.path, size)
        if clusters is None:  # a generation built before clusters were stored with it
            clusters = reader_clusters(reader)
        return cls(columns, date_values, date_codes, indexed_at, np.asarray(clusters, dtype=np.int64))


def facet_table(generation, reader) -> FacetTable:
    """Return the facet table of a generation, loaded on first use and kept with it."""
    return generation.derived("facets", lambda: FacetTable.load(reader, generation))


def segment_facets(reader, generation) -> dict:
    """Return one segment's facet columns as codes and values; cached beside the segment."""
    segment = reader.segment().segment_id() if getattr(reader, "segment", lambda: None)() is not None else None
    path = generation.file(segment + SEGMENT_FACETS_SUFFIX) if generation is not None and segment else None
    if path is not None:
        try:
            with open(path, "rb") as f:
                cached = pickle.load(f)
            if len(cached["date"][1]) == reader.doc_count_all():
                return cached
        except (OSError, pickle.UnpicklingError, EOFError, KeyError, TypeError):
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

    out = {}
    for name, facet in FACETS.items():
        index: dict[str, int] = {}
        if facet.multi:
            docs, codes = [], []
            for doc, value in enumerate(column(facet_column(name))):
                for item in value.split(VALUE_SEPARATOR) if value else ():
                    docs.append(doc)
                    codes.append(index.setdefault(item, len(index)))
            out[name] = (list(index), np.array(codes, dtype=np.int32), np.array(docs, dtype=np.int32))
        else:
            codes = np.fromiter((index.setdefault(v or facet.missing, len(index)) for v in column(facet_column(name))),
                                dtype=np.int32, count=size)
            out[name] = (list(index), codes, None)
    index = {}
    date_codes = np.fromiter((index.setdefault(v, len(index)) for v in column(FACET_DATE)), dtype=np.int32, count=size)
    out["date"] = (list(index), date_codes)
    seconds = INDEXED_AT + "_seconds"
    out["indexed_at"] = (np.array(list(reader.column_reader(seconds)), dtype=np.int64) if reader.has_column(seconds)
                         else np.zeros(size, dtype=np.int64))
    return out


def _merge_codes(parts: list[tuple[list[str], np.ndarray]]) -> tuple[list[str], list[np.ndarray]]:
    """Recode per-segment (values, codes) into one list of values over the whole index."""
    index: dict[str, int] = {}
    codes = []
    for values, part_codes in parts:
        remap = np.array([index.setdefault(v, len(index)) for v in values] or [0], dtype=np.int32)
        codes.append(remap[part_codes] if len(part_codes) else part_codes)
    return list(index), codes


def _concatenate(parts: list[dict]) -> tuple[dict[str, FacetColumn], list[str], np.ndarray]:
    """Join per-segment tables into one over the whole index (docnums offset, codes merged)."""
    offsets = np.cumsum([0] + [len(p["date"][1]) for p in parts])
    columns = {}
    for name, facet in FACETS.items():
        values, codes = _merge_codes([(p[name][0], p[name][1]) for p in parts])
        joined = np.concatenate(codes).astype(np.int32) if codes else np.zeros(0, dtype=np.int32)
        docs = None
        if facet.multi:
            pieces = [p[name][2].astype(np.int64) + offset for p, offset in zip(parts, offsets)]
            docs = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int64)
        columns[name] = FacetColumn(values, joined, docs)
    date_values, date_codes = _merge_codes([p["date"] for p in parts])
    dates = np.concatenate(date_codes).astype(np.int32) if date_codes else np.zeros(0, dtype=np.int32)
    return columns, date_values, dates


# --- filtering and counting ------------------------------------------------------------------

def filter_masks(table: FacetTable, request: SearchRequest) -> dict[str, np.ndarray]:
    """Return a per-docnum pass mask for each facet that the request filters."""
    masks: dict[str, np.ndarray] = {}
    for name, column in table.columns.items():
        keep, leave = request.selected(name), request.excluded(name)
        if keep or leave:
            mask = column.docs_with(set(keep), table.size) if keep else np.ones(table.size, dtype=bool)
            if leave:
                mask &= ~column.docs_with(set(leave), table.size)
            masks[name] = mask
    if request.date_from or request.date_to or request.undated:
        masks["date"] = table.date_mask(request.date_from, request.date_to, request.undated)[table.date_codes]
    if request.indexed_since:
        masks["since"] = table.indexed_at >= int(parse_instant("since", request.indexed_since).timestamp())
    return masks


def selection(table: FacetTable, request: SearchRequest, docs: np.ndarray) -> np.ndarray | None:
    """Return which of `docs` pass every filter (a mask aligned with them), or None for all."""
    combined = None
    for mask in filter_masks(table, request).values():
        combined = mask if combined is None else combined & mask
    return None if combined is None else combined[docs]


def _passing(masks: dict[str, np.ndarray], docs: np.ndarray, skip: str = "") -> np.ndarray:
    """Return the docs that pass every mask except the one of the facet named by `skip`."""
    combined = None
    for name, mask in masks.items():
        if name != skip:
            combined = mask if combined is None else combined & mask
    return docs if combined is None else docs[combined[docs]]


def count_facets(table: FacetTable, docs: np.ndarray, request: SearchRequest) -> dict[str, Counter]:
    """Return value counts of every facet, and of dates, over the matching `docs`.

    Counting is disjunctive: each facet's counts apply every filter but its own, so selecting one
    outlet still shows what the other outlets would add. Dates count by year, or by month of
    the year the date filter lies within.
    """
    active = filter_masks(table, request)
    kept_by_all = _passing(active, docs)
    counted = {name: _passing(active, docs, skip=name) if name in active else kept_by_all
               for name in (*table.columns, "date")}
    out = {name: column.count(counted[name], table.size) for name, column in table.columns.items()}
    year = request.single_year
    chosen = counted["date"]
    by_date = np.bincount(table.date_codes[chosen], minlength=len(table.date_values)) if len(chosen) else np.zeros(0, dtype=np.int64)
    dates: Counter = Counter()
    for code in np.flatnonzero(by_date).tolist():
        value = table.date_values[code]
        if not value:
            key = UNDATED
        elif not year:
            key = value[:4]
        elif value.startswith(year):
            key = value[:7]
        else:
            continue
        dates[key] += int(by_date[code])
    out["date"] = dates
    return out
