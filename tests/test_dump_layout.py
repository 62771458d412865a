"""Title, byline and date found by layout in page dumps, table-driven from realistic snippets."""

import pytest

from search.ingest.dump import extract_dump
from search.ingest.normalise import normalise_text

PROSE = (
    "Officials in both capitals said on Tuesday that the talks would resume next month, after a pause "
    "of almost a year in which neither side had moved on the central questions of the dispute.\n\n"
    "Diplomats familiar with the negotiations said the main obstacle remained the sequencing of the "
    "withdrawal, which each government wants the other to begin first, and the role of observers.\n\n"
    "Analysts cautioned that the announcement was as much about domestic audiences as about the talks "
    "themselves, since both leaders face elections within the next eighteen months."
)

CASES = [
    ("repeated title",
     "Menu\n\nWorld\n\nTalks To Resume After A Year Of Deadlock\n\nShare\n\nTalks To Resume After A Year Of Deadlock\n\nBy Anna Petrova\n\n" + PROSE,
     ("Talks To Resume After A Year Of Deadlock", "Anna Petrova", None)),
    ("title before byline and dateline, after weather and views",
     "Moscow 12°C\n\n1,204 views\n\nPolitics\n\nTalks to resume after a year of deadlock\n\nBy: Anna Petrova\n\nWednesday, May 25, 2022\n\n" + PROSE,
     ("Talks to resume after a year of deadlock", "Anna Petrova", "2022-05-25")),
    ("bare name under the title",
     "Home\n\nAnalysis\n\nTalks to resume after a year of deadlock\n\nAnna Petrova\n\n13 Oct 2024\n\n" + PROSE,
     ("Talks to resume after a year of deadlock", "Anna Petrova", "2024-10-13")),
    ("author and month line",
     "Talks to resume after a year of deadlock\n\nThomas de Waal, September 2023\n\n" + PROSE,
     ("Talks to resume after a year of deadlock", "Thomas de Waal", None)),
    ("agency byline is no author; Published on",
     "News\n\nTalks to resume after a year of deadlock\n\nBy Agency\n\nPublished on 3 March 2021\n\n" + PROSE,
     ("Talks to resume after a year of deadlock", "", "2021-03-03")),
    ("passive 'by' in a headline is no byline",
     "Skip to content\n\nThe Meridian Review\n\nMenu\n\nAnalysis\n\nPipeline deal hit by new sanctions\n\nShare\n\n"
     "Pipeline deal hit by new sanctions\n\nWritten by Maya Costa\n\nPublished on 23 Aug 2018\n\n" + PROSE,
     ("Pipeline deal hit by new sanctions", "Maya Costa", "2018-08-23")),
    ("headline ending in an initialism",
     "The Open Brief\n\nWorld\n\nWhat the new tariffs mean for the U.S.\n\nBy Anna Petrova\n\n" + PROSE,
     ("What the new tariffs mean for the U.S.", "Anna Petrova", None)),
    ("headline above a long share panel",
     "Menu\n\nWorld\n\nTalks to resume after a year of deadlock\n\n19 November 2019\n\n"
     + "".join(f"{s}\n\nShare this with {s}\n\n" for s in ("Email", "Facebook", "Messenger", "Twitter", "Pinterest",
                                                          "WhatsApp", "LinkedIn", "Reddit", "Telegram", "Tumblr", "Viber"))
     + "Copy this link\n\nRead more about sharing.\n\nClose share panel\n\n" + PROSE,
     ("Talks to resume after a year of deadlock", "", "2019-11-19")),
    ("byline caught by the chrome rules, teaser under the header",
     "Advertisement\n\nDiplomats On The Road\n\nPublished 22 hours ago\n\nTalks to resume after a year of deadlock as both sides soften\n\n"
     "By Anna Petrova | The Meridian Review\n\nFacebook\n\nTwitter\n\nPrint\n\nVideo\n\nMeridian Flash top headlines for Nov. 19\n\n" + PROSE,
     ("Talks to resume after a year of deadlock as both sides soften", "Anna Petrova", None)),
    ("a desk credit is a byline: the caption under the dateline is no headline",
     "Learn More\n\nTalks to resume after a year of deadlock as envoys return to Geneva\n\nMeridian wire services\n\n"
     "Published 11:11 PM EST Nov 19, 2019\n\nChief negotiator Anna Petrova arrives in Geneva\n\nJohn Roe, Associated Press\n\n" + PROSE,
     ("Talks to resume after a year of deadlock as envoys return to Geneva", "Meridian wire services", "2019-11-19")),
    ("headline that quotes whole sentences",
     "News > World\n\n‘We’re not leaving. We’re staying.’: envoys divided on the new talks in Geneva\n\n"
     "UPDATED: Tue., Nov. 19, 2019\n\nBy Anna Petrova\n\n" + PROSE,
     ("‘We’re not leaving. We’re staying.’: envoys divided on the new talks in Geneva", "Anna Petrova", "2019-11-19")),
    ("headline that ends with a full stop, right above its dateline",
     "Sign In\n\nEdit Profile\n\nWorld\n\nTalks resume after a year. Nobody expects much.\n\nPosted Nov 18, 2019, 8:19 PM\n\n" + PROSE,
     ("Talks resume after a year. Nobody expects much.", "", "2019-11-18")),
    ("event, then the title, with one separator",
     "Home\n\nArchitecture\n\nDesign\n\nGeneva Talks 2019 | What the envoys brought home\n\nBy Anna Petrova - 2019-04-10\n\n" + PROSE,
     ("Geneva Talks 2019 | What the envoys brought home", "Anna Petrova", "2019-04-10")),
    ("years in the text are not a date",
     "Talks to resume after a year of deadlock\n\nBy Anna Petrova\n\nIn 2019 the talks collapsed, and in March 2020 they were suspended for good by both sides, officials recalled on Tuesday.\n\n" + PROSE,
     ("Talks to resume after a year of deadlock", "Anna Petrova", None)),
]


@pytest.mark.parametrize("dump, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_header_by_layout(dump, expected):
    parts = extract_dump(normalise_text(dump))
    assert (parts.title, parts.author, parts.date) == expected
    assert "\n\n".join(parts.body).endswith("within the next eighteen months.")


def test_article_sentences_that_use_widget_words_stay_in_the_body():
    kept = [
        "Both governments subscribe to the principle of non-interference, the joint statement said on Friday.",
        "The court found that copyright law did not cover the leaked diplomatic cables at the centre of the case.",
    ]
    dump = ("Talks to resume after a year of deadlock\n\nBy Anna Petrova\n\n" + PROSE + "\n\n" + "\n\n".join(kept)
            + "\n\nSubscribe to our newsletter\n\nSign up for free updates\n\nCopyright 2024 The Parallax View\n")
    body = "\n\n".join(extract_dump(normalise_text(dump)).body)
    assert all(sentence in body for sentence in kept)
    assert "newsletter" not in body and "Sign up" not in body and "Copyright" not in body
