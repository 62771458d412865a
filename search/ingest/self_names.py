"""The name a page gives its own publisher, read from the page's chrome.

A page without a known URL still says who published it: "Support X", "Subscribe to X", "About X"
and "Search X" lines, "© 2021 X" footers, "written exclusively for X", "X is an independent ...",
the domain it prints, its masthead, and the menus whose items start with its name ("ZDNet China",
"ZDNet France", ...). Each kind of evidence votes for a name; every spelling of one name votes
for it together ("South Front", "SouthFront", "southfront.org"); the name with the most votes
wins when it has enough of them and a clear lead. Copyright lines count less: they often name
the parent company ("© 2019 Ziff Davis") rather than the site. The phrases live in
search/data/self_names.toml.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from search.ingest import outlets

# Votes per kind of evidence. Calibrated on extraction-dev dumps without their URLs (83 pages that
# name their outlet) and checked on crawl-dev: a self-reference phrase is worth two printed
# domains; a copyright line less than either; a menu whose lines start with the name counts once
# per line, up to MENU_VOTE_CAP.
PHRASE_VOTES = 2.0
WEAK_PHRASE_VOTES = 1.0
COPYRIGHT_VOTES = 1.0
DOMAIN_VOTES = 1.0
MASTHEAD_VOTES = 1.0  # a whole line that is a name some other evidence already voted for
MENU_VOTES = 0.5
MENU_VOTE_CAP = 3.0
MENU_MIN_LINES = 3  # a name that starts fewer menu lines is a section, not the site
MIN_VOTES = 2.0  # less is too little to name an outlet
LEAD = 1.0  # the winner needs this many votes more than the runner-up
CHROME_MAX_WORDS = 12  # longer lines are sentences, where a name is mentioned, not claimed ...
PHRASE_LINE_MAX_WORDS = 30  # ... except in the phrases that describe the site ("X is an independent ...")
MENU_LINE_MAX_WORDS = 6
MASTHEAD_REACH = 5  # the page's first chrome lines, where its masthead stands ...
MASTHEAD_MAX_WORDS = 4  # ... as a short name alone on its line

# A name's words: capitalised, CamelCase or digits in Latin script; any word in scripts that have
# no capitals or that a page rarely spells in Latin ("Нормы ГТО и знаний", "ノート100YEN.com").
_NAME_TOKEN = r"(?:[A-Z0-9][\w'’.&-]*|[a-z]+[A-Z0-9][\w'’.&-]*|[^\x00-\u024f\W][\w'’.&-]*)"
_NAME = rf"(?P<name>{_NAME_TOKEN}(?:\s+(?:of|the|and|for|on|de|du|la|di|&|{_NAME_TOKEN})){{0,5}}|{outlets.DOMAIN_PATTERN})"
_TOKEN = re.compile(r"\S+")
_NAME_TOKEN_RE = re.compile(_NAME_TOKEN)
_TRAILING_JOINER = re.compile(r"(?:\s+(?:of|the|and|for|on|de|du|la|di|&))+$")
_NAME_RE = re.compile(_NAME.replace("(?P<name>", "(?:"))
_DOMAIN_RE = re.compile(outlets.DOMAIN_PATTERN)
_COPYRIGHT_CUE = re.compile(r"©|\(c\)|copyright|rights reserved|derechos reservados|droits réservés|rechte vorbehalten"
                            r"|diritti riservati|права защищены", re.IGNORECASE)
_INSIDE_CUE = re.compile(r"trade ?(?:marks?|names?)\b|permission|consent", re.IGNORECASE)
COMPANY_FORM_REACH = 2  # "Private Ltd" after the name
COPYRIGHT_REACH_WORDS = 20  # a copyright notice inside a long footer line: this many words from its "©"
_PRINTED_DOMAIN = re.compile(rf"(?<![\w@/.-])(?:https?://)?({outlets.DOMAIN_PATTERN})(?![\w@-])")
_POSSESSIVE = re.compile(r"['’]s\b", re.IGNORECASE)


@dataclass(frozen=True)
class _Data:
    cue_words: frozenset[str]  # the words of every phrase: a line without one matches none
    strong: re.Pattern
    inside: re.Pattern
    weak: re.Pattern
    copyright: re.Pattern
    corporate: frozenset[str]
    third_party: frozenset[str]
    generic: frozenset[str]
    ui: frozenset[str]


@lru_cache(maxsize=1)
def _data() -> _Data:
    data = tomllib.loads(resources.files("search.data").joinpath("self_names.toml").read_text(encoding="utf-8"))

    strong = [p for p in data["phrases"]["strong"]]
    copyright_ = [p for p in data["phrases"]["copyright"]]
    return _Data(
        cue_words=_cue_words(strong + data["phrases"]["weak"]),
        strong=_named_alternation(strong),
        inside=_named_alternation(data["phrases"]["inside"]),
        weak=_named_alternation(data["phrases"]["weak"]),
        copyright=_named_alternation(copyright_),
        corporate=frozenset(data["phrases"]["corporate_suffixes"]),
        third_party=frozenset(data["domains"]["third_party"]),
        generic=frozenset(data["menu"]["generic"]),
        ui=frozenset(data["ui"]["words"]),
    )


def _cue_words(phrases: list[str]) -> frozenset[str]:
    """Return the words of the phrases ("support", "subscribe", "staff", ...), the commonest left
    out: a line with none of them matches no phrase, and most lines have none."""
    words = set()
    for phrase in phrases:
        words.update(w for w in re.findall(r"[a-z]{3,}", phrase.replace("{name}", " ")) if w not in _COMMON)
    return frozenset(words)


_WORDS = re.compile(r"[a-z]{3,}")
_COMMON = {"the", "for", "all", "and", "name"}


def _named_alternation(phrases: list[str]) -> re.Pattern:
    """Compile phrases with {name} into one pattern whose groups n0, n1, ... hold the name."""
    parts = []
    for k, phrase in enumerate(phrases):
        before, _, after = phrase.partition("{name}")
        name = _NAME.replace("(?P<name>", f"(?P<n{k}>")
        parts.append((f"(?i:{before})" if before else "") + name + (f"(?i:{after})" if after else ""))
    return re.compile("|".join(f"(?:{p})" for p in parts))


def _matched_name(match: re.Match) -> str:
    """Return the name a phrase matched, without a joiner it ran on to ("Gizmodo and pug ...")."""
    return _TRAILING_JOINER.sub("", next(value for key, value in match.groupdict().items() if value))


def _name_end(match: re.Match) -> int:
    return next(match.end(key) for key, value in match.groupdict().items() if value)


_PARENTHESES = re.compile(r"\([^)]{0,40}\)")


def _company_follows(rest: str, corporate: frozenset[str]) -> bool:
    """True when a company form follows the name after a place in brackets ("The Printers
    (Mysore) Private Ltd"): the holder is a company, perhaps the parent, not the site."""
    words = _PARENTHESES.sub(" ", rest).replace(",", " ").split()[:COMPANY_FORM_REACH]
    return any(w.casefold().strip(".") in corporate and w.casefold().strip(".") not in _RIGHTS for w in words)


@lru_cache(maxsize=4096)
def group_key(name: str) -> str:
    """Return what every spelling of one outlet shares ("The Hill", "TheHill.com", "thehill.com" → "hill")."""
    name = name.strip()
    if _DOMAIN_RE.fullmatch(name.lower()):
        folded = outlets.site_label(name)
    else:
        folded = outlets.fold_name(name)
    known = outlets.known_fold(folded)
    if known:
        folded = outlets.fold_name(known)
    return folded.removeprefix("the") or folded


def _trim(name: str, corporate: frozenset[str]) -> tuple[str, bool]:
    """Return a copyright holder's name without "Inc.", "LLC", "All rights reserved", a year and
    what follows, and whether a company form ("Inc.", "LLC", "Media Group") ended it: then it is
    more often the parent company than the site."""
    words = name.replace(",", " ").split()
    for k, word in enumerate(words):
        folded = word.casefold().strip(".")
        if k and (folded in corporate or folded.isdigit() or _YEAR.match(folded)):
            return " ".join(words[:k]).strip(" ."), folded in corporate and folded not in _RIGHTS
    return " ".join(words).strip(" ."), False


_YEAR = re.compile(r"(?:19|20)\d\d\b")
_RIGHTS = {"all", "todos", "tous", "alle", "tutti", "powered", "a", "an"}  # "All rights reserved", not a company


def _usable(name: str, data: _Data) -> bool:
    folded = name.casefold().strip(" .")
    if not folded or folded in data.generic or folded.isdigit() or len(name.split()) > 6:
        return False
    if any(word.strip(".,:") in data.ui for word in folded.split()):
        return False
    if _DOMAIN_RE.fullmatch(folded):
        host = folded.removeprefix("www.")
        return not any(host == d or host.endswith("." + d) for d in data.third_party)
    return True


@dataclass
class Votes:
    """Votes for each name a page calls itself, by group key, with the spellings and kinds of evidence."""

    votes: Counter[str]
    spellings: dict[str, Counter[str]]
    kinds: dict[str, set[str]]


def count_votes(lines: list[str], claims: tuple[str, ...] = ()) -> Votes:
    """Return the votes a page's chrome lines cast for the names it calls itself, with `claims`:
    names the page's header gives (the outlet beside the byline, the site after the headline)."""
    return _count_votes(tuple(lines), claims)


@lru_cache(maxsize=8)
def _count_votes(lines: tuple[str, ...], claims: tuple[str, ...]) -> Votes:
    """count_votes, remembered: the same page is asked about with and without its URL."""
    data = _data()
    votes: Counter[str] = Counter()
    spellings: dict[str, Counter[str]] = {}
    kinds: dict[str, set[str]] = {}

    def vote(name: str, weight: float, kind: str, times: int = 1) -> None:
        name = _POSSESSIVE.split(name)[0].strip(" .,:;!|-–—")
        if not _usable(name, data):
            return
        key = group_key(name)
        if len(key) < 3 and not name.isupper() and kind != "page_domain":
            return  # "in.com", "Me": too short to be a site's name unless written as initials
        votes[key] += weight * times
        spellings.setdefault(key, Counter())[name] += times
        kinds.setdefault(key, set()).add(kind)

    for claim in claims:
        vote(claim, PHRASE_VOTES, "byline")
    # Each distinct line once, its votes counted as often as the page shows it.
    counted = Counter(line.strip(" .:!|•·–—-") for line in lines)
    short = {line: n for line, n in counted.items() if len(line.split()) <= CHROME_MAX_WORDS}
    for line, times in counted.items():
        words = line.split()
        lowered = line.lower()
        if len(words) <= PHRASE_LINE_MAX_WORDS and data.cue_words.intersection(_WORDS.findall(lowered)):
            phrase = data.strong.fullmatch(line)
            if phrase:
                vote(_matched_name(phrase), PHRASE_VOTES, "self_reference", times)
        if _INSIDE_CUE.search(line):
            for phrase in data.inside.finditer(line):
                vote(_matched_name(phrase), PHRASE_VOTES, "self_reference", times)
        cue = _COPYRIGHT_CUE.search(line)
        if cue:
            notice = line if len(words) <= PHRASE_LINE_MAX_WORDS else _notice(line, cue)
            copyright_line = data.copyright.search(notice)
            if copyright_line:
                holder, company = _trim(_matched_name(copyright_line), data.corporate)
                company = company or _company_follows(notice[_name_end(copyright_line):], data.corporate)
                vote(holder, COPYRIGHT_VOTES / 2 if company else COPYRIGHT_VOTES, "company" if company else "copyright", times)
        if len(words) <= CHROME_MAX_WORDS and "." in line:
            for domain in _PRINTED_DOMAIN.findall(lowered):
                vote(domain.removeprefix("www."), DOMAIN_VOTES, "page_domain", times)
    # Menus whose lines start with one name ("ZDNet China", "ZDNet France", "Al Jazeera World") and
    # a name standing alone at the top of the page (the masthead) are claims too, but weak ones:
    # they name sections as well, so they count only once a phrase confirms them.
    starts: Counter[str] = Counter()
    for line in short:
        tokens = line.split()
        if not 1 <= len(tokens) <= MENU_LINE_MAX_WORDS or tokens[0].casefold().strip(".") in data.generic:
            continue
        for n in range(1, min(3, len(tokens)) + 1):
            starts[" ".join(tokens[:n])] += 1
    menus = {name: count for name, count in starts.items() if count >= MENU_MIN_LINES and _usable(name, data)}
    top = [line.strip(" .:!|•·–—-") for line in lines[:MASTHEAD_REACH]]
    mastheads = [line for line in top if 1 <= len(line.split()) <= MASTHEAD_MAX_WORDS and _NAME_RE.fullmatch(line)
                 and line.split()[0].casefold() not in data.generic and _usable(line, data)]
    claimed = set(votes)
    layout = {group_key(name) for name in [*menus, *mastheads]} - claimed
    if not claimed and not layout:
        return Votes(votes, spellings, kinds)
    for line, times in short.items():
        if data.cue_words.intersection(_WORDS.findall(line.lower())):
            phrase = data.weak.fullmatch(line)
            if not phrase:
                continue
            name = _matched_name(phrase)
            key = group_key(name)
            # "About ZDNet" confirms the ZDNet menu; "NFL Shop" is one more line of the NFL menu.
            if key in claimed or key in layout and not line.startswith(name):
                vote(name, WEAK_PHRASE_VOTES, "self_reference", times)
    # The menus of a name some phrase or footer voted for.
    for name, count in menus.items():
        if group_key(name) in votes:
            vote(name, min(MENU_VOTE_CAP, MENU_VOTES * count), "masthead")
    # The masthead: a whole line that is a name already voted for.
    for line, times in short.items():
        if len(line.split()) <= 5 and outlets.fold_name(line).removeprefix("the") in votes and _usable(line, data):
            key = group_key(line)
            if key in votes:
                votes[key] += MASTHEAD_VOTES * times
                spellings[key][line] += times
                if kinds[key] == {"company"}:
                    # "© 2019 Spacenews, Inc." under a "SpaceNews" masthead: the company is the site.
                    votes[key] += COPYRIGHT_VOTES / 2
                    kinds[key] = {"copyright"}
    # A printed domain and a name that spells it are one outlet ("data.spokesman.com" and "© 2019
    # The Spokesman-Review"): the domain's votes go to the name when only one name spells it.
    for key in [k for k in votes if kinds[k] == {"page_domain"}]:
        spelling = [k for k in votes if k != key and "page_domain" not in kinds[k] and outlets.spells_label(k, key)]
        if len(spelling) == 1:
            votes[spelling[0]] += votes.pop(key)
            spellings[spelling[0]].update(spellings.pop(key))
            kinds[spelling[0]] |= kinds.pop(key)
    return Votes(votes, spellings, kinds)


def _notice(line: str, cue: re.Match) -> str:
    """Return the copyright notice in a long footer line that runs it into a disclaimer ("... by
    linking to affiliated sites. ©X 2011-2019"): the words from its "©", or up to "All rights reserved"."""
    if "rights" in cue.group().lower() or "права" in cue.group().lower():
        return " ".join(line[: cue.end()].split()[-COPYRIGHT_REACH_WORDS:])
    return " ".join(line[cue.start():].split()[:COPYRIGHT_REACH_WORDS])


def outlet_from_page(lines: list[str], url: str = "", claims: tuple[str, ...] = ()) -> tuple[str, str]:
    """Return the outlet a page names itself by and how it says so ("self_reference",
    "page_domain" or "masthead"), from its chrome lines; ("", "") when it does not say clearly.

    With a URL, only a name that spells its domain counts (a syndicated copy names its source too).
    """
    counted = count_votes(lines, claims)
    votes, spellings, kinds = counted.votes, counted.spellings, counted.kinds
    if url:
        label = outlets.site_label(url)
        votes = Counter({k: v for k, v in votes.items() if outlets.spells_label(k, label) or k == label.removeprefix("the")})
    if not votes:
        return "", ""
    ranked = votes.most_common(2)
    key, best = ranked[0]
    # Enough evidence: two votes, or one footer that names the site itself ("© 2019 The Republic").
    enough = best >= MIN_VOTES or ("copyright" in kinds[key] and best >= COPYRIGHT_VOTES)
    if not enough or (len(ranked) > 1 and best - ranked[1][1] < LEAD and not _nested(key, ranked[1][0])):
        return "", ""
    names = spellings[key]
    words = [s for s in names if not _DOMAIN_RE.fullmatch(s.lower()) and not (s.islower() and outlets.fold_name(s) == key)]
    domains = [s for s in names if _DOMAIN_RE.fullmatch(s.lower())]  # "nypost.com", not the bare "nypost"
    name = outlets.known_fold(key) or max(words or domains or names, key=lambda s: (names[s], -len(s)))
    found = {"copyright": "self_reference", "company": "self_reference"}
    origin = next(k for k in ("self_reference", "byline", "page_domain", "masthead")
                  if k in {found.get(kind, kind) for kind in kinds[key]} or k == "masthead")
    return outlets.canonical_outlet(name), origin


_TITLE_SITE = re.compile(rf"\s[|–—-]\s(?P<site>{_NAME_TOKEN}(?:\s{_NAME_TOKEN}){{0,3}})$")


def site_after_title(title: str) -> str:
    """Return the site name a headline ends with ("Assessing the Accord – Ethio Observer"), or ""."""
    match = _TITLE_SITE.search(title)
    if not match or len(title[: match.start()].split()) < 3:
        return ""
    site = match.group("site")
    return site if _usable(site, _data()) and site.casefold() not in ("analysis", "opinion", "interview", "explainer") else ""


def _nested(a: str, b: str) -> bool:
    """True when one key holds the other ("aljazeera" and "aljazeeraworld"): the same outlet's menu."""
    return a in b or b in a
