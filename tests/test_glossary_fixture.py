"""The glossary fixture, read as plain JSON and checked against the three texts.

No database: the fixture is data a historian edits by hand, and these checks say what a
consistent edit looks like before anything is loaded.
"""

import json
import re
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
FIXTURES = BASE_DIR / "fixtures"

# Spelled out here rather than imported, so a change to the model's kinds shows up as a
# deliberate edit of this list.
KINDS = {"person", "place", "archive", "organisation", "work"}

ENTRIES: list[dict] = json.loads((FIXTURES / "glossary.json").read_text(encoding="utf-8"))
BY_SLUG = {entry["slug"]: entry for entry in ENTRIES}
TEXTS: dict[str, str] = {
    path.stem: path.read_text(encoding="utf-8")
    for path in sorted((FIXTURES / "documents").glob("*.txt"))
}

DATE = re.compile(r"^(\d{4})(?:-(0[1-9]|1[0-2])(?:-(0[1-9]|[12]\d|3[01]))?)?$")
WIKIDATA = re.compile(r"^Q[1-9][0-9]*$")
# A sentence ends at . ! or ? (maybe closed by a quote or bracket) before a capital.
SENTENCE_BREAK = re.compile(r"(?<=[.!?])[\"”’)]?\s+(?=[A-Z\"“‘(])")


def ids(entries):
    return [entry["slug"] for entry in entries]


def whole_word(form: str) -> re.Pattern:
    """`form` exactly as written, not preceded or followed by a letter or digit."""
    return re.compile(rf"(?<![^\W_]){re.escape(form)}(?![^\W_])")


def documents_containing(form: str) -> list[str]:
    pattern = whole_word(form)
    return [slug for slug, text in TEXTS.items() if pattern.search(text)]


def test_the_fixture_has_seventy_entries_and_the_three_texts_are_there():
    assert len(ENTRIES) == 70
    assert sorted(TEXTS) == [
        "korean-war-view-from-the-other-side",
        "stalin-and-korean-war",
        "stalins-hot-war",
    ]


def test_slugs_are_unique_and_well_formed():
    counts = Counter(entry["slug"] for entry in ENTRIES)
    assert [slug for slug, n in counts.items() if n > 1] == []
    assert all(re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", slug) for slug in counts)


@pytest.mark.parametrize("entry", ENTRIES, ids=ids(ENTRIES))
def test_every_entry_has_a_known_kind_a_name_and_an_alias(entry):
    assert entry["kind"] in KINDS
    assert entry["name"].strip()
    assert entry["aliases"], "an entry needs at least one alias"
    assert all(alias.strip() == alias and alias for alias in entry["aliases"])
    assert all(form.strip() == form and form for form in entry["short_forms"])


@pytest.mark.parametrize("entry", ENTRIES, ids=ids(ENTRIES))
def test_every_summary_is_one_to_three_sentences(entry):
    summary = entry["summary"]
    assert summary == summary.strip() and summary
    assert summary[-1] in '.!?"”', "a summary ends as a sentence does"
    sentences = SENTENCE_BREAK.split(summary)
    assert 1 <= len(sentences) <= 3, sentences
    assert len(summary) <= 1000, "GlossaryEntry.summary holds at most 1000 characters"


@pytest.mark.parametrize(
    ("slug", "form"),
    [(e["slug"], form) for e in ENTRIES for form in e["aliases"] + e["short_forms"]],
)
def test_every_alias_and_short_form_occurs_in_a_document_as_a_whole_word(slug, form):
    assert documents_containing(form), f"{slug}: {form!r} is not in any document"


@pytest.mark.parametrize(
    ("slug", "name"), [(e["slug"], name) for e in ENTRIES for name in e["other_names"]]
)
def test_no_other_name_occurs_in_a_document(slug, name):
    # "other_names" are the forms the articles do not use; one found in a text should be
    # an alias instead, or it will never be matched.
    assert documents_containing(name) == [], f"{slug}: {name!r} is used after all"


def test_the_other_names_are_not_also_aliases():
    for entry in ENTRIES:
        forms = set(entry["aliases"]) | set(entry["short_forms"])
        assert forms.isdisjoint(entry["other_names"]), entry["slug"]


def test_no_alias_belongs_to_two_entries():
    # Short forms ("Kim", "Pak") may be shared, but only with other short forms; a full
    # alias names one entry. Compared as the matcher compares them: ’ as ', spaces as one.
    def key(form):
        return " ".join(form.replace("’", "'").split())

    owners: dict[str, set[str]] = {}
    for entry in ENTRIES:
        for form in entry["aliases"]:
            owners.setdefault(key(form), set()).add(entry["slug"])
    shared = {form: slugs for form, slugs in owners.items() if len(slugs) > 1}
    assert shared == {}

    short = {key(form) for entry in ENTRIES for form in entry["short_forms"]}
    assert short.isdisjoint(owners), "a short form of one entry is a full alias of another"

    for entry in ENTRIES:
        keys = [key(form) for form in entry["aliases"] + entry["short_forms"]]
        assert len(keys) == len(set(keys)), f"{entry['slug']} lists one form twice"


def test_the_shared_short_forms_are_the_family_names():
    sharing = Counter(form for entry in ENTRIES for form in entry["short_forms"])
    assert {form for form, n in sharing.items() if n > 1} == {"Kim", "Pak"}
    assert sorted(e["slug"] for e in ENTRIES if "Kim" in e["short_forms"]) == [
        "kim-il-sung",
        "kim-song-chil",
    ]


PEOPLE = [entry for entry in ENTRIES if entry["kind"] == "person"]


@pytest.mark.parametrize("entry", PEOPLE, ids=ids(PEOPLE))
def test_people_have_plausible_life_dates(entry):
    born, died = entry["born"], entry["died"]
    for value in (born, died):
        if value is not None:
            match = DATE.match(value)
            assert match, f"{value!r} is not YYYY, YYYY-MM or YYYY-MM-DD"
            date.fromisoformat(value if len(value) == 10 else value[:4] + "-01-01")
            assert 1800 <= int(match[1]) <= date.today().year
    if born and died:
        # Compared as strings on the common precision: ISO dates sort as text.
        precision = min(len(born), len(died))
        assert born[:precision] < died[:precision]
        assert int(died[:4]) - int(born[:4]) <= 110


def test_dates_are_only_given_for_people():
    for entry in ENTRIES:
        if entry["kind"] != "person":
            assert entry["born"] is None and entry["died"] is None, entry["slug"]


def test_some_well_known_dates():
    assert BY_SLUG["joseph-stalin"]["died"] == "1953-03-05"
    assert BY_SLUG["kim-il-sung"]["born"] == "1912-04-15"
    assert BY_SLUG["kim-il-sung"]["died"] == "1994-07-08"


def test_coordinates_are_in_range_and_only_for_places():
    for entry in ENTRIES:
        latitude, longitude = entry["latitude"], entry["longitude"]
        assert (latitude is None) == (longitude is None), entry["slug"]
        if latitude is None:
            continue
        assert entry["kind"] == "place", entry["slug"]
        assert -90 <= latitude <= 90 and -180 <= longitude <= 180, entry["slug"]


KOREAN_PLACES = [
    "busan",
    "gimpo-airfield",
    "incheon",
    "korea",
    "korean-demilitarized-zone",
    "mig-alley",
    "north-korea",
    "pyongyang",
    "seoul",
    "south-korea",
    "yalu-river",
]


@pytest.mark.parametrize("slug", KOREAN_PLACES)
def test_places_on_the_korean_peninsula_are_placed_there(slug):
    # Catches swapped latitude and longitude, or a dropped minus sign.
    entry = BY_SLUG[slug]
    assert 33 <= entry["latitude"] <= 43.5
    assert 124 <= entry["longitude"] <= 131


def test_wikidata_ids_are_well_formed_and_unique():
    given = [entry["wikidata"] for entry in ENTRIES if entry["wikidata"] is not None]
    assert given, "some entries have a Wikidata id"
    assert [wikidata for wikidata in given if not WIKIDATA.match(wikidata)] == []
    assert [wikidata for wikidata, n in Counter(given).items() if n > 1] == []
    assert BY_SLUG["joseph-stalin"]["wikidata"] == "Q855"


def test_the_famous_misspellings_are_covered():
    assert "Kim II Sung" in BY_SLUG["kim-il-sung"]["aliases"]
    assert "Kim 11 Sung" in BY_SLUG["kim-il-sung"]["aliases"]
    assert {"Inchon", "Incheon"} <= set(BY_SLUG["incheon"]["aliases"])
    # ... and they really are in the texts, the first with a capital i twice.
    assert documents_containing("Kim II Sung") == ["stalins-hot-war"]
    assert documents_containing("Incheon") == ["stalin-and-korean-war"]
    assert set(documents_containing("Inchon")) == {
        "korean-war-view-from-the-other-side",
        "stalins-hot-war",
    }
