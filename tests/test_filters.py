"""One table of filters drives every surface; facets come from their declaration."""

from dataclasses import fields

import pytest
from click.testing import CliRunner
from werkzeug.datastructures import MultiDict

from search.article import Article
from search.cli import main
from search.config import Settings
from search.engine import open_engine
from search.filters import FACETS, FILTERS
from search.request import SearchRequest
from webui.openapi import openapi_document
from webui.params import request_from_args, request_to_pairs

EVERY_FILTER = SearchRequest(
    q="Erdogan", outlets=("A", "B"), not_outlets=("C",), actors=("Turkey",), not_actors=("Iran",),
    authors=("Jane Roe",), not_authors=("John Doe",), date_from="2020", date_to="2021-06", undated=False,
    indexed_since="2026-12-01T09:30:00Z",
)


def test_every_filter_is_a_request_field_and_back():
    request_fields = {f.name for f in fields(SearchRequest)}
    assert {f.field for f in FILTERS} <= request_fields
    for f in FILTERS:
        if f.facet:
            assert f.facet in FACETS


def test_a_request_survives_its_url():
    settings = Settings()
    pairs = request_to_pairs(EVERY_FILTER, settings)
    assert request_from_args(MultiDict(pairs), settings) == EVERY_FILTER


def test_openapi_and_cli_offer_every_filter():
    params = {p["name"] for p in openapi_document()["paths"]["/api/search"]["get"]["parameters"]}
    assert {f.param for f in FILTERS} <= params
    help_text = CliRunner().invoke(main, ["query", "--help"]).output
    for f in FILTERS:
        assert f.option in help_text


@pytest.mark.parametrize("param, value", [("undated", "AAA"), ("collapse", "maybe"), ("page", "٣"), ("from", "2023-02-30"), ("to", "20x3")])
def test_filter_values_are_checked(client, param, value):
    response = client.get(f"/api/search?{param}={value}")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "bad_query"


def _article(n: int, **fields_) -> Article:
    base = dict(id=f"a{n}", path=f"/tmp/a{n}.txt", url="", title=f"Article {n}", author="", outlet="Outlet",
                date="2021-05-01", tags=(), actors=(), body="Talks on the ceasefire went on all night. " * 5, comments=())
    base.update(fields_)
    return Article(**base)


def _index(tmp_path, articles) -> Settings:
    """Write articles straight through the engine's writer (the path every build takes)."""
    settings = Settings(index_dir=tmp_path / "ix")
    engine = open_engine(settings)
    writer = engine.writer(rebuild=True)
    try:
        writer.start()
        prepare = writer.preparer()
        for article in articles:
            writer.add(prepare(article))
        writer.publish({}, [])
    finally:
        engine.close_writer(writer)
    return settings


def test_co_authors_count_under_each_name_and_filter_alike(tmp_path):
    settings = _index(tmp_path, [
        _article(1, author="Jane Roe and John Doe", authors=("Jane Roe", "John Doe")),
        _article(2, author="Jane Roe", authors=("Jane Roe",)),
        _article(3),
    ])
    engine = open_engine(settings)
    counts = {f.value: f.count for f in engine.search(SearchRequest(q="ceasefire")).facets["author"]}
    assert counts == {"Jane Roe": 2, "John Doe": 1, "(no byline)": 1}
    assert engine.search(SearchRequest(q="ceasefire", authors=("John Doe",))).total == 1
    assert engine.search(SearchRequest(q="ceasefire", not_authors=("John Doe",))).total == 2
    both = engine.search(SearchRequest(q="ceasefire", authors=("Jane Roe", "John Doe")))
    assert both.total == 2 and {h.authors for h in both.hits} == {("Jane Roe", "John Doe"), ("Jane Roe",)}


def test_an_index_of_another_format_is_refused_then_rebuilt(tmp_path, copy_seeds):
    from search.errors import IndexOutdated
    from search.indexer import build_index
    from search.store.whoosh.generation import FORMAT_FILE, current_generation

    settings = Settings(index_dir=tmp_path / "ix")
    build_index([copy_seeds], settings=settings)
    before = open_engine(settings).search(SearchRequest(q="Erdogan")).total
    (current_generation(settings.index_dir) / FORMAT_FILE).write_text("1\n")
    with pytest.raises(IndexOutdated):
        open_engine(settings).search(SearchRequest(q="Erdogan"))
    report = build_index([copy_seeds], settings=settings, rebuild=False)
    assert report.indexed == 2 and "older Mosaic" in report.rebuilt_because
    assert open_engine(settings).search(SearchRequest(q="Erdogan")).total == before > 0
