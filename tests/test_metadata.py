"""Bylines, dates, outlets and tag lines, table-driven from hand-written snippets in the shapes real pages use."""

from datetime import timedelta

import pytest

from search.ingest import bylines, dates, metadata, outlets, self_names
from search.ingest.parts import PageParts

# --- bylines ---------------------------------------------------------------------------------------

BYLINES = [
    # (line, people, credit)
    ("By Anna Petrova", ("Anna Petrova",), ""),
    ("By: Anna Petrova", ("Anna Petrova",), ""),
    ("Author: Anna Petrova", ("Anna Petrova",), ""),
    ("Written by J.Hawk exclusively for SouthFront", ("J.Hawk",), ""),
    ("The Azeri side decided to escalate mere days after the meeting. Writes Drago Bosnic", ("Drago Bosnic",), ""),
    ("By Olena Marchenko and Ivan Sirko", ("Olena Marchenko", "Ivan Sirko"), ""),
    ("By Ursula von der Leyen", ("Ursula von der Leyen",), ""),
    ("11/19/2019 by Lars Brandle", ("Lars Brandle",), ""),
    ("May 3, 2021 | By Jane Doe", ("Jane Doe",), ""),
    ("Von Moritz Bachmann publiziert am 25. September 2018", ("Moritz Bachmann",), ""),
    ("Por Juana Pérez y Luis Gómez", ("Juana Pérez", "Luis Gómez"), ""),
    ("Par Jeanne Roux", ("Jeanne Roux",), ""),
    ("A cura di Giulia Ferri - Senior Researcher, Istituto Affari Globali", ("Giulia Ferri",), ""),
    ("Автор: Иван Петров", ("Иван Петров",), ""),
    ("Oleh Budi Santoso", ("Budi Santoso",), ""),
    # names shouted in capitals are shown in title case; diacritics stay
    ("By DANIEL KOWALCZYK and ÉLODIE MOREAU", ("Daniel Kowalczyk", "Élodie Moreau"), ""),
    # roles, affiliations, places, dates and handles are split off
    ("By Helen Walsh, Baku, Azerbaijan", ("Helen Walsh",), ""),
    ("By Tomas Novak - Harbour Street Journal Contributor 2020-03-02T10:00:00Z", ("Tomas Novak",), ""),
    ("By Priya Sato, MS, RD on March 2, 2020", ("Priya Sato",), ""),
    ("By Dr Samuel Okafor", ("Samuel Okafor",), ""),
    ("By Nadia KarimovaMeridianNews", ("Nadia Karimova",), ""),
    ("By Erik Lindqvist , Ruth Albrecht on Monday, March 2nd, 2020 at 11:08 a.m.", ("Erik Lindqvist", "Ruth Albrecht"), ""),
    ("By Grace Holloway, Oliver Brennan, Maya Costa", ("Grace Holloway", "Oliver Brennan", "Maya Costa"), ""),
    ("Author: Viktor Horvat / Source: Trend", ("Viktor Horvat",), ""),
    ("By Agency", (), ""),
    ("By Staff Writer", (), ""),
    # agencies and organisations are credited, never taken for people
    ("By Reuters", (), "Reuters"),
    ("By The Associated Press", (), "The Associated Press"),
    ("by European Space Agency", (), "European Space Agency"),
    # not bylines
    ("Bypass roads were closed all week", (), ""),
    ("Standby for the announcement from the ministry.", (), ""),
    ("Irish company hit by Iraqi report", (), ""),
    ('The ministry published on 12 March an article titled "Why the deal holds" by Lena Fischer.', (), ""),
]


@pytest.mark.parametrize("line, people, credit", BYLINES)
def test_byline(line, people, credit):
    found = bylines.read_byline(line)
    assert (found.people, found.credit) == (people, credit)


NAME_LINES = [
    # a name without "By" under a headline, and what may follow it in a byline
    ("Claire Dubois", ("Claire Dubois",), ""),
    ("Claire Dubois - Mar 2, 2020, 10:31 pm CST", ("Claire Dubois",), ""),
    ("Claire Dubois@clairedubois", ("Claire Dubois",), ""),
    ("Claire Dubois Read more", ("Claire Dubois",), ""),
    ("Claire Dubois, Senior Correspondent", ("Claire Dubois",), ""),
    ("Thomas de Waal, September 2023", ("Thomas de Waal",), ""),
    ("Associated Press  March 2, 2020, 9:02 AM", (), "Associated Press"),
    # headlines in title case are no names
    ("Introducing Junior Gaspard, New CEO at Experience", (), ""),
    ("New Canal Threatens Peace Between The Taliban And Central Asia", (), ""),
    ("Kyiv Braces For A Second Winter Of Strikes On Its Power Grid", (), ""),
]


@pytest.mark.parametrize("line, people, credit", NAME_LINES)
def test_name_line(line, people, credit):
    found = bylines.read_name_line(line)
    assert (found.people, found.credit) == (people, credit)


@pytest.mark.parametrize("text, people, credit", [
    ("Jane Roe and John Doe", ("Jane Roe", "John Doe"), ""),
    ("JANE ROE; john doe", ("Jane Roe", "John Doe"), ""),
    ("Roe, Jane", ("Roe, Jane",), ""),  # one person, written surname first
    ("Given Author", ("Given Author",), ""),  # a record's field is the author, whatever its words
    ("Reuters", (), "Reuters"),
])
def test_record_author_field(text, people, credit):
    found = bylines.read_author_field(text)
    assert (found.people, found.credit) == (people, credit)


@pytest.mark.parametrize("line, affiliation", [
    ("By Eric Song, Meridian Staff", "Meridian"),
    ("By Andy Sahadeo | Harbour Street Journal", "Harbour Street Journal"),
    ("By Troy Smith, Isthmustimes.net", "Isthmustimes.net"),
    ("Updated on: March 2, 2020 / 10:07 AM / Continental Signal", "Continental Signal"),
    ("By Helen Walsh, Baku, Azerbaijan", ""),  # places are no outlet
    ("By Jill Lawless, Associated Press", ""),  # an agency is a source, not the outlet
    ("By Priya Rao, BANGALORE", ""),  # a shouted city is the dateline's place
    ("By Priya Rao, WION", "WION"),  # a short one is an acronym
    ("Published Wed, Nov 20 2019 12:45 AM EST", ""),  # the dateline's label
])
def test_byline_affiliation(line, affiliation):
    assert bylines.read_affiliation(line, bylines.read_byline(line) or bylines.read_name_line(line)) == affiliation


@pytest.mark.parametrize("line, source", [
    ("Source: Trend", "Trend"),
    ("Originally published at The Plainspoken", "The Plainspoken"),
    ("Source link", ""),
    ("Source: https://example.org/a", ""),
])
def test_source_line(line, source):
    assert bylines.read_source_line(line) == source


# --- dates -----------------------------------------------------------------------------------------

DATELINES = [
    ("Wednesday, May 25, 2022", "2022-05-25"),
    ("Mar 2, 2020", "2020-03-02"),
    ("March 2nd, 2020 at 10:02 am", "2020-03-02"),
    ("13 Oct 2024", "2024-10-13"),
    ("Published on 14 Oct 2023", "2023-10-14"),
    ("02.03.2020", "2020-03-02"),
    ("2 марта 2020", "2020-03-02"),
    ("25. September 2018", "2018-09-25"),
    ("2 de março de 2020", "2020-03-02"),
    ("Senin, 30 Maret 2015", "2015-03-30"),
    ("2 Mart 2020", "2020-03-02"),
    ("2018年8月16日", "2018-08-16"),
    ("2020-03-02T10:15:00Z", "2020-03-02"),
    ("16 | 02 | 2024", "2024-02-16"),
    ("11/19/19 06:56 AM EST", "2019-11-19"),
    ("Nov 15, 20195:45 AM", "2019-11-15"),  # a page glued the time to the year
    ("January 14, 2024", "2024-01-14"),
    ("September 2023", "2023-09"),  # month precision kept
    ("Updated: 1st March 2020, 10:02 GMT", "2020-03-01"),
    # published before updated, whichever comes first
    ("Updated Nov 19, 2019 9:41 AM; Posted Nov 18, 2019 8:19 PM", "2019-11-18"),
    ("2022-11-26 18:44:25 Written by Jane Roe Published in English Articles Read 1105 times", "2022-11-26"),
    # 05/06/2020 can be read two ways; an ambiguous date is no date
    ("05/06/2020", None),
    ("13/08/2023", "2023-08-13"),
    # running text that mentions a date, weather and today's-date widgets, reading times are not datelines
    ("After months of tensions, on July 31, 2022, Azerbaijan accused Armenia of attacking its military units in the disputed region.", None),
    ("On February 24, 2022, when Russia launched a full-scale invasion of Ukraine, four NATO members reacted.", None),
    ("The war of 2020 changed the region", None),
    ("February 30, 2023", None),
    ("Today: Friday, November 22, 2024", None),
    ("Moscow 12°C Friday, November 22, 2024", None),
    ("4 min read", None),
    ("© 2021 The Meridian Review", None),
]


@pytest.mark.parametrize("line, expected", DATELINES)
def test_dateline(line, expected):
    assert dates.date_from_line(line) == expected


def test_slashed_dates_follow_the_page():
    """05/06/2020 is read the way the page's other slashed dates show it is written."""
    assert dates.numeric_order(["Posted 13/08/2023", "x"]) is True
    assert dates.numeric_order(["Posted 08/13/2023"]) is False
    assert dates.numeric_order(["no dates"]) is None
    assert dates.parse_date("05/06/2020", day_first=True) == "2020-06-05"
    assert dates.parse_date("05/06/2020", day_first=False) == "2020-05-06"


@pytest.mark.parametrize("line, age", [
    ("2 years ago", timedelta(days=730)),
    ("3 days ago", timedelta(days=3)),
    ("vor 3 Tagen", timedelta(days=3)),
    ("hace 2 años", timedelta(days=730)),
    ("3 yıl önce", timedelta(days=1095)),
    ("2 дня назад", timedelta(days=2)),
    ("yesterday", timedelta(days=1)),
    ("4 min read", None),
    ("22 minuti, 45 secondi", None),
    ("The talks began 2 years ago in Vienna and went nowhere for months after that.", None),
])
def test_relative_age(line, age):
    assert dates.relative_age(line) == age


@pytest.mark.parametrize("fetched_at, age, expected", [
    ("2024-05-20T10:00:00Z", timedelta(days=730), "2022"),  # "2 years ago": a year, no more
    ("2024-05-20T10:00:00Z", timedelta(days=60), "2024-03"),
    ("2024-05-20T10:00:00Z", timedelta(days=3), "2024-05-17"),
])
def test_relative_date_against_a_fetch_time(fetched_at, age, expected):
    assert dates.date_before(fetched_at, age) == expected


@pytest.mark.parametrize("url, expected", [
    ("https://www.aljazeera.com/news/2023/5/29/erdogan-runoff-turkey", "2023-05-29"),
    ("https://example.com/2022/03/some-story/", "2022-03"),
    ("https://mg.co.za/opinion/2022-11-24-pretoria-deal/", "2022-11-24"),
    ("https://southfront.org/nagorno-karabakh-the-multipolar-conflict/", None),
    ("https://example.com/posts/2022-story", None),
])
def test_date_from_url(url, expected):
    assert dates.date_from_url(url) == expected


@pytest.mark.parametrize("value, expected", [
    ("2024-05-20T10:00:00Z", "2024-05-20T10:00:00Z"),
    (1716199200, "2024-05-20T10:00:00Z"),
    (1716199200000, "2024-05-20T10:00:00Z"),  # milliseconds
    ("May 20, 2024", "2024-05-20"),
    ("soon", None),
])
def test_fetch_times(value, expected):
    assert dates.normalise_timestamp(value) == expected


# --- outlets ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("url, outlet", [
    ("https://www.weeklyblitz.net/opinion/x/", "BLiTZ"),
    ("https://southfront.org/x/", "SouthFront"),
    ("https://amp.theguardian.com/world/x", "The Guardian"),
    ("https://unknown-blog.example/x", ""),
])
def test_outlet_for_url(url, outlet):
    assert outlets.outlet_for_url(url) == outlet


@pytest.mark.parametrize("name, canonical", [
    ("South Front", "SouthFront"),
    ("southfront.org", "SouthFront"),
    ("SOUTHFRONT", "SouthFront"),
    ("The Meridian Review", "The Meridian Review"),  # unknown outlets keep their spelling
])
def test_variants_of_one_outlet_fold_to_one_name(name, canonical):
    assert outlets.canonical_outlet(name) == canonical


@pytest.mark.parametrize("name, url, cleaned", [
    ("Autoracing | F1 | Indy | MotoGP", "https://www.autoracing.example/x", "Autoracing"),
    ("The Meridian Review | MeridianReview.net", "", "The Meridian Review"),
    ("@meridianreview", "", "meridianreview"),
    ("Meridian Sites", "", "Meridian"),
])
def test_site_names_lose_taglines(name, url, cleaned):
    assert outlets.clean_site_name(name, url) == cleaned


@pytest.mark.parametrize("lines, url, outlet", [
    (["Home", "The Parallax View", "World"], "https://parallaxview.net/news/x", "The Parallax View"),
    (["Frontier Affairs Weekly", "Menu"], "https://www.frontieraffairs.net/a/1", "Frontier Affairs Weekly"),
    (["Isthmus Times Apps", "Isthmus Times Store"], "https://isthmustimes.net/2020/01/x", "Isthmus Times"),
    (["Menu", "World", "Politics"], "https://parallaxview.net/news/x", ""),  # no line spells the site
    (["The Parallax View is read by 2 million people."], "https://parallaxview.net/x", ""),  # a sentence
])
def test_outlet_spelled_for_url(lines, url, outlet):
    assert outlets.outlet_spelled_for_url(lines, url) == outlet


SELF_NAMES = [
    # (chrome lines, outlet, how the page says so)
    (["Support SouthFront", "Menu", "Support SouthFront"], "SouthFront", "self_reference"),
    (["Menu", "Written by J.Hawk exclusively for South Front", "Donate"], "SouthFront", "self_reference"),
    (["The Meridian Review", "Menu", "Privacy Policy", "© 2021 The Meridian Review. All rights reserved."],
     "The Meridian Review", "self_reference"),
    (["Kestrel Analysis is an independent, reader-funded publication.", "Subscribe to Kestrel Analysis"],
     "Kestrel Analysis", "self_reference"),
    # every spelling of one outlet votes for it: "Granite Hill Gazette", "granitehillgazette.com"
    (["granitehillgazette.com", "Granite Hill Gazette", "Contact Granite Hill Gazette"], "Granite Hill Gazette", "self_reference"),
    # a copyright line alone names too little (it is often the parent company)
    (["© 2019 Parent Media Holdings Inc."], "", ""),
    # two names, as strongly claimed: left open rather than guessed
    (["Support Openfield Report", "Support Cobalt Coast News"], "", ""),
    # platforms the page prints are nobody's name
    (["facebook.com", "twitter.com", "Share"], "", ""),
    (["Home", "Contact"], "", ""),
    # copyright notices as footers print them: "© Copyright 2019, X", run into a disclaimer, without a ©
    (["Menu", "© Copyright 2019, The Spokesman Ledger | Community Guidelines | Terms of Service"],
     "The Spokesman Ledger", "self_reference"),
    (["We are a participant in an affiliate programme designed to provide a means for us to earn fees by "
      "linking to a shop and its affiliated sites, and nothing we write is paid for by anyone at all. "
      "©The Quiet Larder 2011-2019"], "The Quiet Larder", "self_reference"),
    (["Orbit Ledger", "2019 Orbit Ledger, Inc. All Rights Reserved"], "Orbit Ledger", "self_reference"),
    (["© 2014-2019 Нормы спорта и знаний"], "Нормы спорта и знаний", "self_reference"),
    # a company named in the footer is the site only when the masthead says the same name
    (["© 2019 Harbour Light Media Inc."], "", ""),
    (["© 2019 The Printers (Kestrel) Private Ltd"], "", ""),
    # trademark and reproduction notices name the site, wherever they stand in a footer line
    (['Copyright ©2019 Eastern Newspapers Ltd. "Daily Lantern" is a registered trademark. All rights reserved.'],
     "Daily Lantern", "self_reference"),
    (["Harbour Sports is a registered trademark of Harbour Broadcasting Inc.", "harboursports.com"],
     "Harbour Sports", "self_reference"),
    (["Reproduction of articles in any form without express written permission of tidewatch.com is prohibited.",
      "Reproduction of articles in any form without express written permission of tidewatch.com is prohibited."],
     "tidewatch.com", "self_reference"),
    # menus and mastheads are claims a phrase must confirm: "About Granite Wire" confirms the menu ...
    (["Granite Wire China", "Granite Wire France", "Granite Wire Japan", "About Granite Wire",
      "© 2019 Parent Interactive. All rights reserved."], "Granite Wire", "self_reference"),
    (["The Lantern", "Kestrel", "Openfield", "Science writer at Kestrel and cat owner"], "Kestrel", "self_reference"),
    # ... but not a line of the same menu ("NFL Shop"), and a masthead alone names nothing
    (["NFL Scores", "NFL Odds", "NFL Shop", "Pick Six Newsletter"], "", ""),
    (["Light Beam", "Menu", "World"], "", ""),
    # a printed domain and the name that spells it are one outlet
    (["data.lantern.com", "© Copyright 2019, The Lantern-Review", "Materials from a campaign (other.com)"],
     "The Lantern-Review", "self_reference"),
    # "Search X" boxes name sections as often as sites
    (["Search Classifieds", "Search Classifieds", "Home"], "", ""),
]


@pytest.mark.parametrize("lines, outlet, how", SELF_NAMES)
def test_outlet_from_the_page_itself(lines, outlet, how):
    assert self_names.outlet_from_page(lines) == (outlet, how)


def test_with_a_url_only_a_name_spelling_it_counts():
    """A syndicated copy names its source too: with the URL known, only the page's own name counts."""
    lines = ["Support Openfield Report", "Support Openfield Report", "Support Cobalt Coast News"]
    assert self_names.outlet_from_page(lines, "https://cobaltcoastnews.com/a") == ("Cobalt Coast News", "self_reference")


@pytest.mark.parametrize("title, site", [
    ("Assessing the Peace Accord for Tigray – Ethio Observer", "Ethio Observer"),
    ("Talks stall in Geneva | The Daily Planet", "The Daily Planet"),
    ("Milorad Dodik’s game plan - Analysis", ""),
    ("Brexit - what happens next", ""),
])
def test_site_after_the_headline(title, site):
    assert self_names.site_after_title(title) == site


# --- resolving the fields, with provenance -----------------------------------------------------------

def _parts(**kwargs) -> PageParts:
    return PageParts(body=["Some article text that is long enough to be a body."], **kwargs)


def test_a_record_wins_and_says_so():
    parts = _parts(title="Page headline", byline=bylines.Byline(people=("Page Author",)), date="2020-01-02")
    parts.origin.update(title="headline", author="byline", date="dateline")
    record = {"title": "Record title", "authors": ["Jane ROE", {"name": "John Doe"}], "date": "2021-03-04T10:00:00Z",
              "outlet": "South Front", "fetched_at": "2024-05-20T10:00:00Z", "url": "https://example.org/a"}
    meta = metadata.resolve_metadata(parts, record, "https://example.org/a", "record")
    assert (meta.title, meta.author, meta.authors, meta.date, meta.outlet, meta.fetched_at) == (
        "Record title", "Jane Roe and John Doe", ("Jane Roe", "John Doe"), "2021-03-04", "SouthFront", "2024-05-20T10:00:00Z")
    assert dict(meta.provenance) == {"url": "record", "title": "record", "author": "record", "date": "record",
                                     "outlet": "record", "fetched_at": "record"}


def test_a_fetch_time_is_never_the_publication_date():
    meta = metadata.resolve_metadata(_parts(), {"crawled_at": "2024-05-20T10:00:00Z"}, "", "url_map")
    assert (meta.date, meta.fetched_at) == (None, "2024-05-20T10:00:00Z")


def test_a_relative_date_needs_a_fetch_time():
    parts = _parts(age=timedelta(days=730))
    assert metadata.resolve_metadata(parts, {}, "", "url_map").date is None
    meta = metadata.resolve_metadata(parts, {"fetched_at": "2024-05-20T10:00:00Z"}, "", "url_map")
    assert (meta.date, dict(meta.provenance)["date"]) == ("2022", "relative_date")


def test_the_page_then_the_url():
    parts = _parts(title="Headline", chrome=["Support The Meridian Review", "The Meridian Review"])
    parts.origin["title"] = "headline"
    meta = metadata.resolve_metadata(parts, {}, "https://meridianreview.net/2022/05/25/headline/", "url_map")
    assert (meta.outlet, meta.date) == ("The Meridian Review", "2022-05-25")
    assert dict(meta.provenance) == {"url": "url_map", "title": "headline", "outlet": "masthead", "date": "url_path"}
    meta = metadata.resolve_metadata(_parts(), {}, "https://unknown-blog.example/a", "url_map")
    assert (meta.outlet, dict(meta.provenance)["outlet"], meta.title, dict(meta.provenance)["title"]) == (
        "unknown-blog.example", "url_domain", "Some article text that is long enough to be a body.", "body")


def test_a_syndicated_copy_keeps_its_source_apart():
    parts = _parts(source="Trend", chrome=["Support The Meridian Review", "Support The Meridian Review"])
    parts.origin["source"] = "source_line"
    meta = metadata.resolve_metadata(parts, {}, "", "url_map")
    assert (meta.outlet, meta.source, dict(meta.provenance)["source"]) == ("The Meridian Review", "Trend", "source_line")


def test_an_agency_byline_is_shown_and_is_the_source():
    parts = _parts(byline=bylines.Byline(credit="Associated Press"))
    meta = metadata.resolve_metadata(parts, {}, "", "url_map")
    assert (meta.author, meta.authors, meta.source) == ("Associated Press", (), "Associated Press")


# --- tags ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("line, tags", [
    ("Azeri, Nagorno-Karabakh, Russian, Armenian, NATO, Europe", ("Azeri", "Nagorno-Karabakh", "Russian", "Armenian", "NATO", "Europe")),
    ("Tags: Taiwan, China, Security", ("Taiwan", "China", "Security")),
    ("Tags: diplomacy", ("diplomacy",)),
    ("Moscow, Ankara and Baku all claimed victory, but the war went on.", ()),
    ("Russia, Turkey", ()),
])
def test_tag_lines(line, tags):
    assert metadata.tags_from_line(line) == tags
