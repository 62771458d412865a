"""Shared fixtures: real indexes on disk, the Flask app, and a live server on loopback."""

from __future__ import annotations

import os
import shutil
import socket
import threading
from pathlib import Path

import pytest

from search.config import Settings
from search.indexer import build_index

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED = ROOT.parent / "shared"
SEED_BLITZ = SEEDS / "000_0023f9970ac02a19.txt"
SEED_SOUTHFRONT = SEEDS / "001_7bd2b091357a582b.txt"


def need_shared(subpath: str) -> Path:
    """Return ../shared/<subpath>; skip when it is absent, but fail under CI, which always has it."""
    path = SHARED / subpath
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing, and CI always has ../shared")
        pytest.skip(f"{path} not present (it sits beside the project root in the dev setup)")
    return path


@pytest.fixture(scope="session")
def seed_settings(tmp_path_factory) -> Settings:
    """Settings for an index of the two seed articles, built once per test session."""
    index_dir = tmp_path_factory.mktemp("seed-index")
    settings = Settings(index_dir=index_dir, seeds_dir=SEEDS)
    build_index([SEEDS], index_dir, settings)
    return settings


@pytest.fixture(scope="session")
def corpus_settings(tmp_path_factory) -> Settings:
    """Settings for an index of the seeds plus the small fixture corpus (tests/fixtures/corpus)."""
    index_dir = tmp_path_factory.mktemp("corpus-index")
    settings = Settings(index_dir=index_dir, seeds_dir=SEEDS)
    build_index([SEEDS, FIXTURES / "corpus"], index_dir, settings)
    return settings


@pytest.fixture()
def app(corpus_settings):
    from webui import create_app

    return create_app({"SETTINGS": corpus_settings, "TESTING": True})


@pytest.fixture()
def client(app):
    return app.test_client()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def live_server(corpus_settings):
    """A real waitress server on loopback serving the corpus index; yields its base URL."""
    from waitress.server import create_server

    from webui import create_app

    app = create_app({"SETTINGS": corpus_settings})
    server = create_server(app, host="127.0.0.1", port=_free_port(), threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()


@pytest.fixture()
def copy_seeds(tmp_path) -> Path:
    """A writable copy of seeds/ (with sources.toml)."""
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target
