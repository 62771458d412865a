"""Build a deterministic benchmark corpus of scraped-looking political articles from real news text.

Usage (from the repo root):

    .venv/bin/python bench/corpus.py --docs 10000 --out /tmp/mosaic-bench/corpus [--seed 1] [--jsonl-share 0.3]

Each article is assembled from real paragraphs of ../shared/data/news-corpus/bbc, read at run time
(its license forbids copying it into this repository): a body of 600-1,200 words, political actors
from search/data/actors.toml mentioned by name or alias with Zipf-distributed frequency, one of 40
made-up outlets with its own page chrome, one of 300 authors, a date in 2015-2025 (about 5%
undated) and 0-30 reader comments. Most articles become page dumps; a share goes into JSONL crawl
exports of 1,000 records a file; about 2% are syndicated copies of an earlier article under another
outlet's chrome. The same arguments always give byte-identical output.

Layout of OUT:

    articles/<domain>/<n>_<id>.txt, sources.toml   page dumps, with their URLs
    articles/jsonl/part-NNNN.jsonl                 crawl-export records (text, url, title, ...)
    manifest.jsonl                                 what was generated, one line per article
    corpus.json                                    parameters and counts, written last
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import shutil
import sys
import tomllib
from collections import deque
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from pages import OUTLETS, Plan, article_url, jsonl_record, make_outlets, render_dump

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
BBC_DIR = SHARED / "data" / "news-corpus" / "bbc"
ACTORS_FILE = ROOT / "search" / "data" / "actors.toml"
# Bump when the generator changes, so cached corpora built by an older version are rebuilt.
CORPUS_VERSION = 2

BODY_WORDS = (600, 1200)
SEED_SHARE = 0.4  # at most this share of a body comes from the source article it grew from
MAX_COMMENTS = 30
UNDATED_SHARE = 0.05
SYNDICATED_SHARE = 0.02
NO_BYLINE_SHARE = 0.03
RECORDS_PER_JSONL = 1000
FIRST_DAY, LAST_DAY = date(2015, 1, 1), date(2025, 12, 31)
ACTOR_ZIPF_EXPONENT = 1.0
OUTLET_ZIPF_EXPONENT = 0.7
SYNDICATION_POOL = 2000  # copies are taken from the most recent originals (bounded memory)
# Seed articles come mostly from the political and business sections of the source.
CATEGORY_WEIGHTS = {"politics": 0.4, "business": 0.25, "tech": 0.15, "entertainment": 0.1, "sport": 0.1}

# The actors articles are about, most prominent first (Zipf rank). All exist in actors.toml; they
# are mentioned by canonical name or alias, never by a form the gazetteer marks ambiguous.
ACTORS = (
    "Russia", "United States", "Ukraine", "China", "NATO", "Vladimir Putin", "European Union", "Iran",
    "Israel", "Turkey", "United Nations", "Volodymyr Zelensky", "Germany", "France", "United Kingdom",
    "Joe Biden", "Donald Trump", "Xi Jinping", "Recep Tayyip Erdoğan", "Syria", "India", "Hamas",
    "Benjamin Netanyahu", "Poland", "Azerbaijan", "Armenia", "Belarus", "Saudi Arabia", "Japan",
    "North Korea", "Emmanuel Macron", "Sergey Lavrov", "Hezbollah", "Pakistan", "Egypt", "Iraq",
    "Afghanistan", "Taliban", "Olaf Scholz", "Antony Blinken", "Ilham Aliyev", "Nikol Pashinyan",
    "European Commission", "UN Security Council", "Taiwan", "South Korea", "Hungary", "Viktor Orbán",
    "Kim Jong Un", "Qatar", "United Arab Emirates", "Lebanon", "Palestine", "Serbia", "Kosovo",
    "Moldova", "Romania", "Greece", "Italy", "Spain", "Islamic State", "Wagner Group",
    "Yevgeny Prigozhin", "Alexander Lukashenko", "Ali Khamenei", "Ebrahim Raisi", "Mohammed bin Salman",
    "Bashar al-Assad", "Narendra Modi", "Brazil", "Venezuela", "Mexico", "Canada", "Australia",
    "G7", "G20", "BRICS", "Shanghai Cooperation Organisation", "CSTO", "OSCE", "African Union",
    "ECOWAS", "Mali", "Burkina Faso", "Sudan", "Ethiopia", "Libya", "Yemen", "Houthis", "Kazakhstan",
    "Uzbekistan", "Finland", "Sweden", "Norway", "Estonia", "Latvia", "Lithuania", "Jens Stoltenberg",
    "Mark Rutte", "Ursula von der Leyen", "Josep Borrell", "Kaja Kallas", "António Guterres",
    "Dmitry Peskov", "Maria Zakharova", "Dmitry Medvedev", "Sergei Shoigu", "Keir Starmer",
    "Rishi Sunak", "Boris Johnson", "Giorgia Meloni", "Friedrich Merz", "Angela Merkel", "Kamala Harris",
    "Marco Rubio", "Mike Pompeo", "Lloyd Austin", "Jake Sullivan", "Hakan Fidan", "Mevlüt Çavuşoğlu",
    "Wang Yi", "Li Qiang", "Shinzo Abe", "Fumio Kishida", "Yoon Suk Yeol", "Imran Khan",
    "Shehbaz Sharif", "Abdel Fattah el-Sisi", "Mahmoud Abbas", "Yahya Sinwar", "Hassan Nasrallah",
    "Masoud Pezeshkian", "Ahmed al-Sharaa", "International Monetary Fund", "World Bank",
    "World Health Organization", "International Criminal Court", "International Atomic Energy Agency",
    "OPEC", "Arab League", "Gulf Cooperation Council", "ASEAN", "Muslim Brotherhood", "PKK",
    "Syrian Democratic Forces", "IRGC", "CIA", "FSB", "Mossad", "Alexei Navalny", "Maia Sandu",
    "Aleksandar Vučić", "Robert Fico", "Nicolás Maduro", "Javier Milei",
)

SENTENCES = {
    "state": (
        "{a} has yet to respond to the proposals.",
        "Officials in {a} said they were following events closely.",
        "The question was also raised in talks with {a} last week.",
        "Critics warned that the decision could strain relations with {a}.",
        "Diplomats from {a} are due to discuss the issue next month.",
        "{a}'s government has made similar promises before.",
        "Analysts said the outcome would be watched carefully in {a}.",
    ),
    "organisation": (
        "{a} said it would study the plans in detail.",
        "A spokesperson for {a} declined to comment.",
        "The plan still needs the backing of {a}.",
        "Observers expect {a} to take up the matter at its next meeting.",
        "{a} has warned about the risks before.",
    ),
    "person": (
        "{a} is expected to address the issue later this week.",
        "Aides to {a} said no decision had been taken.",
        "{a} described the move as a mistake.",
        "Speaking on Tuesday, {a} called for calm.",
        "Allies of {a} welcomed the announcement.",
    ),
}
# Forms read with "the" before them ("the United States", "the EU", "the World Bank").
STATE_ARTICLE_WORDS = {"United", "Republic", "Federal", "Russian", "Islamic", "Kingdom", "State", "Democratic",
                       "Syrian", "Palestinian", "Occupied", "People's", "UK", "U.K.", "US", "U.S.", "USA", "U.S.A.",
                       "Hashemite", "Arab", "Great", "Northern", "Bolivarian", "Argentine", "Hellenic", "Czech", "Swiss"}
ORGANISATIONS_WITHOUT_ARTICLE = {"NATO", "Nato", "N.A.T.O.", "OTAN", "OPEC", "ASEAN", "BRICS", "ECOWAS", "Hamas", "HAMAS",
                                 "Hezbollah", "Mossad", "Interpol", "Islamic State", "ISIS", "ISIL", "Daesh"}
COMMENT_SENTENCES = (
    "Nobody should trust {a} on this.", "This is all about {a}, as usual.", "{a} will never accept that.",
    "Funny how {a} is hardly mentioned in these reports.", "Wait and see what {a} does next.",
)
TITLE_FORMS = ("{t}", "{t}", "{t}", "{a}: {t}", "{t} as {a} weighs in", "What {t} means for {a}")

FIRST_NAMES = (
    "Anna", "Marcus", "Olena", "Daniel", "Sofia", "Peter", "Leila", "Tomas", "Helen", "Viktor", "Priya",
    "James", "Nadia", "Erik", "Claire", "Samuel", "Irina", "Oliver", "Maya", "Lukas", "Fatima", "Robert",
    "Elena", "Hugo", "Ruth", "Pavel", "Grace", "Adrian", "Lena", "Martin",
)
LAST_NAMES = (
    "Hartley", "Novak", "Marchenko", "Whitfield", "Okafor", "Lindqvist", "Brennan", "Kowalczyk", "Aydin",
    "Castellano", "Dubois", "Petrenko", "Holloway", "Sato", "Fischer", "Moreau", "Karimova", "Walsh",
    "Ferreira", "Albrecht", "Nakamura", "Doyle", "Horvat", "Ramirez", "Sinclair", "Volkova", "Ashworth",
    "Bergman", "Costa", "Mendel",
)
HANDLES = (
    "watcher", "realist", "skeptic", "oldhand", "wanderer", "redfox", "northstar", "greywolf", "observer",
    "piper", "cartographer", "longview", "fieldhand", "sailor", "nomad",
)


@dataclass(frozen=True)
class Source:
    """The real texts: per category a list of (title, paragraphs), and a pool of short sentences."""

    articles: dict[str, list[tuple[str, list[str]]]]
    sentences: list[str]


def load_source(bbc_dir: Path = BBC_DIR) -> Source:
    """Return the BBC texts; exit with a hint when ../shared is not beside the repo."""
    if not bbc_dir.is_dir():
        sys.exit(f"error: the news corpus is not at {bbc_dir}\n"
                 f"hint: ../shared must sit beside the repo root ({ROOT}); the corpus is read from there, never copied")
    articles: dict[str, list[tuple[str, list[str]]]] = {}
    sentences = []
    for category in sorted(CATEGORY_WEIGHTS):
        for path in sorted((bbc_dir / category).glob("*.txt")):
            data = path.read_bytes()
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                text = data.decode("latin-1")  # one file holds a Latin-1 pound sign
            blocks = [" ".join(b.split()) for b in re.split(r"\n\s*\n", text) if b.strip()]
            if len(blocks) < 2:
                continue
            articles.setdefault(category, []).append((blocks[0], blocks[1:]))
            for block in blocks[1:]:
                sentences += [s for s in split_sentences(block) if 5 <= len(s.split()) <= 25 and s[-1] in ".!?"]
    return Source(articles, sentences)


def split_sentences(paragraph: str) -> list[str]:
    return re.split(r"(?<=[.!?])\s+(?=[A-Z\"])", paragraph)


def load_actor_forms(path: Path = ACTORS_FILE) -> list[tuple[str, str, list[str]]]:
    """Return (name, type, surface forms) for ACTORS in rank order; forms exclude ambiguous ones."""
    entries = {e["name"]: e for e in tomllib.loads(path.read_text(encoding="utf-8"))["actor"]}
    missing = [name for name in ACTORS if name not in entries]
    if missing:
        sys.exit(f"error: actors missing from {path}: {', '.join(missing)}")
    actors = []
    for name in ACTORS:
        entry = entries[name]
        ambiguous = set(entry.get("ambiguous", ()))
        forms = [f for f in (name, *entry.get("aliases", ())) if f not in ambiguous and "'" not in f and "’" not in f]
        actors.append((name, entry["type"], forms))
    return actors


def mention(form: str, kind: str, template: str) -> str:
    """Return a sentence naming an actor: the template filled with the form, "the" added where English needs it."""
    if (kind == "state" and form.split()[0] in STATE_ARTICLE_WORDS) or (
            kind == "organisation" and form not in ORGANISATIONS_WITHOUT_ARTICLE):
        form = ("The " if template.startswith("{a}") else "the ") + form
    return template.format(a=form).replace("..", ".")


def count_words(paragraphs: list[str]) -> int:
    return sum(len(p.split()) for p in paragraphs)


def zipf_weights(count: int, exponent: float) -> list[float]:
    return [1 / rank**exponent for rank in range(1, count + 1)]


def make_people(rng: random.Random) -> tuple[list[str], list[str]]:
    """Return 300 author names and 600 commenter names."""
    authors = [f"{first} {last}" for first in FIRST_NAMES for last in LAST_NAMES]
    rng.shuffle(authors)
    commenters = []
    for _ in range(600):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        commenters.append(rng.choice((
            f"{first} {last[0]}", f"{first.lower()} {last.lower()}", f"{rng.choice(HANDLES)}{rng.randrange(10, 99)}",
            first, f"{first} {last}", f"The {rng.choice(HANDLES).capitalize()}",
        )))
    return authors[:300], commenters


# --- article plans ---------------------------------------------------------------------------------

class Generator:
    """Draws article plans from the source texts; every choice comes from one seeded RNG."""

    def __init__(self, source: Source, seed: int, jsonl_share: float):
        self.rng = random.Random(seed)
        self.source = source
        self.jsonl_share = jsonl_share
        self.categories = list(CATEGORY_WEIGHTS)
        self.actors = load_actor_forms()
        self.actor_weights = zipf_weights(len(self.actors), ACTOR_ZIPF_EXPONENT)
        self.outlets = make_outlets(self.rng)
        self.outlet_weights = zipf_weights(len(self.outlets), OUTLET_ZIPF_EXPONENT)
        self.authors, self.commenters = make_people(self.rng)
        self.recent: deque[Plan] = deque(maxlen=SYNDICATION_POOL)

    def plan(self, n: int) -> Plan:
        rng = self.rng
        if self.recent and rng.random() < SYNDICATED_SHARE:
            plan = self.syndicated_copy(n, rng.choice(self.recent))
        else:
            plan = self.original(n)
            self.recent.append(plan)
        plan.kind = "jsonl" if rng.random() < self.jsonl_share else "dump"
        return plan

    def original(self, n: int) -> Plan:
        rng = self.rng
        category = rng.choices(self.categories, [CATEGORY_WEIGHTS[c] for c in self.categories])[0]
        pool = self.source.articles[category]
        title, first = rng.choice(pool)
        # A body: the seed article's opening, then runs of paragraphs from others in the same
        # section. The opening is capped so that two articles grown from one seed stay distinct.
        target = rng.randint(*BODY_WORDS)
        paragraphs = first[:1]
        for paragraph in first[1:]:
            if count_words(paragraphs) + len(paragraph.split()) > SEED_SHARE * target:
                break
            paragraphs.append(paragraph)
        while count_words(paragraphs) < target:
            _, more = rng.choice(pool)
            start = rng.randrange(len(more))
            paragraphs += more[start : start + rng.randint(1, 4)]
        actors = self.pick_actors()
        paragraphs = self.insert_mentions(paragraphs, actors)
        _, _, forms = actors[0]
        title = rng.choice(TITLE_FORMS).format(t=title, a=rng.choice(forms))
        day = None if rng.random() < UNDATED_SHARE else FIRST_DAY + timedelta(days=rng.randrange((LAST_DAY - FIRST_DAY).days + 1))
        outlet = rng.choices(self.outlets, self.outlet_weights)[0]
        author = "" if rng.random() < NO_BYLINE_SHARE else rng.choice(self.authors)
        return Plan(n, title, author, day, outlet, article_url(outlet, n, title, day), paragraphs,
                    [a[0] for a in actors], self.make_comments(), self.related())

    def syndicated_copy(self, n: int, original: Plan) -> Plan:
        """Return a copy of an earlier article as another outlet republishes it: same body, new chrome."""
        rng = self.rng
        outlet = rng.choice([o for o in self.outlets if o is not original.outlet])
        day = original.day + timedelta(days=rng.randrange(4)) if original.day else None
        author = original.author if rng.random() < 0.5 else ""
        paragraphs = list(original.paragraphs)
        if rng.random() < 0.5:
            paragraphs.append(f"This article was first published by {original.outlet.name}.")
        return Plan(n, original.title, author, day, outlet, article_url(outlet, n, original.title, day), paragraphs,
                    list(original.actors), self.make_comments(), self.related(), syndicated_from=original.n)

    def pick_actors(self) -> list[tuple[str, str, list[str]]]:
        """Return 1-7 distinct actors drawn by Zipf weight, the most mentioned first."""
        chosen: list[tuple[str, str, list[str]]] = []
        for _ in range(self.rng.randint(1, 7)):
            actor = self.rng.choices(self.actors, self.actor_weights)[0]
            if actor not in chosen:
                chosen.append(actor)
        return chosen

    def insert_mentions(self, paragraphs: list[str], actors) -> list[str]:
        """Return the paragraphs with sentences naming the actors inserted at sentence boundaries."""
        rng = self.rng
        sentences = [split_sentences(p) for p in paragraphs]
        for rank, (_, kind, forms) in enumerate(actors):
            for _ in range(rng.randint(3, 6) if rank == 0 else rng.randint(1, 3)):
                form = forms[0] if rng.random() < 0.6 else rng.choice(forms)
                target = sentences[rng.randrange(len(sentences))]
                target.insert(rng.randrange(len(target) + 1), mention(form, kind, rng.choice(SENTENCES[kind])))
        return [" ".join(s) for s in sentences]

    def make_comments(self) -> list[tuple[str, str]]:
        rng = self.rng
        comments = []
        for _ in range(rng.randint(0, MAX_COMMENTS)):
            text = " ".join(rng.choice(self.source.sentences) for _ in range(rng.choice((1, 1, 2))))
            if rng.random() < 0.25:
                _, kind, forms = rng.choices(self.actors, self.actor_weights)[0]
                text = mention(rng.choice(forms), kind, rng.choice(COMMENT_SENTENCES)) + " " + text
            if rng.random() < 0.1:
                text += "\n\n" + rng.choice(self.source.sentences)
            author = "" if rng.random() < 0.2 else rng.choice(self.commenters)
            comments.append((author, text))
        return comments

    def related(self) -> list[str]:
        pool = self.source.articles[self.rng.choice(self.categories)]
        return [self.rng.choice(pool)[0] for _ in range(3)]


# --- writing ---------------------------------------------------------------------------------------

def manifest_entry(plan: Plan, path: str) -> dict:
    return {
        "n": plan.n, "path": path, "kind": plan.kind, "url": plan.url, "title": plan.title,
        "author": plan.author, "date": plan.day.isoformat() if plan.day else None, "outlet": plan.outlet.name,
        "domain": plan.outlet.domain, "actors": plan.actors, "comments": len(plan.comments),
        "words": count_words(plan.paragraphs), "syndicated_from": plan.syndicated_from,
    }


def build_corpus(docs: int, out: Path, seed: int = 1, jsonl_share: float = 0.3, bbc_dir: Path = BBC_DIR) -> dict:
    """Write a corpus of `docs` articles into `out` (replacing it) and return its description."""
    if out.exists():
        shutil.rmtree(out)
    articles = out / "articles"
    articles.mkdir(parents=True)
    generator = Generator(load_source(bbc_dir), seed, jsonl_share)
    urls: dict[str, dict[str, str]] = {}
    counts = {"dump": 0, "jsonl": 0, "syndicated": 0, "undated": 0, "comments": 0}
    jsonl_file, jsonl_part, total_bytes = None, 0, 0
    with open(out / "manifest.jsonl", "w", encoding="utf-8") as manifest:
        for n in range(docs):
            plan = generator.plan(n)
            if plan.kind == "dump":
                name = f"{n:06d}_{hashlib.sha1(plan.url.encode()).hexdigest()[:16]}.txt"
                data = render_dump(plan, generator.rng).encode("utf-8")
                (articles / plan.outlet.domain).mkdir(exist_ok=True)
                (articles / plan.outlet.domain / name).write_bytes(data)
                urls.setdefault(plan.outlet.domain, {})[name] = plan.url
                path = f"articles/{plan.outlet.domain}/{name}"
            else:
                if counts["jsonl"] % RECORDS_PER_JSONL == 0:
                    if jsonl_file:
                        jsonl_file.close()
                    (articles / "jsonl").mkdir(exist_ok=True)
                    jsonl_part = counts["jsonl"] // RECORDS_PER_JSONL
                    jsonl_file = open(articles / "jsonl" / f"part-{jsonl_part:04d}.jsonl", "w", encoding="utf-8")
                line = json.dumps(jsonl_record(plan, generator.rng), ensure_ascii=False) + "\n"
                jsonl_file.write(line)
                data = line.encode("utf-8")
                path = f"articles/jsonl/part-{jsonl_part:04d}.jsonl:{counts['jsonl'] % RECORDS_PER_JSONL + 1}"
            total_bytes += len(data)
            counts[plan.kind] += 1
            counts["syndicated"] += plan.syndicated_from is not None
            counts["undated"] += plan.day is None
            counts["comments"] += len(plan.comments)
            manifest.write(json.dumps(manifest_entry(plan, path), ensure_ascii=False) + "\n")
    if jsonl_file:
        jsonl_file.close()
    for domain, names in urls.items():
        lines = ["# Original URLs of the page dumps in this folder (made-up benchmark outlets).", "[urls]"]
        lines += [f'"{name}" = "{url}"' for name, url in names.items()]
        (articles / domain / "sources.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    description = {"version": CORPUS_VERSION, "docs": docs, "seed": seed, "jsonl_share": jsonl_share,
                   "bytes": total_bytes, "outlets": len(OUTLETS), "actors": len(ACTORS), **counts}
    (out / "corpus.json").write_text(json.dumps(description, indent=2) + "\n", encoding="utf-8")
    return description


def cached_corpus(docs: int, out: Path, seed: int, jsonl_share: float) -> dict | None:
    """Return the description of a complete corpus at `out` built with these parameters, else None."""
    try:
        description = json.loads((out / "corpus.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    wanted = {"version": CORPUS_VERSION, "docs": docs, "seed": seed, "jsonl_share": jsonl_share}
    return description if all(description.get(k) == v for k, v in wanted.items()) else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, required=True, help="number of articles")
    parser.add_argument("--out", type=Path, required=True, help="output folder (replaced)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jsonl-share", type=float, default=0.3, help="share of articles written as JSONL records")
    args = parser.parse_args(argv)
    if args.docs < 1 or not 0 <= args.jsonl_share <= 1:
        parser.error("--docs must be positive and --jsonl-share between 0 and 1")
    d = build_corpus(args.docs, args.out, args.seed, args.jsonl_share)
    print(f"{d['docs']} articles ({d['dump']} page dumps, {d['jsonl']} JSONL records, {d['syndicated']} syndicated copies, "
          f"{d['undated']} undated, {d['comments']} comments), {d['bytes'] / 1e6:.1f} MB in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
