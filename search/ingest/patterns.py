"""Boilerplate and comment-section phrase lists, loaded once from search/data/boilerplate.toml."""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from importlib import resources


class LinePatterns:
    """A named group of line patterns; `matches(line)` is case-insensitive.

    `patterns` must match a whole line. `anywhere` lists conjunctions of patterns that are searched
    for inside the line ("newsletter" anywhere; "cookies" and "consent" both somewhere): the same as
    a whole-line `.*X.*` or `(?=.*X)(?=.*Y).*`, without trying every position of a long line.
    """

    def __init__(self, patterns: list[str], anywhere: list[list[str]] = ()):
        self._regex = re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE) if patterns else None
        single = [group[0] for group in anywhere if len(group) == 1]
        self._anywhere = re.compile("|".join(f"(?:{p})" for p in single), re.IGNORECASE) if single else None
        self._anywhere_all = [[re.compile(p, re.IGNORECASE) for p in group] for group in anywhere if len(group) > 1]
        # Sites repeat their menus, labels and footers on every page: each line is read once.
        self.matches = lru_cache(maxsize=1 << 15)(self._matches)

    def _matches(self, line: str) -> bool:
        if self._anywhere is not None and self._anywhere.search(line) is not None:
            return True
        if any(all(r.search(line) is not None for r in group) for group in self._anywhere_all):
            return True
        if self._regex is None:
            return False
        stripped = line.strip(" .:!|•·–—-")
        return self._regex.fullmatch(stripped) is not None or (stripped != line and self._regex.fullmatch(line) is not None)


@lru_cache(maxsize=1)
def load_patterns() -> dict[str, LinePatterns]:
    """Return the pattern groups of boilerplate.toml by name (chrome, end_of_body, ...)."""
    text = resources.files("search.data").joinpath("boilerplate.toml").read_text(encoding="utf-8")
    groups = tomllib.loads(text)
    return {name: LinePatterns(group.get("patterns", []), group.get("anywhere", [])) for name, group in groups.items()}


def is_chrome(line: str) -> bool:
    return load_patterns()["chrome"].matches(line)


def is_end_of_body(line: str) -> bool:
    return load_patterns()["end_of_body"].matches(line)


def is_comment_start(line: str) -> bool:
    return load_patterns()["comment_start"].matches(line)


def is_comment_chrome(line: str) -> bool:
    return load_patterns()["comment_chrome"].matches(line) or is_chrome(line)


def is_credit(line: str) -> bool:
    return load_patterns()["credit"].matches(line)


def is_widget(line: str) -> bool:
    return load_patterns()["widget"].matches(line)


def is_caption(line: str) -> bool:
    return load_patterns()["caption"].matches(line)


def is_comment_list(line: str) -> bool:
    return load_patterns()["comment_list"].matches(line)


def is_comment_meta(line: str) -> bool:
    return load_patterns()["comment_meta"].matches(line)
