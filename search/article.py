"""The record that ingestion produces and the index consumes."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Comment:
    """One reader comment; `author` is empty when the page shows no name."""

    author: str
    text: str


@dataclass(frozen=True)
class ActorMention:
    """An actor an article mentions, with how often in the body and in the comments."""

    name: str
    type: str
    body_count: int
    comment_count: int


@dataclass(frozen=True)
class Article:
    """One ingested article: clean body, comments and extracted metadata."""

    id: str
    path: str
    url: str
    title: str
    author: str  # the byline as shown, names normalised ("Jane Roe and John Doe"); "" without one
    outlet: str
    date: str | None  # ISO 8601, as precise as the source states: "2022", "2022-05" or "2022-05-25"
    tags: tuple[str, ...]
    actors: tuple[str, ...]  # canonical names of actors the body is about, most mentioned first
    body: str
    comments: tuple[Comment, ...]
    actor_mentions: tuple[ActorMention, ...] = field(default=())
    kind: str = "dump"  # input kind: dump, html or jsonl
    fingerprint: tuple[int, ...] = field(default=(), repr=False)  # body sketch for near-duplicates
    authors: tuple[str, ...] = ()  # each person the byline names, one facet value each
    fetched_at: str | None = None  # when a crawler fetched the page (record, WARC): never the publication date
    source: str = ""  # the outlet a syndicated copy credits ("Source: Trend"); never its own outlet
    # (field, where its value came from): "record", "url_map", "json_ld", "meta", "byline",
    # "dateline", "masthead", "url_path", ... so an analyst can see why an article sits where it does.
    provenance: tuple[tuple[str, str], ...] = ()

    @property
    def date_precision(self) -> str | None:
        """Return "day", "month" or "year" for a dated article, else None."""
        if not self.date:
            return None
        return {10: "day", 7: "month", 4: "year"}.get(len(self.date))

    def to_dict(self) -> dict:
        """Return a JSON-ready dict of every field."""
        data = asdict(self)
        data["tags"] = list(self.tags)
        data["actors"] = list(self.actors)
        data["comments"] = [asdict(c) for c in self.comments]
        data["actor_mentions"] = [asdict(m) for m in self.actor_mentions]
        data["authors"] = list(self.authors)
        data["provenance"] = dict(self.provenance)
        data["date_precision"] = self.date_precision
        del data["fingerprint"]
        return data
