"""The corpus and the three engines of bench/relevance.py, each fed the same files as its user would.

Corpus: the BBC articles of ../shared/data/news-corpus (keyed `bbc/<category>/NNN.txt`) and the
crawl-dev analysis-page excerpts fetched to /tmp/crawl-dev/pages (keyed by page URL). Both are
read at run time and written only under /tmp, never into the repository (their licences forbid it).

- Mosaic gets a folder of page dumps, as a user hands it to `mosaic index`: the BBC files byte for
  byte, and the crawl-dev excerpts as `<n>.txt` with a `sources.toml` giving each page's URL. It is
  searched through the engine `search.query` hands the CLI and web pages (`engine_for(settings)
  .search(SearchRequest(q))`): default settings, default scope, near-duplicates collapsed as the
  UI shows them.
- SQLite FTS5 and tantivy get what a user's twenty-line script would give them: the file's first
  non-blank line as the title, the rest of the file as the body; no extraction, no boilerplate
  removal. Their choices (tokenizer, AND or OR, weights) are explained beside their code.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BBC_DIR = ROOT.parent / "shared" / "data" / "news-corpus" / "bbc"
CRAWL_DEV_PAGES = Path("/tmp/crawl-dev/pages")
CRAWL_DEV_DONE = Path("/tmp/crawl-dev/DONE")
WORK = Path("/tmp/mosaic-relevance")
CRAWL_DEV_FOLDER = "crawl-dev"


class CorpusMissing(Exception):
    """The shared data is not where the benchmark reads it from."""


@dataclass(frozen=True)
class Doc:
    key: str  # what judgments.tsv calls it: bbc/<category>/NNN.txt or the page URL
    file: str  # its path inside the corpus folder Mosaic indexes
    data: bytes  # the file as the user has it

    @property
    def text(self) -> str:
        # One BBC file is Latin-1 (a pound sign); a user's script falls back as Python lets it.
        try:
            return self.data.decode("utf-8")
        except UnicodeDecodeError:
            return self.data.decode("cp1252", errors="replace")

    def title_body(self) -> tuple[str, str]:
        """Return (first non-blank line, the rest): the title and body a plain script would index."""
        lines = self.text.strip().split("\n", 1)
        return lines[0].strip(), lines[1] if len(lines) > 1 else ""


def load_docs(bbc_dir: Path = BBC_DIR, pages: Path = CRAWL_DEV_PAGES) -> list[Doc]:
    """Return every document of the benchmark corpus in a fixed order; raise CorpusMissing with a hint."""
    if not bbc_dir.is_dir():
        raise CorpusMissing(f"the news corpus is not at {bbc_dir}; ../shared must sit beside the repository")
    if not CRAWL_DEV_DONE.exists() or not pages.is_dir():
        raise CorpusMissing(f"the crawl-dev excerpts are not in {pages} (and {CRAWL_DEV_DONE} is absent); "
                            "fetch them as ../shared/data/crawl-dev/README.md says")
    docs = [Doc(f"bbc/{p.parent.name}/{p.name}", f"bbc/{p.parent.name}/{p.name}", p.read_bytes())
            for p in sorted(bbc_dir.glob("*/*.txt"))]
    for path in sorted(pages.glob("*.json"), key=lambda p: int(p.stem)):
        page = json.loads(path.read_text(encoding="utf-8"))
        docs.append(Doc(page["url"], f"{CRAWL_DEV_FOLDER}/{path.stem}.txt", page["excerpt"].encode("utf-8")))
    return docs


def digest(parts) -> str:
    h = hashlib.blake2b(digest_size=8)
    for part in parts:
        h.update(part if isinstance(part, bytes) else str(part).encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()


def corpus_digest(docs: list[Doc]) -> str:
    return digest(x for d in docs for x in (d.key, d.file, d.data))


def code_digest() -> str:
    """Digest of Mosaic's package (code and data files): a changed engine gets a fresh index."""
    files = sorted(p for p in (ROOT / "search").rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return digest(x for p in files for x in (p.relative_to(ROOT), p.read_bytes()))


def publish(partial: Path, final: Path) -> None:
    """Move a finished folder into place; when a run beside this one got there first, keep theirs."""
    try:
        partial.rename(final)
    except OSError:  # `final` exists and is not empty: a concurrent run published the same thing
        shutil.rmtree(partial, ignore_errors=True)


def write_corpus(docs: list[Doc], folder: Path) -> Path:
    """Write the page dumps Mosaic indexes into `folder` (once per corpus digest); return it."""
    if folder.is_dir():
        return folder
    partial = folder.with_name(f"{folder.name}.partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    urls = {}
    for doc in docs:
        target = partial / doc.file
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(doc.data)
        if doc.file.startswith(CRAWL_DEV_FOLDER + "/"):
            urls[Path(doc.file).name] = doc.key
    lines = ["# Original URL of each page dump in this folder (as seeds/sources.toml).", "[urls]"]
    lines += [f"{json.dumps(name)} = {json.dumps(url)}" for name, url in urls.items()]
    (partial / CRAWL_DEV_FOLDER / "sources.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    publish(partial, folder)
    return folder


class MosaicEngine:
    """`mosaic index` over the corpus folder, then Mosaic's own search with default settings."""

    name = "Mosaic"

    def __init__(self, docs: list[Doc], work: Path = WORK, log=print):
        corpus_id = corpus_digest(docs)
        corpus = write_corpus(docs, work / f"corpus-{corpus_id}")
        # One folder per corpus and code version holds the index and what `mosaic index` printed;
        # other engineers' branches (other code digests) keep theirs beside it.
        self.build = work / f"mosaic-build-{corpus_id}-{code_digest()}"
        self.index_dir = self.build / "index"
        self.key_of_file = {d.file: d.key for d in docs}
        self.corpus = corpus
        if not self.build.is_dir():
            self._build(corpus, log)
        from search.config import Settings
        from search.query import engine_for

        self.engine = engine_for(Settings(index_dir=self.index_dir))
        self.errors: dict[str, str] = {}

    def _build(self, corpus: Path, log) -> None:
        log(f"building the Mosaic index in {self.build} (cached for this corpus and code) …")
        partial = self.build.with_name(f"{self.build.name}.partial-{os.getpid()}")
        shutil.rmtree(partial, ignore_errors=True)
        # Default settings: the user's environment may carry MOSAIC_* variables the benchmark must not see.
        env = {k: v for k, v in os.environ.items() if not k.startswith("MOSAIC_")}
        done = subprocess.run([sys.executable, "-m", "search", "index", str(corpus), "--index-dir", str(partial / "index")],
                              cwd=ROOT, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            shutil.rmtree(partial, ignore_errors=True)
            raise RuntimeError(f"mosaic index failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        (partial / "build.log").write_text(done.stdout, encoding="utf-8")
        publish(partial, self.build)
        log("  " + done.stdout.strip().replace("\n", "\n  "))

    def build_summary(self) -> str:
        """What `mosaic index` said it indexed and skipped (timings left out: they vary by run)."""
        lines = (self.build / "build.log").read_text(encoding="utf-8").splitlines()
        counts = lines[0].split(" in ")[0] if lines else "no summary"
        skipped = [line.strip().removeprefix("skipped ").replace(f"{self.corpus}/", "")
                   for line in lines if line.strip().startswith("skipped ")]
        return counts + (f" ({'; '.join(skipped)})" if skipped else "")

    def search(self, q: str, depth: int) -> list[str]:
        from search.errors import BadQuery
        from search.query import SearchRequest

        try:
            result = self.engine.search(SearchRequest(q=q, per_page=depth))
        except BadQuery as exc:
            self.errors[q] = exc.message  # the user sees this message and no results
            return []
        # A hit names its article by id; the article knows the file it came from (relative to the
        # indexed folder since articles stopped showing the server's paths; absolute before).
        paths = [Path(self.engine.article(hit.id).path) for hit in result.hits]
        files = [(p.relative_to(self.corpus) if p.is_absolute() else p).as_posix() for p in paths]
        return [self.key_of_file[file] for file in files]


# FTS5 tokenizer: `porter unicode61`, the stemming setup SQLite's FTS5 documentation shows for
# English, with `remove_diacritics 2` (as bench/fts5.py) so that "Orbán" and "Orban" meet. Without
# porter, "tariffs" would not find "tariff"; a user searching English news turns it on.
FTS5_TOKENIZER = "porter unicode61 remove_diacritics 2"


class Fts5Engine:
    """SQLite FTS5 from Python's sqlite3: title and body columns, the words ANDed, ranked by bm25()."""

    name = "FTS5"

    def __init__(self, docs: list[Doc]):
        self.errors: dict[str, str] = {}
        self.conn = sqlite3.connect(":memory:")
        self.conn.execute(f"CREATE VIRTUAL TABLE docs USING fts5(key UNINDEXED, title, body, tokenize = '{FTS5_TOKENIZER}')")
        with self.conn:
            self.conn.executemany("INSERT INTO docs (rowid, key, title, body) VALUES (?, ?, ?, ?)",
                                  ((i, d.key, *d.title_body()) for i, d in enumerate(docs)))

    @staticmethod
    def match_expression(q: str) -> str:
        """The user's words ANDed (FTS5's implicit AND), each word or "quoted phrase" as one FTS5 string,
        so that punctuation in a word cannot break the query syntax."""
        parts = []
        for i, chunk in enumerate(q.split('"')):
            # Even chunks lie outside quotes (words), odd chunks inside (a phrase); an unclosed quote
            # makes the rest a phrase, as the user meant.
            pieces = [chunk] if i % 2 else chunk.split()
            parts += ['"' + p.replace('"', '""') + '"' for p in pieces if any(c.isalnum() for c in p)]
        return " ".join(parts)

    def search(self, q: str, depth: int) -> list[str]:
        match = self.match_expression(q)
        if not match:
            return []
        # Default bm25() weights: ORDER BY rank, as the FTS5 documentation's first example does.
        try:
            rows = self.conn.execute("SELECT key FROM docs WHERE docs MATCH ? ORDER BY bm25(docs), rowid LIMIT ?",
                                     (match, depth)).fetchall()
        except sqlite3.OperationalError as exc:
            self.errors[q] = str(exc)
            return []
        return [key for (key,) in rows]


# tantivy tokenizer: `en_stem` (lowercase + English stemmer), the English choice its schema builder
# offers by name; it does not fold accents, so "Orban" does not find "Orbán" (that takes a custom
# analyzer, which few users write). Queries go through `index.parse_query_lenient(q, ["title",
# "body"])` with its defaults: words are ORed (BM25 puts documents with more of them first), quotes
# make phrases, as in Lucene's classic query parser. Lenient is parse_query's grammar and scores,
# except that an apostrophe does not make the whole query a syntax error (parse_query rejects
# "Ukraine's"): a search box over what people type needs that.
TANTIVY_TOKENIZER = "en_stem"
TANTIVY_HEAP = 64_000_000


class TantivyEngine:
    """tantivy (Python bindings): title and body fields, en_stem, the default (OR) query parser, BM25."""

    name = "tantivy"

    def __init__(self, docs: list[Doc]):
        import tantivy

        self.errors: dict[str, str] = {}  # parse_query_lenient drops what it cannot parse instead

        builder = tantivy.SchemaBuilder()
        builder.add_text_field("key", stored=True, tokenizer_name="raw", index_option="basic")
        builder.add_text_field("title", tokenizer_name=TANTIVY_TOKENIZER)
        builder.add_text_field("body", tokenizer_name=TANTIVY_TOKENIZER)
        self.index = tantivy.Index(builder.build())  # in memory: it builds in about a second
        writer = self.index.writer(TANTIVY_HEAP, 1)  # one thread: the same segments, so the same ties, every run
        for doc in docs:
            title, body = doc.title_body()
            writer.add_document(tantivy.Document(key=doc.key, title=title, body=body))
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        self.searcher = self.index.searcher()

    def search(self, q: str, depth: int) -> list[str]:
        query, _errors = self.index.parse_query_lenient(q, ["title", "body"])
        hits = self.searcher.search(query, depth).hits
        return [self.searcher.doc(address)["key"][0] for _, address in hits]
