"""Text analyzers for the index. Parts are module-level objects because Whoosh pickles the schema."""

from __future__ import annotations

import re

import numpy as np
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
# Words with apostrophes stay whole ("Russia's" → "russia's" → stem "russia"); capital letters
# with full stops ("U.S.", "U.N.") are one word, the acronym ("us", "un").
# Possessive quantifiers (Python 3.11): the alternation costs a third more time without them, and
# splitting text into words is most of highlighting's time.
WORD_PATTERN = r"(?:[A-Z]\.){2,}+|\w++(?:['’]\w++)*+"
_WORD = re.compile(WORD_PATTERN)
# Names (authors, outlets) are split into words without the acronym rule: "J.R.R." is three.
NAME_WORD_PATTERN = r"\w+(?:['’]\w+)*"
# Stop words are indexed, under STOP_MARK ("the" → "~the"), with their positions, so a phrase
# keeps them; a query's bag of words never asks for them (search.parsing), and they stay out of the
# positions-free arrays (search.store.whoosh.hooks.postings) and of scoring. A stop word written in capitals ("US",
# "IT", "U.S.") is an acronym, indexed as a word under ACRONYM_MARK ("#us"). VERSION names what
# the terms mean: an index made by another version is rebuilt rather than read (the Whoosh engine
# keys that on its index format, search.store.whoosh.generation; the OpenSearch engine on VERSION).
VERSION = 2
# No word the tokenizer makes starts with these, so a marked term never meets a word, a prefix or
# a wildcard (and each is one regex replacement in another engine's analysis chain).
STOP_MARK = "~"
ACRONYM_MARK = "#"


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


def shown_term(term: str) -> str:
    """Return a term as a reader would write it: without a stop word's mark, an acronym in capitals."""
    if term.startswith(STOP_MARK):
        return term[len(STOP_MARK):]
    return term[len(ACRONYM_MARK):].upper() if term.startswith(ACRONYM_MARK) else term


def fold_word(word: str) -> str:
    """Return a word lowercase, accents folded and full stops dropped ("U.S." → "us")."""
    return word.lower().translate(accent_map).replace(".", "")


def is_stop_word(word: str) -> bool:
    """Whether a word is left out of bag-of-words matching: a stop word ("the", "us") or a
    single character, unless written in capitals as an acronym ("US", "IT", "U.S.")."""
    folded = fold_word(word)
    if len(folded) >= 2 and folded not in STOP_WORDS:
        return False
    return not (len(folded) >= 2 and word.replace(".", "").isupper())


# word → term, shared by every instance: Whoosh unpickles a fresh schema (and analyzer) each time
# an index's schema is read, and a cold cache made highlighting re-stem every word.
_TERMS: dict[str, str] = {}
# For postings_arrays: each word's term as a number of this process (_TERM_NUMBERS), and back.
_WORD_NUMBERS: dict[str, int] = {}
_TERM_NUMBERS: dict[str, int] = {}
_NUMBERED_TERMS: list[str] = []


class StemmingTokenizer(Tokenizer):
    """Words → lowercase, accent-folded, Snowball-stemmed terms in one pass; stop words marked.

    The same result as RegexTokenizer | LowercaseFilter | CharsetFilter | StemFilter (with stop
    words marked rather than removed), with each distinct word's term cached in a dict: five
    generator layers per token cost more than the analysis itself (profiled: 2.5× faster indexing
    of the seed texts).

    Stop words are indexed as STOP_MARK + the folded word, at their positions, and their tokens
    carry `stop_word=True`. They are made only when asked for (`stop_words=True`, as the index
    and the query parser ask, see search.schema.analyse_ahead): Whoosh's own code (key terms for
    "more like this", for one) never sees them.
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
        """Return the indexed term of a word, through the shared cache."""
        term = _TERMS.get(word)
        if term is None:
            term = _term_for(word)
            if len(_TERMS) < self.max_cache:
                _TERMS[word] = term
        return term

    def terms_of(self, text: str) -> tuple[list[str], list[str]]:
        """Return the words of `text` and the term of each, looked up in C (map over the shared
        cache) for the words seen before: highlighting ten hits runs this over several thousand
        words per search."""
        words = _WORD.findall(text)
        terms = list(map(_TERMS.get, words))
        if None in terms:
            terms = [self.term(w) if t is None else t for t, w in zip(terms, words)]
        return words, terms

    def positions_by_term(self, text: str) -> dict[str, list[int]]:
        """Return each term of `text` (stop words marked) with the positions of its words."""
        table: dict[str, list[int]] = {}
        for position, term in enumerate(self.terms_of(text)[1]):
            found = table.get(term)
            if found is None:
                table[term] = [position]
            else:
                found.append(position)
        return table

    def postings_arrays(self, text: str) -> tuple[list[str], np.ndarray, np.ndarray, list[str]]:
        """The table of positions_by_term as arrays: (distinct terms, each one's frequency,
        the positions of all of them, term after term, each term's ascending; and the words).

        Words become numbers through a cache looked up in C, and one stable argsort groups the
        positions by term: the Python loop over every word of positions_by_term was a third of
        an article's analysis. Terms come in the order of their numbers, not of first use."""
        words = _WORD.findall(text)
        numbers = list(map(_WORD_NUMBERS.get, words))
        if None in numbers:
            numbers = [self._word_number(w) if n is None else n for n, w in zip(numbers, words)]
        if not numbers:
            return [], np.zeros(0, dtype=np.uint32), np.zeros(0, dtype=np.uint32), words
        ids = np.array(numbers, dtype=np.int64)
        order = np.argsort(ids, kind="stable")
        grouped = ids[order]
        starts = np.flatnonzero(np.concatenate(([True], grouped[1:] != grouped[:-1])))
        counts = np.diff(np.append(starts, len(grouped)))
        terms = list(map(_NUMBERED_TERMS.__getitem__, grouped[starts].tolist()))
        return terms, counts.astype(np.uint32), order.astype(np.uint32), words

    def _word_number(self, word: str) -> int:
        term = self.term(word)
        number = _TERM_NUMBERS.get(term)
        if number is None:
            number = _TERM_NUMBERS[term] = len(_NUMBERED_TERMS)
            _NUMBERED_TERMS.append(term)
        if len(_WORD_NUMBERS) < self.max_cache:
            _WORD_NUMBERS[word] = number
        return number

    @staticmethod
    def iter_words(text: str):
        """Return an iterator of the regex matches of the words `terms_of` looks at."""
        return _WORD.finditer(text)

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        marked = kwargs.get("stop_words", False)
        matches = _WORD.finditer(value) if tokenize else [re.match(r"(?s).*", value)]
        for pos, match in enumerate(matches, start_pos):
            word = match.group(0)
            stop = is_stop_word(word)
            if stop and not marked:
                if removestops:
                    continue
                # Whoosh's own callers (a wildcard's text, "the*") get the word itself, unmarked.
                t.text, t.stopped = fold_word(word), True
            else:
                t.text, t.stopped = self.term(word), False
            t.stop_word, t.boost = stop, 1.0
            if keeporiginal:
                t.original = word
            if chars:
                t.startchar = start_char + match.start()
                t.endchar = start_char + match.end()
            if positions:
                t.pos = pos
            yield t


def _term_for(word: str) -> str:
    folded = fold_word(word)
    if is_stop_word(word):
        return STOP_MARK + folded
    # A stop word in capitals is an acronym, marked: "it" is also the stem of "its".
    return ACRONYM_MARK + folded if folded in STOP_WORDS else stem_english(folded)


def text_analyzer():
    """Title, body and comments: words, lowercase, accents folded (Erdoğan = Erdogan),
    Snowball-stemmed so "sanction", "sanctions" and "sanctioned" meet; stop words marked."""
    return StemmingTokenizer()


def name_analyzer():
    """Authors and outlets: words, lowercase, accents folded, no stemming (names are not words)."""
    return RegexTokenizer(NAME_WORD_PATTERN) | LowercaseFilter() | CharsetFilter(accent_map)


def keyword_analyzer():
    """Actor and tag values, one per line: each whole value is one term, lowercase, accents
    folded, spaces as "_" (so `actor:"United States"` finds the term united_states)."""
    return KeywordTokenizer()


def keyword_chain():
    """What KeywordTokenizer does, as a chain of Whoosh's own tokenizer and filters (tests compare the two)."""
    return (
        RegexTokenizer(_KEYWORD_LINE)
        | StripFilter()
        | LowercaseFilter()
        | CharsetFilter(accent_map)
        | SubstitutionFilter(_KEYWORD_SPACES, "_")
    )


_KEYWORD_LINE, _KEYWORD_SPACES = r"[^\n]+", r"\s+"
_KEYWORD_LINE_RE, _KEYWORD_SPACES_RE = re.compile(_KEYWORD_LINE), re.compile(_KEYWORD_SPACES)
_KEYWORD_TERMS: dict[str, str | bool] = {}  # a value's line → its term, shared by every instance
_KEYWORD_TERMS_MAX = 100_000


class KeywordTokenizer(Tokenizer):
    """The tokens of keyword_chain() in one generator, each distinct line's term made once per
    process: a crawl's actors and tags repeat from article to article, and the index writer put
    every value through five generator layers (actors, comment actors and tags of an article:
    54 µs through the chain, 30 µs through this, on bench/scale.py's corpus)."""

    def __eq__(self, other):
        return type(other) is type(self)

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        matches = _KEYWORD_LINE_RE.finditer(value) if tokenize else [re.match(r"(?s).*", value)]
        for pos, match in enumerate(matches, start_pos):
            line = match.group(0)
            term = _KEYWORD_TERMS.get(line)
            if term is None:
                stripped = line.strip()
                # False: a blank line, which StripFilter drops (a line may also fold to "")
                term = _KEYWORD_SPACES_RE.sub("_", stripped.lower().translate(accent_map)) if stripped else False
                if len(_KEYWORD_TERMS) >= _KEYWORD_TERMS_MAX:
                    _KEYWORD_TERMS.clear()
                _KEYWORD_TERMS[line] = term
            if term is False:
                continue
            t.text, t.boost, t.stopped = term, 1.0, False
            if keeporiginal or not tokenize:
                t.original = line
            if positions:
                t.pos = pos
            if chars:
                t.startchar = start_char + match.start()
                t.endchar = start_char + match.end()
            yield t


def keyword_term(value: str) -> str:
    """Return the indexed term for an actor or tag value, as `keyword_analyzer` makes it."""
    return next((t.text for t in _KEYWORD(value.strip())), "")


_KEYWORD = keyword_analyzer()
