"""Compressed sort runs give back exactly the postings written, in order, and remove the file."""

import io

from search.store.whoosh.hooks.runs import CHUNK_POSTINGS, read_run, write_run


class FilePool:
    """The two file operations of Whoosh's pool that read_run uses, over a temporary folder."""

    def __init__(self, folder):
        self.folder, self.removed = folder, []

    def _open_run(self, path):
        return open(self.folder / path, "rb")

    def _remove_run(self, path):
        (self.folder / path).unlink()
        self.removed.append(path)


def test_runs_round_trip_across_chunks(tmp_path):
    postings = sorted((field, f"term{n % 997}".encode(), n, float(n % 7) * 1.5, bytes([n % 256]) * 3)
                      for n in range(2 * CHUNK_POSTINGS + 123) for field in ("body", "title"))
    with open(tmp_path / "run", "wb") as f:
        write_run(f, iter(postings))
    pool = FilePool(tmp_path)
    assert list(read_run(pool, "run")) == postings
    assert pool.removed == ["run"] and not (tmp_path / "run").exists()


def test_an_empty_run_reads_as_nothing(tmp_path):
    f = io.BytesIO()
    write_run(f, iter(()))
    (tmp_path / "run").write_bytes(b"")
    assert list(read_run(FilePool(tmp_path), "run")) == []


def test_an_index_built_through_many_runs_finds_the_same(tmp_path, monkeypatch):
    """A tiny sort buffer makes the writer spill hundreds of compressed runs and merge them in
    rounds, and the positional store be written in dozens of parts; the index it makes answers
    every search as one built in memory."""
    import search.indexer as indexer
    from search.config import Settings
    from search.request import SearchRequest
    from tests.conftest import engine_at
    from tests.conftest import FIXTURES, SEEDS

    build = lambda name: indexer.build_index([SEEDS, FIXTURES / "corpus"], tmp_path / name, Settings())
    build("memory")
    import search.store.whoosh.hooks.runs as runs

    written = []
    import search.store.whoosh.writer as whoosh_writer

    import search.store.whoosh.positional as positional

    monkeypatch.setattr(whoosh_writer, "WRITER_LIMIT_MB", 0.00005)  # a few postings a run
    monkeypatch.setattr(runs, "write_run", lambda f, items, write=runs.write_run: written.append(1) or write(f, items))
    monkeypatch.setattr(positional, "PART_POSITIONS", 300)  # a few documents a part
    build("runs")
    assert len(written) > 128  # more runs than Whoosh merges at once: merged in rounds too
    from search.store.whoosh.generation import current_generation

    parts = [p for p in current_generation(tmp_path / "runs").glob("*-pos.table")]
    assert parts and len(positional.SegmentStore(str(parts[0])[: -len("-pos.table")]).fields["body"].parts) > 2
    for q in ("Russia", '"power grid"', '"the war"', "Erdogan ceasefire", "comments:Putin", "sanction*"):
        results = [engine_at(tmp_path / name, Settings()).search(SearchRequest(q=q, per_page=50)) for name in ("memory", "runs")]
        assert [(h.id, h.score) for h in results[0].hits] == [(h.id, h.score) for h in results[1].hits]
        assert results[0].total == results[1].total > 0
