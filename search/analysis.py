"""Text analyzers for the index. Parts are module-level objects because Whoosh pickles the schema."""

from __future__ import annotations

from nltk.stem.snowball import SnowballStemmer
from whoosh.analysis import (
    CharsetFilter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
    SubstitutionFilter,
)
from whoosh.analysis import Filter
from whoosh.support.charset import accent_map

_ENGLISH = SnowballStemmer("english")
# Words with apostrophes stay whole ("Russia's" → "russia's" → stem "russia").
WORD_PATTERN = r"\w+(?:['’]\w+)*"


class StripFilter(Filter):
    """Strip surrounding whitespace from each token (values arrive one per line)."""

    def __call__(self, tokens):
        for t in tokens:
            t.text = t.text.strip()
            if t.text:
                yield t


def stem_english(word: str) -> str:
    """Return the Snowball (Porter2) stem of a lowercase word; needs no NLTK data download."""
    return _ENGLISH.stem(word)


def text_analyzer():
    """Body, title and comments: words, lowercase, accents folded (Erdoğan = Erdogan), stop words
    removed, Snowball-stemmed so "sanction", "sanctions" and "sanctioned" meet."""
    return (
        RegexTokenizer(WORD_PATTERN)
        | LowercaseFilter()
        | CharsetFilter(accent_map)
        | StopFilter()
        | StemFilter(stemfn=stem_english, cachesize=100_000)
    )


def name_analyzer():
    """Authors and outlets: words, lowercase, accents folded, no stemming (names are not words)."""
    return RegexTokenizer(WORD_PATTERN) | LowercaseFilter() | CharsetFilter(accent_map)


def keyword_analyzer():
    """Actor and tag values, one per line: each whole value is one term, lowercase, accents
    folded, spaces as "_" (so `actor:"United States"` finds the term united_states)."""
    return (
        RegexTokenizer(r"[^\n]+")
        | StripFilter()
        | LowercaseFilter()
        | CharsetFilter(accent_map)
        | SubstitutionFilter(r"\s+", "_")
    )


def keyword_term(value: str) -> str:
    """Return the indexed term for an actor or tag value, as `keyword_analyzer` makes it."""
    return next((t.text for t in _KEYWORD(value.strip())), "")


_KEYWORD = keyword_analyzer()
