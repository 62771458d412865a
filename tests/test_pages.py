"""Server-rendered pages: state in the URL, facets and chips, escaping, security headers."""

import re

import pytest


def test_search_page_lists_results_facets_and_chips(client):
    html = client.get("/?q=Erdogan&outlet=SouthFront").get_data(as_text=True)
    assert "Nagorno-Karabakh: The Multipolar Conflict" in html
    assert "How political West benefits" not in html  # filtered out
    assert re.search(r'<input type="checkbox"[^>]*name="outlet" value="SouthFront" checked>', html)
    assert 'href="/?q=Erdogan&amp;outlet=SouthFront&amp;outlet=BLiTZ"' in html  # adding an outlet keeps the first
    assert 'aria-label="Remove filter outlet: SouthFront"' in html
    assert 'href="/?q=Erdogan"' in html  # the chip's removal link


def test_article_page_shows_body_metadata_and_comments(client):
    hit = client.get("/api/search?q=Multipolar").get_json()["hits"][0]
    html = client.get(f"/articles/{hit['id']}").get_data(as_text=True)
    assert "<h1>Nagorno-Karabakh: The Multipolar Conflict</h1>" in html
    assert "by J.Hawk" in html and "SouthFront" in html
    assert 'href="https://southfront.org/nagorno-karabakh-the-multipolar-conflict/"' in html
    assert html.count('class="comment"') >= 17
    assert "Jihadi Colin" in html and "Support SouthFront" not in html


@pytest.mark.parametrize("path", ["/?q=script", "/?q=alert"])
def test_document_text_is_escaped_in_results(client, path):
    html = client.get(path).get_data(as_text=True)
    assert "Why &lt;script&gt;alert" in html
    assert "<script>alert" not in html and "<img src=x" not in html


def test_document_text_is_escaped_on_article_page(client):
    hit = client.get("/api/search?q=Mallory").get_json()["hits"][0]
    html = client.get(f"/articles/{hit['id']}").get_data(as_text=True)
    assert "&lt;script&gt;alert(&#34;comment&#34;)&lt;/script&gt;" in html or "&lt;script&gt;alert(&quot;comment&quot;)" in html
    assert "<script>alert" not in html and "<img src=x" not in html


def test_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_bad_query_page_is_400_and_keeps_the_text(client):
    response = client.get('/?q=%22Nagorno')
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "unbalanced quote" in html and 'value="&#34;Nagorno"' in html


def test_no_inline_scripts_or_handlers(client):
    html = client.get("/?q=Erdogan").get_data(as_text=True)
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert not re.search(r"\son[a-z]+=", html)


def test_article_page_marks_the_query_and_links_neighbours(client):
    data = client.get("/api/search?q=Erdogan&sort=newest").get_json()
    ids = [h["id"] for h in data["hits"]]
    back = "/?q=Erdogan&sort=newest"
    html = client.get(f"/articles/{ids[1]}", query_string={"back": back}).get_data(as_text=True)
    assert "<mark>Erdogan’s</mark>" in html or "<mark>Erdogan</mark>" in html
    assert f'href="/articles/{ids[0]}?back=' in html and 'rel="prev"' in html
    assert f'href="/articles/{ids[2]}?back=' in html and 'rel="next"' in html
    assert "result 2" in html


def test_article_page_marks_comments_and_still_escapes(client):
    hit = client.get("/api/search?q=Mallory").get_json()["hits"][0]
    html = client.get(f"/articles/{hit['id']}", query_string={"back": "/?q=alert"}).get_data(as_text=True)
    assert "&lt;script&gt;<mark>alert</mark>(" in html
    assert "<script>alert" not in html


def test_article_page_ignores_a_foreign_back_link(client):
    hit = client.get("/api/search?q=Multipolar").get_json()["hits"][0]
    html = client.get(f"/articles/{hit['id']}", query_string={"back": "https://evil.example/"}).get_data(as_text=True)
    assert "evil.example" not in html and "<mark>" not in html


def test_date_histogram_bars_link_to_their_period(client):
    html = client.get("/").get_data(as_text=True)
    bars = re.findall(r'<a href="([^"]+)" aria-label="([^"]+)"><rect class="bar', html)
    assert [label for _, label in bars] == ["2023: 3 articles", "2024: 2 articles"]
    assert bars[0][0] == "/?from=2023&amp;to=2023"
    html = client.get("/?from=2023&to=2023").get_data(as_text=True)
    labels = re.findall(r'aria-label="([^"]+)"><rect class="bar', html)
    assert labels == ["2023-05: 1 article", "2023-08: 1 article", "2023-10: 1 article"]


def test_selected_actor_shows_cooccurrence_and_timeline(client):
    html = client.get("/?actor=Russia").get_data(as_text=True)
    assert "Russia in these results" in html
    together = re.findall(r'<a class="tag" href="([^"]+)">([^<]+) <span class="count">(\d+)</span>', html)
    names = {name: int(count) for _, name, count in together}
    assert names["NATO"] >= 3 and "Russia" not in names
    url = next(u for u, name, _ in together if name == "NATO")
    assert url == "/?q=actor%3A%22NATO%22&amp;actor=Russia"
    assert 'aria-label="Articles mentioning Russia per month, 2023-05 to 2023-10"' in html


def test_the_page_shows_how_the_query_was_searched(client):
    html = client.get("/?q=%22war+in+Ukraine%22+the").get_data(as_text=True)
    assert "How this was searched" in html and "war in ukrain" in html


@pytest.mark.parametrize("back", ['/?q=%22', "/?q=NOT+NOT", "/?q=*urk", "/?page=x", "/?%ZZ", "javascript:alert(1)", "//evil.com/?q=1"])
def test_an_article_opens_whatever_search_it_came_back_from(client, back):
    hit = client.get("/api/search?q=Erdogan").get_json()["hits"][0]
    response = client.get(f"/articles/{hit['id']}", query_string={"back": back})
    assert response.status_code == 200
    assert 'href="javascript' not in response.get_data(as_text=True) and 'href="//evil' not in response.get_data(as_text=True)
