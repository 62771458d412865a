"""Index builds: on-disk Whoosh index, skip report, atomic replacement of the previous index."""

import os
import signal
import subprocess
import sys
import time

import pytest

from search.config import Settings
from search.errors import IndexMissing
from search.indexer import build_index
from search.store.whoosh.generation import current_generation, open_index
from search.request import SearchRequest
from tests.conftest import engine_at
from tests.conftest import ROOT, SEEDS


def total(index_dir, q="") -> int:
    return engine_at(index_dir).search(SearchRequest(q=q)).total


def test_build_indexes_seeds_and_reports(tmp_path):
    report = build_index([SEEDS], tmp_path / "ix", Settings())
    assert (report.indexed, report.skipped, dict(report.kinds)) == (2, [], {"dump": 2})
    assert report.summary().startswith("indexed 2, skipped 0")
    with open_index(tmp_path / "ix").searcher() as searcher:
        assert searcher.doc_count() == 2


def test_unreadable_files_are_skipped_with_reasons(tmp_path, copy_seeds):
    (copy_seeds / "empty.txt").write_bytes(b"")
    (copy_seeds / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (copy_seeds / "menu_only.txt").write_text("Home\n\nAbout\n\nContact\n", encoding="utf-8")
    (copy_seeds / "notes.md").write_text("not an input kind", encoding="utf-8")
    report = build_index([copy_seeds], tmp_path / "ix", Settings())
    assert report.indexed == 2
    reasons = {os.path.basename(p): r for p, r in report.skipped}
    assert reasons == {"binary.txt": "binary file, not text", "empty.txt": "empty file", "menu_only.txt": "no article body found"}


def test_oversized_file_is_skipped(tmp_path, copy_seeds):
    (copy_seeds / "huge.txt").write_text("word " * 300_000, encoding="utf-8")
    report = build_index([copy_seeds], tmp_path / "ix", Settings(max_file_mb=1))
    assert [r for p, r in report.skipped if p.endswith("huge.txt")][0].startswith("file too large")


def test_missing_index_is_reported():
    with pytest.raises(IndexMissing):
        open_index(ROOT / "tests" / "no-such-index")


def test_rebuild_replaces_the_index_atomically(tmp_path, copy_seeds):
    index_dir = tmp_path / "ix"
    build_index([copy_seeds / "000_0023f9970ac02a19.txt"], index_dir, Settings())
    engine = engine_at(index_dir)
    assert engine.search(SearchRequest()).total == 1
    first = current_generation(index_dir)
    build_index([copy_seeds], index_dir, Settings())
    # The same engine picks up the new generation without a restart.
    assert engine.search(SearchRequest()).total == 2
    assert current_generation(index_dir) != first


def test_failed_build_leaves_previous_index_serving(tmp_path, copy_seeds, monkeypatch):
    index_dir = tmp_path / "ix"
    build_index([copy_seeds], index_dir, Settings())
    live = current_generation(index_dir)

    import search.workers as workers

    def explode(path, settings):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(workers, "read_articles", explode)
    with pytest.raises(RuntimeError):
        build_index([copy_seeds], index_dir, Settings())
    assert current_generation(index_dir) == live
    assert total(index_dir) == 2
    assert [p.name for p in index_dir.iterdir() if p.name.startswith("gen-")] == [live.name]


def test_positions_that_fail_to_write_during_the_commit_fail_the_build_and_keep_the_old_index(tmp_path, copy_seeds, monkeypatch):
    """The positional store writes its last part in a thread while Whoosh commits: a disk error
    there fails the build as one in the commit itself would, and the previous index serves on."""
    import threading

    from search.store.whoosh.positional import StoreBuilder

    index_dir = tmp_path / "ix"
    build_index([copy_seeds], index_dir, Settings())
    live = current_generation(index_dir)
    writing = StoreBuilder._flush
    threads = []

    def disk_full_in_the_background(self):
        threads.append(threading.current_thread().name)
        if threading.current_thread() is not threading.main_thread():
            raise OSError(28, "No space left on device")
        return writing(self)

    monkeypatch.setattr(StoreBuilder, "_flush", disk_full_in_the_background)
    with pytest.raises(OSError, match="No space left"):
        build_index([copy_seeds], index_dir, Settings())
    assert "mosaic-positional-flush" in threads  # the failure came from the background write
    assert current_generation(index_dir) == live
    assert total(index_dir, "Ukraine") >= 1
    assert [p.name for p in index_dir.iterdir() if p.name.startswith("gen-")] == [live.name]


def test_killed_build_leaves_previous_index_serving(tmp_path, copy_seeds):
    """kill -9 in the middle of a real rebuild: the old index still answers, the next build recovers."""
    index_dir = tmp_path / "ix"
    build_index([copy_seeds], index_dir, Settings())
    live = current_generation(index_dir)
    many = tmp_path / "many"
    many.mkdir()
    text = (SEEDS / "001_7bd2b091357a582b.txt").read_text(encoding="utf-8")
    for n in range(400):
        (many / f"copy_{n:03d}.txt").write_text(text, encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "search", "index", str(many), "--index-dir", str(index_dir)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 30
    while time.time() < deadline and len([p for p in index_dir.iterdir() if p.name.startswith("gen-")]) < 2:
        time.sleep(0.05)
    time.sleep(0.5)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert current_generation(index_dir) == live
    assert total(index_dir) == 2
    report = build_index([copy_seeds], index_dir, Settings())  # no manual clean-up needed
    assert report.indexed == 2
    assert len([p for p in index_dir.iterdir() if p.name.startswith("gen-")]) <= 2


def test_incremental_update_reads_only_changed_files(tmp_path, copy_seeds):
    index_dir = tmp_path / "ix"
    build_index([copy_seeds], index_dir, Settings(), rebuild=False)
    engine = engine_at(index_dir)

    again = build_index([copy_seeds], index_dir, Settings(), rebuild=False)
    assert (again.indexed, again.unchanged_files, again.removed_files) == (0, 2, 0)
    assert "2 files unchanged, 0 removed" in again.summary()

    blitz = copy_seeds / "000_0023f9970ac02a19.txt"
    blitz.write_text(blitz.read_text(encoding="utf-8").replace("thalassocracy", "sea power"), encoding="utf-8")
    changed = build_index([copy_seeds], index_dir, Settings(), rebuild=False)
    assert (changed.indexed, changed.unchanged_files) == (1, 1)
    assert engine.search(SearchRequest(q='"sea power"')).total == 1
    assert engine.search(SearchRequest(q="thalassocracy")).total == 0
    assert engine.search(SearchRequest()).total == 2  # the old version is gone, not duplicated
    (updated,) = engine.search(SearchRequest(q='"sea power"')).hits
    assert updated.copies is None  # nor counted as a near-duplicate copy of the new one

    (copy_seeds / "001_7bd2b091357a582b.txt").unlink()
    removed = build_index([copy_seeds], index_dir, Settings(), rebuild=False)
    assert (removed.indexed, removed.removed_files) == (0, 1)
    assert engine.search(SearchRequest()).total == 1
    # The vocabulary follows: words only the removed article had are gone from suggestions.
    assert engine.search(SearchRequest(q="Multipolr")).did_you_mean is None


def test_touched_but_unchanged_file_is_not_reingested(tmp_path, copy_seeds):
    index_dir = tmp_path / "ix"
    build_index([copy_seeds], index_dir, Settings(), rebuild=False)
    os.utime(copy_seeds / "000_0023f9970ac02a19.txt", ns=(1, 1))
    report = build_index([copy_seeds], index_dir, Settings(), rebuild=False)
    assert (report.indexed, report.unchanged_files) == (0, 2)


def test_parallel_ingest_gives_the_same_index(tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    for n, seed in enumerate(sorted(SEEDS.glob("*.txt")) * 40):
        (folder / f"{n:03d}.txt").write_text(seed.read_text(encoding="utf-8").replace("Nagorno", f"Nagorno{n}", 1), encoding="utf-8")
    serial = build_index([folder], tmp_path / "serial", Settings(index_workers=1))
    parallel = build_index([folder], tmp_path / "parallel", Settings(index_workers=2))
    assert serial.indexed == parallel.indexed == 80

    def documents(index_dir):
        with open_index(index_dir).searcher() as searcher:
            return sorted((d["id"], d["title"], tuple(d["actors"])) for d in searcher.all_stored_fields())

    assert documents(tmp_path / "serial") == documents(tmp_path / "parallel")


def test_update_leaves_the_live_generation_untouched(tmp_path, copy_seeds):
    """Searchers still reading the old generation see its own files, not the new build's."""
    index_dir = tmp_path / "ix"
    build_index([copy_seeds], index_dir, Settings(), rebuild=False)
    old = current_generation(index_dir)
    before = {p.name: p.read_bytes() for p in old.iterdir() if p.is_file()}
    (copy_seeds / "001_7bd2b091357a582b.txt").unlink()
    build_index([copy_seeds], index_dir, Settings(), rebuild=False)
    assert current_generation(index_dir) != old
    assert {p.name: p.read_bytes() for p in old.iterdir() if p.is_file()} == before


def test_an_update_after_the_gazetteer_changed_reads_every_file_again(tmp_path, copy_seeds):
    """Actors are found at ingest, so an extra gazetteer entry must reach the articles already
    indexed: the next `mosaic index` reads everything again instead of updating."""
    extra = tmp_path / "actors.toml"
    extra.write_text('[[actor]]\nname = "Zorblax Federation"\ntype = "state"\n', encoding="utf-8")
    settings = Settings(actors_file=extra)
    index_dir = tmp_path / "ix"
    build_index([copy_seeds], index_dir, settings)
    assert total(index_dir, 'actor:"Sea Powers"') == 0

    extra.write_text(extra.read_text(encoding="utf-8")
                     + '\n[[actor]]\nname = "Sea Powers"\ntype = "organisation"\naliases = ["thalassocracy"]\n', encoding="utf-8")
    report = build_index([copy_seeds], index_dir, settings, rebuild=False)
    assert (report.indexed, report.incremental, report.rebuilt_because) == (2, False, "the gazetteer changed")
    assert "every file read again" in report.summary()
    assert total(index_dir, 'actor:"Sea Powers"') == 1
    assert total(index_dir, "actor:thalassocracy") == 1  # the alias table went with it

    again = build_index([copy_seeds], index_dir, settings, rebuild=False)
    assert (again.indexed, again.incremental, again.rebuilt_because) == (0, True, "")


def test_a_damaged_manifest_makes_the_update_read_every_file_again(tmp_path, copy_seeds):
    from search.store.whoosh.generation import MANIFEST_FILE

    index_dir = tmp_path / "ix"
    build_index([copy_seeds], index_dir, Settings())
    (current_generation(index_dir) / MANIFEST_FILE).write_bytes(b"\x80\x05not a pickle")
    blitz = next(copy_seeds.glob("000_*.txt"))
    blitz.write_text(blitz.read_text(encoding="utf-8").replace("thalassocracy", "sea power"), encoding="utf-8")
    report = build_index([copy_seeds], index_dir, Settings(), rebuild=False)
    assert (report.indexed, report.rebuilt_because) == (2, "the list of indexed files could not be read")
    assert total(index_dir, "thalassocracy") == 0 and total(index_dir, '"sea power"') >= 1
    assert total(index_dir) == 2  # replaced, not added beside the old version


def test_a_folder_with_nothing_readable_makes_an_empty_index_that_answers(tmp_path):
    """M6: indexing an empty folder, or one of files Mosaic cannot read, ends with a summary and
    an index that answers every search with no results, instead of a crash."""
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    (junk / "empty.html").write_bytes(b"")
    for folder in (tmp_path / "nothing", junk):
        folder.mkdir(exist_ok=True)
        index_dir = tmp_path / f"ix-{folder.name}"
        report = build_index([folder], index_dir, Settings())
        assert report.indexed == 0 and len(report.skipped) == len(list(folder.iterdir()))
        engine = engine_at(index_dir)
        for q in ("", "Russia", '"power grid"', "actor:NATO"):
            result = engine.search(SearchRequest(q=q))
            assert result.total == 0 and result.hits == [] and all(v == [] for v in result.facets.values())
