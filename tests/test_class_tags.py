"""The class's tags for its teachers (/classes/<id>/tags/): counts, a rename and a merge
for the class alone (taggit's Tag rows are shared by the whole site), and the class's
suggested tags. Every change is counted: no tag lost, none there twice."""

import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from annotations.class_tags import merge_tags
from annotations.models import Highlight, Tag, TaggedHighlight
from annotations.writes import create_highlight
from tests.helpers import HTMX, PHRASE, add_assignment, partial_html, place, selection

SECOND = "Incheon landing"
THIRD = "Gimpo airfield"
OTHER_PHRASE = "the Soviet dictator liked to work at night"


def tags_url(classroom) -> str:
    return f"/classes/{classroom.pk}/tags/"


def rename_url(classroom, tag) -> str:
    return f"/classes/{classroom.pk}/tags/{tag.pk}/rename/"


def merge_url(classroom, tag) -> str:
    return f"/classes/{classroom.pk}/tags/{tag.pk}/merge/"


def tag(name: str) -> Tag:
    return Tag.objects.get(name=name)


def taggings() -> list[tuple[int, str]]:
    """Every tagging on the site, as (highlight, tag name)."""
    return sorted(TaggedHighlight.objects.values_list("content_object_id", "tag__name"))


def tags_of(highlight) -> list[str]:
    return sorted(Highlight.objects.get(pk=highlight.pk).tags.names())


def state() -> tuple:
    return taggings(), sorted(Tag.objects.values_list("pk", "name", "slug"))


@pytest.fixture
def work(assignment, student, classmate, other_classroom, other_student, make_highlight):
    """History 101's work with tags, and the same tags elsewhere: History 102's work, and
    the student's own highlight outside assignments."""
    other_assignment = add_assignment(other_classroom, documents=assignment.documents.all())
    return {
        "both": make_highlight(
            student, PHRASE, tags=["evidence", "proof"], assignment=assignment, visibility="class"
        ),
        "evidence": make_highlight(classmate, SECOND, tags=["evidence"], assignment=assignment),
        "motive": make_highlight(classmate, THIRD, tags=["motive"], assignment=assignment),
        "elsewhere": make_highlight(
            other_student, PHRASE, tags=["evidence", "proof"], assignment=other_assignment
        ),
        "own": make_highlight(student, OTHER_PHRASE, tags=["evidence"]),
    }


# The page


def test_it_lists_the_tags_on_the_classs_work_with_counts(client, teacher, classroom, work):
    client.force_login(teacher)

    response = client.get(tags_url(classroom))

    html = response.content.decode()
    assert response.status_code == 200
    rows = [
        (tag.name, tag.uses) for tag in response.context["tags"]
    ]  # the other class's and the student's own highlights are not counted
    assert rows == [("evidence", 2), ("motive", 1), ("proof", 1)]
    assert f'href="{rename_url(classroom, tag("evidence"))}"' in html
    assert f'href="{merge_url(classroom, tag("motive"))}"' in html
    assert '<label for="id_suggested_tags">Suggested tags</label>' in html


def test_the_class_page_links_to_its_tags_for_its_teacher(client, teacher, student, classroom):
    link = f'<a href="{tags_url(classroom)}">Tags</a>'
    client.force_login(teacher)
    assert link in client.get(f"/classes/{classroom.pk}/").content.decode()

    client.force_login(student)
    assert link not in client.get(f"/classes/{classroom.pk}/").content.decode()


@pytest.mark.parametrize("kind", ["list", "rename", "merge"])
def test_only_the_classs_teacher_may_see_it(
    client, classroom, work, student, outsider, other_teacher, kind
):
    url = {
        "list": tags_url(classroom),
        "rename": rename_url(classroom, tag("evidence")),
        "merge": merge_url(classroom, tag("evidence")),
    }[kind]
    assert client.get(url).url.startswith("/accounts/login/?next=")
    client.force_login(student)
    assert client.get(url).status_code == 403
    for person in (outsider, other_teacher):
        client.force_login(person)
        assert client.get(url).status_code == 404


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_it_refuses_other_methods(client, teacher, classroom, work, method):
    client.force_login(teacher)
    for url in (tags_url(classroom), rename_url(classroom, tag("evidence"))):
        assert getattr(client, method)(url).status_code == 405


def test_it_serves_htmx_the_form_alone(client, teacher, classroom, work):
    client.force_login(teacher)

    html = partial_html(client.get(rename_url(classroom, tag("evidence")), headers=HTMX))

    assert '<label for="id_new_name">New name</label>' in html


def test_it_counts_the_tags_in_a_constant_number_of_queries(
    client, teacher, classroom, assignment, student, document, django_assert_max_num_queries
):
    for n in range(30):
        start = n * 40
        highlight = Highlight.objects.create(
            owner=student,
            document=document,
            revision=document.revision,
            start=start,
            end=start + 5,
            exact=document.text[start : start + 5],
            assignment=assignment,
        )
        highlight.tags.set([f"tag {n}", "evidence"])
    client.force_login(teacher)

    # The header's badge asks only whether the teacher has anything new: nothing, so no
    # rules, lookups or count for it (7 queries when it counted on every page).
    with django_assert_max_num_queries(5):
        response = client.get(tags_url(classroom))

    assert len(response.context["tags"]) == 31


def test_an_archived_class_is_read_only(client, teacher, classroom, work):
    classroom.archived = timezone.now()
    classroom.save()
    client.force_login(teacher)
    before = state()

    page = client.get(tags_url(classroom)).content.decode()
    renamed = client.post(rename_url(classroom, tag("evidence")), {"new_name": "proof"})
    merged = client.post(merge_url(classroom, tag("evidence")), {"into": tag("proof").pk})
    saved = client.post(tags_url(classroom), {"suggested_tags": "motive"})

    assert "its tags can be read, not changed" in page
    assert "Rename" not in page
    assert (renamed.status_code, merged.status_code, saved.status_code) == (403, 403, 403)
    assert state() == before


# Renaming


def test_a_rename_retags_the_classs_work_alone(client, teacher, classroom, work):
    client.force_login(teacher)
    count, tag_count = len(taggings()), Tag.objects.count()

    response = client.post(rename_url(classroom, tag("motive")), {"new_name": "cause"})

    assert response.status_code == 302
    assert response.url == tags_url(classroom)
    assert tags_of(work["motive"]) == ["cause"]
    assert not Tag.objects.filter(name="motive").exists()  # nobody uses it any more
    assert (len(taggings()), Tag.objects.count()) == (count, tag_count)
    message = "“motive” renamed “cause” on 1 highlight of this class."
    assert message in client.get(response.url).content.decode()


def test_a_rename_leaves_the_tag_elsewhere_as_it_was(client, teacher, classroom, work):
    client.force_login(teacher)
    before = taggings()
    count, tag_count = len(before), Tag.objects.count()

    response = client.post(rename_url(classroom, tag("evidence")), {"new_name": "  Source   text "})

    assert response.status_code == 302
    assert tags_of(work["both"]) == ["Source text", "proof"]
    assert tags_of(work["evidence"]) == ["Source text"]
    assert tags_of(work["elsewhere"]) == ["evidence", "proof"]  # another class's
    assert tags_of(work["own"]) == ["evidence"]  # the student's own, outside assignments
    assert (len(taggings()), Tag.objects.count()) == (count, tag_count + 1)
    moved = {(pk, "Source text") for pk, name in before if name == "evidence"}
    assert set(taggings()) - set(before) == moved - {
        (work["elsewhere"].pk, "Source text"),
        (work["own"].pk, "Source text"),
    }
    page = client.get(response.url).content.decode()
    assert "Highlights outside the class&#x27;s work keep “evidence”." in page


def test_a_rename_to_a_name_in_use_is_a_merge(client, teacher, classroom, work):
    """“evidence” renamed “Proof”: the highlight with both ends with one “proof”."""
    client.force_login(teacher)
    count, tag_count = len(taggings()), Tag.objects.count()

    response = client.post(rename_url(classroom, tag("evidence")), {"new_name": "PROOF"})

    assert response.status_code == 302
    assert tags_of(work["both"]) == ["proof"]
    assert tags_of(work["evidence"]) == ["proof"]
    assert tags_of(work["elsewhere"]) == ["evidence", "proof"]
    assert len(taggings()) == count - 1  # the one that had both
    assert Tag.objects.count() == tag_count  # “evidence” is still used elsewhere
    assert not Tag.objects.filter(name="PROOF").exists()
    message = "“evidence” merged into “proof” on 2 highlights of this class."
    assert message in client.get(response.url).content.decode()


def test_a_rename_onto_a_tag_used_only_elsewhere_reuses_it(
    client, teacher, classroom, work, outsider, make_highlight
):
    make_highlight(outsider, PHRASE, tags=["cause"])
    client.force_login(teacher)
    tag_count = Tag.objects.count()

    client.post(rename_url(classroom, tag("motive")), {"new_name": "Cause"})

    assert tags_of(work["motive"]) == ["cause"]
    assert Tag.objects.count() == tag_count - 1  # “motive” went; no second “cause”


def test_a_change_of_case_renames_a_tag_used_in_the_class_alone(client, teacher, classroom, work):
    client.force_login(teacher)
    motive = tag("motive")

    response = client.post(rename_url(classroom, motive), {"new_name": "Motive"})

    assert response.status_code == 302
    assert Tag.objects.get(pk=motive.pk).name == "Motive"
    assert tags_of(work["motive"]) == ["Motive"]


def test_a_change_of_case_of_a_tag_used_elsewhere_is_refused(client, teacher, classroom, work):
    client.force_login(teacher)
    before = state()

    response = client.post(rename_url(classroom, tag("evidence")), {"new_name": "Evidence"})

    assert response.status_code == 422
    assert "is also used outside this class&#x27;s work" in response.content.decode()
    assert state() == before


@pytest.mark.parametrize(
    ("new_name", "message"),
    [
        ("", "Type the tag&#x27;s new name."),
        ("   ", "Type the tag&#x27;s new name."),
        ("x" * 51, "Tags are at most 50 characters"),
        ("x" * 1001, "Ensure this value has at most 1000 characters"),
        ("one, two", "A tag&#x27;s name cannot have a comma"),
        ("<b>bold</b>", "Tags cannot contain &lt; or &gt;."),
        ("---", "is not a tag: a tag needs a letter or a digit."),
        ("evidence", "is its name already"),
        (" evidence ", "is its name already"),
        ("a\x00b", "Null characters are not allowed."),
    ],
)
def test_a_bad_new_name_is_refused_with_a_reason(
    client, teacher, classroom, work, new_name, message
):
    client.force_login(teacher)
    before = state()

    response = client.post(rename_url(classroom, tag("evidence")), {"new_name": new_name})

    assert response.status_code == 422
    html = response.content.decode()
    assert "Nothing was renamed: correct what is marked below." in html
    assert message in html
    assert state() == before


def test_a_tag_not_in_the_class_is_not_found(client, teacher, classroom, work, make_highlight):
    only_elsewhere = Tag.objects.create(name="elsewhere only")
    work["elsewhere"].tags.add(only_elsewhere)
    unused = Tag.objects.create(name="unused")
    client.force_login(teacher)
    before = state()

    for name in ("elsewhere only", "unused"):
        url = rename_url(classroom, tag(name))
        assert client.get(url).status_code == 404
        assert client.post(url, {"new_name": "mine now"}).status_code == 404
    assert client.get(f"/classes/{classroom.pk}/tags/0/rename/").status_code == 404
    assert client.get(f"/classes/{classroom.pk}/tags/{2**63}/merge/").status_code == 404
    assert state() == before
    assert unused.pk


def test_a_rename_does_not_count_as_a_students_new_tag(
    settings, client, teacher, student, classroom, work, document
):
    """NEW_TAGS_PER_DAY caps the tags an account makes; a teacher's rename makes one for
    the class, and a student using it after has made nothing new."""
    settings.NEW_TAGS_PER_DAY = 1
    client.force_login(teacher)
    client.post(rename_url(classroom, tag("motive")), {"new_name": "fresh"})
    client.post(rename_url(classroom, tag("proof")), {"new_name": "fresher"})
    client.force_login(student)
    create = f"/documents/{document.slug}/highlights/new/"

    uses = client.post(create, selection(document, "Moscow", tags="fresh, fresher, brand new"))

    assert uses.status_code == 302  # one new tag of their own: within the cap
    refused = client.post(create, selection(document, "Pyongyang", tags="newer still"))
    assert refused.status_code == 429


# Merging


def test_a_merge_retags_the_classs_work_with_no_tag_twice(client, teacher, classroom, work):
    client.force_login(teacher)
    count, tag_count = len(taggings()), Tag.objects.count()

    response = client.post(merge_url(classroom, tag("proof")), {"into": tag("evidence").pk})

    assert response.status_code == 302
    assert tags_of(work["both"]) == ["evidence"]  # had both: one
    assert tags_of(work["evidence"]) == ["evidence"]
    assert tags_of(work["elsewhere"]) == ["evidence", "proof"]
    assert len(taggings()) == count - 1
    assert Tag.objects.count() == tag_count  # “proof” is still used in History 102
    message = "“proof” merged into “evidence” on 1 highlight of this class."
    assert message in client.get(response.url).content.decode()


def test_a_merge_deletes_a_tag_nobody_uses_any_more(client, teacher, classroom, work):
    client.force_login(teacher)
    count, tag_count = len(taggings()), Tag.objects.count()

    client.post(merge_url(classroom, tag("motive")), {"into": tag("evidence").pk})

    assert tags_of(work["motive"]) == ["evidence"]
    assert not Tag.objects.filter(name="motive").exists()
    assert (len(taggings()), Tag.objects.count()) == (count, tag_count - 1)


def test_the_merge_offers_the_classs_other_tags(client, teacher, classroom, work):
    client.force_login(teacher)

    html = client.get(merge_url(classroom, tag("motive"))).content.decode()

    assert '<label for="id_into">Merge into</label>' in html
    assert f'<option value="{tag("evidence").pk}">evidence</option>' in html
    assert f'<option value="{tag("proof").pk}">proof</option>' in html
    assert f'<option value="{tag("motive").pk}">' not in html


@pytest.mark.parametrize(
    ("into", "message"),
    [
        (lambda: "", "Choose the tag to merge it into."),
        (lambda: tag("motive").pk, "That tag is not used in this class&#x27;s work"),
        (lambda: Tag.objects.create(name="elsewhere").pk, "That tag is not used in this class"),
        (lambda: "evidence", "That tag is not used in this class"),
        (lambda: "99999999999999999999", "That tag is not used in this class"),
        (lambda: "-1", "That tag is not used in this class"),
    ],
)
def test_a_bad_merge_is_refused_with_a_reason(client, teacher, classroom, work, into, message):
    client.force_login(teacher)
    data = {"into": into()}
    before = state()

    response = client.post(merge_url(classroom, tag("motive")), data)

    assert response.status_code == 422
    html = response.content.decode()
    assert "Nothing was merged: correct what is marked below." in html
    assert message in html
    assert state() == before


def test_a_merge_waits_for_an_edit_of_a_highlight_it_retags(
    transactional_db, classroom, student, classmate, assignment, make_highlight
):
    """A student saves their highlight (tagged “proof” and “evidence”) keeping only
    “proof” while the teacher merges “proof” into “evidence”: the merge waits for the
    save, then merges what it saved. Without the lock the merge would run on what was
    there before, and the save leave “proof” behind, unmerged."""
    edited = make_highlight(student, PHRASE, tags=["proof", "evidence"], assignment=assignment)
    make_highlight(classmate, SECOND, tags=["proof"], assignment=assignment)
    proof, evidence = tag("proof"), tag("evidence")
    merged = []

    def merge() -> None:
        try:
            merged.append(merge_tags(classroom=classroom, tag=proof, into=evidence))
        finally:
            connection.close()

    merging = threading.Thread(target=merge)
    with transaction.atomic():  # the student's save, as writes.update_highlight makes it
        edited.save(update_fields=["updated"])
        merging.start()
        merging.join(timeout=1)
        assert merging.is_alive(), "the merge did not wait for the save"
        edited.tags.set(["proof"])
    merging.join(timeout=10)

    assert merged[0].highlights == 2
    assert tags_of(edited) == ["evidence"]
    assert list(Tag.objects.values_list("name", flat=True)) == ["evidence"]
    assert len(taggings()) == 2


def test_a_merge_waits_for_a_new_highlight_with_the_tag(
    transactional_db, classroom, student, classmate, assignment, document, make_highlight
):
    """A student saves a new highlight tagged “proof” while the teacher merges “proof”
    into “evidence”: the merge waits for the save (which locked the tag it found), then
    merges it too. Without the lock the merge would delete “proof”, which it saw nobody
    use, and the save fail as it committed."""
    make_highlight(classmate, SECOND, tags=["proof", "evidence"], assignment=assignment)
    proof, evidence = tag("proof"), tag("evidence")
    merged = []

    def merge() -> None:
        try:
            merged.append(merge_tags(classroom=classroom, tag=proof, into=evidence))
        finally:
            connection.close()

    merging = threading.Thread(target=merge)
    with transaction.atomic():
        saved, _ = create_highlight(
            owner=student,
            document=document,
            anchor=place(document, PHRASE),
            tags=["proof"],
            assignment=assignment,
        )
        merging.start()
        merging.join(timeout=1)
        assert merging.is_alive(), "the merge did not wait for the save"
    merging.join(timeout=10)

    assert merged[0].highlights == 2
    assert tags_of(saved) == ["evidence"]
    assert list(Tag.objects.values_list("name", flat=True)) == ["evidence"]


# The class's suggested tags


def test_the_teacher_keeps_a_list_of_suggested_tags(client, teacher, classroom, work):
    client.force_login(teacher)

    response = client.post(tags_url(classroom), {"suggested_tags": "cause, Cause,  turning  point"})

    assert response.status_code == 302
    classroom.refresh_from_db()
    assert classroom.suggested_tags == ["cause", "turning point"]
    assert "The class&#x27;s suggested tags are saved: cause, turning point." in (
        client.get(response.url).content.decode()
    )


def test_bad_suggested_tags_are_refused_with_a_reason(client, teacher, classroom, work):
    client.force_login(teacher)

    response = client.post(tags_url(classroom), {"suggested_tags": "fine, <script>"}, headers=HTMX)

    html = partial_html(response, 422)
    assert "Tags cannot contain &lt; or &gt;." in html
    classroom.refresh_from_db()
    assert classroom.suggested_tags == []


def options(response) -> list[str]:
    html = response.content.decode()
    return [part.split('"')[0] for part in html.split('<option value="')[1:]]


def test_the_classs_tags_come_after_the_assignments_in_the_editor(
    client, student, classroom, assignment, work
):
    classroom.suggested_tags = ["cause", "motive"]
    classroom.save()
    client.force_login(student)

    within = client.get("/tag-suggestions/", {"tags": "", "assignment": assignment.pk})
    outside = client.get("/tag-suggestions/", {"tags": ""})

    assert options(within)[:3] == ["evidence", "motive", "cause"]
    assert options(outside)[:2] == ["cause", "motive"]


def test_another_classs_suggested_tags_are_not_offered(
    client, student, classroom, other_classroom, work
):
    other_classroom.suggested_tags = ["theirs"]
    other_classroom.save()
    client.force_login(student)

    assert "theirs" not in options(client.get("/tag-suggestions/", {"tags": ""}))
