"""Boilerplate and comment-section phrase lists, loaded once from search/data/boilerplate.toml."""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from importlib import resources


class LinePatterns:
    """A named group of whole-line patterns; `matches(line)` is case-insensitive."""

    def __init__(self, patterns: list[str]):
        self._regex = re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)

    def matches(self, line: str) -> bool:
        stripped = line.strip(" .:!|•·–—-")
        return self._regex.fullmatch(stripped) is not None or (stripped != line and self._regex.fullmatch(line) is not None)


@lru_cache(maxsize=1)
def load_patterns() -> dict[str, LinePatterns]:
    """Return the pattern groups of boilerplate.toml by name (chrome, end_of_body, ...)."""
    text = resources.files("search.data").joinpath("boilerplate.toml").read_text(encoding="utf-8")
    return {name: LinePatterns(group["patterns"]) for name, group in tomllib.loads(text).items()}


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
