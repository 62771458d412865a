"""HTML pages: the search page and the article page. Server-rendered; work without JavaScript."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from search.errors import BadQuery, IndexMissing
from search.query import SCOPES, SORTS
from webui.engine import engine, settings
from webui.params import request_from_args
from webui.views import decorate_result

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
    except BadQuery as exc:
        return render_template("search.html", error=exc, q=search_request.q, scopes=SCOPES, sorts=SORTS, data=None), 400
    except IndexMissing as exc:
        return render_template("search.html", no_index=exc, q=search_request.q, scopes=SCOPES, sorts=SORTS, data=None), 503
    data = decorate_result(result, settings())
    return render_template("search.html", data=data, q=search_request.q, scopes=SCOPES, sorts=SORTS,
                           facet_size=settings().facet_size)


@bp.get("/articles/<article_id>")
def article_page(article_id: str):
    article = engine().article(article_id)
    back = request.args.get("back", "")
    back_url = back if back.startswith("/?") or back == "/" else "/"
    mentions = [m for m in article.actor_mentions if m.body_count or m.comment_count]
    similar = engine().more_like(article_id)
    return render_template("article.html", article=article, mentions=mentions, back_url=back_url, similar=similar,
                           paragraphs=[p for p in article.body.split("\n\n") if p.strip()])
