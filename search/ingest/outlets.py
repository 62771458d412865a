"""Outlets: who published a page, from its URL or from what the page says about itself.

Known outlets (search/data/outlets.toml) are found by domain and their spellings folded to one
name ("SouthFront", "South Front", "southfront.org"). A page without a known URL still names its
publisher: in the masthead, in "Support X" and "Subscribe to X" boxes, in "© 2021 X" footers, in
"written exclusively for X" and "X is an independent ..." lines, and in the domain it prints.
`outlet_from_page` weighs those self-references; a syndicated copy's "Source: X" names where the
text came from, not who published this page, and is read elsewhere (bylines.read_source_line).
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from urllib.parse import urlparse


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


_NOT_ALNUM = re.compile(r"\W+|_")


def fold_name(text: str) -> str:
    """Return a name with case and everything but letters and digits dropped, for comparing
    spellings ("The Hill", "TheHill.com" → "thehill", "thehillcom")."""
    return _NOT_ALNUM.sub("", text.casefold())


def domain_of(url: str) -> str:
    """Return a URL's host without "www." ("" when it has none)."""
    host = (urlparse(url if "//" in url else "//" + url).hostname or "").lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


def site_label(url: str) -> str:
    """Return the name part of a URL's domain, folded: "parallaxview" for www.parallaxview.net,
    "bbc" for news.bbc.co.uk."""
    labels = domain_of(url).split(".")
    if len(labels) > 2 and len(labels[-2]) <= 3 and len(labels[-1]) == 2:  # co.uk, com.au
        return fold_name(labels[-3])
    return fold_name(labels[-2] if len(labels) > 1 else labels[0])


def outlet_for_url(url: str) -> str:
    """Return the canonical outlet for a URL's domain, or "" when the domain is unknown."""
    host = domain_of(url)
    for outlet in load_outlets():
        if any(host == d or host.endswith("." + d) for d in outlet.domains):
            return outlet.name
    return ""


@lru_cache(maxsize=1)
def _known_folds() -> dict[str, str]:
    """Folded spelling → canonical name, for every outlet's name, aliases and domains ("southfrontorg")."""
    folds: dict[str, str] = {}
    for outlet in load_outlets():
        for spelling in (outlet.name, *outlet.aliases):
            folds.setdefault(fold_name(spelling), outlet.name)
        for domain in outlet.domains:
            folds.setdefault(fold_name(domain), outlet.name)
    return folds


def canonical_outlet(name: str) -> str:
    """Return the canonical spelling of an outlet name ("South Front", "southfront.org" →
    "SouthFront"), or the name itself, tidied, when the outlet is not a known one."""
    name = " ".join(name.split()).strip(" |-–—·•@")
    known = _known_folds().get(fold_name(name)) or _known_folds().get(fold_name(name.removeprefix("The ").removeprefix("the ")))
    return known or name


def is_known_outlet(name: str) -> bool:
    """True for a spelling of a known outlet ("Modern Diplomacy", "southfront.org")."""
    return fold_name(name) in _known_folds()


# --- the page's own name --------------------------------------------------------------------------

DOMAIN_PATTERN = (r"(?:www\.)?[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:com|org|net|news|info|co|io|uk|de|fr|ru|in|eu|us|ca"
                  r"|au|za|ng|pk|bd|tr|ua|az|am|ge|al|ba|rs|ae|lb|jp|vn|no|ie|br|media|press|today|online|asia|africa"
                  r"|global|tv)(?:\.[a-z]{2})?")
# "Autoracing | F1 | Indy", "The Jerusalem Post | JPost.com": a site name with a tagline or menu.
_NAME_SEPARATOR = re.compile(r"\s+[|·•»–—-]\s+|\s*[|·•»]\s*")
SITE_SUFFIX_WORDS = ("sites", "site", "website", "homepage", "home page", "official site", "official website")
SELF_NAME_MAX_WORDS = 6
# Words that end an outlet's name ("Frontier Affairs Weekly"), not a menu item ("CBS Sports Home").
NAME_WORDS = {"weekly", "daily", "times", "news", "review", "journal", "magazine", "herald", "post", "today",
              "online", "insider", "tribune", "gazette", "chronicle", "observer", "monitor", "express", "digest",
              "report", "reports", "quarterly", "letters", "dispatch", "press", "telegraph", "standard", "mail"}
SELF_NAME_EXTRA_CHARS = 8  # letters beyond the domain's name: "the", "weekly", "news", "online"


def known_fold(folded: str) -> str:
    """Return the known outlet a folded spelling names, or ""."""
    return _known_folds().get(folded, "")


def clean_site_name(name: str, url: str = "") -> str:
    """Return a site name without taglines, menus and handles ("Autoracing | F1 | Indy" →
    "Autoracing", "The Jerusalem Post | JPost.com" → "The Jerusalem Post", "@politifact" →
    "politifact", "Ascom Sites" → "Ascom"); the piece that spells the URL's site wins."""
    name = " ".join(name.split()).lstrip("@")
    pieces = [p.strip() for p in _NAME_SEPARATOR.split(name) if p.strip()]
    if not pieces:
        return ""
    label = site_label(url) if url else ""
    chosen = next((p for p in pieces if label and label in fold_name(p) and not re.fullmatch(DOMAIN_PATTERN, p.lower())), None)
    chosen = chosen or next((p for p in pieces if not re.fullmatch(DOMAIN_PATTERN, p.lower())), pieces[0])
    for suffix in SITE_SUFFIX_WORDS:
        if chosen.lower().endswith(" " + suffix):
            chosen = chosen[: -len(suffix) - 1].strip()
    return chosen


def spells_label(name: str, label: str) -> bool:
    """True when a name spells a domain's site label ("The Parallax View" for "parallaxview")."""
    folded = fold_name(name)
    rest = folded.removeprefix("the")
    label_rest = label.removeprefix("the")
    return bool(label) and (folded == label or rest == label or rest == label_rest or (
        label in folded and len(folded) - len(label) <= SELF_NAME_EXTRA_CHARS and (folded.startswith(label) or rest.startswith(label))))


def outlet_spelled_for_url(lines: list[str], url: str) -> str:
    """Return how the page's chrome spells the URL's site name as words ("The Parallax View" on
    parallaxview.net, "CBS Sports" from a "CBS Sports Home" menu line), or "". Made-up and small
    outlets are not in any list; their pages still name themselves in the masthead and the footer."""
    label = site_label(url) if url else ""
    if len(label) < 3:
        return ""
    exact: Counter[str] = Counter()
    near: Counter[str] = Counter()
    for line in lines:
        words = line.split()
        if len(words) > SELF_NAME_MAX_WORDS or not _SPELLING.fullmatch(line):
            continue
        # The shortest run of the line's first words that spells the label: "CBS Sports" in
        # "CBS Sports Home", "The Hill" in "The Hill Apps".
        for n in range(1, len(words) + 1):
            folded = fold_name(" ".join(words[:n]))
            if folded == label or folded.removeprefix("the") == label.removeprefix("the"):
                # "Frontier Affairs Weekly" keeps its last word; "CBS Sports Home" loses its menu word.
                whole = all(w.casefold() in NAME_WORDS for w in words[n:])
                exact[line if whole else " ".join(words[:n])] += 1
                break
        else:
            if len(label) >= FUZZY_LABEL_MIN_CHARS and spells_label(line, label):
                near[line] += 1
    counts = exact or near
    # The spelling the page uses most; the first one among equals (the masthead).
    return max(counts, key=lambda name: counts[name]) if counts else ""


_SPELLING = re.compile(r"[\w'’&\- ]+")
FUZZY_LABEL_MIN_CHARS = 5  # "phys" is in "Physics": a short label must be spelled exactly


def outlet_named_in(lines: list[str]) -> str:
    """Return the known outlet whose name is a whole chrome line of the page (a masthead), or ""."""
    counts: Counter[str] = Counter()
    for line in lines:
        if len(line.split()) <= SELF_NAME_MAX_WORDS:
            known = _known_folds().get(fold_name(line))
            if known:
                counts[known] += 1
    return max(counts, key=lambda o: (counts[o], o)) if counts else ""
