"""Phrase-aware snippets: a phrase is marked only where the whole phrase occurs, single words
wherever they occur; all text is HTML-escaped except the <mark> tags.

Whoosh's own highlighter marks every word of a phrase anywhere in the text, and its strict-phrase
mode compares raw words with analysed (stemmed) ones, so it rarely marks anything.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from whoosh import highlight
from whoosh import query as wq

SNIPPET_CHARS = 220
SURROUND_CHARS = 80
MAX_EXPANSIONS = 200  # words of one wildcard that are marked


class MarkFormatter(highlight.Formatter):
    """Highlight matches with <mark>; everything else is HTML-escaped."""

    between = " … "

    def _text(self, text):
        return html.escape(text, quote=False)

    def format_token(self, text, token, replace=False):
        return "<mark>" + html.escape(highlight.get_text(text, token, replace), quote=False) + "</mark>"


@dataclass(frozen=True)
class QueryTerms:
    """What to mark in one field: single words (analysed) and phrases (tuples of analysed words)."""

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
            for n, btext in enumerate(node._btexts(reader)):
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


def mark_tokens(analyzer, text: str, terms: QueryTerms) -> list:
    """Return copies of the tokens of `text` with `.matched` set per `terms`."""
    tokens = [t.copy() for t in analyzer(text, positions=True, chars=True, mode="index", removestops=False)]
    for token in tokens:
        token.matched = token.text in terms.words
    for phrase in terms.phrases:
        n = len(phrase)
        for i in range(len(tokens) - n + 1):
            if all(tokens[i + k].text == phrase[k] for k in range(n)):
                for k in range(n):
                    tokens[i + k].matched = True
    return tokens


def snippet(analyzer, text: str, terms: QueryTerms, top: int = 2) -> str:
    """Return up to `top` highlighted fragments of `text`, or "" when nothing in it matches."""
    if not terms or not text:
        return ""
    tokens = mark_tokens(analyzer, text, terms)
    if not any(t.matched for t in tokens):
        return ""
    fragmenter = highlight.ContextFragmenter(maxchars=SNIPPET_CHARS, surround=SURROUND_CHARS)
    fragments = fragmenter.fragment_tokens(text, iter(tokens))
    best = highlight.top_fragments(fragments, top, highlight.BasicFragmentScorer(), highlight.FIRST)
    return " ".join(MarkFormatter().format(best).split())


def mark_all(analyzer, text: str, terms: QueryTerms) -> str:
    """Return the whole of `text` HTML-escaped, with every match marked."""
    if not terms:
        return html.escape(text, quote=False)
    out, at = [], 0
    for token in mark_tokens(analyzer, text, terms):
        if token.matched:
            out.append(html.escape(text[at : token.startchar], quote=False))
            out.append("<mark>" + html.escape(text[token.startchar : token.endchar], quote=False) + "</mark>")
            at = token.endchar
    out.append(html.escape(text[at:], quote=False))
    return "".join(out)


def matches(analyzer, text: str, terms: QueryTerms) -> bool:
    return bool(terms and text) and any(t.matched for t in mark_tokens(analyzer, text, terms))


def lead(body: str) -> str:
    """Return the escaped opening of a body, for hits with nothing to highlight."""
    text = body[:SNIPPET_CHARS]
    if len(body) > SNIPPET_CHARS:
        text = text.rsplit(" ", 1)[0] + " …"
    return html.escape(text, quote=False)
