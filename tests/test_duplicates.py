"""Syndicated copies across outlets share a cluster; results show one copy with a badge."""

import pytest

from search.config import Settings
from search.indexer import build_index
from search.ingest import read_article
from search.ingest.actors import tokens_of
from search.ingest.fingerprint import body_sketch, resemblance
from search.request import SearchRequest
from tests.conftest import engine_at
from tests.conftest import FIXTURES

ORIGINAL = (FIXTURES / "corpus" / "kyiv_rferl.txt").read_text(encoding="utf-8")


def syndicated(text: str) -> str:
    """The same story as another outlet runs it: other chrome, another headline, one more sentence."""
    text = text.replace("Kyiv Braces For A Second Winter Of Strikes On Its Power Grid", "Ukraine's capital prepares for winter attacks")
    text = text.replace("Skip to content", "Euronews\n\nWorld").replace("Published on 14 Oct 2023", "16/10/2023")
    return text.replace("before the first frosts.", "before the first frosts. Officials in Lviv made similar appeals.")


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dupes")
    (folder / "original.txt").write_text(ORIGINAL, encoding="utf-8")
    (folder / "copy.txt").write_text(syndicated(ORIGINAL), encoding="utf-8")
    (folder / "other.txt").write_text((FIXTURES / "corpus" / "taiwan_diplomat.txt").read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "sources.toml").write_text(
        '[urls]\n"original.txt" = "https://www.rferl.org/a/2023/10/14/kyiv/"\n'
        '"copy.txt" = "https://www.euronews.com/2023/10/16/kyiv-winter"\n'
        '"other.txt" = "https://thediplomat.com/2024/01/taiwan/"\n', encoding="utf-8")
    index_dir = folder / "ix"
    build_index([folder], index_dir, Settings())
    return engine_at(index_dir, Settings())


def test_resemblance_separates_copies_from_other_articles():
    copy, other = syndicated(ORIGINAL), (FIXTURES / "corpus" / "taiwan_diplomat.txt").read_text(encoding="utf-8")
    assert resemblance(body_sketch(ORIGINAL), body_sketch(copy)) >= 0.6
    assert resemblance(body_sketch(ORIGINAL), body_sketch(other)) < 0.2


@pytest.mark.parametrize(
    "body",
    [
        ORIGINAL,
        # Characters whose casefold crosses the word/non-word line, or that the actor tagger reads
        # as an apostrophe: the tokens then split words differently from the casefolded text.
        "İstanbul talks: Erdoğan met the İYİ party leader; ΐ and ᾳ in Greek, and Ukraineʼs grid held up.",
        "Straße und Maßnahmen: die ﬁnanzielle Lage der Ukraine im Jahr 2024, „Waffenruhe“ jetzt und hier!",
        "Combining marks a\u0345b that casefold to letters join two words once folded. " * 3,
        # Every Latin-1 character inside and between words: the tokens are used for all of them.
        " ".join(f"alpha{chr(c)}beta gamma {chr(c)} delta" for c in range(256)),
    ],
)
def test_sketches_made_from_the_actor_taggers_tokens_are_those_of_the_text(body):
    """Ingest makes a body's fingerprint from the tokens the actor tagger made of it. Sketches are
    stored in the index and compared with those of articles indexed before: they must be exactly
    the ones the text itself gives."""
    assert body_sketch(body, tokens_of(body)) == body_sketch(body)


def test_an_ingested_articles_fingerprint_is_its_bodys(tmp_path):
    path = tmp_path / "kyiv.txt"
    path.write_text(ORIGINAL, encoding="utf-8")
    article = read_article(path, Settings())
    assert len(article.fingerprint) == 32 and article.fingerprint == body_sketch(article.body)


def test_results_collapse_copies_with_a_badge(engine):
    result = engine.search(SearchRequest(q="grid"))
    assert result.total == 2  # both copies match and both count in facets
    assert result.to_dict()["listed"] == 1
    (hit,) = result.hits
    assert hit.copies.count == 2 and hit.copies.outlets == 2
    original_id = next(h.id for h in engine.search(SearchRequest(q="grid", collapse=False)).hits if h.outlet == "RFE/RL")
    assert hit.copies.earliest_id == original_id
    assert hit.copies.is_earliest == (hit.id == original_id)


def test_collapse_can_be_turned_off(engine):
    result = engine.search(SearchRequest(q="grid", collapse=False))
    assert len(result.hits) == 2 and result.to_dict()["listed"] == 2
    assert engine.search(SearchRequest(q="Taiwan")).hits[0].copies is None


@pytest.mark.parametrize("max_segments", [8, 2], ids=["appended", "small-segments-merged"])
def test_updated_clusters_equal_a_rebuild(tmp_path, monkeypatch, max_segments):
    """An update re-clusters only new documents and broken clusters (documents renumbered by a
    merge of small segments count as new); the result is what a full rebuild computes."""
    import search.store.whoosh.writer as whoosh_writer

    monkeypatch.setattr(whoosh_writer, "MAX_SEGMENTS", max_segments)
    monkeypatch.setattr(whoosh_writer, "BIG_SEGMENT_SHARE", 0.5)  # with 2: the second update merges the first one's segment
    monkeypatch.setattr(whoosh_writer, "BIG_SEGMENT_DOCS", 2)
    folder = tmp_path / "pages"
    folder.mkdir()
    other = (FIXTURES / "corpus" / "taiwan_diplomat.txt").read_text(encoding="utf-8")
    (folder / "original.txt").write_text(ORIGINAL, encoding="utf-8")
    (folder / "other.txt").write_text(other, encoding="utf-8")
    (folder / "sahel.txt").write_text((FIXTURES / "corpus" / "sahel_france24.txt").read_text(encoding="utf-8"), encoding="utf-8")
    updated, rebuilt = tmp_path / "updated", tmp_path / "rebuilt"
    build_index([folder], updated, Settings())

    def clusters(index_dir) -> dict[str, int]:
        """Listed title → copies in its cluster, and how many articles there are in all."""
        engine = engine_at(index_dir, Settings())
        listed = engine.search(SearchRequest(per_page=50)).hits
        articles = engine.search(SearchRequest(collapse=False, per_page=50)).total
        return {h.title: h.copies.count if h.copies else 1 for h in listed} | {"listed": articles}

    # A copy arrives, then the original goes: the copy must stop counting it.
    (folder / "copy.txt").write_text(syndicated(ORIGINAL), encoding="utf-8")
    build_index([folder], updated, Settings(), rebuild=False)
    build_index([folder], rebuilt, Settings())
    assert clusters(updated) == clusters(rebuilt)
    assert any(v == 2 for k, v in clusters(updated).items() if k != "listed")
    (folder / "original.txt").unlink()
    (folder / "another copy.txt").write_text(syndicated(ORIGINAL).replace("Lviv", "Odesa"), encoding="utf-8")
    build_index([folder], updated, Settings(), rebuild=False)
    build_index([folder], rebuilt, Settings())
    assert clusters(updated) == clusters(rebuilt)
    assert sorted(v for k, v in clusters(updated).items() if k != "listed") == [1, 1, 2]


def test_a_merge_keeps_the_big_segments_in_place(tmp_path, monkeypatch):
    import search.store.whoosh.writer as whoosh_writer
    from search.store.whoosh.generation import open_index

    monkeypatch.setattr(whoosh_writer, "MAX_SEGMENTS", 3)
    monkeypatch.setattr(whoosh_writer, "BIG_SEGMENT_DOCS", 3)
    folder = tmp_path / "pages"
    folder.mkdir()
    for name in ("kyiv_rferl", "taiwan_diplomat", "sahel_france24", "erdogan_aljazeera"):
        (folder / f"{name}.txt").write_text((FIXTURES / "corpus" / f"{name}.txt").read_text(encoding="utf-8"), encoding="utf-8")
    index_dir = tmp_path / "ix"
    build_index([folder], index_dir, Settings())
    for n in range(3):
        (folder / f"copy{n}.txt").write_text(syndicated(ORIGINAL).replace("Lviv", f"Lviv{n}"), encoding="utf-8")
        build_index([folder], index_dir, Settings(), rebuild=False)
    sizes = [segment.doc_count_all() for segment in open_index(index_dir)._segments()]
    assert sizes == [4, 3]  # the first segment stayed first; the two small ones went into the new one
    hit = engine_at(index_dir, Settings()).search(SearchRequest(q="grid")).hits[0]
    assert hit.copies.count == 4


def test_array_clustering_finds_the_clusters_pair_by_pair_checks_find():
    """The build clusters 100k sketches with array operations; on a corpus with planted copies,
    short and empty sketches, its clusters are those of checking every candidate pair in Python."""
    import random
    from itertools import combinations

    from search.store.whoosh.duplicates import CANDIDATE_MINIMA, DUPLICATE_RESEMBLANCE, KEY_FACTOR, cluster_roots, key_table

    def pair_keys(sketch):
        return [((a * KEY_FACTOR) ^ b) % 2**64 for a, b in combinations(sketch[:CANDIDATE_MINIMA], 2)]

    rng = random.Random(7)
    originals = [tuple(sorted(rng.getrandbits(64) for _ in range(32))) for _ in range(150)]
    sketches = list(originals)
    for _ in range(250):  # copies with a few values changed, some truncated like short bodies
        values = list(rng.choice(originals))
        for _ in range(rng.randint(0, 14)):
            values[rng.randrange(len(values))] = rng.getrandbits(64)
        sketches.append(tuple(sorted(set(values))[: rng.choice([32, 32, 12, 4])]))
    sketches += [(), ()]
    rng.shuffle(sketches)

    parent = list(range(len(sketches)))

    def root(x):
        while parent[x] != x:
            x = parent[x]
        return x

    for a, b in combinations(range(len(sketches)), 2):
        candidates = set(combinations(sketches[a][:CANDIDATE_MINIMA], 2)) & set(combinations(sketches[b][:CANDIDATE_MINIMA], 2))
        if candidates and resemblance(sketches[a], sketches[b]) >= DUPLICATE_RESEMBLANCE:
            ra, rb = root(a), root(b)
            parent[max(ra, rb)] = min(ra, rb)
    expected = [root(doc) for doc in range(len(sketches))]

    roots = cluster_roots(sketches)
    assert roots == expected
    assert sum(1 for doc, r in enumerate(roots) if doc != r) > 50  # copies were found
    table = key_table(sketches)
    assert sorted(map(tuple, table.tolist())) == sorted((key, doc) for doc, s in enumerate(sketches) for key in pair_keys(s))
