"""Phrase-aware snippets: a phrase is marked only where the whole phrase occurs, single words
wherever they occur; all text is HTML-escaped except the <mark> tags.

Whoosh's own highlighter marks every word of a phrase anywhere in the text, and its strict-phrase
mode compares raw words with analysed (stemmed) ones, so it rarely marks anything.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import compress

from whoosh import query as wq
from search.store.whoosh.hooks import expand

SNIPPET_CHARS = 220
MIN_CONTEXT_CHARS = 40  # at least this much text around a group of matches
_SENTENCE_START = re.compile(r"(?:[.!?…][\"”’)\]]*\s+|\n\s*)(?=[\"“‘(]?[A-Z0-9À-Ý])")
MAX_EXPANSIONS = 200  # words of one wildcard that are marked


@dataclass(frozen=True)
class QueryTerms:
    """What to mark in one field: single words (analysed) and phrases (tuples of analysed words,
    stop words included, marked as the index holds them)."""

    words: frozenset[str]
    phrases: tuple[tuple[str, ...], ...]

    def __bool__(self) -> bool:
        return bool(self.words or self.phrases)


def query_terms(parsed: wq.Query, reader, fieldname: str) -> QueryTerms:
    """Return the positive words and phrases of `parsed` for one field, wildcards expanded."""
    positive = parsed.accept(_drop_negated)
    phrases = tuple(
        tuple(p.words) for p in _walk(positive) if isinstance(p, wq.Phrase) and p.fieldname == fieldname
    )
    words: set[str] = set()
    for node in _walk(positive.accept(lambda q: wq.NullQuery if isinstance(q, wq.Phrase) else q)):
        if getattr(node, "fieldname", None) != fieldname:
            continue
        if isinstance(node, wq.Term):
            words.add(node.text)
        elif isinstance(node, wq.MultiTerm):  # wildcards and prefixes: the words they matched
            for n, btext in enumerate(expand(node, reader)):
                if n >= MAX_EXPANSIONS:
                    break
                words.add(btext.decode("utf-8") if isinstance(btext, bytes) else btext)
    return QueryTerms(frozenset(words), phrases)


def _drop_negated(q: wq.Query) -> wq.Query:
    if isinstance(q, wq.Not):
        return wq.NullQuery
    if isinstance(q, wq.AndNot):
        return q.a
    return q


def _walk(q: wq.Query):
    yield q
    for child in q.children():
        yield from _walk(child)


def mark_spans(analyzer, text: str, terms: QueryTerms) -> list[tuple[int, int]]:
    """Return the (start, end) character spans of `text` that match `terms`, in order.

    A phrase matches where its words, stop words included, follow each other in the text; a
    single word matches wherever it occurs.
    """
    if hasattr(analyzer, "terms_of"):
        return _mark_spans_fast(analyzer, text, terms)
    spans = word_spans(analyzer, text)
    matched = [term in terms.words for _, _, term in spans]
    for phrase in terms.phrases:
        n = len(phrase)
        for i in range(len(spans) - n + 1):
            if spans[i][2] == phrase[0] and all(spans[i + k][2] == phrase[k] for k in range(1, n)):
                for k in range(n):
                    matched[i + k] = True
    return [(start, end) for (start, end, _), hit in zip(spans, matched) if hit]


def word_spans(analyzer, text: str) -> list[tuple[int, int, str]]:
    """Return (start, end, term) for each indexed word of `text` (stop words left out)."""
    return [(t.startchar, t.endchar, t.text) for t in analyzer(text, chars=True, mode="index")]


def _mark_spans_fast(analyzer, text: str, terms: QueryTerms) -> list[tuple[int, int]]:
    """mark_spans for the index's own tokenizer (a term per word, stop words marked), its loops
    in C (map, compress) where it can."""
    words, word_terms = analyzer.terms_of(text)
    flags = list(map(terms.words.__contains__, word_terms))
    for phrase in terms.phrases:
        n = len(phrase)
        for i in compress(range(len(word_terms) - n + 1), map(phrase[0].__eq__, word_terms)):
            if all(word_terms[i + k] == phrase[k] for k in range(1, n)):
                for k in range(n):
                    flags[i + k] = True
    if not any(flags):
        return []
    if terms.phrases:
        return [m.span() for m in compress(analyzer.iter_words(text), flags)]
    # Without phrases every occurrence of a matching word is marked, so a pattern of just those
    # words finds the spans without a match object per word of the text (three times faster).
    found = sorted(set(compress(words, flags)), key=len, reverse=True)
    return [m.span() for m in _occurrences(tuple(found)).finditer(text)]


@lru_cache(maxsize=4096)
def _occurrences(words: tuple[str, ...]) -> re.Pattern:
    """A pattern for whole-word occurrences of `words`, with the index tokenizer's boundaries
    (a word runs on through an apostrophe between letters: "Russia's" is one word)."""
    return re.compile(r"(?<![\w'’])(?<!\w['’])(?:" + "|".join(map(re.escape, words)) + r")(?!\w|['’]\w)")


def snippet(analyzer, text: str, terms: QueryTerms, top: int = 2, scan_chars: int | None = None) -> str:
    """Return up to `top` highlighted fragments of `text`, or "" when nothing in it matches.

    Fragments group the matches that fit in about SNIPPET_CHARS, with context around them;
    those with the most distinct matched words win, shown in text order. Only the first
    `scan_chars` characters are read (cut at a paragraph break): a snippet of a 13 MB page
    otherwise took most of a second.
    """
    if not terms or not text:
        return ""
    if scan_chars is not None and len(text) > scan_chars:
        cut = text.rfind("\n\n", 0, scan_chars)
        text = text[: cut if cut > 0 else scan_chars]
    hits = mark_spans(analyzer, text, terms)
    if not hits:
        return ""
    groups, i = [], 0
    while i < len(hits):
        j = i
        while j + 1 < len(hits) and hits[j + 1][1] - hits[i][0] <= SNIPPET_CHARS - MIN_CONTEXT_CHARS:
            j += 1
        groups.append(hits[i : j + 1])
        i = j + 1
    best = sorted(groups, key=lambda g: -len({text[s:e].casefold() for s, e in g}))[:top]
    best.sort(key=lambda g: g[0][0])
    return " ".join(_render(text, group) for group in best).replace("… …", "…")


def _render(text: str, group: list[tuple[int, int]]) -> str:
    """Return one fragment: the matches with context, starting at a sentence start when one is
    near, else on a word boundary; "…" marks where the text was cut."""
    context = max(MIN_CONTEXT_CHARS // 2, (SNIPPET_CHARS - (group[-1][1] - group[0][0])) // 2)
    start = max(0, group[0][0] - context)
    end = min(len(text), group[-1][1] + context)
    head = tail = ""
    if start > 0:
        sentence = None
        # The last sentence start at or before the first match (the match may open the sentence).
        for candidate in _SENTENCE_START.finditer(text, start, group[0][0] + 2):
            if candidate.end() <= group[0][0]:
                sentence = candidate
        if sentence is not None:
            start = sentence.end()
        else:
            space = text.find(" ", start, group[0][0])
            start = space + 1 if space != -1 else start
            head = "… "
    end = min(len(text), max(end, start + SNIPPET_CHARS))  # context the start gave up goes after
    if end < len(text):
        space = text.rfind(" ", group[-1][1], end)
        end = space if space != -1 else end
        tail = " …"
    out, at = [head], start
    for s, e in group:
        out.append(html.escape(text[at:s], quote=False))
        out.append("<mark>" + html.escape(text[s:e], quote=False) + "</mark>")
        at = e
    out.append(html.escape(text[at:end], quote=False))
    out.append(tail)
    return " ".join("".join(out).split())


def mark_all(analyzer, text: str, terms: QueryTerms) -> str:
    """Return the whole of `text` HTML-escaped, with every match marked."""
    out, at = [], 0
    for start, end in (mark_spans(analyzer, text, terms) if terms else ()):
        out.append(html.escape(text[at:start], quote=False))
        out.append("<mark>" + html.escape(text[start:end], quote=False) + "</mark>")
        at = end
    out.append(html.escape(text[at:], quote=False))
    return "".join(out)


def matches(analyzer, text: str, terms: QueryTerms) -> bool:
    return bool(terms and text) and bool(mark_spans(analyzer, text, terms))


def lead(body: str) -> str:
    """Return the escaped opening of a body, for hits with nothing to highlight."""
    text = body[:SNIPPET_CHARS]
    if len(body) > SNIPPET_CHARS:
        text = text.rsplit(" ", 1)[0] + " …"
    return html.escape(text, quote=False)
