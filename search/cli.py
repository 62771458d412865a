"""The `mosaic` command: a thin shell over the library. Each command makes one library call."""

from __future__ import annotations

import html
import json
import logging
import sys
from pathlib import Path

import click

from search.config import Settings
from search.errors import SearchError
from search.filters import FACETS, FILTERS


PROGRESS_EVERY = 200
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
WARC_PROGRESS_SECONDS = 5.0


def _size(n: int) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"


def _fail(exc: SearchError) -> None:
    click.echo(f"error: {exc.message}", err=True)
    if exc.hint:
        click.echo(f"hint: {exc.hint}", err=True)
    sys.exit(2 if exc.code == "bad_query" else 1)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Log what each stage does.")
def main(verbose: bool) -> None:
    """Mosaic: full-text search over political analysis articles."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the whole record as JSON.")
def extract(file: Path, as_json: bool) -> None:
    """Print what ingestion makes of one FILE."""
    from search.ingest import read_article

    try:
        article = read_article(file, Settings.from_env())
    except SearchError as exc:
        _fail(exc)
    if as_json:
        click.echo(json.dumps(article.to_dict(), ensure_ascii=False, indent=2))
        return
    origin = dict(article.provenance)
    for label, value in (
        ("id", article.id), ("title", article.title), ("author", article.author or "-"),
        ("authors", "; ".join(article.authors) or "-"), ("outlet", article.outlet or "-"),
        ("source", article.source or "-"), ("date", article.date or "undated"),
        ("fetched", article.fetched_at or "-"), ("url", article.url or "-"), ("tags", ", ".join(article.tags) or "-"),
        ("actors", ", ".join(f"{m.name} ({m.body_count})" for m in article.actor_mentions if m.name in article.actors) or "-"),
    ):
        # Where a metadata value came from, so a surprising outlet or date can be traced.
        field = {"fetched": "fetched_at", "authors": "author"}.get(label, label)
        where = f"  [{origin[field]}]" if field in origin and label != "authors" else ""
        click.echo(f"{label:>9}: {value}{where}")
    click.echo(f"\n--- body ({len(article.body.split())} words) ---\n{article.body}\n")
    click.echo(f"--- comments ({len(article.comments)}) ---")
    for comment in article.comments:
        click.echo(f"[{comment.author or 'anonymous'}] {comment.text}\n")


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--index-dir", type=click.Path(file_okay=False, path_type=Path), help="Index location [default: index/].")
@click.option("--strict", is_flag=True, help="Exit non-zero (3) when any file was skipped.")
@click.option("--rebuild", is_flag=True, help="Re-read every file, not only new and changed ones.")
def index(paths: tuple[Path, ...], index_dir: Path | None, strict: bool, rebuild: bool) -> None:
    """Make the index mirror PATHS (files or folders; default seeds/), atomically.

    Reads page dumps (.txt), HTML pages (.html, .htm), JSONL crawl exports (.jsonl) and web
    archives (.warc), each optionally gzipped (.gz). Only new and changed files are read;
    articles of files that are gone are removed. Unreadable files are skipped and listed at the
    end; WARC records that are not pages (requests, revisits, images, errors) are counted.
    """
    import time

    from search.indexer import build_index

    settings = Settings.from_env(index_dir=index_dir)
    sources = list(paths) or [settings.seeds_dir]
    started = time.perf_counter()

    shown = [0]
    warc_shown = [started]

    def progress(done: int, path: Path, warc=None) -> None:
        elapsed = time.perf_counter() - started
        if warc is not None:
            # One WARC file of many records: its first pass reads 10-100 times as many records
            # a second as its second, so lines are spaced in time, and its end is always shown.
            finished = warc.stage == "read" and warc.records_done == warc.records_total
            if finished or time.perf_counter() - warc_shown[0] >= WARC_PROGRESS_SECONDS:
                warc_shown[0] = time.perf_counter()
                if warc.stage == "scan":
                    click.echo(f"  {path.name}: scanned {warc.records_done} records, "
                               f"{_size(warc.bytes_done)} of {_size(warc.bytes_total)} in {elapsed:.0f}s …", err=True)
                else:
                    click.echo(f"  {path.name}: read {warc.records_done} of {warc.records_total} records, "
                               f"{_size(warc.bytes_done)} of {_size(warc.bytes_total)} in {elapsed:.0f}s …", err=True)
            return
        # Files arrive in batches, so `done` steps over most multiples: report each one crossed.
        if done // PROGRESS_EVERY > shown[0]:
            shown[0] = done // PROGRESS_EVERY
            click.echo(f"  {done} files read in {elapsed:.0f}s ({done / elapsed:.0f} files/s) …", err=True)

    try:
        report = build_index(sources, settings=settings, progress=progress, rebuild=rebuild)
    except SearchError as exc:
        _fail(exc)
    except OSError as exc:  # a read-only folder, a full disk: the live index is as it was
        _fail(SearchError(f"cannot write the index in {settings.index_dir}: {exc.strerror or exc}",
                          hint="free some space or choose a writable --index-dir; the previous index still serves"))
    click.echo(report.summary())
    for path, reason in report.skipped:
        click.echo(f"  skipped {path}: {reason}")
    where = settings.index_dir if settings.engine == "whoosh" else f"{report.generation} at {settings.opensearch_url}"
    click.echo(f"index: {where}")
    if strict and report.skipped:
        click.echo(f"error: {len(report.skipped)} input(s) skipped (--strict)", err=True)
        sys.exit(3)


def search_options(command):
    """The options `query` and `export` share: the same filters as the UI and the API, from
    search.filters.FILTERS."""
    filters = []
    for f in FILTERS:
        name = f.field
        if f.kind == "values":
            filters.append(click.option(f.option, name, multiple=True, help=f.help + " Repeatable."))
        elif f.kind in ("date", "time"):
            filters.append(click.option(f.option, name, help=f.help))
        else:
            filters.append(click.option(f.option, name, is_flag=True, help=f.help))
    for option in reversed([
        click.argument("text", default=""),
        *filters,
        click.option("--in", "scope", default="all", show_default=True, help="Search in: all, body, comments, title."),
        click.option("--sort", default="relevance", show_default=True, help="relevance, newest or oldest."),
        click.option("--index-dir", type=click.Path(file_okay=False, path_type=Path)),
    ]):
        command = option(command)
    return command


def _request(options: dict, page: int = 1, per_page: int = 10):
    from search.request import SearchRequest

    return SearchRequest(q=options["text"], scope=options["scope"], sort=options["sort"], page=page, per_page=per_page,
                         **{f.field: options[f.field] for f in FILTERS})


@main.command()
@search_options
@click.option("--page", default=1, show_default=True)
@click.option("--per-page", default=10, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON answer.")
def query(page: int, per_page: int, as_json: bool, **options) -> None:
    """Search the index for TEXT (AND by default; OR, NOT, "phrases", field:value, wildcards)."""
    from search.query import run_search

    settings = Settings.from_env(index_dir=options["index_dir"])
    try:
        result = run_search(_request(options, page, per_page), settings)
    except SearchError as exc:
        _fail(exc)
    data = result.to_dict()
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(f"{data['total']} results ({data['took_ms']} ms), page {data['page']} of {data['pages']}")
    if data["did_you_mean"]:
        click.echo(f"did you mean: {data['did_you_mean']['query']} ({data['did_you_mean']['total']} results)")
    for n, hit in enumerate(data["hits"], start=(page - 1) * per_page + 1):
        meta = " · ".join(x for x in (hit["outlet"], hit["author"], hit["date"] or "undated") if x)
        click.echo(f"\n{n}. {hit['title']}\n   {meta}\n   actors: {', '.join(hit['actors'][:8]) or '-'}")
        for snippet in hit["snippets"]:
            plain = snippet["html"].replace("<mark>", "[").replace("</mark>", "]")
            click.echo(f"   {snippet['field']}: {html.unescape(plain)}")
    for name in (*FACETS, "date"):
        values = ", ".join(f"{f['value']} ({f['count']})" for f in data["facets"][name][:10])
        click.echo(f"\n{name}: {values or '-'}")
    if data["key_terms"]:
        click.echo("\nkey terms: " + ", ".join(t["term"] for t in data["key_terms"]))


@main.command()
@search_options
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="jsonl", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write here instead of standard output.")
def export(fmt: str, output: Path | None, **options) -> None:
    """Export every result of a search (all pages) as CSV or JSONL, with the query recorded."""
    from search.export import iter_export
    from search.query import engine_for

    settings = Settings.from_env(index_dir=options["index_dir"])
    engine = engine_for(settings)
    try:
        chunks = iter_export(engine, _request(options, per_page=settings.per_page), fmt)
        first = next(chunks)
    except SearchError as exc:
        _fail(exc)
    stream = open(output, "w", encoding="utf-8", newline="") if output else sys.stdout
    try:
        stream.write(first)
        for chunk in chunks:
            stream.write(chunk)
    finally:
        if output:
            stream.close()


@main.command()
@search_options
@click.option("--state", "state_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Where watches remember what they printed [default: $XDG_STATE_HOME/mosaic/watches.json].")
@click.option("--limit", default=100, show_default=True, help="Most articles printed in one run.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per article.")
def watch(state_file: Path | None, limit: int, as_json: bool, **options) -> None:
    """Print the articles matching a search that are new to the index since the last run of the
    same watch (every match, on its first run): for cron jobs and alert pipelines."""
    from search.watch import default_state_file, run_watch

    settings = Settings.from_env(index_dir=options["index_dir"])
    try:
        new = run_watch(_request(options), settings, state_file or default_state_file())
    except SearchError as exc:
        _fail(exc)
    for row in new[:limit]:
        if as_json:
            click.echo(json.dumps(row, ensure_ascii=False))
        else:
            click.echo("  ".join(x for x in (row["date"] or "undated", row["outlet"] or "-", row["title"], row["url"]) if x))
    if len(new) > limit:
        click.echo(f"… and {len(new) - limit} more", err=True)


@main.command()
@click.option("--index-dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--host", help="Address to listen on [default: 127.0.0.1].")
@click.option("--port", type=int, help="Port [default: 8000].")
@click.option("--workers", type=int, help="Server processes [default: one per CPU core].")
def serve(index_dir: Path | None, host: str | None, port: int | None, workers: int | None) -> None:
    """Serve the web UI and JSON API (builds the index from seeds/ if there is none).

    Runs in the foreground on gunicorn: Ctrl+C or TERM stops it gracefully, HUP restarts its
    workers. Each request is logged to standard output.
    """
    from search.errors import IndexMissing, IndexOutdated
    from search.indexer import build_index
    from search.query import engine_for
    from webui.server import serve as run_server

    settings = Settings.from_env(index_dir=index_dir, host=host, port=port, workers=workers)
    try:
        engine_for(settings).status()
    except IndexOutdated as exc:
        _fail(exc)
    except IndexMissing as exc:  # the engine says where it looked (a folder, a cluster)
        click.echo(f"{exc.message}; building it from {settings.seeds_dir} …")
        try:
            click.echo(build_index([settings.seeds_dir], settings=settings).summary())
        except SearchError as exc:
            _fail(exc)
    if settings.host not in LOOPBACK_HOSTS:
        click.echo(f"WARNING: listening on {settings.host}: anyone who can reach this address can search and read "
                   "the whole index. Mosaic has no user accounts; set MOSAIC_API_TOKEN, or serve on 127.0.0.1 behind "
                   "a reverse proxy that authenticates (README: Serving to others).", err=True)
    click.echo(f"Mosaic on http://{settings.host}:{settings.port}/  ({settings.engine}; Ctrl+C stops)")
    run_server(settings)
