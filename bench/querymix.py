"""A deterministic mix of searches for bench/scale.py, each written for both Mosaic and FTS5.

Seven kinds, interleaved so that any prefix of the mix is balanced: a common word, a rare word,
two words (AND), a two-word phrase, a field query (author:, title:, or actor: with a word), a
common word with one filter (outlet, actor or date range) and a common word with two filters.
Words come from the source texts, names and filter values from the corpus manifest; the same seed
gives the same mix.

A spec is a plain dict: `q`, `outlets`, `actors`, `date_from` and `date_to` are Mosaic's request;
`fts` holds the same search for FTS5: the MATCH expression and the filters (dates as ISO days).
"""

from __future__ import annotations

import calendar
import json
import random
import re
from collections import Counter
from pathlib import Path

KINDS = ("common", "rare", "and", "phrase", "field", "filter", "filters")
# Whoosh's default stop words (Mosaic drops them at index time, so queries avoid them).
STOP_WORDS = frozenset("a an and are as at be by can for from have if in is it may not of on or tbd that the this to "
                       "us we when will with yet you your".split())
COMMON_RANK = 300  # common words: among the most widespread ones
MIDDLE_RANKS = (100, 2000)  # words for AND queries and actor: queries
RARE_MIN_CHARS = 7


def word_statistics(texts: list[str]) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    """Return lowercase words by document frequency (most first), words found in one text only,
    and frequent two-word phrases, each list sorted so that sampling it is deterministic."""
    words: Counter = Counter()
    pairs: Counter = Counter()
    for text in texts:
        tokens = re.findall(r"[A-Za-z]+", text)
        words.update({t for t in tokens if t.islower() and len(t) >= 5})
        pairs.update({(a, b) for a, b in zip(tokens, tokens[1:])
                      if a.islower() and b.islower() and len(a) >= 4 and len(b) >= 4 and not {a, b} & STOP_WORDS})
    ranked = [w for w, _ in sorted(words.items(), key=lambda kv: (-kv[1], kv[0]))]
    rare = sorted(w for w, n in words.items() if n == 1 and len(w) >= RARE_MIN_CHARS)
    phrases = [p for p, _ in sorted(pairs.items(), key=lambda kv: (-kv[1], kv[0]))[:400]]
    return ranked, rare, phrases


def day_range(date_from: str, date_to: str) -> tuple[str, str]:
    """Return the first and last ISO day that YYYY or YYYY-MM bounds cover."""
    lo = date_from + ("-01-01" if len(date_from) == 4 else "-01")
    year, month = (int(date_to), 12) if len(date_to) == 4 else map(int, date_to.split("-"))
    return lo, f"{year:04d}-{month:02d}-{calendar.monthrange(year, month)[1]:02d}"


def spec(kind: str, q: str, match: str, outlet: str | None = None, actor: str | None = None,
         dates: tuple[str, str] | None = None, actor_in_query: bool = False) -> dict:
    """Return one search for both engines; an actor is Mosaic's filter unless the query names it."""
    lo, hi = day_range(*dates) if dates else (None, None)
    return {
        "kind": kind, "q": q, "outlets": [outlet] if outlet else [], "actors": [actor] if actor and not actor_in_query else [],
        "date_from": dates[0] if dates else None, "date_to": dates[1] if dates else None,
        "fts": {"match": match, "outlet": outlet, "actor": actor, "date_lo": lo, "date_hi": hi},
    }


class MixMaker:
    """Draws the searches of each kind from word statistics and the corpus manifest."""

    def __init__(self, texts: list[str], manifest: list[dict], seed: int):
        self.rng = random.Random(seed)
        self.ranked, self.rare, self.phrases = word_statistics(texts)
        self.manifest = manifest
        authors = sorted({e["author"] for e in manifest if e["author"]})
        self.last_names = sorted({a.split()[-1] for a in authors})
        self.title_words = sorted({w.lower() for e in manifest for w in re.findall(r"[A-Za-z]{5,}", e["title"])} - STOP_WORDS)

    def middle_word(self) -> str:
        return self.rng.choice(self.ranked[MIDDLE_RANKS[0] : MIDDLE_RANKS[1]])

    def actor(self) -> str:
        # Drawn from the articles' own actor lists, so prominent actors come up as often as they are written about.
        entry = self.rng.choice([e for e in self.manifest if e["actors"]])
        return self.rng.choice(entry["actors"])

    def outlet(self) -> str:
        # Facet values: JSONL records name their outlet; page dumps from unknown domains go by the domain.
        entry = self.rng.choice(self.manifest)
        return entry["outlet"] if entry["kind"] == "jsonl" else entry["domain"]

    def dates(self) -> tuple[str, str]:
        year = self.rng.randint(2015, 2025)
        if self.rng.random() < 0.3:  # months within one year: Mosaic then facets dates by month
            first = self.rng.randint(1, 10)
            return f"{year}-{first:02d}", f"{year}-{first + self.rng.randint(0, 2):02d}"
        return str(year), str(min(2025, year + self.rng.randint(0, 3)))

    def make(self, kind: str) -> dict:
        rng = self.rng
        if kind == "common":
            word = rng.choice(self.ranked[:COMMON_RANK])
            return spec(kind, word, word)
        if kind == "rare":
            word = rng.choice(self.rare)
            return spec(kind, word, word)
        if kind == "and":
            a, b = self.middle_word(), self.middle_word()
            return spec(kind, f"{a} {b}", f"{a} {b}")
        if kind == "phrase":
            a, b = rng.choice(self.phrases)
            return spec(kind, f'"{a} {b}"', f'"{a} {b}"')
        if kind == "field":
            field = rng.choice(("author", "title", "actor"))
            if field == "author":
                name = rng.choice(self.last_names).lower()
                return spec(kind, f"author:{name}", f"author : {name}")
            if field == "title":
                word = rng.choice(self.title_words)
                return spec(kind, f"title:{word}", f"title : {word}")
            actor, word = self.actor(), self.middle_word()
            return spec(kind, f'actor:"{actor}" {word}', word, actor=actor, actor_in_query=True)
        word = rng.choice(self.ranked[:COMMON_RANK])  # a broad search, narrowed by the filters
        draw = {"actor": self.actor, "dates": self.dates, "outlet": self.outlet}
        filters = {name: draw[name]() for name in rng.sample(sorted(draw), 1 if kind == "filter" else 2)}
        return spec(kind, word, word, **filters)


def make_mix(texts: list[str], manifest: list[dict], count: int, seed: int = 1) -> list[dict]:
    """Return `count` search specs, the kinds taken in turn."""
    maker = MixMaker(texts, manifest, seed)
    return [maker.make(KINDS[i % len(KINDS)]) for i in range(count)]


def load_manifest(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]
