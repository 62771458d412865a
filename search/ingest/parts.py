"""What a page says about itself, found by layout (page dumps) or by markup (HTML): one record for both."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from search.article import Comment
from search.ingest.bylines import Byline


@dataclass
class PageParts:
    """The pieces of one page, before a record or the page's URL are weighed against them.

    `origin` says where the page states each metadata value: "json_ld", "meta", "h1", "headline",
    "byline", "dateline", "self_reference", "masthead", ... (see search/ingest/metadata.py).
    """

    title: str = ""
    byline: Byline = field(default_factory=Byline)
    date: str | None = None  # ISO: "2022-05-25", or "2022-05"/"2022" when only that is stated
    age: timedelta | None = None  # "2 years ago" under the headline: a date only against a fetch time
    tags: tuple[str, ...] = ()
    body: list[str] = field(default_factory=list)  # article paragraphs, in order, no title
    comments: list[Comment] = field(default_factory=list)
    chrome: list[str] = field(default_factory=list)  # non-body text lines (the outlet's self-name lives here)
    outlet: str = ""  # the site's own name, as the page states it
    affiliation: str = ""  # the outlet a byline or dateline names beside the author ("By Jane Roe, Outlet")
    source: str = ""  # the outlet a syndicated copy credits ("Source: Trend")
    url: str = ""  # the page's canonical URL
    origin: dict[str, str] = field(default_factory=dict)

    @property
    def author(self) -> str:
        """The byline as shown ("Jane Roe and John Doe", or an agency's name)."""
        return self.byline.display
