"""`mosaic index` on a WARC crawl against the same pages unpacked by hand: time and peak memory.

Usage (from the repo root):

    .venv/bin/python bench/warc.py --pages 2000 [--work /tmp/mosaic-bench] [--no-baseline]

The crawl is made of the real pages of ../shared/data/extraction-dev (read at run time, never
copied into the repository), each fetched under several URLs until there are PAGES HTML
responses, with what a crawler writes around them: a request record per fetch, a revisit for
every fifth page, an image for every second and a 404 for every twentieth, as one gzip member per
record (crawl.warc.gz). The baseline is what a user did before WARC input: the same HTML
responses saved as .html files with a sources.toml of their URLs (and no fetch time). Each
`mosaic index` runs in a child process with the default settings (worker processes included);
peak RSS is sampled over the whole process tree.
"""

from __future__ import annotations

import argparse
import gzip
import io
import re
import sys
from pathlib import Path

from scale import run_child
from workdir import DEFAULT_WORK, ROOT

CASES = ROOT.parent / "shared" / "data" / "extraction-dev"
REVISIT_EVERY, IMAGE_EVERY, MISSING_EVERY = 5, 2, 20


def build_crawl(folder: Path, pages: int) -> tuple[Path, Path]:
    """Write crawl.warc.gz and html/ (the same responses as files) under `folder`; reuse them when
    they are there."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    warc, html_dir = folder / "crawl.warc.gz", folder / "html"
    if warc.is_file() and html_dir.is_dir():
        return warc, html_dir
    folder.mkdir(parents=True, exist_ok=True)
    html_dir.mkdir(exist_ok=True)
    cases = [line.split("\t") for line in (CASES / "manifest.tsv").read_text(encoding="utf-8").splitlines()[1:]]
    sources = ["[urls]"]
    partial = warc.with_suffix(".partial")
    with open(partial, "wb") as stream:
        writer = WARCWriter(stream, gzip=True)

        def write(record):
            writer.write_record(record)
            record.raw_stream.close()

        for n in range(pages):
            case_id, _, url = cases[n % len(cases)]
            url = url if n < len(cases) else f"{url}{'&' if '?' in url else '?'}copy={n // len(cases)}"
            body = gzip.decompress((CASES / f"{case_id}.html.gz").read_bytes())
            date = f"2024-03-{1 + n % 28:02d}T{n % 24:02d}:00:00Z"
            host = url.split("/")[2]
            write(writer.create_warc_record(url, "request", payload=io.BytesIO(b""), http_headers=StatusAndHeaders(
                "GET / HTTP/1.1", [("Host", host)], is_http_request=True)))
            write(writer.create_warc_record(
                url, "response", payload=io.BytesIO(body), warc_headers_dict={"WARC-Date": date},
                http_headers=StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")))
            if n % REVISIT_EVERY == 0:
                write(writer.create_revisit_record(url, "sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", url, date,
                                                   http_headers=StatusAndHeaders("304 Not Modified", [], protocol="HTTP/1.1")))
            if n % IMAGE_EVERY == 0:
                write(writer.create_warc_record(
                    f"https://{host}/img/{n}.png", "response", payload=io.BytesIO(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40),
                    http_headers=StatusAndHeaders("200 OK", [("Content-Type", "image/png")], protocol="HTTP/1.1")))
            if n % MISSING_EVERY == 0:
                write(writer.create_warc_record(
                    f"https://{host}/gone/{n}", "response", payload=io.BytesIO(b"<html><body>Not found</body></html>"),
                    http_headers=StatusAndHeaders("404 Not Found", [("Content-Type", "text/html")], protocol="HTTP/1.1")))
            name = f"{n:05d}.html"
            (html_dir / name).write_bytes(body)
            sources.append(f'"{name}" = "{url}"')
    (html_dir / "sources.toml").write_text("\n".join(sources) + "\n", encoding="utf-8")
    partial.rename(warc)
    return warc, html_dir


def index(inputs: Path, index_dir: Path, log: Path) -> dict:
    figures = run_child([sys.executable, "-m", "search", "index", str(inputs), "--index-dir", str(index_dir), "--rebuild"], log)
    summary = next(line for line in log.read_text(encoding="utf-8").splitlines() if line.startswith("indexed "))
    figures["articles"] = int(re.match(r"indexed (\d+)", summary).group(1))
    figures["summary"] = summary
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=2000, help="HTML responses in the crawl (default 2000)")
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK, help=f"work folder (default {DEFAULT_WORK})")
    parser.add_argument("--no-baseline", action="store_true", help="index the WARC only")
    args = parser.parse_args(argv)
    if not (CASES / "manifest.tsv").is_file():
        print(f"error: {CASES} not found (it sits beside the project root in the dev setup)", file=sys.stderr)
        return 1
    folder = args.work / f"warc-{args.pages}"
    warc, html_dir = build_crawl(folder, args.pages)
    runs = {"WARC (crawl.warc.gz)": index(warc, folder / "index-warc", folder / "index-warc.log")}
    if not args.no_baseline:
        runs["HTML files + sources.toml"] = index(html_dir, folder / "index-html", folder / "index-html.log")
    print(f"crawl: {warc} ({warc.stat().st_size / 1e6:.1f} MB, {args.pages} HTML responses)")
    print(f"{'input':28} {'articles':>8} {'wall s':>7} {'CPU s':>7} {'pages/s':>8} {'peak RSS MB (tree)':>19}")
    for name, r in runs.items():
        print(f"{name:28} {r['articles']:>8} {r['seconds']:>7.1f} {r['cpu_seconds']:>7.1f} "
              f"{args.pages / r['seconds']:>8.1f} {r['peak_tree_rss_mb']:>19.0f}")
    for name, r in runs.items():
        print(f"{name}: {r['summary']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
