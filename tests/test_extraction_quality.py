"""Body extraction from page dumps: a quality gate on real pages, and the line rules it rests on."""

from __future__ import annotations

import importlib.util

import pytest

from search.ingest.comments import says_author
from search.ingest.dump import extract_dump, split_lines
from search.ingest.dump_features import describe_lines, is_chrome_line, is_meta_line, word_count
from search.ingest.normalise import decode_bytes, normalise_text
from tests.conftest import need_shared

# Token micro F1 of dump extraction on ../shared/data/extraction-dev (91 pages), as measured by
# `python bench/extraction.py --kind dump` (P=0.965 R=0.958 F1=0.961), less 0.005 of slack.
# Raise it when extraction gets better; a drop below it is a regression.
DUMP_F1_FLOOR = 0.956


def _load_scorer():
    path = need_shared("tools/score_extraction.py")
    spec = importlib.util.spec_from_file_location("score_extraction", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_dump_extraction_meets_the_floor_on_extraction_dev():
    cases_dir = need_shared("data/extraction-dev")
    scorer = _load_scorer()
    scores = []
    for gold_path in sorted(cases_dir.glob("*.gold.txt")):
        page = cases_dir / gold_path.name.replace(".gold.txt", ".txt")
        body = "\n\n".join(extract_dump(normalise_text(decode_bytes(page.read_bytes()))).body)
        scores.append(scorer.score_case(gold_path.read_text(encoding="utf-8"), body))
    summary = scorer.aggregate(scores)
    assert summary["n"] >= 90, f"expected the 91 extraction-dev pages, found {summary['n']}"
    assert summary["F1"] >= DUMP_F1_FLOOR, scorer.summary_line(summary)


@pytest.mark.parametrize(
    "line, chrome",
    [
        ("Photo: Damian Dovarganes, AP", True),
        ("Natalie Naccache | Bloomberg | Getty Images", True),
        ("The latest case was reported after a hunter ate a rabbitCredit: Getty - Contributor", True),
        ("Protesters do not want Hong Kong to lose its autonomy (Image: getty )", True),
        ("Image 1 of 23", True),
        ("Back to Gallery", True),
        ("Sign up for our daily newsletter and get the news in your inbox", True),
        ("Copyright © 2019 Jpost Inc. All rights reserved • Terms of Use • Privacy Policy", True),
        ("About | Contact | Jobs", True),
        ("Related: The 15 Weirdest Galaxies in Our Universe", True),
        ("Baca juga: Harga minyak naik lagi", True),
        ("November 19, 2019 at 6:58 am", True),
        ("Follow Victor Davis Hanson on Twitter", True),
        ("The Warring Parties", False),
        ("Prior to Mophie’s solution, I spent a few months testing Nomad’s version (pictured above) that "
         "launched first. Both offer a very similar experience, but I prefer the tighter design, and "
         "the price is the same for both of them at most stores that sell them in the country.", False),
        ("— Rep. Ilhan Omar (@Ilhan) November 19, 2019", False),
        ("SOURCE: Al Jazeera News", False),
    ],
)
def test_line_is_chrome(line, chrome):
    lines = split_lines(f"{line}\n\nA line of ordinary prose that stands next to it in this small page.")
    assert is_chrome_line(describe_lines(lines)[0]) is chrome


@pytest.mark.parametrize(
    "line, meta",
    [
        ("By Jill Disis, CNN Business", True),
        ("11/19/2019 by Lars Brandle", True),
        ("Updated 0339 GMT (1139 HKT) November 19, 2019", True),
        ("Natasha Turak@NatashaTurak", True),
        ("Von Moritz Bachmann publiziert am 25. September 2018", True),
        ("Nadal keeps Spain alive against Russia in Davis Cup Finals", False),
        ("The Warring Parties", False),
    ],
)
def test_byline_and_dateline_lines(line, meta):
    assert is_meta_line(line) is meta


@pytest.mark.parametrize(
    "line, author",
    [("theprocess12 says:", "theprocess12"), ("Bob. Just Bob. says:", "Bob. Just Bob."), ("Maria disse:", "Maria"),
     ("Trump says the talks are going well", "")],
)
def test_comment_author_lines(line, author):
    assert says_author(line) == author


def test_cjk_text_counts_by_characters():
    assert word_count("Kindle for PC " + "設定" * 6) == 3 + 12 / 2
    assert word_count("Россия и Турция") == 3  # spaced scripts count words as usual


def test_table_rows_count_as_one_block():
    """Rows of a results table are short lines, but together they are article text."""
    rows = "\n\n".join(f"{n} Driver Number{n} {5000 - n} {n % 3} {n % 2} {n + 10}" for n in range(1, 13))
    text = (
        "Standings\n\nThe standings after the last race of the season, with points, wins and poles:\n\n"
        f"{rows}\n\nHome\n\nNews\n\nContact\n\nShop\n\nAbout"
    )
    body = extract_dump(text).body
    assert body[0].startswith("The standings") and body[-1].startswith("12 Driver") and len(body) == 13


def test_wordpress_comments_are_split_from_the_body():
    text = "\n\n".join([
        "Menu", "A headline about the vote in parliament", "By Jane Doe", "May 25, 2022",
        "The parliament voted on Tuesday to approve the budget after a long and heated debate among members.",
        "The opposition said it would challenge the decision in court, and protests were planned for the weekend.",
        "2 responses to “A headline about the vote in parliament”",
        "reader1 says:", "May 25, 2022 at 6:58 am", "This will not end well for anyone involved.",
        "reader2 says:", "May 25, 2022 at 7:02 am", "Finally some good news.",
        "Leave a Reply", "You must be logged in to post a comment.",
        "About Us", "Contact", "Privacy Policy", "Terms of Use", "© 2022 Example News",
    ])
    parts = extract_dump(text)
    assert (parts.title, parts.author, parts.date) == ("A headline about the vote in parliament", "Jane Doe", "2022-05-25")
    assert parts.body == [
        "The parliament voted on Tuesday to approve the budget after a long and heated debate among members.",
        "The opposition said it would challenge the decision in court, and protests were planned for the weekend.",
    ]
    assert [(c.author, c.text) for c in parts.comments] == [
        ("reader1", "This will not end well for anyone involved."), ("reader2", "Finally some good news."),
    ]
