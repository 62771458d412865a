"""The judged query set of bench/relevance.py parses, covers what it claims, and names real documents;
the benchmark's nDCG and P@10 are the textbook ones."""

from __future__ import annotations

import json
import math
import re
import sys

import pytest

from tests.conftest import ROOT, need_shared

sys.path.insert(0, str(ROOT / "bench"))
import relevance  # noqa: E402  (bench/ is not a package)

QUERIES = relevance.load_queries()
JUDGMENTS = relevance.load_judgments()
BBC_KEY = re.compile(r"bbc/(business|entertainment|politics|sport|tech)/\d{3}\.txt")
MIN_QUERIES = 45
MIN_PER_CATEGORY = 5


def test_query_set_covers_every_category_and_both_corpora():
    per_category = {c: sum(q.category == c for q in QUERIES) for c in relevance.CATEGORIES}
    assert len(QUERIES) >= MIN_QUERIES
    assert min(per_category.values()) >= MIN_PER_CATEGORY, per_category
    # Both parts of the corpus answer some queries best: BBC articles and crawl-dev pages.
    best = [max(grades, key=grades.get) for grades in JUDGMENTS.values()]
    assert sum(BBC_KEY.fullmatch(k) is not None for k in best) >= 10
    assert sum(k.startswith("http") for k in best) >= 10


def test_every_query_is_judged_with_a_relevant_document():
    assert set(JUDGMENTS) == {q.id for q in QUERIES}
    without_relevant = [qid for qid, grades in JUDGMENTS.items() if max(grades.values()) < 1]
    assert without_relevant == []  # nDCG is undefined for a query nothing satisfies


def test_judged_keys_are_bbc_paths_or_urls():
    malformed = [(qid, k) for qid, grades in JUDGMENTS.items() for k in grades
                 if not (BBC_KEY.fullmatch(k) or re.fullmatch(r"https?://\S+", k))]
    assert malformed == []


def test_phrase_queries_quote_a_phrase():
    assert [q.id for q in QUERIES if q.category == "phrase" and not re.search(r'"\w+(?: \w+)+"', q.q)] == []


def test_judged_documents_exist_and_copies_are_judged_once():
    bbc = need_shared("data/news-corpus/bbc")
    labels = json.loads(need_shared("data/crawl-dev/labels.json").read_text(encoding="utf-8"))
    docs = [relevance.Doc(f"bbc/{p.parent.name}/{p.name}", "", p.read_bytes()) for p in sorted(bbc.glob("*/*.txt"))]
    canonical = relevance.canonical_keys(docs)
    keys = {k for grades in JUDGMENTS.values() for k in grades}
    unknown = sorted(k for k in keys if k not in canonical and k not in labels)
    copies = sorted(k for k in keys if canonical.get(k, k) != k)
    assert (unknown, copies) == ([], [])


def _dcg(gains):
    return sum(g / math.log2(i + 2) for i, g in enumerate(gains))


GRADES = {"a": 2, "b": 1, "c": 0}


@pytest.mark.parametrize(("ranked", "ndcg", "p10", "unjudged"), [
    (["a", "b", "c"], 1.0, 0.2, 0),
    (["b", "a"], (1 + 2 / math.log2(3)) / _dcg([2, 1]), 0.2, 0),
    (["c", "x", "a"], (2 / math.log2(4)) / _dcg([2, 1]), 0.1, 1),  # "x" is unjudged: it earns nothing
    (["a", None, "b"], (2 + 1 / math.log2(4)) / _dcg([2, 1]), 0.2, 0),  # None: a repeated copy
    ([], 0.0, 0.0, 0),
])
def test_metrics(ranked, ndcg, p10, unjudged):
    measured = (relevance.ndcg(ranked, GRADES), relevance.precision(ranked, GRADES), relevance.unjudged(ranked, GRADES))
    assert measured == (pytest.approx(ndcg), pytest.approx(p10), unjudged)


def test_repeated_copies_are_shown_once():
    canonical = {"bbc/business/253.txt": "bbc/business/007.txt"}  # a byte-identical pair
    shown = relevance.shown(["bbc/business/007.txt", "bbc/business/253.txt", "x"], canonical)
    assert shown == ["bbc/business/007.txt", None, "x"]
