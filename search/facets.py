"""Facet values per document, read once per index generation, and disjunctive facet counting.

Whoosh's own grouping re-reads the terms of every matching document on every query; reading the
three facet columns once into Python lists makes counting a loop over the matching docnums.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from itertools import chain
from dataclasses import dataclass
from pathlib import Path

from search.duplicates import cluster_roots, read_clusters
from search.ingest.fingerprint import unpack
from search.schema import FACET_ACTORS, FACET_AUTHOR, FACET_DATE, FACET_OUTLET, FINGERPRINT, VALUE_SEPARATOR

UNDATED = "undated"
UNKNOWN_OUTLET = "(unknown)"
UNKNOWN_AUTHOR = "(no byline)"


@dataclass(frozen=True)
class FacetTable:
    """Facet values by docnum: outlet, actors, ISO date ("" when undated), author."""

    outlets: list[str]
    actors: list[tuple[str, ...]]
    dates: list[str]
    authors: list[str]
    clusters: list[int]  # per docnum: the smallest docnum of its near-duplicate cluster

    def cluster_members(self, doc: int) -> list[int]:
        """Return every docnum in the near-duplicate cluster of `doc` (just `doc` when unique)."""
        members = self._members().get(self.clusters[doc])
        return members if members else [doc]

    def _members(self) -> dict[int, list[int]]:
        # Built on first use: a dict of the clusters that have more than one member.
        cached = self.__dict__.get("_member_map")
        if cached is None:
            groups: dict[int, list[int]] = {}
            for doc, root in enumerate(self.clusters):
                groups.setdefault(root, []).append(doc)
            cached = {root: docs for root, docs in groups.items() if len(docs) > 1}
            object.__setattr__(self, "_member_map", cached)
        return cached

    @classmethod
    def load(cls, reader, generation: Path | None = None) -> "FacetTable":
        def raw_column(name: str) -> list[bytes]:
            if not reader.has_column(name):
                return [b""] * reader.doc_count_all()
            return list(reader.column_reader(name))

        def column(name: str) -> list[str]:
            return [value.decode("utf-8") for value in raw_column(name)]

        actors = [tuple(v.split(VALUE_SEPARATOR)) if v else () for v in column(FACET_ACTORS)]
        outlets = [v or UNKNOWN_OUTLET for v in column(FACET_OUTLET)]
        authors = [v or UNKNOWN_AUTHOR for v in column(FACET_AUTHOR)]
        clusters = read_clusters(generation, reader.doc_count_all()) if generation else None
        if clusters is None:  # a generation built before clusters were stored with it
            clusters = cluster_roots(sketches_of(reader))
        return cls(outlets, actors, column(FACET_DATE), authors, clusters)


def sketches_of(reader) -> list[tuple[int, ...]]:
    """Return the body sketch of every document, by docnum; deleted documents have none, so an
    updated article does not count its own replaced version as a copy."""
    if not reader.has_column(FINGERPRINT):
        return [()] * reader.doc_count_all()
    sketches = [unpack(value) for value in reader.column_reader(FINGERPRINT)]
    if reader.has_deletions():
        sketches = [() if reader.is_deleted(doc) else sketch for doc, sketch in enumerate(sketches)]
    return sketches


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


def date_matches(date: str, date_from: str | None, date_to: str | None, undated: bool) -> bool:
    """Whether an article date (ISO, any precision, or "") passes the date filter."""
    if undated:
        return not date
    if date_from is None and date_to is None:
        return True
    if not date:
        return False
    start, end = date_bounds(date)
    if date_from is not None and end < date_bounds(date_from)[0]:
        return False
    if date_to is not None and start > date_bounds(date_to)[1]:
        return False
    return True


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

    def checks(self, table: FacetTable) -> dict[str, Callable[[int], bool]]:
        """Return a docnum test per facet that has a filter set (none when nothing is filtered)."""
        checks: dict[str, Callable[[int], bool]] = {}
        outlets, actors, authors, dates = table.outlets, table.actors, table.authors, table.dates
        if self.outlets or self.not_outlets:
            checks["outlet"] = lambda d: (not self.outlets or outlets[d] in self.outlets) and outlets[d] not in self.not_outlets
        if self.actors or self.not_actors:
            checks["actor"] = lambda d: ((not self.actors or not self.actors.isdisjoint(actors[d]))
                                         and (not self.not_actors or self.not_actors.isdisjoint(actors[d])))
        if self.authors:
            checks["author"] = lambda d: authors[d] in self.authors
        if self.date_from or self.date_to or self.undated:
            checks["date"] = lambda d: date_matches(dates[d], self.date_from, self.date_to, self.undated)
        return checks

    def keep(self, table: FacetTable, docs: list[int]) -> list[int]:
        """Return the docs that pass every filter."""
        return _passing(self.checks(table), docs)


def _passing(checks: dict[str, Callable[[int], bool]], docs: list[int], skip: str = "") -> list[int]:
    """Return the docs that pass every check except the one of the facet named by `skip`."""
    for name, check in checks.items():
        if name != skip:
            docs = [d for d in docs if check(d)]
    return docs


def count_facets(table: FacetTable, docs: list[int], filters: Filters, date_year: str | None) -> dict[str, Counter]:
    """Return value counts for outlet, actor, author and date over the matching `docs`.

    Counting is disjunctive: each facet's counts apply every filter but its own, so selecting one
    outlet still shows what the other outlets would add. Dates count by year, or by month of
    `date_year` when the date filter lies within that one year.
    """
    active = filters.checks(table)
    kept_by_all = _passing(active, docs)
    # A facet without a filter of its own counts what passes every filter.
    counted = {name: _passing(active, docs, skip=name) if name in active else kept_by_all
               for name in ("outlet", "actor", "author", "date")}
    dates = table.dates

    def date_key(doc: int) -> str | None:
        date = dates[doc]
        if not date:
            return UNDATED
        if not date_year:
            return date[:4]
        return date[:7] if date.startswith(date_year) else None

    date_counts = Counter(map(date_key, counted["date"]))
    date_counts.pop(None, None)
    return {
        "outlet": Counter(map(table.outlets.__getitem__, counted["outlet"])),
        "actor": Counter(chain.from_iterable(map(table.actors.__getitem__, counted["actor"]))),
        "author": Counter(map(table.authors.__getitem__, counted["author"])),
        "date": date_counts,
    }
