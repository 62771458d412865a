"""Bylines: who wrote an article, read from a byline line or an author field.

A byline names one or more people ("By Jane Roe and John Doe", "Von Jane Roe", "A cura di Jane
Roe - Senior Researcher, Some Institute", "Jane ROE, Baku, Azerbaijan"), or credits an agency
("By Associated Press") or the site itself ("Posted by Admin"). `read_byline` returns the people
as separate names, normalised for display ("Jane ROE" → "Jane Roe", diacritics kept), with roles,
affiliations, places, dates and handles split off; an agency or the site is kept as the credit
shown, never as a person. The words bylines are made of live in search/data/bylines.toml.
"""

from __future__ import annotations

import re
from functools import lru_cache

from search.ingest import dates, outlets
from search.ingest.names import (
    BRAND, DOMAIN, TOKEN, Byline, fold, is_agency, name_word, normalise_name, read_names, word_lists,
)

__all__ = ["Byline", "is_agency", "normalise_name", "read_names"]  # with the byline readers below

# A name without a byline word before it has at most this many words besides initials and
# particles ("Michael David Smith", "Ursula von der Leyen"); more is a headline in title case.
BARE_NAME_MAX_WORDS = 3
BYLINE_WORD_REACH = 80  # characters from the line's start where a byline word may stand
MAX_STANDFIRST_CHARS = 800  # a standfirst paragraph with a byline sentence inside is at most this long
# A byline line longer than this is a sentence that happens to say "by".
MAX_BYLINE_CHARS = 300
# What may come before "by" on a byline line: a date or time ("11/19/2019 by", "5:45 AM PST
# 11/19/2019 by"), at most this many words long, or one kicker word ("Analysis by").
MAX_LEAD_WORDS = 8
# A one-word outlet beside a byline in capitals is an acronym ("CNN", "WION"); a longer shouted word
# is the dateline's city ("BANGALORE").
ACRONYM_MAX_CHARS = 6
_ORGANISATION = re.compile(r"(?:[A-Z][\w'’&.-]*\s+){1,4}[A-Z][\w'’.-]*(?=\s*(?:$|[,.;|/(-]))")
_ARTICLES = {"the", "a", "an"}
# "... the meeting. Writes Drago Bosnic", "... by the ministry. By Jane Roe, Baku, Azerbaijan."
_LOWER_WORD = re.compile(r"[^\W\d_]+")
_SENTENCE_BY = re.compile(r"(?:^|[.!?]\s+)(?:[Ww]rites|[Ww]ritten by|By)\s+(?=[A-ZÀ-ÖØ-Þ])")
_SOURCE = re.compile(r"^(?:source|quelle|fuente|fonte|fonti|источник|kaynak|sumber|via|originally published (?:by|at|in|on))\s*:?\s+(?P<name>[^|/]{2,60}?)\s*\.?$", re.IGNORECASE)


def read_credit(text: str) -> Byline:
    """Return what an author field or the text after a byline word credits: people, or an agency."""
    text = " ".join(text.split()).strip(" .,:;|-–—")
    if not text or "://" in text:
        return Byline()
    head = re.split(r"\s+[-–—|/]\s+|,\s*|\s+\(|\s{2,}", text)[0].strip()
    for candidate in (text, head):
        if is_agency(candidate):
            return Byline(credit=word_lists().agencies[fold(candidate)])
    people = read_names(text, min_words=1)
    if people:
        return Byline(people=people)
    first = TOKEN.findall(text)[:1]
    if first and BRAND.search(first[0]) and (len(text) == len(first[0]) or not text[len(first[0]):][:1].isalnum()):
        return Byline(credit=first[0])  # "By LinkNaija": a site or a brand
    organisation = _ORGANISATION.match(text)
    if organisation and organisation.group().split()[-1].casefold() in word_lists().organisation:
        return Byline(credit=organisation.group())
    return Byline()


def read_author_field(text: str) -> Byline:
    """Return who a record's author field credits: it is the author whatever words it uses, so it
    is only split into people ("Jane Roe and John Doe", "Roe, Jane; Doe, John" stays as written)
    and normalised; an agency is a credit, not a person."""
    text = " ".join(text.split()).strip(" .,;|")
    match = word_lists().prefix_pattern.match(text)
    if match and match.group("prefix").casefold() not in word_lists().need_colon:
        text = text[match.end():]
    if not text or "://" in text:
        return Byline()
    if is_agency(text):
        return Byline(credit=word_lists().agencies[fold(text)])
    joiners = "|".join(re.escape(j) for j in sorted(word_lists().joiners, key=len, reverse=True) if len(j) > 1 or j == "&")
    pieces = [p.strip() for p in re.split(rf"\s*;\s*|\s+(?:{joiners})\s+", text, flags=re.IGNORECASE) if p.strip()]
    if len(pieces) == 1 and "," in text and all(len(p.split()) >= 2 for p in text.split(",")):
        pieces = [p.strip() for p in text.split(",")]  # "Jane Roe, John Doe"; "Roe, Jane" stays whole
    people = [normalise_name(p) for p in pieces if not is_agency(p)]
    credit = next((word_lists().agencies[fold(p)] for p in pieces if is_agency(p)), "")
    return Byline(people=tuple(dict.fromkeys(people))) if people else Byline(credit=credit)


@lru_cache(maxsize=16_384)
def read_byline(line: str) -> Byline:
    """Return who a byline line credits ("By X", "Written by X for ...", "11/19/2019 by X",
    "Author: X / Source: Y", "... Writes X"), or an empty Byline for any other line."""
    if len(line) > MAX_BYLINE_CHARS:
        return _standfirst_byline(line) if len(line) <= MAX_STANDFIRST_CHARS else Byline()
    w = word_lists()
    head = line[:BYLINE_WORD_REACH]
    if not w.first_words.intersection(_LOWER_WORD.findall(head.lower())):
        return _standfirst_byline(line)  # no byline word at all: most lines stop here
    # A byline word opens the line or follows a short lead, so it sits in the line's first characters.
    for match in w.prefix_pattern.finditer(line, 0, BYLINE_WORD_REACH):
        prefix = match.group("prefix").casefold()
        lead = line[: match.start()]
        # The byline word opens the line, or follows a date, a time, a separator or one kicker word.
        if lead.strip() and not _lead_is_short(lead):
            continue
        if prefix in w.need_colon and not match.group("colon"):
            continue
        rest = line[match.end():]
        min_words = 2 if prefix in w.two_words else 1
        byline = read_credit(rest) if min_words == 1 else Byline(people=read_names(rest, min_words))
        if byline.people and min_words == 2 and len(byline.people[0].split()) < 2:
            continue
        if byline:
            return byline
    return _standfirst_byline(line)


def _standfirst_byline(line: str) -> Byline:
    """Return the people a "By Jane Roe, Baku, Azerbaijan." sentence inside a paragraph names."""
    match = _SENTENCE_BY.search(line) if ("By " in line or "rite" in line) else None
    if match and match.start() > 0:
        rest = line[match.end():]
        people = read_names(rest, min_words=2)
        after = rest[_consumed_length(rest, people):] if people else ""
        # "... of the talks. By Jane Roe, Baku, Azerbaijan." in a standfirst: the name, then a place or the end.
        if people and (not after.strip(" .") or re.match(r"^\s*(?:,\s*[A-Z][\w.-]*(?:,?\s+[A-Z][\w.-]*)*\s*(?:\.|$)|\.)", after)):
            return Byline(people=people)
    return Byline()


def _lead_is_short(lead: str) -> bool:
    """A byline's lead is a date or time, or at most one word ("Analysis by", "11/19/2019 by")."""
    words = lead.split()
    if len(words) <= 1:
        return True
    return len(words) <= MAX_LEAD_WORDS and (bool(re.search(r"\d", lead)) or bool(re.search(r"[|·•—–-]\s*$", lead)))


def has_byline_prefix(line: str) -> bool:
    """True for a line that opens like a byline ("By …", "Von …"), whoever it names."""
    match = word_lists().prefix_pattern.match(line)
    return match is not None and (match.group("prefix").casefold() not in word_lists().need_colon or bool(match.group("colon")))


def is_bare_byline_word(line: str) -> bool:
    """True for a line that is only a byline word ("By"): the name is on the next line."""
    folded = line.strip().rstrip(":").strip().casefold()
    return folded in word_lists().prefixes and folded not in word_lists().need_colon or folded in ("author", "authors", "autor", "автор")


@lru_cache(maxsize=16_384)
def read_name_line(line: str) -> Byline:
    """Return the person (or agency) a line without a byline word opens with, when the rest of the
    line is what follows a name in a byline: nothing, a date, a handle, a role or the outlet
    ("Jane Roe", "Jane Roe - Nov 19, 2019", "Jane Roe@janeroe", "Associated Press  November 19, 2019")."""
    line = line.strip()
    if not line or len(line) > 160 or line.endswith(("?", "!")):
        return Byline()
    words = TOKEN.findall(line)
    opening = fold(" ".join(words[:5])).split()[:1]
    for k in range(min(len(words), 5), 0, -1) if opening and opening[0] in _agency_first_words() else ():
        head = " ".join(words[:k])
        if is_agency(head) and (k == len(words) or not name_word(words[k]) or dates.MONTHS.get(words[k].casefold().rstrip("."))):
            return Byline(credit=word_lists().agencies[fold(head)])
    people = read_names(line, min_words=2)
    if not people or re.match(r"\w+ing\b", line):  # "Introducing Jane Roe, New CEO": a headline
        return Byline()
    if any(sum(len(w.rstrip(".")) > 1 and w[:1].isupper() for w in p.split()) > BARE_NAME_MAX_WORDS for p in people):
        return Byline()  # "New Canal Threatens Peace Between ...": a headline in title case
    # What follows the names must be byline furniture, not the rest of a sentence or a headline.
    consumed = _consumed_length(line, people)
    tail = line[consumed:].strip(" ,")
    first = tail.split()[0].casefold() if tail else ""
    if first in _ARTICLES:
        first = ""  # "Kyiv Braces For A Second Winter": a headline in title case goes on
    on_date = re.match(r"^on\s+(.*)", tail)
    if on_date and not (dates.parse_date(on_date.group(1)) or dates.has_weekday(on_date.group(1)) or dates.starts_with_month(on_date.group(1))):
        return Byline()  # "Red Sea on edge: ...": a headline, not "Jane Roe on March 2, 2020"
    if tail and not (re.match(r"^(?:[-–—|/·•@(]|\d|on\b|for\b)", tail) or dates.date_from_line(tail) or dates.starts_with_month(tail)
                     or dates.relative_age(tail) or _only_roles(tail) or first in word_lists().widget
                     or outlets.is_known_outlet(tail)):
        return Byline()
    return Byline(people=people)


@lru_cache(maxsize=1)
def _agency_first_words() -> frozenset[str]:
    """The first word of every agency's name, folded: a line that opens with none names no agency."""
    return frozenset(name.split()[0] for name in word_lists().agencies if name)


def _consumed_length(line: str, people: tuple[str, ...]) -> int:
    """Return where the last name ends in `line` (case-insensitively), for looking at what follows."""
    last = people[-1].split()[-1]
    position = line.casefold().rfind(last.casefold())
    return position + len(last) if position >= 0 else len(line)


def _only_roles(text: str) -> bool:
    """True for a tail made of a role or an affiliation ("Senior Editor", "Business Insider",
    "Ap National Political Writer"): capitalised words, at least one of them a role or organisation word."""
    tokens = TOKEN.findall(text)
    words = [t for t in tokens if t[:1].isalpha()]
    w = word_lists()
    if not words or len(words) > 5 or len(tokens) > len(words) + 1:
        return False
    folded = [t.casefold().rstrip(".") for t in words]
    return any(x in w.role or x in w.organisation for x in folded) and all(t[:1].isupper() or t in w.particles for t in words)


_AFFILIATION_SPLIT = re.compile(r"\s+[-–—|/·•]\s+|,\s*|\s+for\s+|\s{2,}")


def read_affiliation(line: str, byline: Byline) -> str:
    """Return the outlet a byline or dateline line names beside the author or the date ("By Jane
    Roe, Outlet Name", "Jane Roe | Outlet", "Nov 19, 2019 / 10:07 AM / Outlet", "By Jane Roe, Outlet
    Staff"), or "": roles, agencies, places and the people themselves are no outlet."""
    match = word_lists().prefix_pattern.match(line)
    line = line[match.end():] if match else line
    names = [p for p in (*byline.people, byline.credit) if p]
    for name in names:  # "Elliot Brownstein Florida Today": what follows the name
        position = line.casefold().find(name.casefold())
        if position >= 0:
            line = line[:position] + " | " + line[position + len(name):]
    for piece in reversed([p.strip(" .|/-–—·•") for p in _AFFILIATION_SPLIT.split(line) if p.strip(" .|/-–—·•")]):
        tokens = []
        for token in TOKEN.findall(piece):
            if re.search(r"\d", token) and not DOMAIN.match(token):
                break  # "Live Science Contributor 2019-11-19T12:48Z": the date ends it
            tokens.append(token)
        desk = False
        while tokens and (tokens[-1].casefold().rstrip(".") in word_lists().role | {"staff", "team", "desk"}
                          or tokens[-1].casefold().rstrip(".") in dates.MONTHS):
            desk = desk or tokens[-1].casefold() in ("staff", "team", "desk")
            tokens.pop()  # "IGN Staff", "Live Science Contributor", "LinkNaija August 08, 2018"
        name = " ".join(tokens)
        if not name or any(is_agency(t) for t in tokens) or is_agency(name) or name.casefold() in word_lists().widget:
            continue
        if dates.has_date_cue(name):
            continue  # "Published Wed, Nov 20 2019": the dateline's label, not an outlet
        if DOMAIN.match(name) or outlets.is_known_outlet(name):
            return name
        if not 1 <= len(tokens) <= 4 or not all(t[:1].isupper() or t in ("&", "of", "the") for t in tokens):
            continue
        if len(tokens) == 1 and not (desk or name.isupper() and len(name) <= ACRONYM_MAX_CHARS or BRAND.search(name)
                                     or re.search(r"[a-z][A-Z]", name)):
            continue  # "Azerbaijan", "BANGALORE": a place; "CNN", "SlashGear", "Meridian Staff" name outlets
        return name
    return ""


_DESK_CREDIT = re.compile(r"^(?!(?:our|meet|about|contact|all|join)\b)(?:[\w.&'’-]+\s+){0,4}(?:wire services?|news services?|staff(?: reports?| writers?)?|newsroom|news desk|desk)$", re.IGNORECASE)


def is_desk_credit(line: str) -> bool:
    """True for a byline that credits a desk, not a person ("Detroit News wire services", "Staff Reports");
    "Our Staff" and "Meet the Team" are menu items."""
    return _DESK_CREDIT.match(line.strip()) is not None


_SERIES_SEPARATOR = re.compile(r"\s+\|\s+")


def read_series_line(line: str) -> tuple[str, Byline] | None:
    """Return (title, author) of a line that gives a series, an author and a title together
    ("Working Paper | Jane ROE | Title of the paper"), or None."""
    if " | " not in line:
        return None
    pieces = _SERIES_SEPARATOR.split(line.strip())
    if len(pieces) < 3 or len(pieces) > 4:
        return None
    names = [p for p in pieces if len(p.split()) <= 4 and read_name_line(p).people and read_name_line(p).people[0] == normalise_name(p.strip())]
    titles = [p for p in pieces if p not in names and len(p.split()) >= 4]
    if len(names) != 1 or not titles:
        return None
    return titles[-1], read_name_line(names[0])


_FULL_VERSION = re.compile(
    r"^(?:full (?:version|text|paper|report|study)|read the full (?:paper|report|article|text|study)|download (?:the )?"
    r"(?:full )?(?:paper|report|pdf|study))\s*:\s*(?P<rest>.+)$", re.IGNORECASE)


def read_full_version_line(line: str) -> Byline:
    """Return the author a "Full version: Jane Roe, “Title”, Institute" line cites, or an empty Byline."""
    match = _FULL_VERSION.match(line.strip())
    if not match or "://" in match.group("rest")[:12]:
        return Byline()
    rest = match.group("rest")
    people = read_names(rest, 2)
    after = rest[_consumed_length(rest, people):].lstrip(" ,.:") if people else ""
    return Byline(people=people) if people and after[:1] in "\"“‘'«(" else Byline()


def read_source_line(line: str) -> str:
    """Return the outlet a syndicated copy credits ("Source: Trend", "Originally published at X"), or ""."""
    match = _SOURCE.match(line.strip())
    if not match:
        return ""
    name = match.group("name").strip(" .")
    if "://" in name or len(name.split()) > 6 or not name[:1].isupper() and not DOMAIN.match(name):
        return ""
    return name
