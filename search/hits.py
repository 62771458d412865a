"""What a search shows of each article, made the same way whichever engine found it.

An engine finds the documents and their scores; from a document's stored fields this module makes
the Hit (title, authors, outlet, dates, ...), its snippets and the fields it matched in, and the
timeline answer from per-outlet monthly counts. One place, so the engines cannot drift apart in
what users see.
"""

from __future__ import annotations

from dataclasses import replace

from search.highlight import lead, matches, snippet
from search.results import Copies, Hit, Snippet
from search.schema import SNIPPET_FIELDS, stored_text

FEW_HITS = 2  # at most this many hits and a "did you mean" is looked for
# Key terms of a result set come from the openings of its top documents: the lede carries the
# topic, and reading whole bodies of twenty documents cost a third of a rare word's search.
KEY_TERM_DOCS = 10
KEY_TERM_CHARS = 3000


def summary(stored: dict) -> Hit:
    """Return the Hit a stored document makes, without score or snippets."""
    author = stored.get("author", "")
    return Hit(
        id=stored["id"], title=stored.get("title", ""), author=author, outlet=stored.get("outlet", ""),
        date=stored.get("date") or None, url=stored.get("url", ""), actors=tuple(stored.get("actors", ())),
        authors=tuple(stored.get("authors", ())) or ((author,) if author else ()),
        fetched_at=stored.get("fetched_at") or None, indexed_at=stored.get("indexed_at") or None,
    )


def neighbours_in(ids: list[str], article_id: str) -> dict:
    """Return the ids before and after an article in a result list and its place (from 1), for
    the article page's previous/next links; all None when the list does not hold it."""
    if article_id not in ids:
        return {"previous": None, "next": None, "position": None}
    at = ids.index(article_id)
    return {
        "previous": ids[at - 1] if at > 0 else None,
        "next": ids[at + 1] if at + 1 < len(ids) else None,
        "position": at + 1,
    }


def shown_hit(stored: dict, fields, terms: dict | None, scan_chars: int, score: float | None,
              copies: Copies | None) -> Hit:
    """Return a hit as a results page shows it: its snippets (the query's words marked in body and
    comments, else the lede), the fields it matched in, its score and its near-duplicates.

    `fields` maps a field name to its schema field (for its analyzer); `terms` holds the query's
    terms per field (query_terms), None for a search without words."""
    snippets, matched_in = [], []
    if terms is not None:
        for name in SNIPPET_FIELDS:
            fragment = snippet(fields[name].analyzer, stored_text(stored, name), terms[name], scan_chars=scan_chars)
            if fragment:
                snippets.append(Snippet(name, fragment))
                matched_in.append(name)
        if matches(fields["title"].analyzer, stored.get("title", ""), terms["title"]):
            matched_in.insert(0, "title")
    if not snippets:
        snippets.append(Snippet("body", lead(stored.get("body", ""))))
    return replace(summary(stored), score=round(score, 4) if score is not None else None,
                   snippets=tuple(snippets), matched_in=tuple(matched_in), copies=copies)


def timeline_answer(actor: str, series: dict, undated: int) -> dict:
    """The timeline of an actor: `series` maps each outlet to its counts by month ("YYYY-MM")."""
    months = sorted({month for counter in series.values() for month in counter})
    return {
        "actor": actor,
        "months": months,
        "outlets": [
            {"outlet": outlet, "counts": [counter.get(month, 0) for month in months], "total": sum(counter.values())}
            for outlet, counter in sorted(series.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
        ],
        "undated": undated,
    }
