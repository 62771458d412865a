"""Text analyzers for the index. Parts are module-level objects because Whoosh pickles the schema."""

from __future__ import annotations

import re

from whoosh.analysis import (
    STOP_WORDS,
    CharsetFilter,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    SubstitutionFilter,
    Token,
    Tokenizer,
)
from whoosh.lang.snowball.english import EnglishStemmer
from whoosh.support.charset import accent_map

# Whoosh's port of NLTK's Snowball English stemmer: the same stems as nltk.stem.snowball for
# every token WORD_PATTERN makes (checked on the 38,513 distinct words of ../shared/data and
# 400k random ones; they differ only on a trailing apostrophe, which no token has), without
# importing nltk, whose package import compiles some 250 regular expressions: 0.4 s of every
# `mosaic` command's start-up.
_ENGLISH = EnglishStemmer()
# Words with apostrophes stay whole ("Russia's" → "russia's" → stem "russia").
WORD_PATTERN = r"\w+(?:['’]\w+)*"
_WORD = re.compile(WORD_PATTERN)


class StripFilter(Filter):
    """Strip surrounding whitespace from each token (values arrive one per line)."""

    def __call__(self, tokens):
        for t in tokens:
            t.text = t.text.strip()
            if t.text:
                yield t


def stem_english(word: str) -> str:
    """Return the Snowball (Porter2) stem of a lowercase word; needs no data download."""
    return _ENGLISH.stem(word)


# word → term, shared by every instance: Whoosh unpickles a fresh schema (and analyzer) each
# time an index's schema is read, and a cold cache made highlighting re-stem every word.
_TERMS: dict[str, str] = {}


class StemmingTokenizer(Tokenizer):
    """Words → lowercase, accent-folded, stop-worded, Snowball-stemmed terms in one pass.

    The same result as RegexTokenizer | LowercaseFilter | CharsetFilter | StopFilter | StemFilter,
    with each distinct word's term cached in a dict: five generator layers per token cost more
    than the analysis itself (profiled: 2.5× faster indexing of the seed texts).
    """

    def __init__(self, max_cache: int = 500_000):
        self.max_cache = max_cache

    def __getstate__(self):
        return {"max_cache": self.max_cache}  # the cache is not part of the pickled schema

    def __setstate__(self, state):
        self.max_cache = state["max_cache"]

    def __eq__(self, other):
        return type(other) is type(self)

    def term(self, word: str) -> str:
        """Return the indexed term of a word ("" for a stop word), through the shared cache."""
        term = _TERMS.get(word)
        if term is None:
            term = _term_for(word)
            if len(_TERMS) < self.max_cache:
                _TERMS[word] = term
        return term

    def terms_of(self, text: str) -> tuple[list[str], list[str]]:
        """Return the words of `text` and the term of each ("" for a stop word), looked up in
        C (map over the shared cache) for the words seen before: highlighting ten hits runs
        this over several thousand words per search."""
        words = _WORD.findall(text)
        terms = list(map(_TERMS.get, words))
        if None in terms:
            terms = [self.term(w) if t is None else t for t, w in zip(terms, words)]
        return words, terms

    @staticmethod
    def iter_words(text: str):
        """Return an iterator of the regex matches of the words `terms_of` looks at."""
        return _WORD.finditer(text)

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        pos = start_pos
        matches = _WORD.finditer(value) if tokenize else [re.match(r"(?s).*", value)]
        for match in matches:
            word = match.group(0)
            term = self.term(word)
            t.boost = 1.0
            if keeporiginal:
                t.original = word
            if chars:
                t.startchar = start_char + match.start()
                t.endchar = start_char + match.end()
            if term:
                t.text, t.stopped = term, False
                if positions:
                    t.pos = pos
                pos += 1
                yield t
            elif not removestops:
                t.text, t.stopped = fold_word(word), True
                if positions:
                    t.pos = pos
                yield t


def fold_word(word: str) -> str:
    return word.lower().translate(accent_map)


def _term_for(word: str) -> str:
    """Return the indexed term of a word, or "" for a stop word."""
    folded = fold_word(word)
    if len(folded) < 2 or folded in STOP_WORDS:
        return ""
    return stem_english(folded)


def text_analyzer():
    """Body, title and comments: words, lowercase, accents folded (Erdoğan = Erdogan), stop words
    removed, Snowball-stemmed so "sanction", "sanctions" and "sanctioned" meet."""
    return StemmingTokenizer()


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
