"""Query text → Whoosh query: syntax checks with friendly errors, scopes, actor aliases."""

from __future__ import annotations

import re

from whoosh import query as wq
from whoosh.qparser import AndGroup, FieldAliasPlugin, MultifieldParser

from search.config import Settings
from search.errors import BadQuery
from search.schema import KEYWORD_FIELDS, QUERY_FIELDS, SCOPES, actor_term_table

OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"}
# Bounds that keep one query from tying up a worker (each field of a scope counts as a term).
MAX_QUERY_TERMS = 256
MAX_WILDCARD_WORDS = 2000

_FIELD_PREFIX = re.compile(r"(?<![\w:])([A-Za-z_]+):(?=\S)")


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
        if a in operators and b in operators - {"NOT"}:
            raise BadQuery(f"operators {a} {b} in a row")
    if re.search(r"(?<![\w:])([A-Za-z_]+):(\s|$)", q):
        raise BadQuery("a field name needs a value after the colon", hint='write field:value, e.g. actor:"United States"')


def parse_query(q: str, scope: str, schema, settings: Settings, actor_terms: dict[str, str] | None = None) -> wq.Query:
    """Return the Whoosh query for the user's text in a scope; raise BadQuery if it is malformed.

    `actor_terms` maps actor names and aliases to the index terms of their canonical names (the
    table stored with the index, see search.schema.read_actor_terms); without it the table is
    made from the gazetteer, which takes a second to read.
    """
    q = q.strip()
    if not q:
        return wq.Every()
    _check_syntax(q)
    parser = MultifieldParser(list(SCOPES[scope]), schema, group=AndGroup)
    parser.add_plugin(FieldAliasPlugin({"comments": ["comment"], "tag": ["tags"]}))
    try:
        parsed = parser.parse(q)
    except Exception as exc:  # Whoosh raises assorted types for odd input
        raise BadQuery(f"cannot parse query: {exc}") from exc
    parsed = _resolve_actor_terms(parsed, actor_terms if actor_terms is not None else actor_term_table(settings))
    if parsed is wq.NullQuery:
        raise BadQuery("query has no searchable words", hint="stop words like 'the' are not indexed")
    _check_cost(parsed)
    return parsed


def _check_cost(q: wq.Query) -> None:
    """Refuse queries whose cost grows with the whole vocabulary rather than with the hits."""
    terms = 0
    for node in _walk(q):
        if isinstance(node, (wq.Wildcard, wq.Prefix)):
            text = node.text
            if text[:1] in ("*", "?"):
                raise BadQuery(f"a wildcard cannot start a word ({text!r})", hint="put at least one letter before * or ?")
        if isinstance(node, (wq.Term, wq.MultiTerm, wq.Phrase)):
            terms += 1
    if terms > MAX_QUERY_TERMS:
        raise BadQuery(f"query has {terms} terms; the limit is {MAX_QUERY_TERMS}", hint="split it into smaller searches")


def check_expansion(q: wq.Query, reader) -> None:
    """Refuse a wildcard that matches too many words in this index to search them all quickly."""
    for node in _walk(q):
        if isinstance(node, wq.MultiTerm) and not isinstance(node, wq.Every):
            for n, _ in enumerate(node._btexts(reader), start=1):
                if n > MAX_WILDCARD_WORDS:
                    raise BadQuery(
                        f"{node.text!r} matches more than {MAX_WILDCARD_WORDS} words",
                        hint="add letters before the wildcard",
                    )


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
