"""Browser tests: a real headless Chromium (Playwright, sync API) against the live `mosaic serve` (gunicorn).

Every page opened here records console errors and uncaught page errors, and each test ends by
asserting there were none. The app's Content-Security-Policy forbids inline scripts, and Chromium
reports a CSP violation as a console error, so a clean console also shows the pages obey the CSP.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

pytestmark = pytest.mark.browser

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
TIMEOUT_MS = 10_000

SOUTHFRONT_TITLE = "Nagorno-Karabakh: The Multipolar Conflict"
BLITZ_TITLE = "How political West benefits from Nagorno-Karabakh escalation"
SOUTHFRONT_URL = "https://southfront.org/nagorno-karabakh-the-multipolar-conflict/"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for the whole module."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing; install Debian's chromium package to run the browser tests"
        if os.environ.get("CI"):
            pytest.fail(reason + " (CI must run them)")
        pytest.skip(reason)
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Problems:
    """Console errors, page errors and dialogs seen by every page of one browser context."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.dialogs: list[str] = []

    def watch(self, page) -> None:
        page.on("console", lambda msg: self._console(page, msg))
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc} on {page.url}"))
        page.on("dialog", self._dialog)

    def _console(self, page, msg) -> None:
        if msg.type != "error":
            return
        source = msg.location.get("url", "")
        self.errors.append(f"console: {msg.text} (from {source or '?'}) on {page.url}")

    def _dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def assert_clean(self) -> None:
        assert self.errors == [], "browser reported errors:\n" + "\n".join(self.errors)
        assert self.dialogs == [], f"unexpected dialogs: {self.dialogs}"


def _new_context(browser, problems: Problems, **options):
    context = browser.new_context(**options)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    context.on("page", problems.watch)
    return context


@pytest.fixture()
def problems() -> Problems:
    return Problems()


@pytest.fixture()
def page(browser, problems):
    """A fresh page (JavaScript on, desktop size) whose errors land in `problems`."""
    context = _new_context(browser, problems, viewport=DESKTOP)
    yield context.new_page()
    context.close()


@pytest.fixture()
def nojs_page(browser, problems):
    """A fresh page in a context with JavaScript disabled."""
    context = _new_context(browser, problems, viewport=DESKTOP, java_script_enabled=False)
    yield context.new_page()
    context.close()


# --------------------------------------------------------------------------- helpers


def query(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def hits(page):
    return page.locator("ol.hits > li.hit")


def hit_titles(page) -> list[str]:
    return [t.strip() for t in page.locator("ol.hits > li.hit h2 a").all_inner_texts()]


def total(page) -> int:
    return int(page.locator(".summary [role=status] strong").inner_text())


def facet_entries(page, name: str) -> dict[str, int]:
    """{value: count} as the facet lists them."""
    entries = {}
    for item in page.locator(f"#facet-{name} li").all():
        entries[item.locator("a").inner_text().strip()] = int(item.locator(".count").inner_text())
    return entries


def facet_checkbox(page, name: str, value: str):
    return page.locator(f"#facet-{name} li").filter(has=page.get_by_role("link", name=value, exact=True)).get_by_role("checkbox")


def search_from_box(page, base: str, text: str) -> None:
    page.goto(base + "/")
    page.locator("#q").fill(text)
    page.locator("form.searchbar button[type=submit]").click()
    page.wait_for_url(re.compile(r"[?&]q="))


def assert_no_live_markup(page) -> None:
    """Document text must never become elements: only app.js as a script, no images at all."""
    assert page.locator("script").count() == 1
    assert page.locator("script").get_attribute("src").endswith("/static/app.js")
    assert page.locator("img[onerror]").count() == 0
    assert page.locator("[onerror], [onload], [onclick]").count() == 0
    assert page.evaluate("() => document.querySelectorAll('img').length") == 0


# --------------------------------------------------------------------------- tests


def test_search_facet_article_and_back(page, problems, live_server):
    """The issue's acceptance test: search, narrow by outlet, open the article, come back."""
    search_from_box(page, live_server, "Erdogan")
    assert query(page)["q"] == ["Erdogan"]
    expect(page.locator("#q")).to_have_value("Erdogan")
    titles = hit_titles(page)
    assert len(titles) >= 2
    assert SOUTHFRONT_TITLE in titles and BLITZ_TITLE in titles
    unfiltered = total(page)
    assert unfiltered == len(titles)
    before = facet_entries(page, "outlet")
    assert before["SouthFront"] == 1 and before["BLiTZ"] == 1

    box = facet_checkbox(page, "outlet", "SouthFront")
    expect(box).not_to_be_checked()
    box.click()  # app.js submits the facet form on change
    page.wait_for_url(re.compile(r"outlet=SouthFront"))

    assert query(page)["outlet"] == ["SouthFront"]
    assert query(page)["q"] == ["Erdogan"]
    expect(hits(page)).to_have_count(1)
    assert hit_titles(page) == [SOUTHFRONT_TITLE]
    expect(page.locator(".summary [role=status]")).to_contain_text("1 result for")
    chip = page.locator("ul.chips a.chip")
    expect(chip).to_have_count(1)
    expect(chip).to_contain_text("outlet: SouthFront")
    expect(page.get_by_role("link", name="Remove filter outlet: SouthFront")).to_be_visible()
    expect(facet_checkbox(page, "outlet", "SouthFront")).to_be_checked()
    # Disjunctive counts: the other outlets stay listed with what selecting them would add.
    assert facet_entries(page, "outlet") == before
    expect(facet_checkbox(page, "outlet", "BLiTZ")).not_to_be_checked()
    filtered_url = page.url

    page.get_by_role("link", name=SOUTHFRONT_TITLE).click()
    page.wait_for_url(re.compile(r"/articles/"))
    expect(page.locator("article h1")).to_have_text(SOUTHFRONT_TITLE)
    expect(page).to_have_title(re.compile(re.escape(SOUTHFRONT_TITLE)))
    expect(page.locator("article .meta")).to_contain_text("by J.Hawk")
    expect(page.locator("article .body p").first).to_contain_text(
        re.compile(r"^The three-decades-old Nagorno-Karabakh conflict"))
    authors = page.locator(".comments .comment-author").all_inner_texts()
    assert "Jihadi Colin" in authors
    original = page.locator(f'article a[href="{SOUTHFRONT_URL}"]')
    expect(original).to_be_visible()
    expect(original).to_have_text("original")
    # The in-page back link leads to the same filtered results.
    back_href = page.get_by_role("link", name="← back to results").get_attribute("href")
    assert parse_qs(urlsplit(back_href).query) == {"q": ["Erdogan"], "outlet": ["SouthFront"]}

    page.go_back()
    page.wait_for_url(filtered_url)
    expect(hits(page)).to_have_count(1)
    assert hit_titles(page) == [SOUTHFRONT_TITLE]
    expect(page.locator("ul.chips a.chip")).to_contain_text("outlet: SouthFront")
    expect(facet_checkbox(page, "outlet", "SouthFront")).to_be_checked()
    problems.assert_clean()


def test_removing_chip_restores_unfiltered_results(page, problems, live_server):
    page.goto(live_server + "/?q=Erdogan")
    unfiltered = total(page)
    assert unfiltered >= 2

    page.goto(live_server + "/?q=Erdogan&outlet=SouthFront")
    expect(hits(page)).to_have_count(1)
    page.get_by_role("link", name="Remove filter outlet: SouthFront").click()
    page.wait_for_url(lambda url: "outlet=" not in url)

    assert query(page) == {"q": ["Erdogan"]}
    expect(page.locator("ul.chips")).to_have_count(0)
    expect(hits(page)).to_have_count(unfiltered)
    assert total(page) == unfiltered
    expect(facet_checkbox(page, "outlet", "SouthFront")).not_to_be_checked()
    problems.assert_clean()


def test_slash_focuses_search_box_and_enter_searches(page, problems, live_server):
    page.goto(live_server + "/")
    box = page.locator("#q")
    expect(box).not_to_be_focused()
    page.keyboard.press("/")
    expect(box).to_be_focused()
    page.keyboard.type("Nagorno-Karabakh")
    expect(box).to_have_value("Nagorno-Karabakh")  # the "/" itself was not typed
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=Nagorno-Karabakh"))
    assert hits(page).count() >= 2
    assert SOUTHFRONT_TITLE in hit_titles(page)
    problems.assert_clean()


def test_hostile_markup_is_shown_as_text(page, problems, live_server):
    search_from_box(page, live_server, "script")
    expect(hits(page)).to_have_count(1)
    title_link = hits(page).locator("h2 a")
    expect(title_link).to_have_text('Why <script>alert("title")</script> tags break naive search engines')
    expect(page.get_by_text('<script>alert("body")</script>', exact=False)).to_be_visible()
    expect(page.get_by_text('<script>alert("comment")</script>', exact=False)).to_be_visible()
    expect(page.locator(".snippet mark").first).to_have_text("script")  # highlighting still works
    assert_no_live_markup(page)

    title_link.click()
    page.wait_for_url(re.compile(r"/articles/"))
    expect(page.locator("article h1")).to_contain_text("<script>")
    expect(page.locator("article .body")).to_contain_text("<script>alert(\"body\")</script>")
    expect(page.locator("article .body")).to_contain_text("<img src=x onerror=alert('body')>")
    comment = page.locator(".comments .comment")
    expect(comment.locator(".comment-author")).to_have_text("Eve")
    expect(comment).to_contain_text("<img src=x onerror=alert('comment')>")
    expect(page.get_by_text("<script>", exact=False).first).to_be_visible()
    assert_no_live_markup(page)
    page.wait_for_timeout(100)  # give any injected handler a moment to fire a dialog
    assert problems.dialogs == []
    problems.assert_clean()


def test_facets_work_without_javascript(nojs_page, problems, live_server):
    page = nojs_page
    page.goto(live_server + "/?q=Erdogan")
    unfiltered = total(page)
    assert unfiltered >= 2

    # Tick a box, then submit with the "Apply filters" button that <noscript> shows.
    facet_checkbox(page, "outlet", "SouthFront").check()
    page.locator("#facet-form").get_by_role("button", name="Apply filters").first.click()
    page.wait_for_url(re.compile(r"outlet=SouthFront"))
    assert query(page) == {"q": ["Erdogan"], "outlet": ["SouthFront"]}
    assert hit_titles(page) == [SOUTHFRONT_TITLE]
    expect(page.locator("ul.chips a.chip")).to_contain_text("outlet: SouthFront")

    # Or follow a facet value's link.
    page.goto(live_server + "/?q=Erdogan")
    page.locator("#facet-outlet").get_by_role("link", name="BLiTZ", exact=True).click()
    page.wait_for_url(re.compile(r"outlet=BLiTZ"))
    assert hit_titles(page) == [BLITZ_TITLE]
    assert total(page) < unfiltered
    problems.assert_clean()


def test_screenshots(browser, problems, live_server):
    """Full-page screenshots at desktop and phone widths, saved for a human to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        context = _new_context(browser, problems, viewport=viewport)
        try:
            page = context.new_page()
            page.goto(live_server + "/?q=Erdogan")
            expect(hits(page).first).to_be_visible()
            # The results page must not scroll sideways at either width.
            assert page.evaluate("() => document.documentElement.scrollWidth") <= viewport["width"]
            page.screenshot(path=str(ARTIFACTS / f"search-{label}.png"), full_page=True)
            page.get_by_role("link", name=SOUTHFRONT_TITLE).click()
            page.wait_for_url(re.compile(r"/articles/"))
            expect(page.locator("article h1")).to_have_text(SOUTHFRONT_TITLE)
            page.screenshot(path=str(ARTIFACTS / f"article-{label}.png"), full_page=True)
        finally:
            context.close()
    for name in ("search-desktop", "search-phone", "article-desktop", "article-phone"):
        path = ARTIFACTS / f"{name}.png"
        assert path.stat().st_size > 1000 and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    problems.assert_clean()


# --------------------------------------------------------------------------- no-JS and small screens


def test_one_apply_button_without_javascript(nojs_page, live_server):
    nojs_page.goto(live_server + "/?q=Erdogan")
    expect(nojs_page.get_by_role("button", name="Apply filters")).to_have_count(1, timeout=1_000)


def test_show_all_facet_values_without_javascript(nojs_page, live_server):
    nojs_page.goto(live_server + "/?q=Erdogan")
    items = nojs_page.locator("#facet-actor li")
    assert items.locator("visible=true").count() < items.count()  # the list is long enough to be cut
    nojs_page.locator("#facet-actor details.show-more summary").click()
    expect(items.locator("visible=true")).to_have_count(items.count(), timeout=1_000)


def test_article_does_not_scroll_sideways_on_small_phone(browser, problems, live_server):
    context = _new_context(browser, problems, viewport={"width": 320, "height": 640})
    try:
        page = context.new_page()
        page.goto(live_server + "/?q=Erdogan&outlet=SouthFront")
        page.get_by_role("link", name=SOUTHFRONT_TITLE).click()
        page.wait_for_url(re.compile(r"/articles/"))
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 320
    finally:
        context.close()


def test_favicon_is_served(page, live_server):
    page.goto(live_server + "/")
    declared = page.locator("head link[rel~=icon]").count() > 0
    assert declared or page.request.get(live_server + "/favicon.ico").status == 200


def test_histogram_bar_filters_by_date_and_actor_chip_filters_by_actor(page, problems, live_server):
    page.goto(live_server + "/")
    page.get_by_role("link", name="2023: 3 articles").click()
    page.wait_for_url(re.compile(r"from=2023"))
    assert query(page)["from"] == ["2023"] and query(page)["to"] == ["2023"]
    assert total(page) == 3
    # Within one year the bars are months, each a link with an accessible label.
    expect(page.get_by_role("link", name="2023-08: 1 article")).to_be_visible()
    page.get_by_role("link", name="2023-08: 1 article").click()
    page.wait_for_url(re.compile(r"from=2023-08"))
    assert hit_titles(page) == ["Niger junta orders French troops out as Sahel realignment deepens"]
    hits(page).first.locator("a.actor", has_text="ECOWAS").click()
    page.wait_for_url(re.compile(r"actor=ECOWAS"))
    assert query(page)["actor"] == ["ECOWAS"] and total(page) == 1
    problems.assert_clean()


def test_article_page_highlights_the_query(page, problems, live_server):
    search_from_box(page, live_server, '"Collective Security" Erdogan Pashinyan')
    page.get_by_role("link", name=SOUTHFRONT_TITLE).click()
    page.wait_for_url(re.compile(r"/articles/"))
    marks = [m.strip() for m in page.locator("article .body mark").all_inner_texts()]
    assert "Collective" in marks and "Security" in marks and any(m.startswith("Erdogan") for m in marks)
    assert "collective" not in marks  # "collective defense" is not the phrase
    assert page.locator(".comment mark").count() >= 1  # comments are marked too
    expect(page.get_by_role("link", name="← back to results")).to_be_visible()
    problems.assert_clean()


def test_keyboard_only_search_and_open(page, problems, live_server):
    page.goto(live_server + "/")
    page.keyboard.press("Tab")  # skip link first
    expect(page.locator("a.skip")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.locator("#q")).to_be_focused()
    page.keyboard.type("Multipolar")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=Multipolar"))
    for _ in range(60):  # tab to the first result's link
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.closest('li.hit h2') !== null"):
            break
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/articles/"))
    expect(page.locator("h1")).to_have_text(SOUTHFRONT_TITLE)
    problems.assert_clean()


def test_every_search_offers_its_feed(page, problems, live_server):
    page.goto(live_server + "/?q=Erdogan&outlet=SouthFront")
    head_link = page.locator('link[rel="alternate"][type="application/atom+xml"]')
    href = head_link.get_attribute("href")
    assert parse_qs(urlsplit(href).query) == {"q": ["Erdogan"], "outlet": ["SouthFront"]}
    visible = page.locator("a.feed-link")
    expect(visible).to_be_visible()
    assert visible.get_attribute("href") == href
    feed = page.request.get(live_server + href)
    assert feed.status == 200 and "application/atom+xml" in feed.headers["content-type"]
    assert SOUTHFRONT_TITLE in feed.text()
    problems.assert_clean()
