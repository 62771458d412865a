"""Dates as pages write them: datelines in many formats and languages, URL dates, relative dates.

A date keeps the precision it is written with: "2020-03-02" (day), "2020-03" (month) or "2020"
(year). Only what reads as a dateline counts: a short line ("Mar 2, 2020", "Von Jane Roe publiziert
am 2. März 2020", "Updated: 02.03.2020 10:02"), never a date that a sentence mentions. A line that
says when something was updated is told apart from one that says when it was published, so a page
that shows both is dated by the first. "2 years ago" is not a date by itself: it becomes one only
against the moment a crawler fetched the page (a record's `fetched_at`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from datetime import date, datetime, timedelta, timezone
from urllib.parse import urlparse

# Month names by language, lower case, in month order; abbreviations and grammatical cases
# (Russian genitive "марта", Ukrainian "березня") are further spellings of the same month.
MONTH_NAMES: dict[str, tuple[str, ...]] = {
    "en": ("january jan", "february feb", "march mar", "april apr", "may", "june jun", "july jul",
           "august aug", "september sep sept", "october oct", "november nov", "december dec"),
    "de": ("januar jänner", "februar", "märz mär maerz", "april", "mai", "juni", "juli", "august",
           "september", "oktober okt", "november", "dezember dez"),
    "fr": ("janvier janv", "février fevrier févr fevr", "mars", "avril avr", "mai", "juin", "juillet juil",
           "août aout", "septembre", "octobre", "novembre", "décembre decembre déc"),
    "es": ("enero ene", "febrero", "marzo", "abril abr", "mayo", "junio", "julio", "agosto ago",
           "septiembre setiembre", "octubre", "noviembre", "diciembre dic"),
    "pt": ("janeiro", "fevereiro fev", "março marco", "abril", "maio mai", "junho", "julho", "agosto",
           "setembro set", "outubro out", "novembro", "dezembro dez"),
    "it": ("gennaio gen", "febbraio", "marzo", "aprile", "maggio mag", "giugno giu", "luglio lug", "agosto",
           "settembre sett", "ottobre ott", "novembre", "dicembre"),
    "nl": ("januari", "februari", "maart mrt", "april", "mei", "juni", "juli", "augustus", "september",
           "oktober", "november", "december"),
    "id": ("januari", "februari pebruari", "maret", "april", "mei", "juni", "juli", "agustus agu",
           "september", "oktober", "november nopember", "desember des"),
    "tr": ("ocak", "şubat subat", "mart", "nisan", "mayıs mayis", "haziran", "temmuz", "ağustos agustos",
           "eylül eylul", "ekim", "kasım kasim", "aralık aralik"),
    "ru": ("январь января янв", "февраль февраля фев", "март марта", "апрель апреля апр", "май мая",
           "июнь июня", "июль июля", "август августа авг", "сентябрь сентября сен", "октябрь октября окт",
           "ноябрь ноября ноя", "декабрь декабря дек"),
    "uk": ("січень січня", "лютий лютого", "березень березня", "квітень квітня", "травень травня",
           "червень червня", "липень липня", "серпень серпня", "вересень вересня", "жовтень жовтня",
           "листопад листопада", "грудень грудня"),
    "pl": ("styczeń stycznia", "luty lutego", "marzec marca", "kwiecień kwietnia", "maj maja",
           "czerwiec czerwca", "lipiec lipca", "sierpień sierpnia", "wrzesień września", "październik października",
           "listopad listopada", "grudzień grudnia"),
}
MONTHS: dict[str, int] = {
    spelling: number
    for names in MONTH_NAMES.values()
    for number, spellings in enumerate(names, start=1)
    for spelling in spellings.split()
}

_MONTH = r"(?P<month>" + "|".join(sorted(map(re.escape, MONTHS), key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th|er|º|°)?\.?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_OF = r"(?:\s+(?:de|del|di)\s+|\s*,?\s+)"  # "2 de marzo de 2020", "2 marzo 2020", "March 2, 2020"
# Forms that state a day, most specific first. Numeric d.m.y with dots or dashes is read day
# first everywhere it is used; slashes are read by DayOrder (see numeric_order).
# After a year: no further digit, unless a page glued the time to it ("Nov 15, 20195:45 AM").
_END = r"(?:(?!\d)|(?=\d{1,2}:\d\d))"
_DAY_FORMS = (
    re.compile(rf"(?<![\d/.-]){_YEAR}[-/.](?P<mnum>[01]?\d)[-/.](?P<day>[0-3]?\d)(?![\d])"),
    re.compile(rf"(?<![\w]){_MONTH}\s+{_DAY},?\s+{_YEAR}{_END}", re.IGNORECASE),
    re.compile(rf"(?<![\w]){_DAY}{_OF}{_MONTH}{_OF}{_YEAR}(?!\d)", re.IGNORECASE),
    re.compile(rf"(?<![\d.]){_DAY}\s*{_MONTH}\s*{_YEAR}(?!\d)", re.IGNORECASE),  # "2Mar2020", "2 mar. 2020"
    re.compile(rf"(?<![\d/.-])(?P<day>[0-3]?\d)[.-](?P<mnum>[01]?\d)[.-]{_YEAR}(?!\d)"),
    re.compile(r"(?P<year>(?:19|20)\d\d)\s*[年년]\s*(?P<mnum>[01]?\d)\s*[月월]\s*(?P<day>[0-3]?\d)\s*[日일]?"),
)
# "03/08/2023", and "16 | 02 | 2024" as some pages print it.
_YEARISH = re.compile(r"(?:19|20)\d\d|\d/\d")  # what every dateline form needs
_GLUED_MONTH = re.compile(r"(?<=[a-z·•|])(?=(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+\d)")
_SLASH_DATE = re.compile(rf"(?<![\d/.-])(?P<first>[0-3]?\d)(?:/|\s\|\s)(?P<second>[0-3]?\d)(?:/|\s\|\s){_YEAR}(?![\d/])")
# "11/19/19 06:56 AM": a two-digit year, read only when a time follows it.
_SLASH_SHORT_YEAR = re.compile(r"(?<![\d/.-])(?P<first>[0-3]?\d)/(?P<second>[0-3]?\d)/(?P<year>\d\d)(?=\s+\d{1,2}:\d\d)")
_MONTH_YEAR = re.compile(rf"(?<![\w]){_MONTH}(?:\s+de)?,?\s+{_YEAR}(?!\d)", re.IGNORECASE)

# A dateline is short; longer lines are sentences that mention a date, unless a cue opens them.
DATELINE_MAX_WORDS = 12
# A month-and-year line ("September 2023") is a dateline only when it is about this short.
MONTH_YEAR_MAX_WORDS = 4
_PUBLISHED = re.compile(
    r"\b(?:published|posted|created|first published|date|issued|released|publi(?:é|e|shed|ziert|cado|cada|cato|kasi)"
    r"|veröffentlicht|erschienen|diterbitkan|dipublikasikan|опубликовано|опубликован|yayın(?:lanma)?|yayınlandı)\b",
    re.IGNORECASE,
)
_UPDATED = re.compile(
    r"\b(?:updated?|last updated|modified|last modified|revised|edited|aktualisiert|geändert|mis à jour"
    r"|actualizado|actualizada|atualizado|atualizada|aggiornato|aggiornata|diperbarui|обновлено|обновлен|güncellendi|güncelleme)\b",
    re.IGNORECASE,
)
# "Published Tue, Nov 19 2019 7:05 AM ESTUpdated Tue, Nov 19 2019": each cue starts a piece.
_CUE_SPLIT = re.compile(r"[;|•·]\s*|(?=(?:published|posted|updated|last updated|modified|issued)\b)", re.IGNORECASE)
_CUE = re.compile(rf"^(?:{_PUBLISHED.pattern}|{_UPDATED.pattern})", re.IGNORECASE)
# A line that opens with a date and a time, or a date and a separator, is a dateline however long
# ("2022-11-26 18:44:25 Written by Jane Roe Published in Articles Read 1105 times").
_OPENS_WITH_STAMP = re.compile(r"^(?:(?:19|20)\d\d-\d\d-\d\d[T ]\d\d:\d\d|(?:\w+,?\s+)?[\w.,/ -]{6,30}?(?:\d{4})(?:[T ,]+\d{1,2}[:.]\d\d|\s*[|·•—–]))")
# A line that times a widget, not an article: the weather, "today", a clock.
_WIDGET = re.compile(r"\b(?:today|heute|aujourd'hui|hoy|hoje|oggi|сегодня|hari ini|weather|°[cf]?)\b|°", re.IGNORECASE)
_WEEKDAY = re.compile(
    r"^(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun"
    r"|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche"
    r"|lunes|martes|miércoles|jueves|viernes|sábado|domingo|senin|selasa|rabu|kamis|jumat|sabtu|minggu)\b\.?,?",
    re.IGNORECASE,
)

# "2 years ago", "vor 2 Jahren", "hace 2 años", "il y a 2 ans", "2 yıl önce", "2 года назад".
_UNITS = {
    "minute": ("minute", "minutes", "min", "mins", "minuti", "minuto", "minuten", "minutos", "dakika", "минут", "минуты", "минуту", "menit"),
    "hour": ("hour", "hours", "hr", "hrs", "ore", "ora", "stunde", "stunden", "horas", "hora", "heure", "heures", "saat", "час", "часа", "часов", "jam"),
    "day": ("day", "days", "giorni", "giorno", "tag", "tagen", "días", "dias", "día", "dia", "jour", "jours", "gün", "день", "дня", "дней", "hari"),
    "week": ("week", "weeks", "settimana", "settimane", "woche", "wochen", "semana", "semanas", "semaine", "semaines", "hafta", "неделю", "недели", "недель", "minggu"),
    "month": ("month", "months", "mese", "mesi", "monat", "monaten", "mes", "meses", "mois", "ay", "месяц", "месяца", "месяцев", "bulan"),
    "year": ("year", "years", "anno", "anni", "jahr", "jahren", "año", "años", "ano", "anos", "an", "ans", "yıl", "sene", "год", "года", "лет", "tahun"),
}
_UNIT_OF = {word: unit for unit, words in _UNITS.items() for word in words}
_UNIT_WORD = "|".join(sorted(map(re.escape, _UNIT_OF), key=len, reverse=True))
_RELATIVE = re.compile(
    rf"(?:^|\s)(?:(?:vor|hace|il y a|há)\s+)?(?P<amount>\d{{1,3}}|an?|one)\s+(?P<unit>{_UNIT_WORD})\.?"
    rf"\s*(?:ago|fa|önce|назад|lalu|yang lalu)?(?:\s|$|[,.·|])",
    re.IGNORECASE,
)
_RELATIVE_CUE = re.compile(r"\b(?:ago|fa|önce|назад|lalu)\b|\b(?:vor|hace|il y a|há)\s+\d", re.IGNORECASE)
_RELATIVE_DAYS = {"today": 0, "yesterday": 1, "heute": 0, "gestern": 1, "hoy": 0, "ayer": 1, "oggi": 0, "ieri": 1,
                  "aujourd'hui": 0, "hier": 1, "hoje": 0, "ontem": 1, "сегодня": 0, "вчера": 1, "bugün": 0, "dün": 1}
# "4 min read", "22 minuti, 45 secondi": a reading time, never a date.
_READING_TIME = re.compile(r"\b\d+\s*(?:min(?:ute)?s?|minuti|minuten|minutos)\b.{0,20}\b(?:read|lesezeit|lettura|leitura|lectura|secondi|seconds?)\b"
                           r"|\b(?:read(?:ing)? time|lesezeit|tempo di lettura)\b|\b\d+\s*min(?:ute)?s?\s+read\b", re.IGNORECASE)


@dataclass(frozen=True)
class Dateline:
    """A date a line states, at the precision it states it, and whether the line says it is an update."""

    date: str
    updated: bool = False


def iso_date(year: int, month: int, day: int | None) -> str | None:
    """Return "YYYY-MM-DD" (or "YYYY-MM" without a day), or None for an impossible date."""
    try:
        if day is None:
            return date(year, month, 1).strftime("%Y-%m")
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def _from_match(match: re.Match) -> str | None:
    parts = match.groupdict()
    month = int(parts["mnum"]) if parts.get("mnum") else MONTHS[parts["month"].lower().rstrip(".")]
    return iso_date(int(parts["year"]), month, int(parts["day"]))


def parse_date(text: str, day_first: bool | None = None) -> str | None:
    """Return the first full date written in `text` as ISO (day precision), or None.

    Slashed dates are read month first or day first by `day_first`; when it is None, only a date
    that can be read one way (13/05/2020, 05/13/2020) counts: 05/06/2020 is left undecided.
    """
    if not _YEARISH.search(text):
        return None  # every form needs a year or a slashed date: most lines go no further
    found = []
    for form in _DAY_FORMS:
        for match in form.finditer(text):
            value = _from_match(match)
            if value:
                found.append((match.start(), value))
                break
    for match in [*_SLASH_DATE.finditer(text), *_SLASH_SHORT_YEAR.finditer(text)]:
        first, second, year = int(match.group("first")), int(match.group("second")), int(match.group("year"))
        year += 2000 if year < 100 else 0
        order = day_first if day_first is not None else (True if first > 12 else False if second > 12 else None)
        if order is not None:
            value = iso_date(year, second, first) if order else iso_date(year, first, second)
            if value:
                found.append((match.start(), value))
                break
    return min(found)[1] if found else None


def numeric_order(lines: list[str]) -> bool | None:
    """Return True when the page writes slashed dates day first, False month first, None if it never shows."""
    for line in lines:
        if "/" not in line and "|" not in line:
            continue
        for match in _SLASH_DATE.finditer(line):
            first, second = int(match.group("first")), int(match.group("second"))
            if first > 12 >= second:
                return True
            if second > 12 >= first:
                return False
    return None


def is_reading_time(line: str) -> bool:
    """True for "4 min read" and "22 minuti, 45 secondi": how long an article takes, not when it was written."""
    return _READING_TIME.search(line) is not None


@lru_cache(maxsize=16_384)
def read_dateline(line: str, day_first: bool | None = None) -> Dateline | None:
    """Return the date a dateline states ("Wednesday, May 25, 2022", "Published on 13 Oct 2024").

    Sentences are ignored: a date mentioned in running text is not a publication date. A line that
    gives both ("Updated Nov 19, 2019; Posted Nov 18, 2019") yields the published one.
    """
    if not _YEARISH.search(line) or _WIDGET.search(line):
        return None  # every form needs a year or a slashed date: most lines go no further
    words = line.split()
    line = _GLUED_MONTH.sub(" ", line)  # "4 min readMar 2, 2020"
    if len(words) > DATELINE_MAX_WORDS and not _CUE.match(line):
        stamp = _OPENS_WITH_STAMP.match(line)
        found = parse_date(stamp.group(), day_first) if stamp else None
        return Dateline(found) if found else None
    pieces = _CUE_SPLIT.split(line) if (_UPDATED.search(line) and _PUBLISHED.search(line)) else [line]
    datelines = []
    for piece in pieces:
        found = parse_date(piece, day_first)
        if found is None and len(words) <= MONTH_YEAR_MAX_WORDS or found is None and _CUE.match(piece):
            match = _MONTH_YEAR.search(piece)
            if match:
                found = iso_date(int(match.group("year")), MONTHS[match.group("month").lower().rstrip(".")], None)
        if found:
            datelines.append(Dateline(found, updated=bool(_UPDATED.search(piece)) and not _PUBLISHED.search(piece)))
    published = [d for d in datelines if not d.updated]
    return (published or datelines or [None])[0]


def date_from_line(line: str) -> str | None:
    """Return the date a dateline states, or None (see read_dateline)."""
    found = read_dateline(line)
    return found.date if found else None


_LABELLED = re.compile(r"^\s*(?:date|dated|published(?: on)?|posted(?: on)?|publication date|first published|datum"
                       r"|publiziert(?: am)?|veröffentlicht(?: am)?|publié le|publicado(?: el| em)?|pubblicato(?: il)?|дата"
                       r"|опубликовано|diterbitkan|tarih|yayın tarihi)\b\s*:?\s", re.IGNORECASE)


def is_labelled_date(line: str) -> bool:
    """True for a line that labels its date as the publication date ("date 2024-02-16", "Published: 3 March 2021")."""
    return _LABELLED.match(line) is not None


_MONTH_DAY = re.compile(rf"^{_MONTH}\s+[0-3]?\d\b", re.IGNORECASE)


def starts_with_month(text: str) -> bool:
    """True for text that opens with a month and a day ("Nov 23 | ..."): a date without its year."""
    return _MONTH_DAY.match(text.strip()) is not None


def has_date_cue(text: str) -> bool:
    """True for text with a dateline's label in it ("Published", "Updated", "publiziert am")."""
    return _PUBLISHED.search(text) is not None or _UPDATED.search(text) is not None


def has_weekday(line: str) -> bool:
    """True for a line that opens with a weekday ("Friday, November 22, 2024"): today's-date widgets do."""
    return _WEEKDAY.match(line.strip()) is not None


def relative_age(line: str) -> timedelta | None:
    """Return how long ago a short line says something happened ("2 years ago", "vor 3 Tagen"), or None."""
    if len(line.split()) > DATELINE_MAX_WORDS or is_reading_time(line):
        return None
    lowered = line.strip().lower().rstrip(".")
    if lowered in _RELATIVE_DAYS:
        return timedelta(days=_RELATIVE_DAYS[lowered])
    if not _RELATIVE_CUE.search(line):
        return None
    match = _RELATIVE.search(line)
    if not match:
        return None
    amount = match.group("amount").lower()
    count = 1 if amount in ("a", "an", "one") else int(amount)
    unit = _UNIT_OF[match.group("unit").lower()]
    days = {"minute": 0, "hour": 0, "day": 1, "week": 7, "month": 30, "year": 365}[unit] * count
    return timedelta(days=days, minutes=count if unit == "minute" else 0, hours=count if unit == "hour" else 0)


def date_before(fetched_at: str, age: timedelta) -> str | None:
    """Return the date `age` before a fetch time, as precise as the age allows ("2 years ago" → a year)."""
    try:
        moment = datetime.fromisoformat(fetched_at.replace("Z", "+00:00"))
    except ValueError:
        return None
    then = (moment - age).date()
    if age >= timedelta(days=365):
        return str(then.year)
    if age >= timedelta(days=30):
        return then.strftime("%Y-%m")
    return then.isoformat()


_URL_DATE = re.compile(r"/(?P<year>(?:19|20)\d\d)/(?P<month>[01]?\d)(?:/(?P<day>[0-3]?\d))?(?=/|$)")
_URL_DASHED = re.compile(r"(?:^|[/_-])(?P<year>(?:19|20)\d\d)-(?P<month>[01]\d)-(?P<day>[0-3]\d)(?=[/_.-]|$)")


def date_from_url(url: str) -> str | None:
    """Return the date a URL path states (/2022/05/25/..., /2022/05/, /2022-11-24-slug), or None."""
    path = urlparse(url).path
    match = _URL_DATE.search(path) or _URL_DASHED.search(path)
    if not match:
        return None
    day = match.group("day")
    return iso_date(int(match.group("year")), int(match.group("month")), int(day) if day else None)


_ISO_PREFIX = re.compile(r"^\s*((?:19|20)\d\d)(?:-(\d\d)(?:-(\d\d))?)?(?![\d/.])")


def iso_prefix(value: str) -> str | None:
    """Return the ISO date a machine-written value starts with, at its precision ("2022-05-25T10:00Z" →
    "2022-05-25", "2022-05" → "2022-05"), or None."""
    match = _ISO_PREFIX.match(value)
    if not match:
        return None
    year, month, day = match.groups()
    if month is None:
        return year
    return iso_date(int(year), int(month), int(day) if day else None)


def normalise_date(value: str) -> str | None:
    """Return a record's date ("2022", "2022-05-25T10:00Z", "May 25, 2022") as ISO, or None."""
    value = value.strip()
    return iso_prefix(value) or parse_date(value)


def normalise_timestamp(value) -> str | None:
    """Return a record's fetch time (ISO text, or Unix seconds) as ISO 8601 text, or None."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = value / 1000 if value > 1e11 else value  # milliseconds, as some crawlers write
        try:
            return datetime.fromtimestamp(seconds, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str) and iso_prefix(value):
        return value.strip()
    if isinstance(value, str):
        return normalise_date(value)
    return None
