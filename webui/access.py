"""What every request passes before a view: a body-size bound and, when one is configured, the
read-only access token."""

from __future__ import annotations

import hmac

from flask import Blueprint, current_app, redirect, request
from werkzeug.exceptions import Unauthorized

from search.errors import TooLarge

bp = Blueprint("access", __name__)

TOKEN_COOKIE = "mosaic_token"


@bp.before_app_request
def check_request():
    settings = current_app.config["SETTINGS"]
    # Every endpoint is GET: a body is never read. (`mosaic serve` refuses a large one before
    # it reaches the app, see webui.server; this is for every other way of serving the app.)
    if (request.content_length or 0) > settings.max_request_bytes:
        raise TooLarge(f"request body of {request.content_length} bytes; the limit is {settings.max_request_bytes}")
    token = settings.api_token
    if not token or request.path.startswith("/static/"):
        return None
    given = request.args.get("token")
    if given is not None and hmac.compare_digest(given.encode(), token.encode()):
        # A link with ?token= logs a browser in: remember it, and drop it from the address.
        args = [(k, v) for k, v in request.args.items(multi=True) if k != "token"]
        from urllib.parse import urlencode

        response = redirect(request.path + ("?" + urlencode(args) if args else ""), code=303)
        response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="Strict", secure=request.is_secure)
        return response
    header = request.headers.get("Authorization", "")
    offered = header[7:] if header.startswith("Bearer ") else request.cookies.get(TOKEN_COOKIE, "")
    if not hmac.compare_digest(offered.encode(), token.encode()):
        raise Unauthorized("this Mosaic needs its access token: send `Authorization: Bearer <token>`, or open a link with ?token=")
    return None
