"""Files kept beside a Whoosh segment (recorded postings, the positional store), loaded once per
process and segment, for the newest generation only: a loaded file holds its file open, and an
open file of a generation that a rebuild deleted would keep its disk space in use."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable, Generic, TypeVar

Loaded = TypeVar("Loaded")


class SegmentCache(Generic[Loaded]):
    def __init__(self, load: Callable[[str], Loaded], unreadable: tuple[type[BaseException], ...]):
        self._load = load  # called with "<generation directory>/<segment id>"
        self._unreadable = unreadable  # what `load` raises for a segment without (readable) files
        self._directory: str | None = None
        self._segments: dict[str, Loaded | None] = {}
        self._lock = threading.Lock()

    def get(self, directory, segment_id: str) -> Loaded | None:
        """Return what `load` makes of a segment's files, or None when it has none."""
        key = str(directory)
        with self._lock:
            if key != self._directory:
                self._directory, self._segments = key, {}
            if segment_id not in self._segments:
                try:
                    self._segments[segment_id] = self._load(str(Path(directory) / segment_id))
                except self._unreadable:
                    self._segments[segment_id] = None
            return self._segments[segment_id]
