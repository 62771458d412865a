"""The two seed articles come out of ingestion as a careful reader would extract them."""

import pytest

from search.ingest import read_article
from tests.conftest import SEED_BLITZ, SEED_SOUTHFRONT

BOILERPLATE_BLITZ = [
    "Connect with us", "Editorial Board", "Click to comment", "Subscribe via Email", "To Top",
    "bloggers like this", "Recommended for you", "Leave a Comment", "independent geopolitical and military analyst",
]
BOILERPLATE_SOUTHFRONT = [
    "0 $", "2,500 $", "5,000 $", "100 $", "Support SouthFront", "Click to see full-size map.",
    "Written by J.Hawk", "Notify of", "Newest Most Voted", "Inline Feedbacks", "View all comments",
    "Porc Halal", "Would love your thoughts",
]


@pytest.fixture(scope="module")
def blitz():
    return read_article(SEED_BLITZ)


@pytest.fixture(scope="module")
def southfront():
    return read_article(SEED_SOUTHFRONT)


def test_blitz_metadata(blitz):
    assert (blitz.title, blitz.author, blitz.outlet, blitz.date) == (
        "How political West benefits from Nagorno-Karabakh escalation", "Drago Bosnic", "BLiTZ", None,
    )
    assert blitz.tags == ("Azeri", "Nagorno-Karabakh", "Russian", "Armenian", "NATO", "Europe")
    assert blitz.url == "https://www.weeklyblitz.net/opinion/how-political-west-benefits-from-nagorno-karabakh-escalation/"


def test_blitz_body_is_exactly_the_article(blitz):
    assert blitz.body.startswith("After months of tensions, on July 31")
    assert blitz.body.endswith("current status quo in the region.")
    assert blitz.body.count("\n\n") == 6  # seven paragraphs
    for phrase in BOILERPLATE_BLITZ + ["How political West benefits"]:
        assert phrase not in blitz.body, phrase
    assert blitz.comments == ()


def test_southfront_metadata(southfront):
    assert (southfront.title, southfront.author, southfront.outlet, southfront.date) == (
        "Nagorno-Karabakh: The Multipolar Conflict", "J.Hawk", "SouthFront", None,
    )


def test_southfront_body_is_exactly_the_article(southfront):
    assert southfront.body.startswith("The three-decades-old Nagorno-Karabakh conflict")
    assert southfront.body.endswith("growing US and European weakness.")
    for phrase in BOILERPLATE_SOUTHFRONT:
        assert phrase not in southfront.body, phrase
    # Section headings inside the article stay: they are part of what the author wrote.
    assert "\n\nThe Warring Parties\n\n" in southfront.body
    assert "\n\nUnited States\n\n" in southfront.body


def test_southfront_comments_with_their_authors(southfront):
    comments = southfront.comments
    assert 17 <= len(comments) <= 21
    named = {c.author for c in comments if c.author}
    assert named == {"Porc Halal", "Jihadi Colin", "Chris Chuba", "Leonardo Russo", "peter mcloughlin"}
    assert sum(1 for c in comments if not c.author) >= 8
    first = comments[0]
    assert (first.author, first.text) == ("Porc Halal", "Russia will always seek its interests regardless they dance with the devil or not…")
    assert comments[-1].author == "Jihadi Colin" and comments[-1].text.startswith("The Ottomans are still inside NATO")
    texts = "\n".join(c.text for c in comments)
    assert "Would love your thoughts" not in texts
    assert "Notify of" not in texts and "View all comments" not in texts
    # A multi-paragraph comment stays one comment.
    chuba = next(c for c in comments if c.author == "Chris Chuba")
    assert chuba.text.startswith("This means war in Ukraine.") and "What prevents a muli-nation" in chuba.text


def test_blitz_actors(blitz):
    required = {"Azerbaijan", "Armenia", "Russia", "United States", "Turkey", "NATO", "CSTO"}
    assert required <= set(blitz.actors)


def test_southfront_actors(southfront):
    required = {"Azerbaijan", "Armenia", "Turkey", "Russia", "United States", "France", "NATO", "CSTO",
                "Syria", "Libya", "Georgia", "Greece"}
    assert required <= set(southfront.actors)


@pytest.mark.parametrize("seed", [SEED_BLITZ, SEED_SOUTHFRONT], ids=["blitz", "southfront"])
def test_no_actor_without_a_mention(seed):
    """Every listed actor is backed by a name, alias, demonym or metonym in the title or body."""
    from search.ingest.actors import load_gazetteer

    article = read_article(seed)
    gazetteer = load_gazetteer()
    text = article.title + "\n" + article.body
    for name in article.actors:
        surfaces = [s for s, actor in gazetteer.surface_names.items() if actor.name == name]
        assert any(s in text for s in surfaces), f"{name} listed but none of {surfaces} is in the text"


def test_actors_never_mentioned_are_absent():
    southfront = read_article(SEED_SOUTHFRONT)
    blitz = read_article(SEED_BLITZ)
    assert "Georgia" not in blitz.actors  # the BLiTZ piece never mentions it
    assert "Libya" not in blitz.actors and "France" not in blitz.actors
    assert "Kazakhstan" not in southfront.actors
