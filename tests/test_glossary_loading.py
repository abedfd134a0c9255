"""Loading the glossary, and keeping the stored mentions in step with entries and texts."""

import json
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from annotations.glossary import find_mentions, recompute_mentions
from annotations.loading import FixtureError, load_documents, load_glossary
from annotations.models import Alias, Document, GlossaryEntry, Mention

FIXTURES = settings.BASE_DIR / "fixtures"
GLOSSARY = json.loads((FIXTURES / "glossary.json").read_text(encoding="utf-8"))


def key(surface: str) -> str:
    return " ".join(surface.replace("’", "'").split())


def entries_snapshot():
    return list(GlossaryEntry.objects.order_by("slug").values())


def aliases_snapshot():
    return list(Alias.objects.order_by("entry__slug", "text", "is_short").values())


def mentions_snapshot(with_ids=True):
    rows = Mention.objects.order_by("document__slug", "start").values(
        *(["id"] if with_ids else []), "document__slug", "revision", "entry__slug", "start", "end"
    )
    return list(rows)


def snapshot():
    return entries_snapshot(), aliases_snapshot(), mentions_snapshot()


def mentions_of(slug: str, entry_slug: str) -> list[str]:
    """The surfaces of an entry's stored mentions in one document, in order."""
    document = Document.objects.get(slug=slug)
    return [
        document.text[m.start : m.end]
        for m in Mention.objects.filter(document=document, entry__slug=entry_slug)
    ]


def assert_mentions_are_current():
    """Every stored mention is at its document's revision and reads as one of its forms."""
    forms: dict[int, set[str]] = {}
    for entry_id, text in Alias.objects.values_list("entry_id", "text"):
        forms.setdefault(entry_id, set()).add(key(text))
    for mention in Mention.objects.select_related("document"):
        assert mention.revision == mention.document.revision
        surface = mention.document.text[mention.start : mention.end]
        assert key(surface) in forms[mention.entry_id], surface


def copy_glossary(tmp_path: Path) -> tuple[Path, list[dict]]:
    path = tmp_path / "glossary.json"
    shutil.copy(FIXTURES / "glossary.json", path)
    return path, json.loads(path.read_text(encoding="utf-8"))


def write(path: Path, entries: list[dict]) -> None:
    path.write_text(json.dumps(entries, ensure_ascii=False, indent=2), encoding="utf-8")


def edit(entries: list[dict], slug: str) -> dict:
    (entry,) = [entry for entry in entries if entry["slug"] == slug]
    return entry


@pytest.fixture
def loaded_glossary(documents):
    load_glossary()
    return documents


def test_it_loads_seventy_entries_with_their_aliases_and_short_forms(documents):
    report = load_glossary()

    assert sorted(report.created) == sorted(entry["slug"] for entry in GLOSSARY)
    assert report.updated == [] and report.unchanged == []
    assert GlossaryEntry.objects.count() == 70
    for data in GLOSSARY:
        entry = GlossaryEntry.objects.get(slug=data["slug"])
        assert (entry.kind, entry.name, entry.summary) == (
            data["kind"],
            data["name"],
            data["summary"],
        )
        assert entry.other_names == data["other_names"]
        assert (entry.wikidata, entry.born, entry.died) == (
            data["wikidata"] or "",
            data["born"] or "",
            data["died"] or "",
        )
        assert (entry.latitude, entry.longitude) == (data["latitude"], data["longitude"])
        assert set(entry.aliases.values_list("text", "is_short")) == {
            *((text, False) for text in data["aliases"]),
            *((text, True) for text in data["short_forms"]),
        }


def test_the_stored_entries_pass_model_validation(loaded_glossary):
    for entry in GlossaryEntry.objects.all():
        entry.full_clean()


def test_it_stores_the_mentions_of_all_three_documents(documents):
    assert Mention.objects.count() == 0, "load_documents alone has no glossary to match"

    load_glossary()

    aliases = list(Alias.objects.values_list("entry_id", "text", "is_short"))
    for document in Document.objects.all():
        stored = list(
            Mention.objects.filter(document=document).values_list("start", "end", "entry_id")
        )
        assert len(stored) > 50, document.slug
        assert stored == [tuple(m) for m in find_mentions(document.text, aliases)]
    assert_mentions_are_current()
    assert mentions_of("stalin-and-korean-war", "incheon") == ["Incheon", "Incheon"]
    assert "Kim II Sung" in mentions_of("stalins-hot-war", "kim-il-sung")


def test_a_second_load_changes_nothing(loaded_glossary):
    before = snapshot()

    report = load_glossary()

    assert report.created == [] and report.updated == []
    assert len(report.unchanged) == 70
    assert snapshot() == before


def test_a_new_alias_is_matched_after_recomputation(loaded_glossary):
    document = Document.objects.get(slug="stalin-and-korean-war")
    stalin = GlossaryEntry.objects.get(slug="joseph-stalin")
    before = Mention.objects.filter(document=document).count()

    Alias.objects.create(entry=stalin, text="Soviet dictator")
    counts = recompute_mentions()

    start = document.text.index("Soviet dictator")
    mention = Mention.objects.get(document=document, start=start)
    assert (mention.entry, mention.end) == (stalin, start + len("Soviet dictator"))
    assert counts["stalin-and-korean-war"] == before + 1
    assert Mention.objects.filter(document=document).count() == before + 1
    assert_mentions_are_current()


def test_the_mentions_of_a_removed_alias_disappear(loaded_glossary):
    pantsov = GlossaryEntry.objects.get(slug="alexander-pantsov")
    slug = "korean-war-view-from-the-other-side"
    assert mentions_of(slug, "alexander-pantsov") == ["Alexander V. Pantsov", "Pantsov"]
    others = [m for m in mentions_snapshot(with_ids=False) if m["entry__slug"] != pantsov.slug]

    Alias.objects.filter(entry=pantsov, text="Pantsov").delete()
    recompute_mentions()

    assert mentions_of(slug, "alexander-pantsov") == ["Alexander V. Pantsov"]
    Alias.objects.filter(entry=pantsov).delete()
    recompute_mentions()
    assert not Mention.objects.filter(entry=pantsov).exists()
    assert [
        m for m in mentions_snapshot(with_ids=False) if m["entry__slug"] != pantsov.slug
    ] == others


def test_an_alias_added_then_removed_leaves_the_mentions_as_they_were(loaded_glossary):
    before = mentions_snapshot(with_ids=False)
    alias = Alias.objects.create(
        entry=GlossaryEntry.objects.get(slug="korea"), text="Korean", is_short=False
    )
    recompute_mentions()
    assert len(mentions_snapshot(with_ids=False)) > len(before)

    alias.delete()
    recompute_mentions()

    assert mentions_snapshot(with_ids=False) == before


def copy_document_fixtures(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURES / "documents", tmp_path / "documents")
    shutil.copy(FIXTURES / "documents.json", tmp_path / "documents.json")
    return tmp_path / "documents.json"


def test_a_changed_text_gets_its_mentions_recomputed_at_the_new_revision(db, tmp_path):
    path = copy_document_fixtures(tmp_path)
    load_documents(path)
    load_glossary()
    slug = "stalin-and-korean-war"
    others = [m for m in mentions_snapshot() if m["document__slug"] != slug]
    text_file = tmp_path / "documents" / f"{slug}.txt"
    text_file.write_text(
        text_file.read_text(encoding="utf-8").replace(
            "The landing did not come", "As Trygve Lie knew, the landing did not come"
        ),
        encoding="utf-8",
    )

    report = load_documents(path)

    assert report.updated == [slug]
    document = Document.objects.get(slug=slug)
    assert document.revision == 2
    mentions = Mention.objects.filter(document=document)
    assert set(mentions.values_list("revision", flat=True)) == {2}
    start = document.text.index("Trygve Lie")
    assert mentions.get(start=start).entry.slug == "trygve-lie"
    # The mentions after the insertion moved with the text.
    assert mentions_of(slug, "pak-hon-yong") == ["Pak Hon-yong"]
    assert_mentions_are_current()
    assert [m for m in mentions_snapshot() if m["document__slug"] != slug] == others


def test_an_unchanged_document_load_keeps_its_mentions(loaded_glossary):
    before = mentions_snapshot()

    load_documents()

    assert mentions_snapshot() == before


def test_an_edited_summary_updates_just_that_entry(loaded_glossary, tmp_path):
    path, entries = copy_glossary(tmp_path)
    edit(entries, "seoul")["summary"] = "The capital of South Korea. It changed hands four times."
    write(path, entries)
    entries_before, aliases_before, mentions_before = snapshot()

    report = load_glossary(path)

    assert report.updated == ["seoul"]
    assert report.created == [] and len(report.unchanged) == 69
    seoul = GlossaryEntry.objects.get(slug="seoul")
    assert seoul.summary == "The capital of South Korea. It changed hands four times."
    assert [e for e in entries_snapshot() if e["slug"] != "seoul"] == [
        e for e in entries_before if e["slug"] != "seoul"
    ]
    assert aliases_snapshot() == aliases_before
    assert mentions_snapshot(with_ids=False) == [
        {k: v for k, v in m.items() if k != "id"} for m in mentions_before
    ]


def test_an_edited_alias_updates_just_that_entry_and_its_mentions(loaded_glossary, tmp_path):
    path, entries = copy_glossary(tmp_path)
    edit(entries, "trygve-lie")["aliases"] = ["Secretary-General Trygve Lie"]
    write(path, entries)
    entries_before = entries_snapshot()
    aliases_before = aliases_snapshot()
    assert mentions_of("stalins-hot-war", "trygve-lie") == ["Trygve Lie"]

    report = load_glossary(path)

    assert report.updated == ["trygve-lie"] and len(report.unchanged) == 69
    assert list(Alias.objects.filter(entry__slug="trygve-lie").values_list("text", flat=True)) == [
        "Secretary-General Trygve Lie"
    ]
    trygve_lie = GlossaryEntry.objects.get(slug="trygve-lie").pk
    assert [a for a in aliases_snapshot() if a["entry_id"] != trygve_lie] == [
        a for a in aliases_before if a["entry_id"] != trygve_lie
    ]
    assert [e for e in entries_snapshot() if e["id"] != trygve_lie] == [
        e for e in entries_before if e["id"] != trygve_lie
    ]
    assert mentions_of("stalins-hot-war", "trygve-lie") == ["Secretary-General Trygve Lie"]
    assert_mentions_are_current()


def test_a_short_form_can_become_a_full_alias(loaded_glossary, tmp_path):
    path, entries = copy_glossary(tmp_path)
    soviet_union = edit(entries, "soviet-union")
    soviet_union["short_forms"] = []
    soviet_union["aliases"].append("Russia")
    write(path, entries)

    report = load_glossary(path)

    assert report.updated == ["soviet-union"]
    assert set(
        Alias.objects.filter(entry__slug="soviet-union").values_list("text", "is_short")
    ) == {("Soviet Union", False), ("USSR", False), ("Russia", False)}
    # As a full alias, the "Russia" of the caption before "Soviet Union" is named counts.
    assert "Russia" in mentions_of("korean-war-view-from-the-other-side", "soviet-union")


def test_an_alias_can_move_from_one_entry_to_another(loaded_glossary, tmp_path):
    # "Security Counsel" (sic) fixed to name the UN rather than its Security Council.
    path, entries = copy_glossary(tmp_path)
    edit(entries, "un-security-council")["aliases"].remove("Security Counsel")
    edit(entries, "united-nations")["aliases"].append("Security Counsel")
    write(path, entries)

    report = load_glossary(path)

    assert sorted(report.updated) == ["un-security-council", "united-nations"]
    assert Alias.objects.get(text="Security Counsel").entry.slug == "united-nations"
    assert "Security Counsel" in mentions_of("stalins-hot-war", "united-nations")


BAD_EDITS = {
    "unknown kind": lambda entry: entry.update(kind="battle"),
    "no kind": lambda entry: entry.pop("kind"),
    "empty aliases": lambda entry: entry.update(aliases=[]),
    "no aliases": lambda entry: entry.pop("aliases"),
    "only short forms": lambda entry: entry.update(aliases=[], short_forms=["Trygve"]),
    "empty summary": lambda entry: entry.update(summary=""),
    "blank summary": lambda entry: entry.update(summary="  \n "),
    "null summary": lambda entry: entry.update(summary=None),
    "no summary": lambda entry: entry.pop("summary"),
}


@pytest.mark.parametrize("bad_edit", BAD_EDITS.values(), ids=BAD_EDITS)
def test_an_inconsistent_fixture_is_refused_and_changes_nothing(
    loaded_glossary, tmp_path, bad_edit
):
    path, entries = copy_glossary(tmp_path)
    # A good edit early in the file, the bad one late: nothing of either may be stored.
    entries[0]["summary"] = "A changed summary that must not be stored."
    entries.append({**edit(entries, "trygve-lie"), "slug": "new-entry", "aliases": ["Lie"]})
    bad_edit(edit(entries, "trygve-lie"))
    write(path, entries)
    before = snapshot()

    with pytest.raises(FixtureError, match="trygve-lie"):
        load_glossary(path)

    assert snapshot() == before


def test_an_inconsistent_fixture_leaves_an_empty_glossary_empty(documents, tmp_path):
    path, entries = copy_glossary(tmp_path)
    entries[-1]["kind"] = "battle"
    write(path, entries)

    with pytest.raises(FixtureError):
        load_glossary(path)

    assert not GlossaryEntry.objects.exists()
    assert not Alias.objects.exists()
    assert not Mention.objects.exists()


def test_the_load_glossary_command_reports_what_it_did(documents):
    out = StringIO()
    call_command("load_glossary", stdout=out)
    call_command("load_glossary", stdout=out)

    assert out.getvalue().splitlines() == [
        "Glossary entries: 70 created, 0 updated, 0 unchanged.",
        "Glossary entries: 0 created, 0 updated, 70 unchanged.",
    ]


def test_the_match_glossary_command_reports_the_mentions_per_document(loaded_glossary):
    before = mentions_snapshot(with_ids=False)
    out = StringIO()

    call_command("match_glossary", stdout=out)

    expected = {
        f"{document.slug}: {document.mentions.count()} mentions"
        for document in Document.objects.all()
    }
    assert set(out.getvalue().splitlines()) == expected
    assert len(expected) == 3
    assert mentions_snapshot(with_ids=False) == before


def test_the_match_glossary_command_picks_up_a_new_alias(loaded_glossary):
    counts = {d.slug: d.mentions.count() for d in Document.objects.all()}
    Alias.objects.create(entry=GlossaryEntry.objects.get(slug="joseph-stalin"), text="dictator")
    out = StringIO()

    call_command("match_glossary", stdout=out)

    counts["stalin-and-korean-war"] += 1
    assert set(out.getvalue().splitlines()) == {
        f"{slug}: {count} mentions" for slug, count in counts.items()
    }
