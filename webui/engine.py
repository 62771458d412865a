"""The app's engine: the one search.query keeps per settings, shared by pages and API."""

from __future__ import annotations

from flask import current_app

from search.config import Settings
from search.engine import Engine
from search.query import engine_for


def settings() -> Settings:
    return current_app.config["SETTINGS"]


def engine() -> Engine:
    return engine_for(settings())
