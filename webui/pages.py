"""HTML pages: the search page and the article page. Server-rendered; work without JavaScript."""

from __future__ import annotations

from urllib.parse import parse_qsl

from flask import Blueprint, render_template, request
from werkzeug.datastructures import MultiDict

from search.errors import BadQuery, IndexMissing, QueryTimeout
from webui.errors import status_of
from search.filters import FACETS
from search.request import SORTS
from search.schema import SCOPES
from webui.engine import engine, settings
from webui.params import request_from_args
from webui.views import actor_panel, decorate_result

bp = Blueprint("pages", __name__)


@bp.get("/")
def search_page():
    try:
        search_request = request_from_args(request.args, settings())
    except BadQuery as exc:
        # Keep the user's text in the box so it can be corrected.
        return render_template("search.html", error=exc, q=request.args.get("q", ""), scopes=SCOPES, sorts=SORTS, data=None), 400
    try:
        result = engine().search(search_request)
    except (BadQuery, QueryTimeout) as exc:
        return render_template("search.html", error=exc, q=search_request.q, scopes=SCOPES, sorts=SORTS, data=None), status_of(exc)
    except IndexMissing as exc:
        return render_template("search.html", no_index=exc, q=search_request.q, scopes=SCOPES, sorts=SORTS, data=None), 503
    data = decorate_result(result, settings())
    data["links"]["feed_absolute"] = request.url_root.rstrip("/") + data["links"]["feed"]
    if len(search_request.actors) == 1:
        data["actor_panel"] = actor_panel(engine(), search_request, search_request.actors[0], settings())
    return render_template("search.html", data=data, q=search_request.q, scopes=SCOPES, sorts=SORTS,
                           facet_size=settings().facet_size, facets=[(f.name, f.label) for f in FACETS.values()])


@bp.get("/articles/<article_id>")
def article_page(article_id: str):
    article = engine().article(article_id)
    back = request.args.get("back", "")
    back_url = back if back.startswith("/?") or back == "/" else "/"
    context = {"article": article, "back_url": back_url, "similar": engine().more_like(article_id),
               "mentions": [m for m in article.actor_mentions if m.body_count or m.comment_count],
               "neighbours": None, "marked": None}
    search_request = _request_from_url(back_url)
    if search_request is not None:
        try:
            context["neighbours"] = engine().neighbours(search_request, article_id)
            if search_request.q.strip():
                context["marked"] = engine().highlight_article(article, search_request.q, search_request.scope)
        except (BadQuery, QueryTimeout):
            pass  # the search the reader came from does not run (any more): the article still shows
    return render_template("article.html", **context)


def _request_from_url(url: str):
    """Return the search a results-page URL describes, or None when there is none or it is bad."""
    if not url.startswith("/?"):
        return None
    try:
        return request_from_args(MultiDict(parse_qsl(url[2:], keep_blank_values=True)), settings())
    except BadQuery:
        return None
