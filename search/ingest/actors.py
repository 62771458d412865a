"""Political actors (states, organisations, people, regions) found in text with a gazetteer.

Matching is on word tokens, case-sensitive (so "turkey" the bird and "chad" the name stay out),
longest surface form first, and a possessive after a match ("Russia's", "Turkey’s") is part of
the mention. Surface forms the gazetteer marks ambiguous ("Georgia", "Jordan", "Washington")
count only with support from context (see `_supported`), and never next to a cue for their
other sense (search/data/ambiguity.toml: "Atlanta" for Georgia, "roast" for Turkey).
"""

from __future__ import annotations

import hashlib
import os
import re
import tomllib
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from itertools import compress, count
from importlib import resources
from pathlib import Path

_TOKEN = re.compile(r"\w+|[^\w\s]")
CURLY_APOSTROPHES = ("’", "‘", "ʼ", "`")  # all read as "'"
# An ambiguous place name counts in a text that is plainly about international politics: one that
# names at least this many other states or organisations unambiguously (one is enough: a text
# that names Russia and "Turkey" is not about poultry).
MIN_SUPPORTING_ACTORS = 1


@dataclass(frozen=True)
class Actor:
    name: str
    type: str  # state, organisation, person or region
    state: str = ""  # for people: the state or organisation they belong to


@dataclass(frozen=True)
class _Surface:
    actor: Actor
    ambiguous: bool
    text: str = ""


def tokens_of(text: str) -> list[str]:
    for curly in CURLY_APOSTROPHES:
        if curly in text:  # str.translate reads every character in Python; most texts have none of these
            text = text.replace(curly, "'")
    return _TOKEN.findall(text)


class Gazetteer:
    """Surface forms → actors, with a longest-match tokenised lookup."""

    def __init__(self, entries: list[dict], cues: dict[str, list[str]] | None = None):
        self.actors: dict[str, Actor] = {}
        # Per ambiguous form, a pattern of cues that point to its other sense.
        self._against = {
            form: re.compile(r"(?<!\w)(?:" + "|".join(re.escape(c) for c in forms) + r")(?!\w)")
            for form, forms in (cues or {}).items() if forms
        }
        self._surfaces: dict[tuple[str, ...], _Surface] = {}
        self.surface_names: dict[str, Actor] = {}  # every name, alias, demonym and metonym
        for entry in entries:
            self._add(entry)
        self._index_first_tokens()

    def _index_first_tokens(self) -> None:
        # For each token that starts some surface form: the lengths of those forms, longest first.
        by_first: dict[str, set[int]] = {}
        for key in self._surfaces:
            by_first.setdefault(key[0], set()).add(len(key))
        self._lengths_by_first = {tok: sorted(ls, reverse=True) for tok, ls in by_first.items()}

    def add(self, entry: dict) -> None:
        """Add one gazetteer entry (same keys as in actors.toml)."""
        self._add(entry)
        self._index_first_tokens()

    def _add(self, entry: dict) -> None:
        actor = Actor(entry["name"], entry.get("type", "state"), entry.get("state", ""))
        self.actors[actor.name] = actor
        ambiguous = set(entry.get("ambiguous", ()))
        for surface in (actor.name, *entry.get("aliases", ()), *entry.get("demonyms", ()), *entry.get("metonyms", ())):
            key = tuple(tokens_of(surface))
            self.surface_names[surface] = actor
            if key:
                self._surfaces[key] = _Surface(actor, surface in ambiguous, surface)

    def resolve(self, text: str) -> Actor | None:
        """Return the actor a name or alias stands for (case-insensitive), or None."""
        key = tuple(tokens_of(text))
        if key in self._surfaces:
            return self._surfaces[key].actor
        folded = tuple(t.casefold() for t in key)
        for surface_key, surface in self._surfaces.items():
            if tuple(t.casefold() for t in surface_key) == folded:
                return surface.actor
        return None

    def count_mentions(self, text: str, tokens: list[str] | None = None) -> Counter:
        """Return how often each actor (by canonical name) is mentioned in `text`; `tokens`, when
        given, are tokens_of(text), made by the caller for other uses too."""
        toks = tokens_of(text) if tokens is None else tokens
        sure: Counter = Counter()
        unsure: list[tuple[Actor, int]] = []
        lengths_for = self._lengths_by_first
        # Most words start no name: only the positions of those that may are looked at, picked
        # out in C (a comprehension steps through every word in Python).
        starts = compress(count(), map(lengths_for.__contains__, toks))
        after = 0  # the first token after the last mention found (mentions do not overlap)
        for i in starts:
            if i < after:
                continue
            for length in lengths_for[toks[i]]:
                surface = self._surfaces.get(tuple(toks[i : i + length]))
                if surface is not None:
                    if surface.ambiguous:
                        unsure.append((surface, i))
                    else:
                        sure[surface.actor.name] += 1
                    after = i + length
                    break
        counts = Counter(sure)
        contradicted: dict[str, bool] = {}
        for surface, at in unsure:
            if surface.text not in contradicted:
                against = self._against.get(surface.text)
                contradicted[surface.text] = bool(against and against.search(text))
            if not contradicted[surface.text] and _supported(surface.actor, at, toks, sure, self.actors):
                counts[surface.actor.name] += 1
        return counts


def _supported(actor: Actor, at: int, toks: list[str], sure: Counter, actors: dict[str, Actor]) -> bool:
    """Whether an ambiguous mention at token `at` means `actor`.

    A capitalised word right before or after it makes it part of another name ("George
    Washington", "Michael Jordan", "Chad Smith"). Otherwise it counts when the actor is also named
    unambiguously, or when the text names enough other states and organisations to be about
    international politics.
    """
    def capitalised(j: int) -> bool:
        return 0 <= j < len(toks) and toks[j][:1].isupper() and toks[j].isalpha()

    sentence_start = at == 0 or toks[at - 1] in {".", "!", "?", "\"", "“", ":"}
    if (capitalised(at - 1) and not sentence_start) or capitalised(at + 1):
        return False
    if sure.get(actor.name):
        return True
    others = {name for name in sure if name != actor.name and actors[name].type in ("state", "organisation")}
    return len(others) >= MIN_SUPPORTING_ACTORS


_BUILT_IN_ENTRIES, _BUILT_IN_CUES = "actors.toml", "ambiguity.toml"  # in search/data


def load_cues() -> dict[str, list[str]]:
    text = resources.files("search.data").joinpath(_BUILT_IN_CUES).read_text(encoding="utf-8")
    return tomllib.loads(text).get("cues", {})


def load_entries(path: Path | None = None) -> list[dict]:
    if path is None:
        text = resources.files("search.data").joinpath(_BUILT_IN_ENTRIES).read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    return tomllib.loads(text).get("actor", [])


def gazetteer_digest(extra: Path | None = None) -> str:
    """Return a digest of every file load_gazetteer(extra) reads; "" when one cannot be read."""
    h = hashlib.blake2b(digest_size=16)
    try:
        for name in (_BUILT_IN_ENTRIES, _BUILT_IN_CUES):
            h.update(resources.files("search.data").joinpath(name).read_bytes())
        if extra is not None:
            h.update(Path(extra).read_bytes())
    except OSError:
        return ""
    return h.hexdigest()


def load_gazetteer(extra: Path | None = None) -> Gazetteer:
    """Return the built-in gazetteer, with a user's extra file (same format) merged over it."""
    if extra is None:
        return _load_gazetteer(None, None)
    try:
        stat = os.stat(extra)
        version = (stat.st_size, stat.st_mtime_ns)
    except OSError:
        version = None  # reading it reports why it cannot be read
    return _load_gazetteer(Path(extra), version)


@lru_cache(maxsize=4)
def _load_gazetteer(extra: Path | None, version) -> Gazetteer:
    """load_gazetteer, cached per version of the extra file: an edited file is read again."""
    entries = load_entries()
    if extra is not None:
        by_name = {e["name"]: e for e in entries}
        for entry in load_entries(extra):
            by_name[entry["name"]] = entry
        entries = list(by_name.values())
    return Gazetteer(entries, load_cues())
