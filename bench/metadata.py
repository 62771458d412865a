"""Score metadata extraction (title, authors, date, outlet) on real pages and print precision and recall.

Usage (from the repo root):

    .venv/bin/python bench/metadata.py                   # every set that is present
    .venv/bin/python bench/metadata.py --set crawl-dev   # one set
    .venv/bin/python bench/metadata.py --show author     # also list the misses of one field

Two sets, each read through the real ingest path (`read_article` on a file in a folder, with a
`sources.toml` beside it when the URL is given, as a crawl would have it):

- extraction-dev (../shared/data/extraction-dev, 91 pages): the saved HTML and the plain-text dump
  of each page, against the hand-checked metadata.json. For dumps a field counts only where its
  value is visible in the dump (`in_dump`).
- crawl-dev (../shared/data/crawl-dev/labels.json): the beginnings of 100 real analysis pages,
  fetched into /tmp/crawl-dev/pages/<n>.json (kept outside the repo; the set is skipped with a
  note when they are absent), scored by the rules in its README.

Per field: `correct/gold` cases, precision (correct / predicted) and recall (correct / gold).
Columns: title; authors exact (the whole list right, pages without a byline included) and, for
bylined pages, correct/gold with precision and recall; date where the page states one; outlet over
every page and over the pages that name their outlet (what "text alone" can reach); invented
dates (a date given to a page that states none) of the pages that state none.

"Names its outlet" (the issue's "where the page names itself": masthead, footer, self-references)
is read from the labels, not from Mosaic: the outlet or an accepted variant is spelled outside the
article text. For extraction-dev that is a dump line outside the hand-extracted body (gold.txt) on
a page the labels mark as showing its outlet (all 83 such pages qualify); for crawl-dev it is the
part of the excerpt above the labels' `body_first`. This counts every spelling outside the body,
so it is generous: a sister site's promo line, an author bio ("founder of X") or a page's <title>
naming the copy's source all qualify, and such pages may rightly get no outlet. Counting any
spelling at all, as this column did before, also took in pages that name the outlet only inside
the article text ("Here Sky News looks at ...", "India Today's OSINT team monitors ..."): on
crawl-dev that is 4 of the 11 (pages 1, 65, 76 and 82), which text alone is not meant to read.
A title found on the page counts as predicted; the first body line used when the page shows no
headline (provenance "body") does not. Authors: the whole list must match after folding (names'
precision and recall are over single names); a page without a byline must get none. Dates: a day
apart counts (a UTC meta time against a local dateline). Invented dates: a date given to a page
that states none, neither in its text nor (when given) in its URL.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
EXTRACTION_DEV = SHARED / "data" / "extraction-dev"
CRAWL_DEV = SHARED / "data" / "crawl-dev"
CRAWL_PAGES = Path("/tmp/crawl-dev/pages")
FIELDS = ("title", "author", "date", "outlet")

sys.path.insert(0, str(ROOT))


# --- the scorer's rules ---------------------------------------------------------------------------

_QUOTES = str.maketrans({"‘": "'", "’": "'", "‛": "'", "`": "'", "´": "'", "“": '"', "”": '"', "„": '"', "«": '"', "»": '"'})


def fold(text: str | None) -> str:
    """Return text with case, quote styles and whitespace folded (the labels' comparison)."""
    return " ".join(unicodedata.normalize("NFKC", text or "").translate(_QUOTES).casefold().split()).strip(" .")


def same_date(predicted: str | None, gold: str | None) -> bool:
    """True for the same date at the same precision; a day apart counts (time zones)."""
    if not predicted or not gold:
        return False
    if len(predicted) != len(gold) or len(gold) != 10:
        return predicted == gold
    try:
        return abs((date.fromisoformat(predicted) - date.fromisoformat(gold)).days) <= 1
    except ValueError:
        return False


@dataclass
class Case:
    """One page to read: its file, URL and what the labels say (None: not scored for that field)."""

    name: str
    page: Path  # the file to ingest (its suffix says the kind)
    url: str
    title: list[str] | None  # accepted titles; [] means the page shows no headline
    authors: list[str] | None  # [] means no byline
    date: str | None
    url_date: str | None  # the date the URL states
    outlets: list[str] | None
    known_date: str | None = None  # the right date where the page states it outside this input (meta tags)
    names_itself: bool = True  # the page spells its outlet (or a variant) outside its article text


@dataclass
class Tally:
    correct: int = 0
    gold: int = 0
    predicted: int = 0
    misses: list[str] = field(default_factory=list)

    def line(self) -> str:
        p = self.correct / self.predicted if self.predicted else 0.0
        r = self.correct / self.gold if self.gold else 0.0
        return f"{self.correct}/{self.gold} P={p:.2f} R={r:.2f}"


@dataclass
class Result:
    tallies: dict[str, Tally] = field(default_factory=lambda: {f: Tally() for f in FIELDS})
    author_exact: int = 0
    author_cases: int = 0
    name_tp: int = 0
    name_predicted: int = 0
    name_gold: int = 0
    invented: int = 0
    undated: int = 0
    outlet_named: Tally = field(default_factory=Tally)


def score_case(case: Case, article, result: Result, with_url: bool) -> None:
    """Add one article's fields to the tallies."""
    origin = dict(article.provenance)
    t = result.tallies

    # Title: only a headline the page shows counts as predicted.
    if case.title is not None:
        predicted = bool(article.title) and origin.get("title") != "body"
        ok = predicted and fold(article.title) in {fold(x) for x in case.title}
        t["title"].gold += bool(case.title)
        t["title"].predicted += predicted
        t["title"].correct += ok
        if case.title and not ok or predicted and not case.title:
            t["title"].misses.append(f"{case.name}: got {article.title!r} ({origin.get('title', '?')}) want {case.title[:1]}")

    # Authors: the whole list, folded.
    if case.authors is not None:
        got = [fold(a) for a in article.authors]
        want = [fold(a) for a in case.authors]
        if len(want) == 1 and fold(article.author) == want[0]:
            got = want  # a group byline ("Concerned Scholars") kept whole in the display string
        ok = sorted(got) == sorted(want)
        t["author"].gold += bool(want)
        t["author"].predicted += bool(got)
        t["author"].correct += ok and bool(want)
        result.author_cases += 1
        result.author_exact += ok
        if not ok:
            t["author"].misses.append(f"{case.name}: got {list(article.authors)} ({origin.get('author', '?')}) want {case.authors}")
        result.name_tp += len(set(got) & set(want))
        result.name_predicted += len(set(got))
        result.name_gold += len(set(want))

    # Date: the stated date; a right date the text does not show (URL, meta) is neither counted
    # nor held against precision; any other date where nothing is stated is invented.
    got_date = article.date
    stated = case.date is not None or (with_url and case.url_date is not None)
    acceptable = [d for d in (case.date, case.url_date if with_url else None, case.known_date) if d]
    t["date"].gold += case.date is not None
    if not stated:
        result.undated += 1
    if got_date and any(same_date(got_date, d) for d in acceptable):
        t["date"].predicted += case.date is not None
        t["date"].correct += case.date is not None
    elif got_date:
        t["date"].predicted += 1
        result.invented += not stated
        t["date"].misses.append(f"{case.name}: got {got_date} ({origin.get('date', '?')}) want {acceptable[:1] or 'none'}")
    elif case.date is not None:
        t["date"].misses.append(f"{case.name}: got none want {case.date}")

    # Outlet: the outlet or one of its accepted names.
    if case.outlets is not None:
        got = fold(article.outlet)
        ok = bool(got) and got in {fold(o) for o in case.outlets}
        t["outlet"].gold += 1
        t["outlet"].predicted += bool(got)
        t["outlet"].correct += ok
        if not ok:
            t["outlet"].misses.append(f"{case.name}: got {article.outlet!r} ({origin.get('outlet', '?')}) want {case.outlets[:2]}")
        if case.names_itself:
            result.outlet_named.gold += 1
            result.outlet_named.predicted += bool(got)
            result.outlet_named.correct += ok


# --- the sets -------------------------------------------------------------------------------------

def extraction_dev_cases(kind: str) -> list[Case]:
    """Return the extraction-dev cases for "html" (saved pages) or "dump" (their text dumps)."""
    labels = json.loads((EXTRACTION_DEV / "metadata.json").read_text(encoding="utf-8"))
    cases = []
    for cid, label in sorted(labels.items()):
        page = EXTRACTION_DEV / (f"{cid}.html.gz" if kind == "html" else f"{cid}.txt")
        seen = label["in_dump"] if kind == "dump" else {}
        visible = lambda key: seen.get(key, True) is not False  # noqa: E731 - None: no author to see
        cases.append(Case(
            name=cid[:8],
            page=page,
            url=label["url"],
            title=[label["title"]] if visible("title") else None,
            authors=list(label["authors"]) if visible("authors") else None,
            date=label["date"] if visible("date") else None,
            url_date=url_date(label["url"]),
            known_date=label["date"],
            outlets=[label["outlet"], *label["outlet_alts"]],
            names_itself=visible("outlet") and (kind == "html" or _named_outside(label, page, EXTRACTION_DEV / f"{cid}.gold.txt")),
        ))
    return cases


def crawl_dev_cases(pages_dir: Path) -> list[Case]:
    """Return the crawl-dev cases whose page text has been fetched into pages_dir."""
    labels = json.loads((CRAWL_DEV / "labels.json").read_text(encoding="utf-8"))
    cases = []
    for path in sorted(pages_dir.glob("*.json"), key=lambda p: int(p.stem) if p.stem.isdigit() else 0):
        page = json.loads(path.read_text(encoding="utf-8"))
        label = labels.get(page["url"])
        if label is None:
            continue
        outlets = [label["outlet"], *label["outlet_alts"]]
        excerpt = page["excerpt"]
        cases.append(Case(
            name=path.stem,
            page=path,
            url=page["url"],
            title=[label["title"], *label["title_alts"]] if label["title"] else [],
            authors=[label["author"]] if label["author"] else [],
            date=label["date"],
            url_date=label["date_in_url"],
            outlets=outlets,
            names_itself=any(_spelled(o, _before_body(excerpt, label["body_first"])) for o in outlets),
        ))
    return cases


_URL_DATE = re.compile(r"/((?:19|20)\d\d)/(\d\d)(?:/(\d\d))?/")


def url_date(url: str) -> str | None:
    """Return the /YYYY/MM(/DD)/ date in a URL path, or None."""
    match = _URL_DATE.search(url)
    return "-".join(p for p in match.groups() if p) if match else None


def _named_outside(label: dict, dump: Path, gold: Path) -> bool:
    """True when a dump line outside the hand-extracted article text spells the outlet."""
    body = " ".join(gold.read_text(encoding="utf-8").split())
    lines = (" ".join(line.split()) for line in dump.read_text(encoding="utf-8").splitlines() if line.strip())
    names = [label["outlet"], *label["outlet_alts"]]
    return any(_spelled(name, line) for line in lines if line not in body for name in names)


def _before_body(excerpt: str, body_first: str | None) -> str:
    """Return what a crawl-dev excerpt shows above its article text (masthead, menus, header)."""
    flat = " ".join(excerpt.split())
    at = flat.find(" ".join(body_first.split())[:60]) if body_first else -1
    return flat[:at] if at >= 0 else flat


def _spelled(name: str, text: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text, re.IGNORECASE) is not None


def _stage(cases: list[Case], folder: Path, with_url: bool) -> dict[str, Path]:
    """Write each case's page into folder (and a sources.toml when the URL is given); return paths."""
    folder.mkdir(parents=True)
    paths, urls = {}, {}
    for case in cases:
        if case.page.suffix == ".json":  # a crawl-dev excerpt: the dump's beginning
            target = folder / f"{case.name}.txt"
            target.write_text(json.loads(case.page.read_text(encoding="utf-8"))["excerpt"], encoding="utf-8")
        else:
            target = folder / case.page.name
            target.write_bytes(case.page.read_bytes())
        paths[case.name] = target
        urls[target.name] = case.url
    if with_url:
        lines = ["[urls]"] + [f"{json.dumps(name)} = {json.dumps(url)}" for name, url in urls.items()]
        (folder / "sources.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return paths


def run(cases: list[Case], with_url: bool, tmp: Path, label: str) -> Result:
    from search.errors import IngestError
    from search.ingest import read_article

    paths = _stage(cases, tmp / label.replace(" ", "-").replace(",", ""), with_url)
    result = Result()
    for case in cases:
        try:
            article = read_article(paths[case.name])
        except IngestError as exc:
            for f in FIELDS:
                result.tallies[f].misses.append(f"{case.name}: not ingested ({exc.message})")
            continue
        score_case(case, article, result, with_url)
    return result


COLUMNS = ("set", "title", "authors exact", "  bylined", "date (stated)", "outlet", "  named on page", "invented dates")
WIDTHS = (33, 20, 8, 20, 20, 20, 8, 14)


def header() -> str:
    return " | ".join(c.ljust(w) for c, w in zip(COLUMNS, WIDTHS))


def report(label: str, result: Result, show: list[str]) -> None:
    """Print one row: per field correct/gold with precision and recall, and the invented dates."""
    t = result.tallies
    cells = (
        label, t["title"].line(), f"{result.author_exact}/{result.author_cases}", t["author"].line(), t["date"].line(),
        t["outlet"].line(), f"{result.outlet_named.correct}/{result.outlet_named.gold}", f"{result.invented} of {result.undated}",
    )
    print(" | ".join(c.ljust(w) for c, w in zip(cells, WIDTHS)), flush=True)
    for name in show:
        for miss in t[name].misses:
            print(f"    {name} miss  {miss}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", choices=("extraction-dev", "crawl-dev"), action="append", help="set to score (default both)")
    parser.add_argument("--pages", type=Path, default=CRAWL_PAGES, help=f"fetched crawl-dev pages (default {CRAWL_PAGES})")
    parser.add_argument("--show", choices=FIELDS, action="append", default=[], help="list a field's misses (repeatable)")
    parser.add_argument("--only", help="run only the rows whose label contains this text (e.g. 'dump')")
    args = parser.parse_args(argv)
    sets = args.set or ["extraction-dev", "crawl-dev"]

    rows: list[tuple[str, list[Case], bool]] = []
    if "extraction-dev" in sets:
        if not (EXTRACTION_DEV / "metadata.json").is_file():
            print(f"extraction-dev skipped: {EXTRACTION_DEV}/metadata.json not found (../shared must sit beside the repo)")
        else:
            for kind in ("html", "dump"):
                cases = extraction_dev_cases(kind)
                rows += [(f"extraction-dev {kind}, URL given", cases, True), (f"extraction-dev {kind}, text alone", cases, False)]
    if "crawl-dev" in sets:
        if not (CRAWL_DEV / "labels.json").is_file():
            print(f"crawl-dev skipped: {CRAWL_DEV}/labels.json not found (../shared must sit beside the repo)")
        elif not args.pages.is_dir() or not any(args.pages.glob("*.json")):
            print(f"crawl-dev skipped: no fetched pages in {args.pages} (see ../shared/data/crawl-dev/README.md to fetch them)")
        else:
            cases = crawl_dev_cases(args.pages)
            rows += [("crawl-dev dump, URL given", cases, True), ("crawl-dev dump, text alone", cases, False)]

    print(header())
    with tempfile.TemporaryDirectory(prefix="mosaic-metadata-") as tmp:
        for label, cases, with_url in rows:
            if args.only and args.only not in label:
                continue
            report(label, run(cases, with_url, Path(tmp), label), args.show)
    return 0


if __name__ == "__main__":
    sys.exit(main())
