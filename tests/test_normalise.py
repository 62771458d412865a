"""Bytes → text: encodings are honoured or detected, odd Unicode and whitespace made regular."""

import codecs

import pytest

from search.errors import IngestError
from search.ingest.normalise import decode_bytes, normalise_text

TEXT = "Erdoğan’s visit to Baku — “a turning point” for Azerbaijan"


@pytest.mark.parametrize(
    "data",
    [
        TEXT.encode("utf-8"),
        codecs.BOM_UTF8 + TEXT.encode("utf-8"),
        codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"),
        codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"),
    ],
    ids=["utf8", "utf8-bom", "utf16le-bom", "utf16be-bom"],
)
def test_unicode_encodings_decode_exactly(data):
    assert decode_bytes(data) == TEXT


def test_latin1_is_detected_not_garbled():
    text = "Le président a déclaré à Moscou que la coopération énergétique continuera. " * 3
    assert decode_bytes(text.encode("latin-1")) == text


def test_cp1252_quotes_decode_as_quotes():
    data = "Ankara said \u201cno\u201d to the \u2018deal\u2019 in the capital city today.".encode("cp1252")
    assert decode_bytes(data) == "Ankara said \u201cno\u201d to the \u2018deal\u2019 in the capital city today."


@pytest.mark.parametrize(
    "data, reason",
    [(b"", "empty file"), (b"  \n\t ", "empty file"), (bytes(range(256)) * 8, "binary file, not text")],
    ids=["empty", "blank", "binary"],
)
def test_unreadable_input_says_why(data, reason):
    with pytest.raises(IngestError, match=reason):
        decode_bytes(data)


def test_normalise_whitespace_and_invisible_characters():
    raw = "Title\u00a0 with\tspaces \r\n\r\n\r\n\r\n\r\nBody\u200b text\u00ad here  \nnext"
    assert normalise_text(raw) == "Title with spaces\n\n\nBody text here\nnext"


def test_normalise_composes_unicode():
    decomposed = "Erdog\u0306an"  # g + combining breve
    assert normalise_text(decomposed) == "Erdoğan"


@pytest.mark.parametrize("raw, clean", [
    ("plain words, one space each", "plain words, one space each"),
    ("two  spaces   and\tthree", "two spaces and three"),
    ("Erdoğan’s  visit", "Erdoğan’s visit"),  # not ASCII, a run of plain spaces
    ("Baku\u00a0— \u3000Ankara\u2009now", "Baku — Ankara now"),  # no-break, ideographic and thin spaces
    ("  leading and trailing \u00a0\n\u2003indented", "leading and trailing\nindented"),
    ("a\n\n\n\nb\n\n\nc", "a\n\n\nb\n\n\nc"),  # runs of blank lines kept up to two
    ("x\u200b\u202ey\x07z\u0085w", "xyzw"),  # invisible, bidi and control characters
])
def test_whitespace_is_made_regular(raw, clean):
    assert normalise_text(raw) == clean
