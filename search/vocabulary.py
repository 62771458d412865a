"""The index's own vocabulary: surface words with document frequencies, for "did you mean" and
readable key terms (the index itself holds only stems).

Written beside each index generation as vocabulary.tsv ("word<TAB>df", lowercase).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from functools import cached_property, lru_cache
from pathlib import Path

from whoosh.analysis import STOP_WORDS

VOCABULARY_FILE = "vocabulary.tsv"
_WORD = re.compile(r"[^\W\d_]{3,}")
# Words in fewer documents than this are not suggested: mostly typos and names seen once.
MIN_DOC_FREQUENCY = 2
_EXTRA_STOP = {"said", "also", "would", "could", "which", "there", "their", "about", "after", "been",
               "were", "more", "than", "they", "this", "that", "with", "from", "have", "will", "into",
               "what", "when", "while", "where", "other", "such", "only", "even", "most", "some", "very",
               "its", "has", "had", "was", "who", "not", "but", "all", "any", "can", "one", "two", "our",
               "out", "his", "her", "him", "she", "you", "your", "how", "why", "now", "new", "last", "just"}


@lru_cache(maxsize=500_000)
def fold(word: str) -> str:
    """Lowercase without accents: the form words are compared in (Erdoğan = erdogan)."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words_of(text: str) -> set[str]:
    return {fold(w) for w in _WORD.findall(text)}


def write_vocabulary(directory: Path, doc_frequencies: Counter, doc_count: int) -> None:
    lines = [f"#docs\t{doc_count}"]
    lines += [f"{w}\t{n}" for w, n in sorted(doc_frequencies.items()) if n > 0]
    (Path(directory) / VOCABULARY_FILE).write_text("\n".join(lines) + "\n", encoding="utf-8")


def edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein distance of a and b, or limit + 1 once it exceeds limit."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2, previous = None, list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = ca != cb
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if previous2 is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


class Vocabulary:
    def __init__(self, doc_frequencies: dict[str, int], doc_count: int):
        self.df = doc_frequencies
        self.doc_count = max(doc_count, 1)

    @cached_property
    def _buckets(self) -> dict[tuple[str, int], list[str]]:
        # Built on the first suggestion (most searches never need one). Each word is indexed
        # under its first and its last letter, so a typo in either end is still found.
        buckets: dict[tuple[str, int], list[str]] = defaultdict(list)
        for word in self.df:
            buckets[(word[0], len(word))].append(word)
            buckets[("$" + word[-1], len(word))].append(word)
        return buckets

    @staticmethod
    def load_counts(directory: Path) -> Counter:
        """Return every word's document frequency as written (for updating the file)."""
        counts: Counter = Counter()
        path = Path(directory) / VOCABULARY_FILE
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                word, _, count = line.partition("\t")
                if count and word != "#docs":
                    counts[word] = int(count)
        return counts

    @classmethod
    def load(cls, directory: Path) -> "Vocabulary":
        """Return the vocabulary of a generation; rare words (typos, mostly) are left out."""
        docs = 0
        path = Path(directory) / VOCABULARY_FILE
        if path.is_file():
            with open(path, encoding="utf-8") as f:
                first = f.readline()
                if first.startswith("#docs\t"):
                    docs = int(first.split("\t")[1])
        counts = cls.load_counts(directory)
        return cls({w: n for w, n in counts.items() if n >= MIN_DOC_FREQUENCY}, docs)

    def suggest(self, word: str) -> str | None:
        """Return the most frequent known word within a small edit distance of `word`, or None."""
        folded = fold(word)
        if len(folded) < 3 or folded in self.df:
            return None
        limit = 1 if len(folded) <= 5 else 2
        best: tuple[int, int, str] | None = None
        seen: set[str] = set()
        for length in range(len(folded) - limit, len(folded) + limit + 1):
            for key in ((folded[0], length), ("$" + folded[-1], length)):
                for candidate in self._buckets.get(key, ()):
                    if candidate in seen:
                        continue
                    seen.add(candidate)
                    distance = edit_distance(folded, candidate, limit)
                    if distance <= limit:
                        rank = (distance, -self.df[candidate], candidate)
                        if best is None or rank < best:
                            best = rank
        return best[2] if best else None

    def idf(self, word: str) -> float:
        return math.log(self.doc_count / (1 + self.df.get(word, 0))) + 1

    def key_terms(self, texts: list[str], exclude: set[str], count: int = 10) -> list[tuple[str, float]]:
        """Return the words most characteristic of `texts` against the whole index (tf × idf)."""
        tf: Counter = Counter()
        for text in texts:
            tf.update(map(fold, _WORD.findall(text)))  # counted in C; stop words dropped once below
        scored = [
            (w, n * self.idf(w)) for w, n in tf.items()
            if n >= 2 and w not in STOP_WORDS and w not in _EXTRA_STOP and w not in exclude
            and self.df.get(w, 0) >= MIN_DOC_FREQUENCY
        ]
        scored.sort(key=lambda x: (-x[1], x[0]))
        return [(w, round(s, 2)) for w, s in scored[:count]]


_QUERY_WORD = re.compile(r'(?<![\w:*?])([^\W\d_]{3,})(?![\w:*?])')


def suggest_query(q: str, vocabulary) -> str | None:
    """Return `q` with misspelt plain words replaced by known ones, or None when nothing changes."""
    from search.parsing import OPERATORS  # the query syntax's words are never "corrected"

    changed = False

    def fix(match):
        nonlocal changed
        word = match.group(1)
        if word in OPERATORS:
            return word
        suggestion = vocabulary.suggest(word)
        if suggestion is None:
            return word
        changed = True
        return suggestion.capitalize() if word[:1].isupper() else suggestion

    corrected = _QUERY_WORD.sub(fix, q)
    return corrected if changed else None
