"""The mosaic command: extract, index, query; errors as 'error: …' with a non-zero exit."""

import json
import subprocess
import sys

from click.testing import CliRunner

from search.cli import main
from tests.conftest import ROOT, SEED_SOUTHFRONT


def run(*args, **kwargs):
    return CliRunner().invoke(main, list(args), catch_exceptions=False, **kwargs)


def test_extract_json_has_every_field():
    result = run("extract", str(SEED_SOUTHFRONT), "--json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    for key in ("id", "path", "url", "title", "author", "outlet", "date", "tags", "actors", "body", "comments"):
        assert key in data
    assert (data["title"], data["author"], data["outlet"], data["date"]) == ("Nagorno-Karabakh: The Multipolar Conflict", "J.Hawk", "SouthFront", None)
    assert {"author": "Chris Chuba"} in [{"author": c["author"]} for c in data["comments"]]


def test_extract_text_output():
    result = run("extract", str(SEED_SOUTHFRONT))
    assert result.exit_code == 0
    assert "title: Nagorno-Karabakh: The Multipolar Conflict" in result.output
    assert "[Jihadi Colin]" in result.output


def test_extract_unreadable_file_fails_clearly(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    result = CliRunner().invoke(main, ["extract", str(empty)])
    assert result.exit_code == 1
    assert "error: empty file" in result.output


def test_index_then_query_round_trip(tmp_path, copy_seeds):
    (copy_seeds / "broken.txt").write_bytes(b"\x00\x01\x02" * 100)
    index_dir = tmp_path / "ix"
    result = run("index", str(copy_seeds), "--index-dir", str(index_dir))
    assert result.exit_code == 0
    assert "indexed 2, skipped 1" in result.output
    assert "broken.txt: binary file, not text" in result.output

    result = run("query", "Erdogan", "--outlet", "SouthFront", "--index-dir", str(index_dir), "--json")
    data = json.loads(result.output)
    assert data["total"] == 1 and data["hits"][0]["author"] == "J.Hawk"

    result = run("query", "Multipolar", "--index-dir", str(index_dir))
    assert "1 results" in result.output and "SouthFront · J.Hawk · undated" in result.output
    assert "[Multipolar]" in result.output or "Multipolar" in result.output


def test_query_errors_exit_non_zero(seed_settings):
    result = CliRunner().invoke(main, ["query", '"open', "--index-dir", str(seed_settings.index_dir)])
    assert result.exit_code == 2
    assert "error: unbalanced quote" in result.output


def test_query_without_index_explains_how_to_build(tmp_path):
    result = CliRunner().invoke(main, ["query", "x", "--index-dir", str(tmp_path / "none")])
    assert result.exit_code == 1
    assert "error: no index" in result.output and "mosaic index" in result.output


def test_python_dash_m_search_runs():
    out = subprocess.run([sys.executable, "-m", "search", "--help"], cwd=ROOT, capture_output=True, text=True, check=True)
    assert "extract" in out.stdout and "serve" in out.stdout


def test_index_strict_fails_on_skips(tmp_path, copy_seeds):
    (copy_seeds / "empty.txt").write_bytes(b"")
    result = CliRunner().invoke(main, ["index", str(copy_seeds), "--index-dir", str(tmp_path / "ix"), "--strict"])
    assert result.exit_code == 3
    assert "indexed 2, skipped 1 (2 dump)" in result.output
    assert "empty.txt: empty file" in result.output


def test_an_unwritable_index_location_is_an_error_not_a_traceback(tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the index would go")
    result = CliRunner().invoke(main, ["index", str(ROOT / "seeds"), "--index-dir", str(blocked / "index")])
    assert result.exit_code == 1
    assert "error: cannot write the index in" in result.output and "Traceback" not in result.output
