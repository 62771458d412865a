"""People's names as bylines print them: read from text, told apart from roles, places, agencies
and organisations, and normalised for display and facets ("Jane ROE" → "Jane Roe", diacritics
kept). The words this takes (byline words, agencies, roles, particles) live in
search/data/bylines.toml; search/ingest/bylines.py reads whole byline lines with it.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from search.ingest import dates, outlets

# A name has at most this many words ("Michael David Smith", "Ursula von der Leyen").
MAX_NAME_WORDS = 5
TOKEN = re.compile(r"@\w+|[^\W\d_][\w'’.\-]*|\d[\d:./-]*|[^\w\s]")
_HANDLE = re.compile(r"@\w+")
_EMAIL = re.compile(r"\S+@\S+\.\w+")
DOMAIN = re.compile(r"^[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|co|uk|de|fr|ru|in|info|news|io|eu|us|ca|au)$", re.IGNORECASE)
# "GarberFOXBusiness", "HiltzikBusiness Columnist": a page glued the name to what follows it.
_GLUED = re.compile(r"(?<=[a-zà-ÿ]{3})(?=[A-Z]{2}|[A-Z][a-z]{3,})")
BRAND = re.compile(r"[A-Z]{2,}[a-z]|[A-Z][a-z]{3,}[A-Z]")  # "FOXBusiness", "MeridianNews", not "McDonald"
_NOT_WORD = re.compile(r"[^\w&]+")
_NON_SPACE = re.compile(r"\S+")
# Titles before a name, not part of it ("By Dr Jane Roe", "Ms. Jane Roe").
_HONORIFIC = re.compile(r"^(?:dr|prof|mr|mrs|ms|mx|sir|dame|rev|hon)\.?$", re.IGNORECASE)


@dataclass(frozen=True)
class Byline:
    """Who a byline credits: the people it names, or the agency or site it names instead."""

    people: tuple[str, ...] = ()
    credit: str = ""  # an agency or the site itself ("Associated Press", "LinkNaija"): shown, not a person

    @property
    def display(self) -> str:
        """The byline as shown: "Jane Roe", "Jane Roe and John Doe", "A, B and C", or the credit."""
        if not self.people:
            return self.credit
        if len(self.people) == 1:
            return self.people[0]
        return ", ".join(self.people[:-1]) + " and " + self.people[-1]

    def __bool__(self) -> bool:
        return bool(self.people or self.credit)


@dataclass(frozen=True)
class Words:
    prefixes: tuple[str, ...]  # longest first
    need_colon: frozenset[str]
    two_words: frozenset[str]
    agencies: dict[str, str]  # folded → as spelled
    organisation: frozenset[str]
    role: frozenset[str]
    widget: frozenset[str]
    particles: frozenset[str]
    joiners: frozenset[str]
    prefix_pattern: re.Pattern
    first_words: frozenset[str]  # the first word of every byline word or phrase ("by", "written", "a")


@lru_cache(maxsize=1)
def word_lists() -> Words:
    data = tomllib.loads(resources.files("search.data").joinpath("bylines.toml").read_text(encoding="utf-8"))
    prefixes = tuple(sorted({w.casefold() for w in data["prefixes"]["words"]}, key=len, reverse=True))
    alternation = "|".join(re.escape(p) for p in prefixes)
    return Words(
        prefixes=prefixes,
        need_colon=frozenset(w.casefold() for w in data["prefixes"]["need_colon"]),
        two_words=frozenset(w.casefold() for w in data["prefixes"]["two_words"]),
        agencies={fold(a): a for a in data["agencies"]["names"]},
        organisation=frozenset(data["not_names"]["organisation"]),
        role=frozenset(data["not_names"]["role"]),
        widget=frozenset(data["not_names"]["widget"]),
        particles=frozenset(data["not_names"]["particles"]),
        joiners=frozenset(data["not_names"]["joiners"]),
        first_words=frozenset(p.split()[0] for p in prefixes),
        prefix_pattern=re.compile(rf"(?<!\w)(?P<prefix>{alternation})(?P<colon>\s*:)?\s+(?=\S)", re.IGNORECASE),
    )


def fold(text: str) -> str:
    return " ".join(_NOT_WORD.sub(" ", text.casefold()).split())


def is_agency(name: str) -> bool:
    """True for a news agency or wire service ("AP", "The Associated Press", "Reuters")."""
    return fold(name) in word_lists().agencies


def normalise_name(name: str) -> str:
    """Return a person's name as displayed and faceted: shouted words in title case ("Jane ROE" →
    "Jane Roe"), an all-lower-case name capitalised, particles and diacritics kept."""
    words = name.split()
    shouted = [w for w in words if w.isupper() and sum(c.isalpha() for c in w) >= 2]
    lower = all(w.islower() for w in words)
    out = []
    for word in words:
        if (word in shouted and not _is_numeral(word)) or (lower and word not in word_lists().particles):
            word = re.sub(r"[^\W\d_]+", lambda m: m.group().capitalize(), word.lower())
        out.append(word)
    return " ".join(out)


def _is_numeral(word: str) -> bool:
    return re.fullmatch(r"(?:I{1,3}|IV|V|VI{0,3}|IX|X|JR|SR)\.?", word.upper()) is not None and word.upper() == word and len(word) <= 4


def name_word(token: str) -> bool:
    """True for a word that can be part of a person's name: capitalised, not a role, widget or org word."""
    if not token[:1].isupper() or not token[:1].isalpha():
        return False
    folded = token.casefold().rstrip(".")
    w = word_lists()
    if folded in w.widget or folded in w.role or folded in w.organisation:
        return False
    if folded in dates.MONTHS and len(folded) > 2 or dates.has_weekday(token):
        return False
    # "FOXBusiness", "CNNMoney": a brand; "McDonald", "DeArdo" and "O'BRIEN" are names.
    return not (DOMAIN.match(token) or BRAND.search(token))


def _split_glued(text: str) -> str:
    """Return text with glued words split where a page ran a name into what follows it."""
    def fix(match: re.Match) -> str:
        word = match.group()
        parts = _GLUED.split(word)
        if len(parts) == 1:
            return word
        tail = parts[1]
        words = word_lists()
        if tail[:2].isupper() or any(p.casefold() in words.role or p.casefold() in words.organisation for p in parts[1:]):
            return parts[0] + " " + "".join(parts[1:])
        return word
    return _NON_SPACE.sub(fix, text) if _GLUED.search(text) else text


def read_names(text: str, min_words: int = 2) -> tuple[str, ...]:
    """Return the people a byline's text names, in order, from its start: "Jane Roe and John Doe",
    "Stefan Becket, Kathryn Watson, Grace Segers"; reading stops at a role, an affiliation, a
    place, a date, a handle or a separator (" - ", " | ", " / ", " on ", " for ")."""
    text = _split_glued(_EMAIL.sub(" ", _HANDLE.sub(" @ ", text)))
    tokens = TOKEN.findall(text)
    w = word_lists()
    names: list[str] = []
    i = 0
    while i < len(tokens):
        words: list[str] = []
        while i < len(tokens) and len(words) < MAX_NAME_WORDS:
            token = tokens[i]
            if not words and _HONORIFIC.match(token) and i + 1 < len(tokens) and name_word(tokens[i + 1]):
                i += 1  # "Dr", "Ms." before the name
                continue
            if name_word(token):
                words.append(token)
                if token.endswith(".") and len(token.rstrip(".")) > 2 and token.rstrip(".").isalpha() and token.casefold() not in ("jr.", "sr.", "st."):
                    i += 1
                    break  # "Roe." ends a sentence, not a name
            elif words and token in w.particles and _particle_continues(tokens, i):
                words.append(token)
            else:
                break
            i += 1
        if words and words[-1].endswith("."):
            words[-1] = words[-1] if len(words[-1].rstrip(".")) <= 2 or words[-1].casefold() in ("jr.", "sr.") else words[-1].rstrip(".")
        while words and words[-1] in w.particles:
            words.pop()
        if words and i < len(tokens) and tokens[i].casefold() in w.organisation and tokens[i][:1].isupper():
            # "Elliot Brownstein Florida Today": the word before "Today" names the outlet with it.
            after = [t.casefold() for t in tokens[i + 1 : i + 3]]
            if len(words) <= 2 and not names and not any(a in w.role for a in after):
                return ()  # "European Space Agency": an organisation (see read_credit)
            if len(words) > 2:
                words = words[:-1]
        name = normalise_name(" ".join(words))
        if len(words) < (min_words if not names else 2) or is_agency(name) or any(is_agency(x) for x in words):
            break
        names.append(name)
        # Another name follows a joiner ("and", "&", "und") or a comma, if it reads as a person.
        if i < len(tokens) and (tokens[i] == "," or tokens[i].casefold() in w.joiners):
            k = i + 1
            if tokens[i] == "," and k < len(tokens) and tokens[k].casefold() in w.joiners:
                k += 1
            if starts_name(tokens, k, 2):
                i = k
                continue
        break
    return tuple(dict.fromkeys(names))


def _particle_continues(tokens: list[str], i: int) -> bool:
    """True when the particle at tokens[i] sits inside a name ("von der Leyen"), not between two names."""
    w = word_lists()
    k = i
    while k < len(tokens) and tokens[k] in w.particles:
        k += 1
    if k >= len(tokens) or not name_word(tokens[k]):
        return False
    # "Juana Pérez y José Ortega": a joiner before a whole further name joins two people.
    return not (tokens[i].casefold() in w.joiners and k == i + 1 and starts_name(tokens, k, 2))


def starts_name(tokens: list[str], i: int, min_words: int) -> bool:
    """True when tokens[i:] open with a person's name of at least min_words words, not followed by
    a role or an organisation word ("Kathryn Watson" yes; "Ap Auto Writer", "Business Insider" no)."""
    w = word_lists()
    count, start = 0, i
    while i < len(tokens) and count < MAX_NAME_WORDS and (name_word(tokens[i]) or tokens[i] in w.particles and count):
        count += name_word(tokens[i])
        i += 1
    if count < min_words or any(is_agency(t) for t in tokens[start:i]) or outlets.is_known_outlet(" ".join(tokens[start:i])):
        return False
    if i >= len(tokens):
        return True
    nxt = tokens[i].casefold().rstrip(".")
    if nxt in w.role or nxt in w.organisation:
        return False
    return not tokens[i][:1].isalpha() or not tokens[i][:1].islower() or nxt in w.joiners or nxt in ("on", "for", "in", "at")
