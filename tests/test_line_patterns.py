"""The boilerplate phrase lists (search/data/boilerplate.toml) answer the same, fast: a line is
tried only against the patterns its length can match, a group with cues skips lines without one,
and answers are remembered; none of that may change a single answer."""

from __future__ import annotations

import re
import tomllib
from importlib import resources

import pytest

from search.ingest import patterns
from search.ingest.dump import split_lines
from search.ingest.normalise import decode_bytes, normalise_text
from tests.conftest import FIXTURES, need_shared

GROUPS = tomllib.loads(resources.files("search.data").joinpath("boilerplate.toml").read_text(encoding="utf-8"))
EDGE_LINES = [
    "", "Share", "Share this:", "| Subscribe |", "— Related —", "Loading...", "Image 1 of 23", "© Reuters",
    "© 2019 The Meridian Review. All rights reserved.", "Sign up for our daily newsletter and get the news in your inbox",
    "Comments (3)", "3 Comments", "Leave a Reply", "Related: The 15 Weirdest Galaxies in Our Universe",
    "x" * 19, "x" * 20, "x" * 21, "Tags: " + "a, " * 80, "The views expressed in this article are the author's own. " * 5,
]


def _reference(group: str, line: str) -> bool:
    """The plain reading of a group: its whole alternation, on the line with and without the
    punctuation around it, no bands, cues or memory."""
    regex = re.compile("|".join(f"(?:{p})" for p in GROUPS[group]["patterns"]), re.IGNORECASE)
    stripped = line.strip(" .:!|•·–—-")
    return regex.fullmatch(stripped) is not None or regex.fullmatch(line) is not None


def _lines(paths) -> list[str]:
    found = []
    for path in paths:
        found += [line.text for line in split_lines(normalise_text(decode_bytes(path.read_bytes())))]
    return list(dict.fromkeys(found))


def _assert_same_answers(lines: list[str]) -> None:
    loaded = patterns.load_patterns()
    for group in GROUPS:
        regex = re.compile("|".join(f"(?:{p})" for p in GROUPS[group]["patterns"]), re.IGNORECASE)
        for line in lines:
            stripped = line.strip(" .:!|•·–—-")
            expected = regex.fullmatch(stripped) is not None or regex.fullmatch(line) is not None
            assert loaded[group].matches(line) == expected, (group, line)
    for line in lines:
        expected = (_reference("chrome", line), _reference("widget", line), _reference("credit", line),
                    _reference("caption", line), _reference("end_of_body", line), _reference("comment_start", line))
        assert patterns.line_classes(line, short=True) == expected, line


def test_every_cued_pattern_names_a_cue():
    """A pattern added to a group with cues but needing none of them would never be tried."""
    for name, group in GROUPS.items():
        cues = [c.lower() for c in group.get("cues", ())]
        for pattern in group["patterns"] if cues else ():
            assert any(cue in pattern.lower() or re.escape(cue) in pattern.lower() for cue in cues), (name, pattern)


def test_fast_answers_equal_the_plain_patterns_on_hand_written_pages():
    _assert_same_answers(EDGE_LINES + _lines(sorted(FIXTURES.rglob("*.txt"))))


def test_fast_answers_equal_the_plain_patterns_on_real_pages():
    folder = need_shared("data/extraction-dev")
    _assert_same_answers(_lines(sorted(p for p in folder.glob("*.txt") if not p.name.endswith(".gold.txt"))))


@pytest.mark.parametrize("line", EDGE_LINES)
def test_an_answer_is_the_same_when_asked_again(line):
    for group in ("chrome", "widget", "credit"):
        first = patterns.load_patterns()[group].matches(line)
        assert patterns.load_patterns()[group].matches(line) == first == _reference(group, line)
