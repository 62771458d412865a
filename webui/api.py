"""JSON endpoints: /api/search (same parameters as the search page) and /api/articles/<id>."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from webui.engine import engine, settings
from webui.params import request_from_args
from webui.views import decorate_result

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/search")
def search():
    search_request = request_from_args(request.args, settings())
    result = engine().search(search_request)
    return jsonify(decorate_result(result, settings()))


@bp.get("/articles/<article_id>")
def article(article_id: str):
    return jsonify(engine().article(article_id).to_dict())
