"""Generated requests against the real server on loopback: never a 5xx, always the documented shape.

Hypothesis sends over 5,000 requests in all (see the max_examples below), mixing valid
parameters with hostile ones: query syntax fragments, huge numbers, odd Unicode, unknown names.
"""

import http.client
import json
from urllib.parse import quote, urlencode, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from webui.openapi import openapi_document

DOCUMENT = openapi_document()
QUERY_BITS = ['"', "(", ")", "*", "?", ":", "AND", "OR", "NOT", "actor:", "title:", "outlet:", "author:",
              "comments:", "colour:", "Erdogan", "Erdoğan", "Russia", "Karabak*", "\u202e", "\x00", "‘", "🙂",
              "<script>", "%", "\\", "-", "~2", "^3", "[a TO b]", "{", "}", "the", " "]

fuzz_settings = settings(deadline=None, derandomize=True, database=None,
                         suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def validator(schema_name: str) -> Draft202012Validator:
    return Draft202012Validator({"$ref": f"#/components/schemas/{schema_name}", "components": DOCUMENT["components"]})


SEARCH_RESULT, ARTICLE, ERROR = validator("SearchResult"), validator("Article"), validator("Error")

text = st.one_of(
    st.lists(st.sampled_from(QUERY_BITS), max_size=8).map(" ".join),
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=900, max_size=1100),
)
number = st.one_of(st.integers(-5, 1200).map(str), st.sampled_from(["", "x", "1e3", "99999999999999999999", " 3", "0x10"]))
date = st.one_of(st.sampled_from(["2023", "2023-05", "2023-05-29", "2024-02-30", "23", "2023-13", "yesterday", ""]), st.text(max_size=12))
params = st.fixed_dictionaries({}, optional={
    "q": text, "in": st.sampled_from(["all", "body", "comments", "title", "x", ""]),
    "outlet": st.lists(st.sampled_from(["SouthFront", "BLiTZ", "(unknown)", "", "nope"]) | st.text(max_size=10), max_size=3),
    "actor": st.lists(st.sampled_from(["Russia", "United States", "Georgia", ""]) | st.text(max_size=10), max_size=3),
    "-outlet": st.lists(st.text(max_size=10), max_size=2), "-actor": st.lists(st.text(max_size=10), max_size=2),
    "author": st.lists(st.text(max_size=10), max_size=2),
    "from": date, "to": date, "undated": st.sampled_from(["1", "0", "yes"]),
    "sort": st.sampled_from(["relevance", "newest", "oldest", "best"]), "page": number, "per_page": number,
    "collapse": st.sampled_from(["0", "1"]), "bogus": st.text(max_size=5),
})


class Client:
    """One keep-alive HTTP connection to the live server."""

    def __init__(self, base: str):
        parts = urlsplit(base)
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        self.count = 0

    def get(self, path: str, query: dict | None = None):
        if query:
            path += "?" + urlencode(query, doseq=True)
        self.connection.request("GET", path)
        response = self.connection.getresponse()
        body = response.read()
        self.count += 1
        return response.status, response.getheader("Content-Type", ""), body


@pytest.fixture(scope="module")
def client(live_server):
    c = Client(live_server)
    yield c
    c.connection.close()


def check_error(status: int, body: bytes, allowed: set[int]) -> None:
    assert status in allowed, f"unexpected status {status}: {body[:300]!r}"
    ERROR.validate(json.loads(body))


@settings(fuzz_settings, max_examples=2600)
@given(query=params)
def test_search_fuzz(client, query):
    status, content_type, body = client.get("/api/search", query)
    assert content_type.startswith("application/json")
    if status == 200:
        SEARCH_RESULT.validate(json.loads(body))
    else:
        check_error(status, body, {400})


@settings(fuzz_settings, max_examples=900)
@given(query=params, fmt=st.sampled_from(["csv", "jsonl", "xml"]))
def test_export_fuzz(client, query, fmt):
    status, content_type, body = client.get("/api/export", {**query, "format": fmt})
    if status == 200:
        assert fmt != "xml"
        assert content_type.startswith("text/csv" if fmt == "csv" else "application/x-ndjson")
        if fmt == "jsonl":
            lines = body.decode("utf-8").splitlines()
            assert "export" in json.loads(lines[0]) and all(json.loads(line)["id"] for line in lines[1:])
    else:
        check_error(status, body, {400})


@settings(fuzz_settings, max_examples=800)
@given(article_id=st.text(min_size=1, max_size=30), which=st.sampled_from(["", "/similar"]))
def test_article_fuzz(client, article_id, which):
    status, _, body = client.get("/api/articles/" + quote(article_id, safe="") + which)
    if status == 200:
        data = json.loads(body)
        if which:
            assert isinstance(data["similar"], list)
        else:
            ARTICLE.validate(data)
    else:
        check_error(status, body, {404})


@settings(fuzz_settings, max_examples=800)
@given(name=st.sampled_from(["Russia", "NATO", "Nobody"]) | st.text(min_size=1, max_size=20), query=params,
       what=st.sampled_from(["cooccurrence", "timeline"]))
def test_actor_endpoints_fuzz(client, name, query, what):
    status, _, body = client.get(f"/api/actors/{quote(name, safe='')}/{what}", query)
    if status != 200:
        check_error(status, body, {400, 404})


def test_the_fuzz_sent_over_5000_requests(client):
    # Runs after the fuzz tests in this module (pytest keeps file order).
    assert client.count >= 5000, client.count


def test_real_articles_validate(client):
    status, _, body = client.get("/api/search", {"q": "Erdogan"})
    for hit in json.loads(body)["hits"]:
        status, _, article = client.get(f"/api/articles/{hit['id']}")
        assert status == 200
        ARTICLE.validate(json.loads(article))
