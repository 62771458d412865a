"""The app's SearchEngine: one per app, created on first use, shared by pages and API."""

from __future__ import annotations

from flask import current_app

from search.config import Settings
from search.query import SearchEngine


def settings() -> Settings:
    return current_app.config["SETTINGS"]


def engine() -> SearchEngine:
    ext = current_app.extensions
    if "mosaic_engine" not in ext:
        ext["mosaic_engine"] = SearchEngine(settings().index_dir, settings())
    return ext["mosaic_engine"]
