"""Importing the app's own JSON-LD (docs/EXPORT.md, "Importing").

A file exported, then imported into a server that lost the highlights (or their authors
too), must export again exactly as it was: ids are the highlights' keys and the times
are restored. Importing twice adds nothing; a changed text re-anchors by quote or keeps
the highlight as orphaned; what cannot be imported is reported, never a traceback.
"""

import copy
import io
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import F

from annotations.models import Document, Highlight

SURPRISED = "Stalin was hardly surprised."
NEW_ACCOUNTS = re.compile(r"New accounts \(no password yet\): (.*)\.$", re.MULTILINE)


def export(path) -> dict:
    call_command("export_annotations", "--format", "jsonld", "-o", str(path), stderr=io.StringIO())
    return json.loads(path.read_text(encoding="utf-8"))


def import_file(path) -> str:
    out = io.StringIO()
    call_command("import_annotations", str(path), stdout=out, stderr=io.StringIO())
    return out.getvalue()


def write(path, data) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def summary(created, reanchored=0, orphaned=0, present=0) -> str:
    return (
        f"{created} imported ({reanchored} placed again by their quote, {orphaned} kept as "
        f"orphaned), {present} already present."
    )


def items(data: dict) -> list[dict]:
    """The annotations of an export: on the collection's one page."""
    return data["first"]["items"]


def page(data: dict) -> list[str]:
    return [key for key in data["first"] if key != "items"]


def with_items(data: dict, annotations: list) -> dict:
    """The export with other annotations on its page."""
    return {**data, "first": {**data["first"], "items": annotations}}


def annotation_id(highlight) -> str:
    """Its id in an export by the command (its --base-url by default)."""
    return f"http://127.0.0.1:8000/annotations/{highlight.client_key}"


def differences(before: dict, after: dict) -> list[tuple]:
    """(id, property, before, after) for every top-level property that differs."""
    found = [("collection", key, before[key], after.get(key)) for key in before if key != "first"]
    found += [("page", key, before["first"][key], after["first"].get(key)) for key in page(before)]
    found = [difference for difference in found if difference[2] != difference[3]]
    old = {item["id"]: item for item in items(before)}
    new = {item["id"]: item for item in items(after)}
    found += [(key, "missing after", None, None) for key in old.keys() - new.keys()]
    found += [(key, "new after", None, None) for key in new.keys() - old.keys()]
    for key in old.keys() & new.keys():
        for name in old[key].keys() | new[key].keys():
            if old[key].get(name) != new[key].get(name):
                found.append((key, name, old[key].get(name), new[key].get(name)))
    return found


def unordered_bodies(data: dict) -> dict:
    """The collection with each annotation's bodies in one fixed order.

    The Web Annotation model gives the order of bodies no meaning; tests whose subject
    is not that order compare this way, so that one fault fails one test.
    """
    data = copy.deepcopy(data)
    for item in items(data):
        if isinstance(item.get("body"), list):
            item["body"].sort(key=lambda body: json.dumps(body, sort_keys=True))
    return data


def new_accounts(output: str) -> set[str]:
    found = NEW_ACCOUNTS.search(output)
    return set(found.group(1).split(", ")) if found else set()


def change_text(slug: str, old: str, new: str) -> Document:
    """Correct the text of a document as an editor would: new text, next revision."""
    document = Document.objects.get(slug=slug)
    assert document.text.count(old) == 1
    Document.objects.filter(pk=document.pk).update(
        text=document.text.replace(old, new), revision=F("revision") + 1
    )
    return Document.objects.get(pk=document.pk)


@pytest.fixture
def work(student, classmate, teacher, glossary, documents, make_highlight):
    """Two students' highlights with notes, tags, glossary links and both visibilities."""
    highlights = {
        "surprised": make_highlight(
            student,
            SURPRISED,
            note="The traditionalist view.\nLine two: 한국어 😀",
            tags=["Cold War", "motive"],
            visibility="class",
        ),
        "puppet": make_highlight(
            student, "Kim II Sung, was Stalin's puppet", doc=documents["stalins-hot-war"]
        ),
        "reported": make_highlight(
            classmate, "Kim Il-sung had reported", note='"Reported", he says.', tags=["evidence"]
        ),
        "player": make_highlight(
            classmate,
            "Russia's Stalin was a key player",
            doc=documents["korean-war-view-from-the-other-side"],
            tags=["Cold War"],
            visibility="class",
        ),
    }
    highlights["surprised"].glossary_entries.set(
        [glossary["joseph-stalin"], glossary["kathryn-weathersby"]]
    )
    highlights["reported"].glossary_entries.set([glossary["kim-il-sung"]])
    for days, highlight in enumerate(highlights.values(), start=1):
        created = datetime(2026, 11, days, 9, 15, 3, 123456 + days, tzinfo=UTC)
        Highlight.objects.filter(pk=highlight.pk).update(
            created=created, updated=created + timedelta(minutes=days, microseconds=7)
        )
    return {name: Highlight.objects.get(pk=h.pk) for name, h in highlights.items()}


@pytest.fixture
def exported(work, tmp_path):
    path = tmp_path / "before.jsonld"
    return path, export(path)


# The round trip


@pytest.mark.parametrize("lose_accounts", [False, True], ids=["highlights lost", "accounts lost"])
def test_it_imports_what_it_exported_exactly(work, exported, tmp_path, lose_accounts):
    path, before = exported
    if lose_accounts:
        get_user_model().objects.filter(username__in=["student", "classmate"]).delete()
    else:
        Highlight.objects.all().delete()
    assert not Highlight.objects.exists()

    output = import_file(path)

    assert summary(4) in output
    assert "Not imported" not in output
    after = export(tmp_path / "after.jsonld")
    assert len(items(after)) == 4
    assert differences(before, after) == []
    assert after == before, "the same items, in the same order"


@pytest.mark.parametrize("lose_accounts", [False, True], ids=["highlights lost", "accounts lost"])
def test_it_imports_the_same_annotations_whatever_the_order_of_their_bodies(
    work, exported, tmp_path, lose_accounts
):
    path, before = exported
    if lose_accounts:
        get_user_model().objects.filter(username__in=["student", "classmate"]).delete()
    else:
        Highlight.objects.all().delete()

    import_file(path)

    after = export(tmp_path / "after.jsonld")
    assert differences(unordered_bodies(before), unordered_bodies(after)) == []


FIELDS = [
    "client_key",
    "document_id",
    "revision",
    "start",
    "end",
    "exact",
    "prefix",
    "suffix",
    "note",
    "visibility",
    "anchor_status",
    "created",
    "updated",
]


def state(highlight: Highlight) -> dict:
    """What an import must restore, read from the database."""
    return {
        **{name: getattr(highlight, name) for name in FIELDS},
        "owner": highlight.owner.username,
        "tags": sorted(highlight.tags.names()),
        "entries": sorted(highlight.glossary_entries.values_list("slug", flat=True)),
    }


@pytest.mark.parametrize("lose_accounts", [False, True], ids=["highlights lost", "accounts lost"])
def test_it_restores_every_field_of_the_highlights(work, exported, lose_accounts):
    path, _ = exported
    before = sorted((state(h) for h in Highlight.objects.all()), key=lambda s: str(s["client_key"]))
    assert [s["tags"] for s in before if s["tags"]], "the work has tags to restore"
    if lose_accounts:
        get_user_model().objects.filter(username__in=["student", "classmate"]).delete()
    else:
        Highlight.objects.all().delete()

    import_file(path)

    after = sorted((state(h) for h in Highlight.objects.all()), key=lambda s: str(s["client_key"]))
    assert after == before


def test_it_creates_missing_authors_without_a_password_and_lists_them(work, exported, teacher):
    path, _ = exported
    get_user_model().objects.filter(username__in=["student", "classmate"]).delete()

    output = import_file(path)

    assert new_accounts(output) == {"student", "classmate"}
    student = get_user_model().objects.get(username="student")
    classmate = get_user_model().objects.get(username="classmate")
    assert (student.first_name, student.last_name) == ("Min-jun", "Kim")
    assert (classmate.first_name, classmate.last_name) == ("Sofia", "Alvarez")
    assert not student.has_usable_password()
    assert not classmate.has_usable_password()
    assert get_user_model().objects.get(username="teacher").has_usable_password()


def test_it_lists_no_new_account_when_the_authors_are_here(work, exported):
    path, _ = exported
    Highlight.objects.all().delete()

    output = import_file(path)

    assert new_accounts(output) == set()
    assert "New accounts" not in output


def test_it_adds_nothing_when_imported_twice(work, exported, tmp_path):
    path, before = exported
    Highlight.objects.all().delete()
    import_file(path)

    output = import_file(path)

    assert summary(0, present=4) in output
    assert Highlight.objects.count() == 4
    again = export(tmp_path / "again.jsonld")
    assert differences(unordered_bodies(before), unordered_bodies(again)) == []


def test_it_adds_nothing_when_the_highlights_are_still_here(work, exported):
    path, _ = exported

    output = import_file(path)

    assert summary(0, present=4) in output
    assert Highlight.objects.count() == 4


def test_it_leaves_out_the_assignment_and_nothing_else(
    work, teacher, classroom, documents, tmp_path, make_assignment
):
    assignment = make_assignment(classroom, title="Who started it?", days=3)
    Highlight.objects.filter(pk=work["surprised"].pk).update(assignment=assignment)
    before = export(tmp_path / "before.jsonld")
    Highlight.objects.all().delete()

    import_file(tmp_path / "before.jsonld")

    after = export(tmp_path / "after.jsonld")
    key = annotation_id(work["surprised"])
    expected = copy.deepcopy(before)
    for item in items(expected):
        if item["id"] == key:
            assert item.pop("korea:assignment") == "Who started it?"
    assert differences(unordered_bodies(expected), unordered_bodies(after)) == [], (
        "only the assignment, which the import leaves out, differs"
    )


# A text that changed


def test_it_places_a_highlight_again_by_its_quote(work, exported):
    path, _ = exported
    original = work["surprised"]
    Highlight.objects.all().delete()
    old, new = "troops from the USSR.", "troops from Moscow."
    document = change_text("stalin-and-korean-war", old, new)
    shift = len(new) - len(old)

    output = import_file(path)

    assert summary(4, reanchored=1) in output
    placed = Highlight.objects.get(client_key=original.client_key)
    assert placed.anchor_status == "reanchored"
    assert placed.exact == SURPRISED
    assert placed.start == original.start + shift
    assert placed.end == original.end + shift
    assert document.text[placed.start : placed.end] == SURPRISED
    assert placed.revision == document.revision == original.revision + 1
    assert placed.prefix == document.text[placed.start - 32 : placed.start]
    assert "Moscow." in placed.prefix
    assert placed.note == original.note
    before = Highlight.objects.get(client_key=work["reported"].client_key)
    assert before.start == work["reported"].start, "before the change, nothing moves"


def test_it_keeps_a_highlight_whose_quote_is_gone_as_orphaned(work, exported, tmp_path):
    path, _ = exported
    original = work["surprised"]
    Highlight.objects.all().delete()
    change_text("stalin-and-korean-war", SURPRISED, "Stalin was not surprised at all.")

    output = import_file(path)

    assert summary(4, orphaned=1) in output
    orphan = Highlight.objects.get(client_key=original.client_key)
    assert orphan.anchor_status == "orphaned"
    assert orphan.exact == SURPRISED
    assert orphan.note == original.note
    assert sorted(orphan.tags.names()) == ["Cold War", "motive"]
    assert orphan.created == original.created
    assert Highlight.objects.visible_to(orphan.owner).filter(pk=orphan.pk).exists()
    after = {item["id"]: item for item in items(export(tmp_path / "after.jsonld"))}
    assert after[annotation_id(original)]["korea:anchorStatus"] == "orphaned"


# What cannot be imported is reported


def test_it_reports_an_unknown_article_and_an_unknown_entry_and_imports_the_rest(
    work, exported, tmp_path
):
    _, data = exported
    by_id = {item["id"]: item for item in items(data)}
    lost = by_id[annotation_id(work["puppet"])]
    lost["target"]["source"] = "http://127.0.0.1:8000/documents/no-such-article/"
    linked = by_id[annotation_id(work["surprised"])]
    for body in linked["body"]:
        if body.get("source", "").endswith("/glossary/kathryn-weathersby/"):
            body["source"] = "http://127.0.0.1:8000/glossary/no-such-entry/"
    path = tmp_path / "changed.jsonld"
    write(path, data)
    Highlight.objects.all().delete()

    output = import_file(path)

    assert summary(3) in output
    problems = [line for line in output.splitlines() if line.startswith("Not imported")]
    assert len(problems) == 2
    assert any("no-such-article" in line for line in problems)
    assert any("no-such-entry" in line for line in problems)
    assert not Highlight.objects.filter(client_key=work["puppet"].client_key).exists()
    surprised = Highlight.objects.get(client_key=work["surprised"].client_key)
    assert list(surprised.glossary_entries.values_list("slug", flat=True)) == ["joseph-stalin"]
    assert surprised.note == work["surprised"].note
    assert Highlight.objects.count() == 3


def test_it_lists_only_the_accounts_it_kept(work, exported, tmp_path):
    """An author whose only annotation could not be imported has no account to list."""
    _, data = exported
    ghost = copy.deepcopy(items(data)[0])
    ghost["id"] = "urn:uuid:00000000-0000-4000-8000-000000000001"
    ghost["creator"] = {"id": "http://x/users/ghost", "type": "Person", "nickname": "ghost"}
    ghost["target"]["source"] = "http://127.0.0.1:8000/documents/no-such-article/"
    newcomer = copy.deepcopy(items(data)[0])
    newcomer["id"] = "urn:uuid:00000000-0000-4000-8000-000000000002"
    newcomer["creator"] = {
        "id": "http://x/users/newcomer",
        "type": "Person",
        "nickname": "newcomer",
        "name": "New Comer",
    }
    path = tmp_path / "people.jsonld"
    write(path, with_items(data, [ghost, newcomer]))

    output = import_file(path)

    assert summary(1) in output
    listed = new_accounts(output)
    assert "newcomer" in listed
    existing = set(get_user_model().objects.values_list("username", flat=True))
    assert listed <= existing, "every account listed as new exists"
    assert ("ghost" in existing) == ("ghost" in listed)


# Malformed files


@pytest.mark.parametrize(
    "content",
    [
        "this is not JSON {",
        "",
        '{"type": "AnnotationCollection"}',
        '{"type": "AnnotationCollection", "items": "none"}',
        '{"type": "AnnotationCollection", "first": {"items": "none"}}',
        "42",
        '"items"',
        b"\xff\xfe not UTF-8",
    ],
    ids=[
        "not json",
        "empty",
        "no items",
        "items not a list",
        "page items not a list",
        "a number",
        "a string",
        "binary",
    ],
)
def test_it_refuses_a_file_that_is_not_a_collection(db, tmp_path, content):
    path = tmp_path / "bad.jsonld"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")

    with pytest.raises(CommandError, match="Cannot read"):
        import_file(path)

    assert not Highlight.objects.exists()


def test_it_refuses_a_file_that_is_not_there(db, tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        import_file(tmp_path / "missing.jsonld")


def broken(item: dict, case: str):
    item = copy.deepcopy(item)
    if case == "no id":
        del item["id"]
    elif case == "not a uuid":
        item["id"] = "urn:uuid:not-a-uuid"
    elif case == "another tool's id":
        item["id"] = "https://example.org/annotations/1"
    elif case == "no target":
        del item["target"]
    elif case == "no quote":
        item["target"]["selector"] = [s for s in item["target"]["selector"] if "exact" not in s]
    elif case == "no creator":
        del item["creator"]
    elif case == "bad time":
        item["created"] = "yesterday"
    elif case == "markup in a tag":
        item["body"] = [*item.get("body", []), {"type": "TextualBody", "purpose": "tagging",
                                               "value": "<b>x</b>"}]  # fmt: skip
    elif case == "a tag too long":
        item["body"] = [*item.get("body", []), {"type": "TextualBody", "purpose": "tagging",
                                               "value": "x" * 60}]  # fmt: skip
    elif case == "markup in the note":
        item["body"] = [*item.get("body", []), {"type": "TextualBody", "purpose": "commenting",
                                               "value": "<script>alert(1)</script>"}]  # fmt: skip
    elif case == "not an object":
        item = "an annotation"
    elif case == "null":
        item = None
    return item


BROKEN = [
    "no id",
    "not a uuid",
    "another tool's id",
    "no target",
    "no quote",
    "no creator",
    "bad time",
    # What the editor refuses, a file may not bring in.
    "markup in a tag",
    "a tag too long",
    "markup in the note",
    "not an object",
    "null",
]


@pytest.mark.parametrize("case", BROKEN)
def test_it_reports_a_broken_annotation_and_imports_the_rest(work, exported, tmp_path, case):
    _, data = exported
    first, *rest = items(data)
    path = tmp_path / "broken.jsonld"
    write(path, with_items(data, [broken(first, case), *rest]))
    Highlight.objects.all().delete()

    output = import_file(path)

    assert summary(3) in output
    problems = [line for line in output.splitlines() if line.startswith("Not imported")]
    assert len(problems) == 1
    assert problems[0].startswith("Not imported: annotation 1")
    assert Highlight.objects.count() == 3
    assert "Traceback" not in output


def test_it_reports_an_annotation_without_an_id_clearly(work, exported, tmp_path):
    _, data = exported
    first, *rest = items(data)
    path = tmp_path / "no-id.jsonld"
    write(path, with_items(data, [broken(first, "no id"), *rest]))
    Highlight.objects.all().delete()

    output = import_file(path)

    assert (
        "Not imported: annotation 1: its id '' is not a Korea Reader annotation's id "
        "(https://<server>/annotations/<uuid>, or urn:uuid:<uuid>)"
    ) in output


def test_it_imports_a_plain_list_of_annotations(work, exported, tmp_path):
    _, data = exported
    path = tmp_path / "list.jsonld"
    write(path, items(data))
    Highlight.objects.all().delete()

    output = import_file(path)

    assert summary(4) in output


def test_it_imports_a_file_from_before_issue_18_by_its_urn_uuid_ids(work, exported, tmp_path):
    """Then a collection held its annotations itself, and their ids were urn:uuid:."""
    path, data = exported
    old = [{**item, "id": "urn:uuid:" + item["id"].rpartition("/")[2]} for item in items(data)]
    write(path.with_name("old.jsonld"), {"type": "AnnotationCollection", "items": old})
    Highlight.objects.all().delete()

    assert summary(4) in import_file(path.with_name("old.jsonld"))

    assert differences(data, export(tmp_path / "after.jsonld")) == []
    assert summary(0, present=4) in import_file(path), "the same annotations, by either id"


def test_it_knows_an_annotation_by_its_id_from_another_server(work, exported, tmp_path):
    path, data = exported
    moved = json.loads(
        json.dumps(data).replace("http://127.0.0.1:8000/", "https://old.example.org/")
    )
    write(path.with_name("moved.jsonld"), moved)

    assert summary(0, present=4) in import_file(path.with_name("moved.jsonld"))


# Whose the highlights become, and what the file may say (issue 15, finding 9)


def import_with(path, *options) -> str:
    out = io.StringIO()
    call_command("import_annotations", str(path), *options, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_it_refuses_to_put_highlights_in_a_teachers_name(work, teacher, tmp_path, make_highlight):
    make_highlight(teacher, "the Soviet dictator liked to work at night", note="Mine")
    path = tmp_path / "with-teacher.jsonld"
    export(path)
    Highlight.objects.all().delete()

    output = import_with(path)

    assert summary(4) in output
    assert "'teacher' is a teacher's or staff account here" in output
    assert not Highlight.objects.filter(owner=teacher).exists()
    Highlight.objects.all().delete()
    assert summary(5) in import_with(path, "--allow-privileged")
    assert Highlight.objects.filter(owner=teacher, note="Mine").exists()


def test_it_gives_every_highlight_to_the_account_named_with_as(work, exported, outsider):
    path, _ = exported
    Highlight.objects.all().delete()

    assert summary(4) in import_with(path, "--as", outsider.username)

    assert set(Highlight.objects.values_list("owner__username", flat=True)) == {"outsider"}


def test_it_maps_authors_with_an_owners_file_and_reports_the_rest(
    work, exported, outsider, tmp_path
):
    path, _ = exported
    owners = tmp_path / "owners.json"
    owners.write_text(json.dumps({"student": outsider.username}), encoding="utf-8")
    Highlight.objects.all().delete()

    output = import_with(path, "--owners", str(owners))

    assert summary(2) in output  # the student's two; the classmate is not in the file
    assert output.count("its author 'classmate' is not in the owners file") == 2
    assert set(Highlight.objects.values_list("owner__username", flat=True)) == {"outsider"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"korea:visibility": "everyone"}, "korea:visibility is 'everyone', not one of"),
        ({"korea:hidden": "yes"}, "korea:hidden is 'yes', not true or false"),
        (
            {"body": [{"type": "TextualBody", "purpose": "commenting", "value": "x" * 6000}]},
            "refused by the database",
        ),
    ],
    ids=["visibility", "hidden", "too long for a constraint"],
)
def test_a_row_the_rules_refuse_is_reported_and_the_rest_imported(
    work, exported, tmp_path, change, message
):
    _, data = exported
    first, *rest = items(data)
    path = tmp_path / "bad-row.jsonld"
    write(path, with_items(data, [{**first, **change}, *rest]))
    Highlight.objects.all().delete()

    output = import_file(path)

    assert summary(3) in output
    assert f"Not imported: annotation 1: {message}" in output or message in output
    assert Highlight.objects.count() == 3


def test_it_refuses_a_file_larger_than_it_imports_at_once(exported, monkeypatch):
    path, _ = exported
    monkeypatch.setattr("annotations.management.commands.import_annotations.MAX_IMPORT_BYTES", 100)
    with pytest.raises(CommandError, match="at most 100 are imported at once"):
        import_file(path)
