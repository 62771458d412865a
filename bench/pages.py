"""How a generated article looks once scraped: its outlet's page chrome, as a page dump or a JSONL record.

Each of the 40 made-up outlets has one house style, drawn once from the seeded RNG: its menu, what
sits between the two printings of the headline, the byline and dateline forms, the URL scheme,
the comment system and the share widget. Page dumps follow the shape of seeds/*.txt and
tests/fixtures/corpus/*.txt: menu lines, the title twice, byline and dateline, paragraphs separated
by blank lines, share and related blocks, a comment section, a footer.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import date

OUTLETS = (
    ("The Meridian Review", "meridianreview.net"), ("Harbour Street Journal", "harbourstreetjournal.com"),
    ("Frontier Affairs Weekly", "frontieraffairs.net"), ("Northwind Monitor", "northwindmonitor.com"),
    ("The Strategic Lantern", "strategiclantern.org"), ("Crossroads Quarterly", "crossroadsquarterly.net"),
    ("The Civic Compass", "civiccompass.org"), ("Atlas Policy Digest", "atlaspolicydigest.com"),
    ("The Open Brief", "theopenbrief.net"), ("Continental Signal", "continentalsignal.com"),
    ("Granite Hill Gazette", "granitehillgazette.com"), ("Isthmus Times", "isthmustimes.net"),
    ("Polar Star Review", "polarstarreview.com"), ("The Borderline Post", "borderlinepost.net"),
    ("The Quiet Analyst", "quietanalyst.com"), ("Tidewater Politics", "tidewaterpolitics.com"),
    ("Highland Chronicle Daily", "highlandchronicledaily.com"), ("The Weekly Balance", "weeklybalance.org"),
    ("Cobalt Coast News", "cobaltcoastnews.com"), ("The Lantern Street Review", "lanternstreetreview.com"),
    ("Geopolitical Fieldnotes", "geofieldnotes.net"), ("Amber Route Journal", "amberroutejournal.com"),
    ("The Crossbow Herald", "crossbowherald.com"), ("Kestrel Analysis", "kestrelanalysis.net"),
    ("Equator Line Post", "equatorlinepost.com"), ("Ironbridge Opinion", "ironbridgeopinion.org"),
    ("The Long Telegram", "longtelegram.net"), ("Foxglove Dispatch", "foxglovedispatch.com"),
    ("The Second Draft", "theseconddraft.org"), ("Blue Lagoon Letters", "bluelagoonletters.net"),
    ("Watchtower Weekly Review", "watchtowerweeklyreview.com"), ("The Fair Hearing", "thefairhearing.org"),
    ("Openfield Report", "openfieldreport.net"), ("The Common Ledger", "thecommonledger.com"),
    ("Signal and Noise Daily", "signalandnoisedaily.com"), ("The Parallax View", "parallaxview.net"),
    ("Lighthouse Correspondent", "lighthousecorrespondent.org"), ("The Round Table Post", "roundtablepost.com"),
    ("Milestone Press Review", "milestonepressreview.net"), ("The Plainspoken", "theplainspoken.com"),
)
MENUS = (
    ("Skip to content", "Menu", "Search"),
    ("Home", "World", "Politics", "Economy", "Opinion", "Subscribe"),
    ("Menu", "Home", "News", "Analysis", "Video", "Donate"),
    ("Toggle navigation", "Home", "Latest", "Regions", "Topics", "Log in"),
)
SECTIONS = ("World", "Europe", "Politics", "Analysis", "Opinion", "Economy", "Security", "Diplomacy")
BETWEEN_TITLES = ((), ("Share", "Facebook", "Twitter"), ("Support Us",), ("Click to see full-size map.",), ("Photo: Reuters",))
BYLINES = ("By {a}", "By {a}", "Written by {a}", "By {a} | {outlet}", "By {a}, Senior Correspondent")
SHARE_BLOCKS = (("Share this article", "Facebook", "Twitter", "Telegram"), ("Share", "Email", "Print"), ("Like this:", "Like Loading..."))
COMMENT_SYSTEMS = ("wpdiscuz", "classic", "heading")
URL_FORMS = ("dated", "dated", "section", "news")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
DATELINES = (
    lambda d: f"Published on {d.day} {MONTHS[d.month - 1][:3]} {d.year}",
    lambda d: f"{MONTHS[d.month - 1]} {d.day}, {d.year}",
    lambda d: f"Posted on {MONTHS[d.month - 1]} {d.day}, {d.year} at {1 + d.day % 12}:{d.month * 4:02d} am",
    lambda d: f"Updated: {d.day:02d}.{d.month:02d}.{d.year}",
    lambda d: f"{d:%A}, {MONTHS[d.month - 1]} {d.day}, {d.year}",
    lambda d: f"{d.isoformat()} {8 + d.day % 10}:{d.month * 3:02d}",
)


@dataclass(frozen=True)
class Outlet:
    """A made-up outlet and its house style."""

    name: str
    domain: str
    menu: tuple[str, ...]
    between_titles: tuple[str, ...]
    byline: str  # a format with {a}
    dateline: int  # index into DATELINES
    dateline_first: bool
    url_form: str  # one of URL_FORMS
    comments: str  # one of COMMENT_SYSTEMS
    share: tuple[str, ...]
    tags: bool


@dataclass
class Plan:
    """One generated article, before it is written as a page dump or a JSONL record."""

    n: int
    title: str
    author: str
    day: date | None
    outlet: Outlet
    url: str
    paragraphs: list[str]
    actors: list[str]
    comments: list[tuple[str, str]]  # (commenter name or "", text)
    related: list[str]  # titles of other articles, for the "Related" block
    syndicated_from: int | None = None
    kind: str = "dump"  # or "jsonl"


def make_outlets(rng: random.Random) -> list[Outlet]:
    return [
        Outlet(
            name=name, domain=domain, menu=rng.choice(MENUS), between_titles=rng.choice(BETWEEN_TITLES),
            byline=rng.choice(BYLINES).replace("{outlet}", name), dateline=rng.randrange(len(DATELINES)),
            dateline_first=rng.random() < 0.4, url_form=rng.choice(URL_FORMS), comments=rng.choice(COMMENT_SYSTEMS),
            share=rng.choice(SHARE_BLOCKS), tags=rng.random() < 0.5,
        )
        for name, domain in OUTLETS
    ]


def slug(title: str) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", title.lower())[:8])


def article_url(outlet: Outlet, n: int, title: str, day: date | None) -> str:
    """Return a unique URL in the outlet's scheme; dated schemes put the date in the path."""
    if outlet.url_form == "dated" and day is not None:
        return f"https://{outlet.domain}/{day:%Y/%m/%d}/{slug(title)}-{n}/"
    if outlet.url_form == "news":
        return f"https://{outlet.domain}/news/{slug(title)}-{n}"
    return f"https://www.{outlet.domain}/{SECTIONS[n % len(SECTIONS)].lower()}/{slug(title)}-{n}.html"


def comment_section(plan: Plan, rng: random.Random) -> str:
    """Return the comment section in the outlet's comment system ("" for some pages without comments)."""
    style, comments = plan.outlet.comments, plan.comments
    if not comments and rng.random() < 0.5:
        return ""
    head = {"wpdiscuz": ["Notify of", "Newest Most Voted"],
            "classic": [f"{len(comments)} Comments"],
            "heading": ["Comments", "Notify of", "Inline Feedbacks", "View all comments"]}[style]
    parts = ["\n\n".join(head)]
    for author, text in comments:
        stamp = []
        if style == "classic":
            if not author:
                author = "Anonymous"  # systems that stamp comments also name the anonymous ones
            if plan.day is None or rng.random() < 0.5:
                stamp = [f"{rng.randrange(1, 30)} days ago"]
            else:
                stamp = [f"{MONTHS[plan.day.month - 1]} {plan.day.day}, {plan.day.year} at {rng.randrange(1, 12)}:{rng.randrange(60):02d} pm"]
        lines = ([author] if author else []) + stamp + [text] + (["Reply"] if style == "classic" else [])
        # Comments are separated by a blank line; one without a name shows only as a wider gap.
        parts.append(("\n" if not author else "") + "\n\n".join(lines))
    if style == "classic":
        parts.append("Leave a Reply\n\nYour email address will not be published. Required fields are marked *")
    else:
        parts.append("Would love your thoughts, please comment.x")
    return "\n\n".join(parts)


def render_dump(plan: Plan, rng: random.Random) -> str:
    """Return the page dump: menu, title twice, byline and dateline, body, tags, share, related, comments, footer."""
    o = plan.outlet
    blocks = [*o.menu[:1], o.name, *o.menu[1:], SECTIONS[plan.n % len(SECTIONS)], plan.title, *o.between_titles, plan.title]
    byline = [o.byline.format(a=plan.author)] if plan.author else ["By News Desk"] if rng.random() < 0.5 else []
    dateline = [DATELINES[o.dateline](plan.day)] if plan.day else []
    blocks += (dateline + byline) if o.dateline_first else (byline + dateline)
    blocks += plan.paragraphs
    if o.tags and plan.actors:
        blocks.append("Tags: " + ", ".join(plan.actors[:4]))
    blocks += [*o.share, "Related", *plan.related]
    section = comment_section(plan, rng)
    if section:
        blocks.append(section)
    year = plan.day.year if plan.day else 2025
    blocks += ["Privacy Policy", "Terms of Use", f"© {year} {o.name}. All rights reserved."]
    return "\n\n".join(blocks) + "\n"


def jsonl_record(plan: Plan, rng: random.Random) -> dict:
    """Return a crawl-export record: the main text (body, then comments) and the crawler's fields."""
    record = {"url": plan.url, "title": plan.title, "outlet": plan.outlet.name}
    if plan.author:
        record["author"] = plan.author
    if plan.day:
        record["date"] = f"{plan.day.isoformat()}T{rng.randrange(6, 22):02d}:{rng.randrange(60):02d}:00Z"
    section = comment_section(plan, rng)
    record["text"] = "\n\n".join(plan.paragraphs) + ("\n\n" + section if section else "")
    return record
