"""Metadata from page text and URLs: bylines, outlets, dates and tag lines."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from urllib.parse import urlparse

_MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                "October", "November", "December", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep",
                "Sept", "Oct", "Nov", "Dec"]

# --- authors -------------------------------------------------------------------------------------

_NAME_WORD = r"(?:[A-ZÀ-ÖØ-Þ][\w'’.-]*|(?:de|da|di|del|der|den|van|von|la|le|al|bin|ibn|el)(?=\s))"
_NAME = rf"{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,3}}"
# A date or time may come first ("11/19/2019 by Jane Doe", "May 3, 2021 | By Jane Doe").
_LEAD = r"(?:[\w/.,:|-]+\s+){0,4}?"
_BYLINE_PATTERNS = (
    re.compile(rf"^(?:by|by:|author:|written by|words by|posted by|story by|report by|von|por|par|door|av)\s+(?P<name>{_NAME})", re.IGNORECASE),
    re.compile(rf"^(?=[\w/.,:| -]*\d){_LEAD}[|·•-]?\s*(?:by|von|por|par)\s+(?P<name>{_NAME})", re.IGNORECASE),
    re.compile(rf"^(?P<name>{_NAME}),\s+(?:{'|'.join(_MONTH_NAMES)})\.?\s+(?:19|20)\d\d$"),
    re.compile(rf"(?:^|[.!?”\"]\s+)(?:writes|written by|by)\s+(?P<name>{_NAME})\s*\.?$", re.IGNORECASE),
)
_BYLINE_PREFIX = re.compile(r"(?:by|by:|author:|written by|von|por|par|door|av)\s", re.IGNORECASE)
# Words that make a byline name an agency or a desk, not a person ("By Agency" has no author).
_NOT_AUTHORS = {
    "agency", "agencies", "staff", "staff writer", "staff reporter", "news desk", "desk", "editor",
    "editors", "editorial", "editorial board", "reuters", "ap", "afp", "associated press",
    "the associated press", "tass", "xinhua", "admin", "administrator", "guest", "team", "newsroom",
    "web desk", "our correspondent", "correspondent", "bureau", "wire", "wires",
}


def clean_author(name: str) -> str:
    """Return a byline name without trailing role words, or "" for an agency or desk."""
    name = re.split(r"\s+(?:and|&)\s+|,|\s+\|", name.strip())[0].strip(" .")
    # The case-insensitive byline pattern lets any word through; a name is capitalised words.
    words = []
    for word in name.split():
        if words and word[:1].islower() and word not in ("de", "da", "di", "del", "der", "van", "von", "la", "le", "al", "bin", "ibn", "el"):
            break
        words.append(word)
    name = " ".join(words).strip(" .")
    if not name or name.lower() in _NOT_AUTHORS or not re.search(r"[A-ZÀ-Þ]", name):
        return ""
    return name


def has_byline_prefix(line: str) -> bool:
    """True for a line that opens like a byline ("By …", "Von …"), whoever it names."""
    return _BYLINE_PREFIX.match(line) is not None


def find_byline(line: str) -> str:
    """Return the author a byline line names ("By X", "Written by X for ...", "... Writes X"), or ""."""
    if len(line) > 600:
        return ""
    for pattern in _BYLINE_PATTERNS:
        match = pattern.search(line)
        if match:
            author = clean_author(match.group("name"))
            if author:
                return author
    return ""


# --- outlets -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Outlet:
    name: str
    domains: tuple[str, ...]
    aliases: tuple[str, ...]


@lru_cache(maxsize=1)
def load_outlets() -> tuple[Outlet, ...]:
    text = resources.files("search.data").joinpath("outlets.toml").read_text(encoding="utf-8")
    return tuple(
        Outlet(o["name"], tuple(o.get("domains", ())), tuple(o.get("aliases", ())))
        for o in tomllib.loads(text)["outlet"]
    )


def domain_of(url: str) -> str:
    host = (urlparse(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def outlet_for_url(url: str) -> str:
    """Return the canonical outlet for a URL's domain, or "" when the domain is unknown."""
    host = domain_of(url)
    for outlet in load_outlets():
        if any(host == d or host.endswith("." + d) for d in outlet.domains):
            return outlet.name
    return ""


def canonical_outlet(name: str) -> str:
    """Return the canonical spelling of an outlet name, or the name itself when unknown."""
    folded = name.strip().casefold()
    for outlet in load_outlets():
        if folded == outlet.name.casefold() or folded in (a.casefold() for a in outlet.aliases):
            return outlet.name
    return name.strip()


@lru_cache(maxsize=1)
def _outlet_name_pattern() -> tuple[re.Pattern, dict[str, str]]:
    names = {alias: o.name for o in load_outlets() for alias in (o.name, *o.aliases)}
    alternation = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternation})(?!\w)"), names


# A site's name in its own chrome is a short line ("The Parallax View", "Frontier Affairs Weekly").
SELF_NAME_MAX_WORDS = 6
SELF_NAME_EXTRA_CHARS = 8  # letters beyond the domain's name: "the", "weekly", "news", "online"


def site_label(url: str) -> str:
    """Return the name part of a URL's domain, folded: "parallaxview" for www.parallaxview.net,
    "bbc" for news.bbc.co.uk."""
    labels = domain_of(url).split(".")
    if len(labels) > 2 and len(labels[-2]) <= 3 and len(labels[-1]) == 2:  # co.uk, com.au
        return fold_name(labels[-3])
    return fold_name(labels[-2] if len(labels) > 1 else labels[0])


def outlet_spelled_for_url(lines: list[str], url: str) -> str:
    """Return the chrome line that spells the URL's site name as words ("The Parallax View" on
    parallaxview.net), or "". Made-up and small outlets are not in any list; their pages still
    name themselves in the masthead and the footer."""
    label = site_label(url) if url else ""
    if len(label) < 3:
        return ""
    counts: dict[str, int] = {}
    for line in lines:
        if len(line.split()) > SELF_NAME_MAX_WORDS or not re.fullmatch(r"[\w'’&\- ]+", line):
            continue
        folded = fold_name(line)
        rest = folded.removeprefix("the")
        if folded == label or rest == label or (label in folded and len(folded) - len(label) <= SELF_NAME_EXTRA_CHARS
                                                 and (folded.startswith(label) or rest.startswith(label))):
            counts[line] = counts.get(line, 0) + 1
    # The spelling the page uses most; the first one among equals (the masthead).
    return max(counts, key=lambda name: counts[name]) if counts else ""


def fold_name(text: str) -> str:
    """Return a name with case and everything but letters and digits dropped, for comparing
    spellings ("The Hill", "TheHill.com" → "thehill", "thehillcom")."""
    return re.sub(r"\W+", "", text.casefold())


def outlet_named_in(lines: list[str]) -> str:
    """Return the known outlet a page names most often in its own chrome lines, or ""."""
    pattern, names = _outlet_name_pattern()
    counts: dict[str, int] = {}
    for line in lines:
        for match in pattern.findall(line):
            outlet = names[match]
            counts[outlet] = counts.get(outlet, 0) + 1
    return max(counts, key=lambda o: (counts[o], o)) if counts else ""


# --- dates ---------------------------------------------------------------------------------------

_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
         ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
         ("october", "oct"), ("november", "nov"), ("december", "dec")]
    )
    for m in names
}
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_DATE_FORMS = (
    re.compile(rf"\b{_YEAR}-(?P<mnum>\d\d)-(?P<day>\d\d)\b"),
    re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}\b", re.IGNORECASE),
    re.compile(rf"\b{_DAY}\s+{_MONTH},?\s+{_YEAR}\b", re.IGNORECASE),
    re.compile(rf"\b(?P<day>\d{{1,2}})[./](?P<mnum>\d{{1,2}})[./]{_YEAR}\b"),
)
_MONTH_YEAR = re.compile(rf"\b{_MONTH}\s+{_YEAR}\b", re.IGNORECASE)
# A dated line is short and reads like a dateline, not a sentence that happens to contain a date.
_DATELINE_MAX_WORDS = 12
_DATELINE_CUE = re.compile(r"^(?:published|posted|updated|issued|date|on)\b", re.IGNORECASE)


def iso_date(year: int, month: int, day: int | None) -> str | None:
    try:
        if day is None:
            return date(year, month, 1).strftime("%Y-%m")
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def parse_date(text: str) -> str | None:
    """Return the first full date written in `text` as ISO (day precision), or None."""
    for form in _DATE_FORMS:
        match = form.search(text)
        if match:
            parts = match.groupdict()
            month = int(parts["mnum"]) if parts.get("mnum") else _MONTHS[parts["month"].lower().rstrip(".")]
            found = iso_date(int(parts["year"]), month, int(parts["day"]))
            if found:
                return found
    return None


def date_from_line(line: str) -> str | None:
    """Return the date a dateline states ("Wednesday, May 25, 2022", "Published on 13 Oct 2024").

    Sentences are ignored: a year or date mentioned in running text is not a publication date.
    """
    words = line.split()
    if len(words) > _DATELINE_MAX_WORDS and not _DATELINE_CUE.match(line):
        return None
    found = parse_date(line)
    if found:
        return found
    match = _MONTH_YEAR.search(line)
    if match and len(words) <= 4:
        return iso_date(int(match.group("year")), _MONTHS[match.group("month").lower().rstrip(".")], None)
    return None


_URL_DATE = re.compile(r"/(?P<year>(?:19|20)\d\d)/(?P<month>[01]?\d)(?:/(?P<day>[0-3]?\d))?(?=/|$)")


def date_from_url(url: str) -> str | None:
    """Return the date a URL path states (/2022/05/25/...), or None."""
    match = _URL_DATE.search(urlparse(url).path)
    if not match:
        return None
    day = match.group("day")
    return iso_date(int(match.group("year")), int(match.group("month")), int(day) if day else None)


# --- tags ----------------------------------------------------------------------------------------

_TAG_PREFIX = re.compile(r"^(?:tags?|topics?|keywords?|filed under)\s*:\s*", re.IGNORECASE)


def has_tag_prefix(line: str) -> bool:
    return _TAG_PREFIX.match(line) is not None


def tags_from_line(line: str) -> tuple[str, ...]:
    """Return the tags of a tag line ("Tags: a, b" or "Azeri, Nagorno-Karabakh, NATO"), else ()."""
    prefixed = _TAG_PREFIX.match(line)
    body = line[prefixed.end():] if prefixed else line
    if len(body) > 300 or re.search(r"[.!?;:]$|[.!?]\s", body):
        return ()
    items = [item.strip() for item in re.split(r"\s*[,|·•]\s*", body) if item.strip()]
    if not prefixed and len(items) < 3:
        return ()
    if not items or any(len(item.split()) > 4 for item in items):
        return ()
    if not prefixed and not all(item[:1].isupper() or item[:1].isdigit() for item in items):
        return ()
    return tuple(dict.fromkeys(items))
