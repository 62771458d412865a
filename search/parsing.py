"""Query text → Whoosh query: syntax checks with friendly errors, scopes, stop words, actor aliases.

How a query is read (the README's query-syntax table says the same to users):

- A bare word is looked up in every field of the scope, as one `FieldsWord` (scored as one word
  over the fields, BM25F). A word that is a stop word in a field's analyzer ("the", "of", "us")
  adds no requirement in that field, so it adds none to the word: it is left out of matching and
  scoring. A query of stop words only ("to be or not to be", "it") searches them as words.
- A stop word written in capitals ("US", "IT", "U.S.") is an acronym and searched as a word.
- A phrase keeps its stop words: "war in Ukraine" matches those three words in a row, not
  "war on Ukraine" (the index holds stop words, marked, with their positions). A word the
  analyzer splits ("Nagorno-Karabakh") is a phrase too.
- A query of six words or more needs a third of them; a query of words (no operators) that finds
  nothing is relaxed to the documents with the most of them (search.store.whoosh.matching.match_relaxing)."""

from __future__ import annotations

import math
import re

from whoosh import query as wq
from whoosh.qparser import AndGroup, FieldAliasPlugin, MultifieldPlugin, PhrasePlugin, QueryParser, syntax
from whoosh.qparser.common import attach

from search.analysis import ACRONYM_MARK, STOP_MARK, StemmingTokenizer, shown_term
from search.config import Settings
from search.errors import BadQuery
from search.schema import KEYWORD_FIELDS, QUERY_FIELDS, SCOPES, actor_term_table
from search.store.whoosh.hooks import expand

OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"}
# A query of this many words or more (stop words not counted) is written as people write
# sentences ("why did Russia pull out of the grain deal"): a document needs LONG_QUERY_SHARE of
# them (rounded up), not all; those with more rank first. Calibration: see README "Ranking".
LONG_QUERY_WORDS = 6
LONG_QUERY_SHARE = 1 / 3
# Bounds that keep one query from tying up a worker (each field of a scope counts as a term).

_FIELD_PREFIX = re.compile(r"(?<![\w:])([A-Za-z_]+):(?=\S)")


# --- query nodes the parser makes beside Whoosh's own ----------------------------------------------

class FieldsWord(wq.Or):
    """One query word (or phrase) looked up in several fields: matches where any field has it,
    scored as one word over the fields (search.store.whoosh.matching), not as a sum of per-field scores."""


class WordsPhrase(wq.Phrase):
    """A phrase as typed: its words in a row, stop words included (indexed under STOP_MARK);
    shown without the marks."""

    def __unicode__(self):
        return f'{self.fieldname}:"{" ".join(map(shown_term, self.words))}"'

    __str__ = __unicode__


class MarkedTerm(wq.Term):
    """A marked word: a stop word searched as a word (in a query of stop words only) or an
    acronym; shown as written ("to", "US")."""

    def __unicode__(self):
        return f"{self.fieldname}:{shown_term(self.text)}"

    __str__ = __unicode__


WORD_TERMS = (wq.Term, MarkedTerm)  # the exact types matching scores as words (not Whoosh's subclasses)


class AtLeast(wq.Or):
    """The words of a query of which a document holds the most, when none holds them all."""

    def __init__(self, subqueries, boost=1.0, minmatch=1, scale=None):
        super().__init__(subqueries, boost=boost, minmatch=minmatch, scale=scale)

    def __unicode__(self):
        return f"ANY {self.minmatch} OF ({', '.join(map(str, self.subqueries))})"

    __str__ = __unicode__


class StopWord(wq.Query):
    """A word the field's analyzer treats as a stop word; `indexed` if the index holds it (marked).
    It never reaches matching: `_simplify` drops it or, in a query of stop words only, turns it
    into a MarkedTerm."""

    def __init__(self, fieldname: str, text: str, indexed: bool, boost: float = 1.0):
        self.fieldname, self.text, self.indexed, self.boost = fieldname, text, indexed, boost

    def __eq__(self, other):
        return type(other) is type(self) and (self.fieldname, self.text) == (other.fieldname, other.text)

    def __hash__(self):
        return hash((self.fieldname, self.text))

    def __repr__(self):
        return f"StopWord({self.fieldname!r}, {self.text!r})"


class _Dropped(wq.Query):
    """What a stop word becomes outside a phrase: no requirement, no score."""

    def __repr__(self):
        return "Dropped"


DROPPED = _Dropped()


# --- the parser ------------------------------------------------------------------------------------

class _WordGroup(syntax.GroupNode):
    qclass = FieldsWord


def _phrase(fieldname: str, tokens: list, analyzer: StemmingTokenizer, boost: float = 1.0, slop: int = 1) -> wq.Query:
    """Return the query for the tokens of a phrase (or of a word the analyzer splits) in one field."""
    if slop > 1:  # a sloppy phrase ("a b"~3) is a proximity search: its stop words do not count
        words = [t.text for t in tokens if not t.stop_word]
        if len(words) > 1:
            return wq.Phrase(fieldname, words, slop=slop, boost=boost)
        return wq.Term(fieldname, words[0], boost=boost) if words else wq.NullQuery
    if len(tokens) == 1:
        return _word(fieldname, tokens[0].text, boost)
    chars = [(t.startchar, t.endchar) for t in tokens]
    return WordsPhrase(fieldname, [t.text for t in tokens], boost=boost, char_ranges=chars)


def _word(fieldname: str, text: str, boost: float) -> wq.Term:
    return (MarkedTerm if text.startswith((ACRONYM_MARK, STOP_MARK)) else wq.Term)(fieldname, text, boost=boost)


def _tokens(analyzer, text: str) -> list:
    return [t.copy() for t in analyzer(text, positions=True, chars=True, removestops=False, mode="query", stop_words=True)]


class _PhraseNode(PhrasePlugin.PhraseNode):
    def query(self, parser):
        fieldname = self.fieldname or parser.fieldname
        analyzer = parser.schema[fieldname].analyzer if parser.schema and fieldname in parser.schema else None
        if not isinstance(analyzer, StemmingTokenizer):
            return PhrasePlugin.PhraseNode.query(self, parser)
        return attach(_phrase(fieldname, _tokens(analyzer, self.text), analyzer, self.boost, self.slop), self)


class _PhraseTagger(PhrasePlugin.PhraseTagger):
    def create(self, parser, match):
        node = super().create(parser, match)
        return _PhraseNode(node.text, node.textstartchar, node.slop)


class _PhrasePlugin(PhrasePlugin):
    def taggers(self, parser):
        return [(_PhraseTagger(self.expr), 0)]


class _Parser(QueryParser):
    """Whoosh's multifield parser, with stop words marked rather than dropped per field, words
    grouped as FieldsWord, and phrases that keep their stop words."""

    def __init__(self, fieldnames, schema):
        super().__init__(None, schema, group=AndGroup)
        self.add_plugin(MultifieldPlugin(fieldnames, group=_WordGroup))
        self.remove_plugin_class(PhrasePlugin)
        self.add_plugin(_PhrasePlugin())
        self.add_plugin(FieldAliasPlugin({"comments": ["comment"], "tag": ["tags"]}))

    def term_query(self, fieldname, text, termclass, boost=1.0, tokenize=True, removestops=True):
        analyzer = self.schema[fieldname].analyzer if self.schema and fieldname in self.schema else None
        if termclass is not wq.Term or not tokenize or not isinstance(analyzer, StemmingTokenizer):
            return super().term_query(fieldname, text, termclass, boost, tokenize, removestops)
        tokens = _tokens(analyzer, text)
        if not tokens:
            return None
        if len(tokens) > 1:
            return _phrase(fieldname, tokens, analyzer, boost)
        token = tokens[0]
        if token.stop_word:
            return StopWord(fieldname, token.text, indexed=not token.stopped, boost=boost)
        return _word(fieldname, token.text, boost)


def _simplify(q: wq.Query, stop_only: bool) -> wq.Query:
    """Return the query with stop words resolved: DROPPED where they add no requirement (or, for
    a query of stop words only, MarkedTerms where the index holds them), groups left with one part
    unwrapped, nested groups of one kind merged, NullQuery parts removed."""
    if isinstance(q, StopWord):
        if stop_only:
            return MarkedTerm(q.fieldname, q.text, boost=q.boost) if q.indexed else wq.NullQuery
        return DROPPED
    if isinstance(q, FieldsWord):
        parts = [_simplify(s, stop_only) for s in q.subqueries]
        if DROPPED in parts:
            return DROPPED  # a stop word in one field of the word's fields: no requirement at all
        return _group(q, [p for p in parts if p is not wq.NullQuery], FieldsWord)
    if isinstance(q, wq.Not):
        inner = _simplify(q.query, stop_only)
        return inner if inner is DROPPED or inner is wq.NullQuery else wq.Not(inner, boost=q.boost)
    if isinstance(q, wq.BinaryQuery):
        a, b = _simplify(q.a, stop_only), _simplify(q.b, stop_only)
        if b is DROPPED or b is wq.NullQuery:
            return a
        if a is DROPPED or a is wq.NullQuery:
            return wq.Not(b) if isinstance(q, wq.AndNot) else (b if isinstance(q, wq.AndMaybe) else a)
        return type(q)(a, b)
    if type(q) is wq.Phrase and len(q.words) < 2:  # a phrase of one word is that word
        return wq.Term(q.fieldname, q.words[0], boost=q.boost) if q.words else wq.NullQuery
    if isinstance(q, wq.MultiTerm):  # as Whoosh normalises them: "*" is Every, "nato*" a Prefix
        return q.normalize()
    if isinstance(q, wq.compound.CompoundQuery):
        parts = [_simplify(s, stop_only) for s in q.subqueries]
        kept = [p for p in parts if p is not DROPPED and p is not wq.NullQuery]
        if not kept:
            return DROPPED if DROPPED in parts else wq.NullQuery
        return _group(q, kept, type(q))
    return q


def _group(q: wq.compound.CompoundQuery, parts: list, cls) -> wq.Query:
    merged, seen = [], set()
    for part in parts:
        subs = [s.with_boost(s.boost * part.boost) for s in part.subqueries] if type(part) is cls else [part]
        for sub in subs:
            if sub not in seen:
                seen.add(sub)
                merged.append(sub)
    if not merged:
        return wq.NullQuery
    if len(merged) == 1:
        only = merged[0]
        return only.with_boost(only.boost * q.boost) if q.boost != 1.0 else only
    extra = {"minmatch": q.minmatch, "scale": q.scale} if isinstance(q, wq.Or) else {}
    return cls(merged, boost=q.boost, **extra)


def _check_syntax(q: str) -> None:
    """Raise BadQuery for what Whoosh's lenient parser would silently misread."""
    if q.count('"') % 2:
        raise BadQuery(f'unbalanced quote at character {q.rfind(chr(34)) + 1}', hint='close the phrase with another "')
    depth = 0
    for at, ch in enumerate(q.replace('"', " ")):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            raise BadQuery(f"unmatched ')' at character {at + 1}")
    if depth:
        raise BadQuery("unclosed '(' in query", hint="add the missing ')'")
    for match in _FIELD_PREFIX.finditer(q):
        name = match.group(1)
        if name.lower() not in QUERY_FIELDS and name not in ("date", "id"):
            raise BadQuery(
                f"unknown field {name!r} at character {match.start() + 1}",
                hint="fields: " + ", ".join(sorted(set(QUERY_FIELDS) - {"comment", "tags"})),
            )
    words = q.replace("(", " ").replace(")", " ").split()
    operators = OPERATORS
    if words and (words[-1] in operators or words[0] in operators - {"NOT"}):
        raise BadQuery(f"operator {words[-1] if words[-1] in operators else words[0]} needs a term on each side")
    for a, b in zip(words, words[1:]):
        if a in operators and (b in operators - {"NOT"} or a == b == "NOT"):
            raise BadQuery(f"operators {a} {b} in a row", hint="NOT NOT cancels out: leave both out" if a == b == "NOT" else "")
    if re.search(r"(?<![\w:])([A-Za-z_]+):(\s|$)", q):
        raise BadQuery("a field name needs a value after the colon", hint='write field:value, e.g. actor:"United States"')


def describe_query(parsed: wq.Query) -> str:
    """Return what a parsed query searches, as the page and the API echo it."""
    return "everything" if isinstance(parsed, wq.Every) else str(parsed)


def parse_query(q: str, scope: str, schema, settings: Settings, actor_terms: dict[str, str] | None = None) -> wq.Query:
    """Return the Whoosh query for the user's text in a scope; raise BadQuery if it is malformed.

    `actor_terms` maps actor names and aliases to the index terms of their canonical names (the
    table stored with the index, see search.schema.read_actor_terms); without it the table is
    made from the gazetteer, which takes a second to read.
    """
    q = q.strip()
    if not q or q == "*":  # "*" alone: everything, as an empty search (browsed newest first)
        return wq.Every()
    _check_syntax(q)
    try:
        raw = _Parser(list(SCOPES[scope]), schema).parse(q, normalize=False)
    except Exception as exc:  # Whoosh raises assorted types for odd input
        raise BadQuery(f"cannot parse query: {exc}") from exc
    parsed = _simplify(raw, stop_only=False)
    if parsed is DROPPED:
        parsed = _simplify(raw, stop_only=True)
    if parsed is wq.NullQuery or parsed is DROPPED:
        raise BadQuery("query has no searchable words", hint="write at least one word")
    parsed = _resolve_actor_terms(parsed, actor_terms if actor_terms is not None else actor_term_table(settings))
    _check_cost(parsed, settings)
    if _plain_words(parsed) and not OPERATORS & set(q.replace("(", " ").replace(")", " ").split()):
        parts = len(parsed.subqueries)
        if parts >= LONG_QUERY_WORDS:
            parsed = AtLeast(parsed.subqueries, boost=parsed.boost, minmatch=math.ceil(LONG_QUERY_SHARE * parts))
        parsed.relaxable = True  # see relaxed()
    return parsed


def _plain_words(parsed: wq.Query) -> bool:
    """Whether a query is a conjunction of words and phrases (no operators, no negation)."""
    return type(parsed) is wq.And and all(isinstance(s, (FieldsWord, wq.Term, wq.Phrase)) for s in parsed.subqueries)


def relaxed(parsed: wq.Query, minmatch: int) -> wq.Query | None:
    """Return the query matching documents with at least `minmatch` of its parts, when it is
    words and phrases as typed (no operators, whose meaning a relaxation would change) and
    `minmatch` asks for fewer parts than it does; else None."""
    if not getattr(parsed, "relaxable", False):
        return None
    parts = parsed.subqueries
    if not 1 <= minmatch < (parsed.minmatch if isinstance(parsed, AtLeast) else len(parts)):
        return None
    return AtLeast(parts, boost=parsed.boost, minmatch=minmatch)


def _check_cost(q: wq.Query, settings: Settings) -> None:
    """Refuse queries whose cost grows with the whole vocabulary, or with a long phrase's
    positions, rather than with the hits."""
    terms = 0
    for node in _walk(q):
        if isinstance(node, (wq.Wildcard, wq.Prefix)):
            text = node.text
            if text[:1] in ("*", "?"):
                raise BadQuery(f"a wildcard cannot start a word ({text!r})", hint="put at least one letter before * or ?")
        if isinstance(node, wq.Phrase) and len(node.words) > settings.max_phrase_words:
            raise BadQuery(f"a phrase of {len(node.words)} words; the limit is {settings.max_phrase_words}",
                           hint="quote the most telling part of it")
        if isinstance(node, (wq.Term, wq.MultiTerm, wq.Phrase)):
            terms += 1
    if terms > settings.max_query_terms:
        raise BadQuery(f"query has {terms} terms; the limit is {settings.max_query_terms}", hint="split it into smaller searches")


def check_expansion(q: wq.Query, reader, limit: int) -> None:
    """Refuse a wildcard that matches more than `limit` words in this index: searching them
    all would cost more than the hits are worth."""
    for node in _walk(q):
        if isinstance(node, wq.MultiTerm) and not isinstance(node, wq.Every):
            for n, _ in enumerate(expand(node, reader), start=1):
                if n > limit:
                    raise BadQuery(f"{node.text!r} matches more than {limit} words", hint="add letters before the wildcard")


def _walk(q: wq.Query):
    yield q
    for child in q.children():
        yield from _walk(child)


def _resolve_actor_terms(q: wq.Query, lookup: dict[str, str]) -> wq.Query:
    """Rewrite actor:Erdogan to the canonical actor term, so any alias finds the actor."""

    def rewrite(node):
        if isinstance(node, wq.Term) and node.fieldname in KEYWORD_FIELDS[:2]:
            canonical = lookup.get(node.text)
            if canonical:
                return wq.Term(node.fieldname, canonical, boost=node.boost)
        return node if node.is_leaf() else node.apply(rewrite)

    return rewrite(q)
