"""The JSON API: shapes, one error body everywhere, 400s never 500s."""

import pytest

HIT_KEYS = {"id", "title", "author", "authors", "outlet", "date", "url", "actors", "fetched_at", "indexed_at", "score", "snippets", "matched_in", "copies"}


def test_search_shape(client):
    response = client.get("/api/search?q=Erdogan&outlet=SouthFront")
    assert response.status_code == 200 and response.is_json
    data = response.get_json()
    assert {"query", "total", "page", "per_page", "took_ms", "hits", "facets"} <= set(data)
    assert (data["query"], data["total"], data["page"], data["per_page"]) == ("Erdogan", 1, 1, 10)
    hit = data["hits"][0]
    assert set(hit) == HIT_KEYS
    assert hit["title"] == "Nagorno-Karabakh: The Multipolar Conflict"
    assert hit["url"] == "https://southfront.org/nagorno-karabakh-the-multipolar-conflict/"
    assert all(set(s) == {"field", "html"} for s in hit["snippets"])
    assert set(data["facets"]) == {"outlet", "actor", "author", "date"}
    for entries in data["facets"].values():
        for entry in entries:
            assert {"value", "count", "selected", "excluded"} <= set(entry)
            assert "toggle_url" not in entry  # links are the HTML page's, not the result's
    selected = [e["value"] for e in data["facets"]["outlet"] if e["selected"]]
    assert selected == ["SouthFront"]


def test_same_parameters_as_the_ui(client):
    data = client.get("/api/search?actor=Taiwan&actor=Niger&sort=newest&per_page=1&page=2").get_json()
    assert (data["total"], data["page"], data["per_page"], data["sort"]) == (2, 2, 1, "newest")
    assert data["hits"][0]["date"] == "2023-08-03"
    data = client.get("/api/search?from=2023&to=2023&in=body&q=said").get_json()
    assert data["total"] == 3 and data["in"] == "body"


@pytest.mark.parametrize(
    "query, code",
    [
        ('q="open', "bad_query"),
        ("q=colour:red", "bad_query"),
        ("page=abc", "bad_query"),
        ("page=0", "bad_query"),
        ("page=99999999", "bad_query"),
        ("per_page=-1", "bad_query"),
        ("per_page=1000", "bad_query"),
        ("sort=best", "bad_query"),
        ("in=everywhere", "bad_query"),
        ("from=yesterday", "bad_query"),
        ("colour=red", "bad_query"),
        ("q=" + "a" * 2000, "bad_query"),
        ("q=(((", "bad_query"),
        ("q=NOT NOT Turkey", "bad_query"),
        ("q=Turkey NOT NOT Russia", "bad_query"),
        ("q=*urkey", "bad_query"),
    ],
)
def test_malformed_parameters_answer_400_with_json_error(client, query, code):
    response = client.get("/api/search?" + query)
    assert response.status_code == 400
    body = response.get_json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code and body["error"]["message"]


def test_a_lone_star_lists_everything_like_an_empty_search(client):
    star, empty = client.get("/api/search?q=*").get_json(), client.get("/api/search?q=").get_json()
    assert star["total"] == empty["total"] > 0
    assert [h["id"] for h in star["hits"]] == [h["id"] for h in empty["hits"]]
    assert star["parsed_query"] == "everything"


def test_article_endpoint(client):
    hit = client.get("/api/search?q=Multipolar").get_json()["hits"][0]
    article = client.get(f"/api/articles/{hit['id']}").get_json()
    assert article["title"] == "Nagorno-Karabakh: The Multipolar Conflict"
    assert article["author"] == "J.Hawk" and article["outlet"] == "SouthFront" and article["date"] is None
    assert article["body"].startswith("The three-decades-old")
    assert {c["author"] for c in article["comments"] if c["author"]} >= {"Porc Halal", "Jihadi Colin"}
    assert "Georgia" in article["actors"]


def test_unknown_article_is_404_json(client):
    response = client.get("/api/articles/0000000000000000")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_missing_index_is_503_json(tmp_path):
    from search.config import Settings
    from webui import create_app

    app = create_app({"SETTINGS": Settings(index_dir=tmp_path / "none"), "TESTING": True})
    response = app.test_client().get("/api/search?q=x")
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "index_missing"
