"""Bylines, dates, outlets and tag lines, table-driven from realistic snippets."""

import pytest

from search.ingest import metadata

BYLINES = [
    ("By Anna Petrova", "Anna Petrova"),
    ("By: Anna Petrova", "Anna Petrova"),
    ("Author: Anna Petrova", "Anna Petrova"),
    ("Written by J.Hawk exclusively for SouthFront", "J.Hawk"),
    ("The Azeri side decided to escalate mere days after the meeting. Writes Drago Bosnic", "Drago Bosnic"),
    ("By Olena Marchenko and Ivan Sirko", "Olena Marchenko"),
    ("By Ursula von der Leyen", "Ursula von der Leyen"),
    ("11/19/2019 by Lars Brandle", "Lars Brandle"),
    ("May 3, 2021 | By Jane Doe", "Jane Doe"),
    ("Von Moritz Bachmann", "Moritz Bachmann"),
    ("Thomas de Waal, September 2023", "Thomas de Waal"),
    ("By Agency", ""),
    ("By Reuters", ""),
    ("By Staff Writer", ""),
    ("Bypass roads were closed all week", ""),
    ("Standby for the announcement from the ministry.", ""),
]


@pytest.mark.parametrize("line, author", BYLINES)
def test_byline(line, author):
    assert metadata.find_byline(line) == author


DATELINES = [
    ("Wednesday, May 25, 2022", "2022-05-25"),
    ("13 Oct 2024", "2024-10-13"),
    ("Published on 14 Oct 2023", "2023-10-14"),
    ("Issued on: 03/08/2023 - 18:20", "2023-08-03"),
    ("January 14, 2024", "2024-01-14"),
    ("2021-11-30", "2021-11-30"),
    ("September 2023", "2023-09"),
    ("Updated: 1st March 2020, 10:02 GMT", "2020-03-01"),
    # Running text that mentions a date is not a dateline.
    ("After months of tensions, on July 31, 2022, Azerbaijan accused Armenia of attacking its military units in the disputed region.", None),
    ("The war of 2020 changed the region", None),
    ("February 30, 2023", None),
]


@pytest.mark.parametrize("line, expected", DATELINES)
def test_dateline(line, expected):
    assert metadata.date_from_line(line) == expected


@pytest.mark.parametrize(
    "url, expected",
    [
        ("https://www.aljazeera.com/news/2023/5/29/erdogan-runoff-turkey", "2023-05-29"),
        ("https://example.com/2022/03/some-story/", "2022-03"),
        ("https://southfront.org/nagorno-karabakh-the-multipolar-conflict/", None),
        ("https://example.com/posts/2022-story", None),
    ],
)
def test_date_from_url(url, expected):
    assert metadata.date_from_url(url) == expected


@pytest.mark.parametrize(
    "url, outlet",
    [
        ("https://www.weeklyblitz.net/opinion/x/", "BLiTZ"),
        ("https://southfront.org/x/", "SouthFront"),
        ("https://amp.theguardian.com/world/x", "The Guardian"),
        ("https://unknown-blog.example/x", ""),
    ],
)
def test_outlet_for_url(url, outlet):
    assert metadata.outlet_for_url(url) == outlet


@pytest.mark.parametrize(
    "lines, url, outlet",
    [
        (["Home", "The Parallax View", "World"], "https://parallaxview.net/news/x", "The Parallax View"),
        (["Frontier Affairs Weekly", "Menu"], "https://www.frontieraffairs.net/a/1", "Frontier Affairs Weekly"),
        (["Isthmus Times"], "https://isthmustimes.net/2020/01/x", "Isthmus Times"),
        (["Menu", "World", "Politics"], "https://parallaxview.net/news/x", ""),  # no line spells the site
        (["The Parallax View is read by 2 million people."], "https://parallaxview.net/x", ""),  # a sentence
    ],
)
def test_outlet_spelled_for_url(lines, url, outlet):
    assert metadata.outlet_spelled_for_url(lines, url) == outlet


def test_outlet_named_in_page_chrome():
    assert metadata.outlet_named_in(["Support SouthFront", "Menu", "Support SouthFront"]) == "SouthFront"
    assert metadata.outlet_named_in(["multimedia features on BLiTZ"]) == "BLiTZ"
    assert metadata.outlet_named_in(["Home", "Contact"]) == ""


@pytest.mark.parametrize(
    "line, tags",
    [
        ("Azeri, Nagorno-Karabakh, Russian, Armenian, NATO, Europe", ("Azeri", "Nagorno-Karabakh", "Russian", "Armenian", "NATO", "Europe")),
        ("Tags: Taiwan, China, Security", ("Taiwan", "China", "Security")),
        ("Tags: diplomacy", ("diplomacy",)),
        ("Moscow, Ankara and Baku all claimed victory, but the war went on.", ()),
        ("Russia, Turkey", ()),
    ],
)
def test_tag_lines(line, tags):
    assert metadata.tags_from_line(line) == tags
