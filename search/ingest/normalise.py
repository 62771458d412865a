"""Bytes to clean text: encoding detection, Unicode and whitespace normalisation."""

from __future__ import annotations

import codecs
import re
import unicodedata

from search.errors import IngestError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Characters that render as nothing or as a plain space in a browser, so a reader never sees them.
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
_SPACES = re.compile("[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Bidirectional embeddings, overrides and isolates: they can make a title or a URL read
# backwards on screen ("Trojan Source"); right-to-left text renders correctly without them.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
_WESTERN = {"cp1252", "latin_1", "iso8859_15"}
# More than this share of control bytes in the first KiB means a binary file, not text.
_BINARY_CONTROL_SHARE = 0.10


def decode_bytes(data: bytes, declared: str | None = None) -> str:
    """Return the text of `data`: BOM first, then a declared charset, then UTF-8, then detection."""
    if not data.strip():
        raise IngestError("empty file")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    head = data[:1024]
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    if b"\x00" in head or controls > _BINARY_CONTROL_SHARE * len(head):
        raise IngestError("binary file, not text")
    if declared:
        try:
            return data.decode(declared)
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong declaration is common; fall through to detection
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - charset_normalizer ships with the project
        from_bytes = None
    if from_bytes is not None:
        matches = list(from_bytes(data))
        if matches:
            best = matches[0]
            # Detectors often pick a Central European code page for Western text that reads just
            # as cleanly as Windows-1252; the Western one is far more common on the web.
            western = next((m for m in matches if m.encoding in _WESTERN and m.chaos <= best.chaos + 0.01), None)
            return str(western or best)
    # Every byte is valid cp1252 except five; latin-1 is the last resort and never fails.
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def normalise_field(value: str) -> str:
    """Return a one-line field (a title, a name, an outlet) normalised as page text is, on one
    line: whatever a record or a page gave, no control, invisible or bidi character gets through."""
    return " ".join(normalise_text(value).split())


def safe_url(value: str) -> str:
    """Return `value` as a URL to store and link when it is an http(s) URL, else "".

    Browsers drop tabs, line breaks and leading spaces inside a URL ("java\tscript:" runs as
    javascript:), so they are dropped before the scheme is looked at.
    """
    url = "".join(normalise_text(value or "").split())
    scheme, _, rest = url.partition(":")
    return url if scheme.lower() in ("http", "https") and rest.startswith("//") and len(rest) > 2 else ""


def normalise_text(text: str) -> str:
    """Return `text` in NFC with invisible characters removed and whitespace made regular.

    Line structure is kept (it carries the page layout), runs of spaces within a line collapse,
    and runs of blank lines are kept up to two: a double blank line separates items in the
    copied-page dumps (comments, for one).
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n\n")
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE.sub("", text)
    text = _BIDI_CONTROLS.sub("", text)
    text = _CONTROL.sub("", text.replace("\t", " "))
    text = _SPACES.sub(" ", text)  # no line break among its characters: one pass for every line
    lines = [line.strip() for line in text.split("\n")]
    text = "\n".join(lines)
    text = re.sub(r"\n{4,}", "\n\n\n", text)
    return text.strip("\n")
