"""One error shape for every output: JSON under /api/, the same message in an HTML page elsewhere."""

from __future__ import annotations

from flask import jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from search.errors import BadQuery, IndexMissing, NotFound, SearchError

STATUS = {BadQuery: 400, NotFound: 404, IndexMissing: 503}


def error_body(code: str, message: str, hint: str = "") -> dict:
    error = {"code": code, "message": message}
    if hint:
        error["hint"] = hint
    return {"error": error}


def _respond(status: int, code: str, message: str, hint: str = ""):
    if request.path.startswith("/api/"):
        return jsonify(error_body(code, message, hint)), status
    return render_template("error.html", status=status, code=code, message=message, hint=hint), status


def register(app) -> None:
    @app.errorhandler(SearchError)
    def search_error(exc: SearchError):
        status = next((STATUS[kind] for kind in type(exc).__mro__ if kind in STATUS), 500)
        return _respond(status, exc.code, exc.message, exc.hint)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        return _respond(exc.code or 500, (exc.name or "error").lower().replace(" ", "_"), exc.description or exc.name)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        app.logger.exception("unhandled error")
        return _respond(500, "internal_error", "something went wrong on our side; the log has the details")
