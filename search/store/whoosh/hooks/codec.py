"""Whoosh's codec with the long text fields' postings in Mosaic's positional store.

MosaicCodec is Whoosh's own W3Codec except for the fields it names (title, body, comments),
whose postings live in search.store.whoosh.positional instead of Whoosh's pool and posting file:

- its per-document writer takes such a field's length from the store builder (Whoosh adds no
  postings for the field, so it would count none) and tells the builder every document's length;
- its field writer owns the segment's StoreBuilder, sends it the postings of those fields that
  still reach Whoosh's pool (a segment merge copies postings through it), and writes the store
  when Whoosh closes the segment;
- its terms reader answers for those fields from the store's table (membership, lexicon,
  prefixes, term info, frequencies) and gives Whoosh a ListMatcher over the store's arrays, so
  wildcards, more-like-this and every Whoosh matcher work on them as before.

Whoosh pickles the codec with each segment in the index's table of contents, so a segment
written with it is read with it. tests/test_whoosh_hooks.py holds the contract: terms, term
info, postings and positions through Whoosh's reader API equal those of an index Whoosh wrote.
"""

from __future__ import annotations

import os

import numpy as np
from whoosh.codec import base
from whoosh.codec.whoosh3 import W3Codec, W3FieldWriter, W3PerDocWriter
from whoosh.matching import ListMatcher
from whoosh.reading import TermInfo, TermNotFound

from search.store.whoosh.positional import StoreBuilder, segment_store


class MosaicCodec(W3Codec):
    def __init__(self, positional_fields=(), **kwargs):
        super().__init__(**kwargs)
        self.positional_fields = tuple(positional_fields)
        self._builders: dict[str, StoreBuilder] = {}

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_builders"] = {}  # the writer's, never part of the index
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.__dict__.setdefault("_builders", {})

    def builder(self, storage, segment) -> StoreBuilder:
        key = segment.segment_id()
        if key not in self._builders:
            self._builders[key] = StoreBuilder(os.path.join(storage.folder, key), self.positional_fields)
        return self._builders[key]

    def per_document_writer(self, storage, segment):
        return MosaicPerDocWriter(self, storage, segment, self.builder(storage, segment))

    def field_writer(self, storage, segment):
        return MosaicFieldWriter(self, storage, segment, self.builder(storage, segment))

    def terms_reader(self, storage, segment):
        terms = super().terms_reader(storage, segment)
        folder = _folder(storage)
        store = segment_store(folder, segment.segment_id()) if self.positional_fields and folder else None
        return MosaicTermsReader(terms, store) if store is not None else terms


def _folder(storage) -> str | None:
    """The directory of a file storage, also under the overlay Whoosh reads a compound segment
    through (OverlayStorage(compound file, directory))."""
    while not hasattr(storage, "folder") and hasattr(storage, "b"):
        storage = storage.b
    return getattr(storage, "folder", None)


def store_builder(writer) -> StoreBuilder | None:
    """Return the store builder of a Whoosh SegmentWriter made with a MosaicCodec, or None."""
    fieldwriter = getattr(writer, "fieldwriter", None)
    return fieldwriter.builder if isinstance(fieldwriter, MosaicFieldWriter) else None


class MosaicPerDocWriter(W3PerDocWriter):
    def __init__(self, codec, storage, segment, builder: StoreBuilder):
        super().__init__(codec, storage, segment)
        self.builder = builder

    def add_field(self, fieldname, fieldobj, value, length):
        builder = self.builder
        if fieldname in builder.fields:
            length = length or builder.pending_lengths.pop(fieldname, 0)
            builder.note_length(self._docnum, fieldname, length)
        super().add_field(fieldname, fieldobj, value, length)

    def finish_doc(self):
        self.builder.pending_lengths.clear()
        super().finish_doc()


class MosaicFieldWriter(W3FieldWriter):
    def __init__(self, codec, storage, segment, builder: StoreBuilder):
        super().__init__(codec, storage, segment)
        self.builder = builder

    def add_postings(self, schema, lengths, items):
        fields = set(self.builder.fields)
        super().add_postings(schema, lengths, self._divert(items, fields, schema))

    def _divert(self, items, fields, schema):
        """Pass Whoosh's postings on, but those of the positional fields, which go to the builder
        term by term."""
        builder = self.builder
        term = None
        docs, freqs, positions = [], [], []
        for item in items:
            fieldname, btext, docnum, weight, value = item
            if fieldname not in fields:
                yield item
                continue
            if term != (fieldname, btext):
                if term is not None:
                    builder.add_term(term[0], term[1].decode("utf-8"), docs, freqs, positions)
                term, docs, freqs, positions = (fieldname, btext), [], [], []
            found = schema[fieldname].format.decode_positions(value)
            docs.append(docnum)
            freqs.append(len(found))
            positions.append(found)
        if term is not None:
            builder.add_term(term[0], term[1].decode("utf-8"), docs, freqs, positions)

    def close(self):
        self.builder.finish()
        super().close()


class _EncodedPositions:
    """The Whoosh-encoded positions of each posting of a term, made when a matcher asks."""

    def __init__(self, store, fieldname: str, btext: bytes, docs: np.ndarray, fmt):
        self.store, self.fieldname, self.btext, self.docs, self.fmt = store, fieldname, btext, docs, fmt
        self._lists = None

    def __len__(self) -> int:
        return len(self.docs)

    def __getitem__(self, i: int) -> bytes:
        if self._lists is None:
            self._lists = self.store.positions_lists(self.fieldname, self.btext, self.docs)
        return self.fmt.encode(self._lists[i])


class MosaicTermsReader(base.TermsReader):
    """Whoosh's terms reader, with the positional fields answered from the store."""

    def __init__(self, terms, store):
        self._terms = terms
        self._store = store
        self._fields = store.fields

    def _own(self, fieldname) -> bool:
        return fieldname in self._fields

    def __contains__(self, term):
        fieldname, btext = term
        if self._own(fieldname):
            return btext in self._fields[fieldname].numbers
        return term in self._terms

    def indexed_field_names(self):
        return list(self._terms.indexed_field_names()) + [f for f in self._fields if f not in self._terms.indexed_field_names()]

    def cursor(self, fieldname, fieldobj):
        if self._own(fieldname):
            return _ListCursor(self, fieldname, fieldobj)
        return self._terms.cursor(fieldname, fieldobj)

    def terms(self):
        yield from self._terms.terms()
        for fieldname, table in self._fields.items():
            for btext in table.sorted_terms():
                yield fieldname, btext

    def terms_from(self, fieldname, prefix):
        if not self._own(fieldname):
            return self._terms.terms_from(fieldname, prefix)
        return ((fieldname, btext) for btext in self._sorted_from(fieldname, prefix))

    def _sorted_from(self, fieldname, prefix):
        import bisect

        ordered = self._fields[fieldname].sorted_terms()
        return iter(ordered[bisect.bisect_left(ordered, prefix):])

    def items(self):
        yield from self._terms.items()
        for fieldname, table in self._fields.items():
            for btext in table.sorted_terms():
                yield (fieldname, btext), self.term_info(fieldname, btext)

    def items_from(self, fieldname, prefix):
        if not self._own(fieldname):
            return self._terms.items_from(fieldname, prefix)
        return (((fieldname, btext), self.term_info(fieldname, btext)) for btext in self._sorted_from(fieldname, prefix))

    def _number(self, fieldname, btext) -> int:
        number = self._fields[fieldname].numbers.get(btext)
        if number is None:
            raise TermNotFound(f"No term {fieldname}:{btext!r}")
        return number

    def term_info(self, fieldname, btext):
        if not self._own(fieldname):
            return self._terms.term_info(fieldname, btext)
        n = self._number(fieldname, btext)
        s = self._fields[fieldname].stats
        return TermInfo(weight=float(np.float32(s["weight"][n])), df=int(s["df"][n]), minlength=int(s["minlength"][n]),
                        maxlength=int(s["maxlength"][n]), maxweight=float(np.float32(s["maxweight"][n])),
                        minid=int(s["minid"][n]), maxid=int(s["maxid"][n]))

    def frequency(self, fieldname, btext):
        if not self._own(fieldname):
            return self._terms.frequency(fieldname, btext)
        number = self._fields[fieldname].numbers.get(btext)
        if number is None:
            raise KeyError(btext)
        return float(np.float32(self._fields[fieldname].stats["weight"][number]))

    def doc_frequency(self, fieldname, btext):
        if not self._own(fieldname):
            return self._terms.doc_frequency(fieldname, btext)
        number = self._fields[fieldname].numbers.get(btext)
        if number is None:
            raise KeyError(btext)
        return int(self._fields[fieldname].stats["df"][number])

    def matcher(self, fieldname, btext, format_, scorer=None):
        if not self._own(fieldname):
            return self._terms.matcher(fieldname, btext, format_, scorer=scorer)
        terminfo = self.term_info(fieldname, btext)
        docs, freqs = self._store.postings(fieldname, btext)
        weights = (freqs.astype(np.float32) * np.float32(format_.field_boost)).tolist()
        values = _EncodedPositions(self._store, fieldname, btext, docs.astype(np.int64), format_)
        return ListMatcher(docs.tolist(), weights, values, format_, scorer=scorer, term=(fieldname, btext), terminfo=terminfo)

    def close(self):
        self._terms.close()  # the store is shared by every reader of the generation


class _ListCursor(base.FieldCursor):
    """A cursor over a positional field's terms, in byte order (for fuzzy terms' automata)."""

    def __init__(self, reader: MosaicTermsReader, fieldname: str, fieldobj):
        self._reader, self._fieldname, self._fieldobj = reader, fieldname, fieldobj
        self._terms = reader._fields[fieldname].sorted_terms()
        self._at = 0

    def first(self):
        self._at = 0
        return self.text()

    def find(self, term):
        import bisect

        if not isinstance(term, bytes):
            term = self._fieldobj.to_bytes(term)
        self._at = bisect.bisect_left(self._terms, term)
        return self.text()

    def next(self):
        self._at += 1
        return self.text()

    def text(self):
        return self._fieldobj.from_bytes(self._terms[self._at]) if self.is_valid() else None

    def term_info(self):
        return self._reader.term_info(self._fieldname, self._terms[self._at]) if self.is_valid() else None

    def is_valid(self):
        return self._at < len(self._terms)
