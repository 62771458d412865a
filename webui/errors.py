"""One error shape for every output: JSON under /api/, the same message in an HTML page elsewhere."""

from __future__ import annotations

from flask import current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from search.errors import BadQuery, IndexMissing, NotFound, QueryTimeout, SearchError, TooLarge

# Status per error class; subclasses take their nearest ancestor's.
STATUS = {BadQuery: 400, NotFound: 404, TooLarge: 413, IndexMissing: 503, QueryTimeout: 503}


def status_of(exc: SearchError) -> int:
    return next((STATUS[kind] for kind in type(exc).__mro__ if kind in STATUS), 500)


def error_body(code: str, message: str, hint: str = "") -> dict:
    error = {"code": code, "message": message}
    if hint:
        error["hint"] = hint
    return {"error": error}


def _respond(status: int, code: str, message: str, hint: str = "", headers=None):
    if request.path.startswith("/api/") or request.path == "/feed.atom":
        response = jsonify(error_body(code, message, hint))
    else:
        response = current_app.make_response(render_template("error.html", status=status, code=code, message=message, hint=hint))
    response.status_code = status
    for name, value in headers or ():
        response.headers[name] = value
    return response


def register(app) -> None:
    @app.errorhandler(SearchError)
    def search_error(exc: SearchError):
        return _respond(status_of(exc), exc.code, exc.message, exc.hint)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        # Keep what the exception says in headers (Allow on a 405, for one).
        headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
        return _respond(exc.code or 500, (exc.name or "error").lower().replace(" ", "_"), exc.description or exc.name, headers=headers)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        app.logger.exception("unhandled error")
        return _respond(500, "internal_error", "something went wrong on our side; the log has the details")
