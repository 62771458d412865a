"""Compressed sort runs give back exactly the postings written, in order, and remove the file."""

import io

from search.runs import CHUNK_POSTINGS, read_run, write_run


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
