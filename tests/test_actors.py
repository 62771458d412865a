"""The gazetteer finds the actors a text is about, and not the ones it only seems to mention."""

import tomllib
from importlib import resources

import pytest

from search.ingest.actors import Gazetteer, load_gazetteer

INTERNATIONAL = "Ministers from Armenia, Azerbaijan and Iran met the EU envoy."


def actors_in(text: str) -> set[str]:
    return set(load_gazetteer().count_mentions(text))


@pytest.mark.parametrize(
    "text, present, absent",
    [
        ("Moscow warned Ankara, and the Kremlin said Baku and Yerevan must talk.", {"Russia", "Turkey", "Azerbaijan", "Armenia"}, set()),
        ("Washington and Brussels responded within hours. " + INTERNATIONAL, {"United States", "European Union"}, set()),
        ("Russia's envoy and Turkey’s minister met.", {"Russia", "Turkey"}, set()),
        ("Erdogan met Erdoğan's critics; Aliev and Aliyev are one man.", {"Recep Tayyip Erdoğan", "Ilham Aliyev"}, set()),
        ("Kiev and Kyiv are the same capital.", {"Ukraine"}, set()),
        # Georgia the country in a text about international politics; the US state elsewhere.
        ("Georgia's territory hosted the exercise. " + INTERNATIONAL, {"Georgia"}, set()),
        ("Voters in Georgia lined up in Atlanta on Tuesday.", set(), {"Georgia"}),
        # Jordan the country vs a first name; Chad and Niger likewise.
        ("Jordan closed its border with Syria. " + INTERNATIONAL, {"Jordan"}, set()),
        ("Michael Jordan scored forty points.", set(), {"Jordan"}),
        ("Chad Smith played drums all night.", set(), {"Chad"}),
        ("Niger and Mali expelled French troops. " + INTERNATIONAL, {"Niger", "Mali", "France"}, set()),
        # The bird, in lower case or in a recipe, is not the country.
        ("Roast the turkey for three hours.", set(), {"Turkey"}),
        ("Turkey should rest before carving. Serve with cranberry sauce.", set(), {"Turkey"}),
        ("George Washington crossed the Delaware.", set(), {"United States"}),
        # Cues for the other sense win over political context.
        ("Georgia's governor met Israel's consul in Atlanta.", {"Israel"}, {"Georgia"}),
        ("NATO leaders ate roast Turkey at the Thanksgiving dinner in Brussels.", {"NATO"}, {"Turkey"}),
        ("Russia and Nigeria discussed oil in the Niger Delta.", {"Russia", "Nigeria"}, {"Niger"}),
    ],
)
def test_actor_mentions(text, present, absent):
    found = actors_in(text)
    assert present <= found, f"missing {present - found}"
    assert not (absent & found), f"wrongly found {absent & found}"


def test_mentions_are_counted():
    counts = load_gazetteer().count_mentions("Russia warned. Moscow insisted. The Kremlin denied. Turkey agreed.")
    assert counts["Russia"] == 3 and counts["Turkey"] == 1


def test_gazetteer_file_is_complete_and_consistent():
    data = tomllib.loads(resources.files("search.data").joinpath("actors.toml").read_text(encoding="utf-8"))
    entries = data["actor"]
    names = [e["name"] for e in entries]
    assert len(names) == len(set(names)), "canonical names must be unique"
    assert sum(1 for e in entries if e["type"] == "state") >= 193
    for e in entries:
        assert e["type"] in {"state", "organisation", "person", "region"}, e["name"]
        if e["type"] == "person":
            assert e.get("state") in names, f"{e['name']}: state {e.get('state')!r} is not an entry"


def test_user_gazetteer_extends_the_builtin_one(tmp_path):
    extra = tmp_path / "mine.toml"
    extra.write_text('[[actor]]\nname = "Wagner Group"\ntype = "organisation"\naliases = ["PMC Wagner", "Wagnerites"]\n', encoding="utf-8")
    gazetteer = load_gazetteer(extra)
    assert "Wagner Group" in gazetteer.count_mentions("The Wagnerites left Bakhmut.")
    assert "Russia" in gazetteer.count_mentions("Moscow")  # built-in entries are still there


def test_resolve_alias_to_actor():
    gazetteer = Gazetteer([{"name": "Turkey", "type": "state", "aliases": ["Türkiye"], "metonyms": ["Ankara"]}])
    assert gazetteer.resolve("ankara").name == "Turkey"
    assert gazetteer.resolve("Türkiye").name == "Turkey"
    assert gazetteer.resolve("Narnia") is None
