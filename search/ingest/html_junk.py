"""Lines that extractors keep from a page's chrome: prompts, teasers, credits and labels.

Each pattern names a kind of line that publishers put inside or under the article body and that is
never article text. They are written for the kind ("Related: <headline>", "Follow us on Twitter"),
not for one site, and are all limited to short lines so a sentence that merely uses the words stays.
"""

from __future__ import annotations

import re

# A chrome line is short; past this it is prose that happens to mention "newsletter" or "Related".
JUNK_MAX_WORDS = 60

_LABEL = (
    r"related(?: (?:articles?|stories|posts?|coverage|content|reading|news))?|read more|read also|"
    r"more|also|also read|see more|see also|watch|watch more|listen|more on this|more from \w+(?: \w+)?|"
    r"don'?t miss|recommended(?: for you)?|you may also like|you might also like|trending|popular|"
    r"most (?:read|popular|viewed)(?: [\w ]{0,30})?|filed under|tags?|topics?|categories|category|"
    r"share(?: this)?(?: (?:article|story|post))?|advertisement|sponsored|source|sources|"
    r"(?:\d+ )?comments?|leave a (?:comment|reply)"
)
JUNK_PATTERNS = tuple(re.compile(p, re.IGNORECASE) for p in (
    # Newsletter and subscription prompts.
    r"^(?:subscribe|sign up|get)\b.*\b(?:newsletters?|inbox|alerts)\b",
    r"^(?:\S+\s+){0,7}\S*newsletters?\W*$",
    r"\bdelivered (?:right )?to your inbox\b|\bright in your inbox\b",
    # Social follow prompts and share buttons.
    r"(?:^|[.!?]\s+)follow (?:us|him|her|them|me|@?\w+(?: \w+){0,3}) on (?:twitter|facebook|instagram|linkedin|youtube|tiktok)\b",
    r"^(?:share|tweet|email|print|pin|whatsapp)(?: (?:on|via|this))? ?(?:facebook|twitter|linkedin|email|pinterest|whatsapp|reddit)?$",
    # Copyright and reprint lines.
    r"^(?:copyright|©|\(c\))\s",
    r"\ball rights reserved\b",
    # Photo and image credits.
    r"^\(?(?:photo|image|picture|video|graphic|illustration)s?(?: credit)?\s*:\s*[^.]{0,80}\)?$",
    # Reading time and bare update stamps.
    r"^(?:reading time|tempo de leitura|lesezeit|\d+ min(?:ute)?s? read)\b",
    r"^(?:updated|published|posted|last updated)(?: on| at)?\s*:?\s*[\d:.,apm\s]*(?:[a-z]{3,9}\.? \d{1,2},? \d{4})?[\d:.,apm\s]*$",
    # A timestamp line: a year and a clock time with little else ("5:45 AM PST 11/19/2019 by X").
    r"^(?=.*\b(?:19|20)\d\d\b)(?=.*\b\d{1,2}[:h]\d\d\b)(?:\S+\s+){0,11}\S+(?<!\w\w\w[.!?])$",
    # Teaser headlines tagged with their media kind ("... [VIDEO]", "... [PICS]").
    r"\[(?:video|videos|pics|pictures|photos|insight|reaction|analysis|poll|watch|live)\]\s*\|?$",
    # Reporting credits under agency copy.
    r"^(?:additional )?reporting by\b|^editing by\b|^compiled by\b",
))
# A teaser label alone or followed by a headline ("Related: ...", "SEE MORE: ...", "More:").
LABEL_LINE = re.compile(rf"^(?:{_LABEL})\s*(?:[:|»›>…]|\.\.\.|$)", re.IGNORECASE)
LABEL_MAX_WORDS = 20
_INLINE_JUNK = re.compile(r"\s*click to tweet\s*$", re.IGNORECASE)


def is_junk_line(line: str) -> bool:
    """True for a short line that is page chrome rather than article text."""
    text = line.strip().lstrip("-•*· ").strip()
    if not text:
        return True
    if len(text.split()) > JUNK_MAX_WORDS:
        return False
    if len(text.split()) <= LABEL_MAX_WORDS and LABEL_LINE.match(text):
        return True
    return any(p.search(text) for p in JUNK_PATTERNS)


def strip_inline_junk(line: str) -> str:
    """Return a line without chrome glued to its end ("... click to tweet")."""
    return _INLINE_JUNK.sub("", line).strip()
