"""The Whoosh schema: the only module that spells index field names.

Searchable text fields carry boosts; facet values live in per-document columns (read once per
generation into arrays, see search.store.whoosh.facets) because Whoosh's own facet counting re-reads terms
for every query.
"""

from __future__ import annotations

import json
import os
import pickle
from array import array
from pathlib import Path

from whoosh import columns
from whoosh.fields import COLUMN, ID, STORED, TEXT, Schema
from whoosh.formats import Positions

from search.analysis import keyword_analyzer, keyword_term, name_analyzer, text_analyzer
from search.article import ActorMention, Article, Comment
from search.filters import FACETS, facet_values
from search.ingest.actors import gazetteer_digest, load_gazetteer
from search.ingest.fingerprint import pack

# BM25F field weights, applied at query time (search.store.whoosh.ranking): a query word in the headline says
# more about the article than one in the body, one in a reader's comment less.
FIELD_WEIGHTS = {"title": 6.0, "author": 1.0, "body": 1.0, "comments": 0.3}

# Search scopes (the `in=` parameter) → the fields a bare query word is looked up in.
SCOPES: dict[str, tuple[str, ...]] = {
    "all": ("title", "author", "body", "comments"),
    "body": ("body",),
    "comments": ("comments",),
    "title": ("title",),
}
# Field names users may write in a query (`actor:Russia`) → the index field that answers.
QUERY_FIELDS: dict[str, str] = {
    "title": "title",
    "body": "body",
    "author": "author",
    "outlet": "outlet",
    "actor": "actor",
    "comments": "comments",
    "comment": "comments",
    "comment_actor": "comment_actor",
    "tag": "tag",
    "tags": "tag",
}
KEYWORD_FIELDS = ("actor", "comment_actor", "tag")  # values are whole names, resolved via the gazetteer
SNIPPET_FIELDS = ("body", "comments")
FACET_DATE = "facet_date"
INDEXED_AT = "indexed_at"  # stored ISO time and, as seconds, a column: when the article entered the index
FINGERPRINT = "fingerprint"
VALUE_SEPARATOR = "\n"


# The long fields, analysed in the ingest workers; their postings live in Mosaic's positional
# store (search.store.whoosh.positional), not in Whoosh's posting files.
ANALYSED_AHEAD = ("title", "body", "comments")


class Analysed(tuple):
    """A text field's postings made in an ingest worker: (its distinct terms, each one's
    frequency, all positions term after term, each term's ascending). The arrays pickle as bytes:
    a body's postings cross to the writer in a few kilobytes, not as a tuple per term. (A tuple,
    so that Whoosh takes it as a field value.)"""

    __slots__ = ()

    @classmethod
    def from_arrays(cls, terms: list[str], freqs, positions) -> "Analysed":
        """From numpy arrays of uint32 (search.analysis StemmingTokenizer.postings_arrays)."""
        packed_freqs, packed_positions = array("I"), array("I")
        packed_freqs.frombytes(freqs.tobytes())
        packed_positions.frombytes(positions.tobytes())
        return cls((terms, packed_freqs, packed_positions))

    @classmethod
    def from_table(cls, table: dict[str, list[int]]) -> "Analysed":
        positions = array("I")
        for found in table.values():
            positions.extend(found)
        return cls((list(table), array("I", map(len, table.values())), positions))

    @property
    def terms(self) -> list[str]:
        return self[0]

    @property
    def freqs(self) -> array:
        return self[1]

    @property
    def positions(self) -> array:
        return self[2]

    def by_term(self) -> dict[str, list[int]]:
        out, at = {}, 0
        for term, count in zip(self.terms, self.freqs):
            out[term] = self.positions[at : at + count].tolist()
            at += count
        return out


class InStore(tuple):
    """The value Whoosh is given for a field whose postings went to the store: no postings."""

    __slots__ = ()


IN_STORE = InStore()


class PositionsAhead(Positions):
    """Whoosh's Positions format, taking a value that was already analysed as it is.

    Analysis is most of the work of adding a document; done in the ingest worker processes, the
    one process that writes the index is left with what only it can do. A value whose postings
    went to the positional store (InStore) gives Whoosh none.
    """

    def word_values(self, value, analyzer, **kwargs):
        if isinstance(value, InStore):
            return []
        if isinstance(value, Analysed):
            boost = self.field_boost
            return [(term, len(found), len(found) * boost, self.encode(found)) for term, found in value.by_term().items()]
        by_term = getattr(analyzer, "positions_by_term", None)
        if by_term is not None and kwargs.get("stop_words"):
            # What Whoosh makes from the tokens, from a table of term → positions made in one
            # loop (a third of the time of its token-by-token loop; most of an index build is it).
            boost = self.field_boost
            return [(term, len(found), len(found) * boost, self.encode(found)) for term, found in by_term(value).items()]
        return super().word_values(value, analyzer, **kwargs)


def _text(**kwargs) -> TEXT:
    field = TEXT(**kwargs)
    field.format = PositionsAhead(field_boost=field.format.field_boost)
    return field


def facet_column(facet: str) -> str:
    """Return the name of the per-document column that holds a facet's values (one per line)."""
    return "facet_" + facet


def build_schema() -> Schema:
    return Schema(
        id=ID(stored=True, unique=True),
        path=ID(stored=True),  # the source file, for deleting its articles when it changes
        url=STORED(),
        kind=STORED(),
        title=_text(analyzer=text_analyzer(), stored=True),
        author=TEXT(analyzer=name_analyzer(), stored=True),
        authors=STORED(),
        fetched_at=STORED(),
        indexed_at=STORED(),
        source=STORED(),
        provenance=STORED(),
        outlet=TEXT(analyzer=name_analyzer(), stored=True),
        date=ID(stored=True),
        tags=STORED(),
        tag=TEXT(analyzer=keyword_analyzer(), phrase=False),
        actors=STORED(),
        actor=TEXT(analyzer=keyword_analyzer(), phrase=False),
        comment_actor=TEXT(analyzer=keyword_analyzer(), phrase=False),
        actor_mentions=STORED(),
        body=_text(analyzer=text_analyzer(), stored=True),
        # Not stored: the text is in comment_list with the authors (see stored_text).
        comments=_text(analyzer=text_analyzer()),
        comment_list=STORED(),
        **{
            **{facet_column(name): COLUMN(columns.VarBytesColumn()) for name in FACETS},
            FACET_DATE: COLUMN(columns.VarBytesColumn()),
            FINGERPRINT: COLUMN(columns.VarBytesColumn()),
            INDEXED_AT + "_seconds": COLUMN(columns.NumericColumn("q")),
        },
    )


def article_to_document(article: Article) -> dict:
    """Return the Whoosh document (field → value) for an article."""
    in_comments = [m.name for m in article.actor_mentions if m.comment_count]
    return {
        "id": article.id,
        "path": article.path,
        "url": article.url,
        "kind": article.kind,
        "title": article.title,
        "author": article.author,
        "authors": list(article.authors),
        "fetched_at": article.fetched_at or "",
        "source": article.source,
        "provenance": json.dumps(dict(article.provenance)),
        "outlet": article.outlet,
        "date": article.date or "",
        "tags": list(article.tags),
        "tag": VALUE_SEPARATOR.join(article.tags),
        "actors": list(article.actors),
        "actor": VALUE_SEPARATOR.join(article.actors),
        "comment_actor": VALUE_SEPARATOR.join(in_comments),
        "actor_mentions": json.dumps([[m.name, m.type, m.body_count, m.comment_count] for m in article.actor_mentions]),
        "body": article.body,
        "comments": "\n\n".join(c.text for c in article.comments),
        "comment_list": json.dumps([[c.author, c.text] for c in article.comments]),
        **{facet_column(name): VALUE_SEPARATOR.join(values).encode("utf-8") for name, values in facet_values(article).items()},
        FACET_DATE: (article.date or "").encode("utf-8"),
        FINGERPRINT: pack(article.fingerprint),
    }


def analyse_ahead(document: dict, schema: Schema, words: dict | None = None) -> dict:
    """Return a document (from article_to_document) with its long text fields analysed: their
    postings as Analysed values (arrays) and the texts themselves as the values to store. When
    `words` is a dict, each analysed field's words (the tokenizer's, before they become terms)
    are put in it by field name."""
    ahead = dict(document)
    for name in ANALYSED_AHEAD:
        field = schema[name]
        text = document[name]
        if isinstance(field.format, PositionsAhead) and text:
            arrays = getattr(field.analyzer, "postings_arrays", None)
            if arrays is not None:
                terms, freqs, positions, field_words = arrays(text)
                ahead[name] = Analysed.from_arrays(terms, freqs, positions)
                if words is not None:
                    words[name] = field_words
            else:
                ahead[name] = Analysed.from_table(_positions_by_term(field, text))
            if field.stored:
                ahead["_stored_" + name] = text
    return ahead


def _positions_by_term(field, text: str) -> dict[str, list[int]]:
    by_term = getattr(field.analyzer, "positions_by_term", None)
    if by_term is not None:
        return by_term(text)
    table: dict[str, list[int]] = {}
    for term, _, _, encoded in Positions.word_values(field.format, text, field.analyzer, mode="index", stop_words=True):
        table[term] = field.format.decode_positions(encoded)
    return table


def stored_text(stored: dict, field: str) -> str:
    """Return the text of a searchable field from a stored document, as it was indexed."""
    if field == "comments":
        return "\n\n".join(text for _, text in json.loads(stored.get("comment_list") or "[]"))
    return stored.get(field, "")


def document_to_article(stored: dict) -> Article:
    """Return the Article a stored document holds."""
    return Article(
        id=stored["id"],
        path=stored.get("path", ""),
        url=stored.get("url", ""),
        title=stored.get("title", ""),
        author=stored.get("author", ""),
        outlet=stored.get("outlet", ""),
        date=stored.get("date") or None,
        tags=tuple(stored.get("tags", ())),
        actors=tuple(stored.get("actors", ())),
        body=stored.get("body", ""),
        comments=tuple(Comment(a, t) for a, t in json.loads(stored.get("comment_list") or "[]")),
        actor_mentions=tuple(ActorMention(*m) for m in json.loads(stored.get("actor_mentions") or "[]")),
        kind=stored.get("kind", "dump"),
        authors=tuple(stored.get("authors", ())),
        fetched_at=stored.get("fetched_at") or None,
        source=stored.get("source", ""),
        provenance=tuple(json.loads(stored.get("provenance") or "{}").items()),
    )


ACTOR_TERMS_FILE = "actor-terms.pickle"  # per generation: the table below, as the build made it
_actor_tables: dict[int, dict[str, str]] = {}


def actor_term_table(settings) -> dict[str, str]:
    """Return every actor name and alias (as an actor-field term) → the term of its canonical
    name, from the gazetteer the settings name, so that `actor:Erdoğan` finds "Recep Tayyip
    Erdoğan"."""
    gazetteer = load_gazetteer(settings.actors_file)
    key = id(gazetteer)
    if key not in _actor_tables:
        table = {keyword_term(surface): keyword_term(actor.name) for surface, actor in gazetteer.surface_names.items()}
        _actor_tables[key] = {k: v for k, v in table.items() if k}
    return _actor_tables[key]


def write_actor_terms(generation: Path, settings, live: Path | None = None) -> None:
    """Store the actor term table with an index generation: the gazetteer its actors came from.
    An update whose gazetteer files are unchanged copies the live generation's table (making
    it again takes a quarter of a second)."""
    source = gazetteer_digest(settings.actors_file)
    stored = _read_actor_file(live) if live is not None and source else None
    table = stored[1] if stored and stored[0] == source else actor_term_table(settings)
    tmp = Path(generation) / f".{ACTOR_TERMS_FILE}.{os.getpid()}"
    with open(tmp, "wb") as f:
        pickle.dump((source, table), f, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, Path(generation) / ACTOR_TERMS_FILE)


def read_actor_terms(generation: Path) -> dict[str, str] | None:
    """Return the actor term table stored with a generation, or None (built before it was)."""
    stored = _read_actor_file(generation)
    return stored[1] if stored else None


def _read_actor_file(generation: Path) -> tuple[str, dict[str, str]] | None:
    try:
        with open(Path(generation) / ACTOR_TERMS_FILE, "rb") as f:
            stored = pickle.load(f)
    except (OSError, pickle.UnpicklingError, EOFError, ValueError):
        return None
    if isinstance(stored, dict):  # written before the table carried its source's digest
        return "", stored
    ok = isinstance(stored, tuple) and len(stored) == 2 and isinstance(stored[1], dict)
    return stored if ok else None


def stored_gazetteer_digest(generation: Path) -> str:
    """Return the digest of the gazetteer a generation was built with; "" when unknown."""
    stored = _read_actor_file(generation)
    return stored[0] if stored else ""
