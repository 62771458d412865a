"""Shared fixtures: real indexes on disk, the Flask app, and a live server on loopback."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from search.config import Settings
from search.indexer import build_index
from tests.opensearch_node import missing_tools, start_cluster

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


def need_opensearch_tools() -> None:
    """Skip when java or mvn is missing (a user's fresh clone); fail under CI, which has both."""
    reason = missing_tools()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI must run the OpenSearch tests")
        pytest.skip(reason)


@pytest.fixture(scope="session")
def opensearch_url(tmp_path_factory):
    """OpenSearch's address: MOSAIC_OPENSEARCH_URL when set (comma-separated addresses, as the
    setting allows), else the URL of one node started for the session (tools/opensearch-node,
    built on first use). Tests name their indexes uniquely and delete them, since the address
    may be a shared cluster."""
    url = os.environ.get("MOSAIC_OPENSEARCH_URL")
    if url:
        yield url
        return
    need_opensearch_tools()
    with start_cluster(1, tmp_path_factory.mktemp("opensearch")) as cluster:
        yield cluster.urls[0]


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


@contextmanager
def running_server(index_dir: Path, env: dict | None = None, args: tuple[str, ...] = (), log: list | None = None,
                   info: dict | None = None):
    """Run `mosaic serve` (gunicorn) on a free loopback port in its own process group; yield its
    URL. `env` adds MOSAIC_* settings; what the server printed lands in `log` when one is given;
    `info` gets the "pid" of the server's master process."""
    port = _free_port()
    printed = tempfile.TemporaryFile()  # a file, not a pipe: a full pipe would stall the server
    proc = subprocess.Popen(
        [sys.executable, "-m", "search", "serve", "--index-dir", str(index_dir), "--port", str(port), *args],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=printed, env={**os.environ, **(env or {})},
        start_new_session=True,
    )
    if info is not None:
        info["pid"] = proc.pid  # gunicorn's master runs in this process
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                with urllib.request.urlopen(url + "/static/style.css", timeout=5):
                    break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    printed.seek(0)
                    raise RuntimeError(f"server did not start: {printed.read().decode(errors='replace')[-2000:]}")
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()  # gunicorn's master stops its workers gracefully
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()
        printed.seek(0)
        if log is not None:
            log.append(printed.read().decode(errors="replace"))
        printed.close()


@pytest.fixture(scope="session")
def live_server(corpus_settings):
    """A real server (`mosaic serve`, gunicorn) on loopback over the corpus index; yields its URL."""
    with running_server(corpus_settings.index_dir) as url:
        yield url


@pytest.fixture()
def copy_seeds(tmp_path) -> Path:
    """A writable copy of seeds/ (with sources.toml)."""
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target


def engine_at(index_dir: Path, settings: Settings | None = None):
    """Return a Whoosh engine over the index in `index_dir` (other settings as given)."""
    from dataclasses import replace

    from search.store.whoosh import WhooshEngine

    return WhooshEngine(replace(settings or Settings(), index_dir=Path(index_dir)))
