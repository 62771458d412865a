"""Mosaic's web layer: the search page, the article page and the JSON API, over search.query."""

from __future__ import annotations

from flask import Flask

from search.config import Settings


def create_app(test_config: dict | None = None) -> Flask:
    """Return the Flask app; `test_config` may carry SETTINGS (a search.config.Settings)."""
    app = Flask(__name__)
    app.config.from_mapping(SETTINGS=Settings.from_env(), JSON_SORT_KEYS=False)
    if test_config:
        app.config.update(test_config)
    # No redirects for odd slashes: an API client gets a 404 in the JSON error shape instead.
    app.url_map.merge_slashes = False
    app.url_map.strict_slashes = False
    app.json.sort_keys = False
    app.json.ensure_ascii = False

    from webui import access, api, errors, feeds, pages

    app.register_blueprint(access.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(feeds.bp)
    app.register_blueprint(api.bp)
    errors.register(app)

    @app.after_request
    def security_headers(response):
        # Scripts and styles only from our own static files: document text can never run.
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        return response

    return app
