"""Metadata of hand-written pages in every shape real crawls showed (tests/fixtures/metadata): what
a user sees under title, author, date and outlet, and where each value came from."""

from __future__ import annotations

import tomllib
from itertools import groupby

import pytest

from search.ingest import read_articles
from tests.conftest import FIXTURES

FOLDER = FIXTURES / "metadata"
EXPECTED = tomllib.loads((FOLDER / "expected.toml").read_text(encoding="utf-8"))["page"]
FIELDS = ("title", "author", "authors", "date", "outlet", "source", "fetched_at")


def _cases():
    for file, pages in groupby(EXPECTED, key=lambda page: page["file"]):
        for n, page in enumerate(pages):
            yield pytest.param(file, n, page, id=f"{file}#{n}" if file.endswith(".jsonl") else file)


def _expected(page: dict) -> dict:
    authors = list(page["authors"])
    return {
        "title": page["title"],
        "author": page.get("author", " and ".join(authors)),
        "authors": authors,
        "date": page["date"] or None,
        "outlet": page["outlet"],
        "source": page.get("source", ""),
        "fetched_at": page.get("fetched_at"),
    }


@pytest.mark.parametrize("file, n, page", list(_cases()))
def test_fixture_metadata(file, n, page):
    article = list(read_articles(FOLDER / file))[n]
    got = article.to_dict()
    assert {f: got[f] for f in FIELDS} == _expected(page)
    if "provenance" in page:
        assert got["provenance"] == page["provenance"]


def test_every_fixture_is_listed():
    """A page added to the folder without its expected metadata would test nothing."""
    listed = {page["file"] for page in EXPECTED}
    present = {p.name for p in FOLDER.iterdir() if p.suffix in (".txt", ".html", ".jsonl")}
    assert present == listed
