"""A class over a term: its settings, removing a student, editing and deleting an
assignment, archiving at the end."""

from annotations.models import Assignment, Classroom, Highlight, Membership

PHRASE = "Stalin was hardly surprised."


def test_a_teacher_renames_the_class_and_turns_joining_off(client, classroom, teacher):
    client.force_login(teacher)
    response = client.post(
        f"/classes/{classroom.pk}/settings/", {"name": "  History  101 B ", "join_enabled": ""}
    )
    assert response.status_code == 302
    classroom.refresh_from_db()
    assert classroom.name == "History 101 B"
    assert not classroom.join_enabled
    assert "Joining is off" in client.get(classroom.get_absolute_url()).content.decode()


def test_it_refuses_an_empty_class_name(client, classroom, teacher):
    client.force_login(teacher)
    response = client.post(f"/classes/{classroom.pk}/settings/", {"name": " "})
    assert response.status_code == 422
    classroom.refresh_from_db()
    assert classroom.name == "History 101"


def test_a_removed_student_leaves_the_class_and_keeps_their_highlights(
    client, classroom, teacher, student, classmate, assignment, make_highlight
):
    shared = make_highlight(student, PHRASE, visibility="class")
    Highlight.objects.filter(pk=shared.pk).update(assignment=assignment)
    client.force_login(teacher)
    response = client.post(f"/classes/{classroom.pk}/students/{student.pk}/remove/")
    assert response.status_code == 302
    assert not Membership.objects.filter(classroom=classroom, user=student).exists()
    # Gone from the class's pages, theirs to keep.
    client.force_login(student)
    assert client.get(classroom.get_absolute_url()).status_code == 404
    assert client.get(assignment.get_absolute_url()).status_code == 404
    assert PHRASE in client.get("/highlights/").content.decode()
    # Neither classmates nor the teacher see it in the class's views any more.
    for viewer in (classmate, teacher):
        assert not Highlight.objects.visible_to(viewer).filter(pk=shared.pk).exists()


def test_a_teacher_edits_an_assignment(client, classroom, teacher, assignment, documents, glossary):
    client.force_login(teacher)
    one = [documents["korean-war-view-from-the-other-side"].pk]  # it set two others
    data = {
        "title": "Stalin's war",
        "instructions": "Read this one.",
        "documents": one,
        "due": "2031-05-01T09:00",
        "min_highlights": "4",
        "suggested_tags": "evidence, motive",
        "required_entries": [glossary["joseph-stalin"].pk],
        "visibility": "private",
    }
    response = client.post(f"/assignments/{assignment.pk}/edit/", data)
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.title == "Stalin's war"
    assert assignment.min_highlights == 4
    assert assignment.suggested_tags == ["evidence", "motive"]
    assert list(assignment.documents.values_list("pk", flat=True)) == one
    assert list(assignment.required_entries.all()) == [glossary["joseph-stalin"]]
    assert assignment.visibility == "private"


def test_deleting_an_assignment_keeps_its_highlights(
    client, teacher, student, assignment, make_highlight
):
    highlight = make_highlight(student, PHRASE)
    Highlight.objects.filter(pk=highlight.pk).update(assignment=assignment)
    client.force_login(teacher)
    page = client.get(f"/assignments/{assignment.pk}/delete/").content.decode()
    assert "the 1 highlight 1 student made for it" in page
    assert client.post(f"/assignments/{assignment.pk}/delete/").status_code == 302
    assert not Assignment.objects.filter(pk=assignment.pk).exists()
    highlight.refresh_from_db()
    assert highlight.assignment is None and highlight.owner == student


def test_a_student_cannot_edit_or_delete_an_assignment(client, student, assignment):
    client.force_login(student)
    assert client.post(f"/assignments/{assignment.pk}/delete/").status_code == 403
    assert client.get(f"/assignments/{assignment.pk}/edit/").status_code == 403
    assert Assignment.objects.filter(pk=assignment.pk).exists()


def test_an_archived_class_is_read_only_and_exportable(
    client, classroom, teacher, student, assignment, document, make_highlight
):
    highlight = make_highlight(student, PHRASE, note="Mine")
    Highlight.objects.filter(pk=highlight.pk).update(assignment=assignment)
    client.force_login(teacher)
    assert client.post(f"/classes/{classroom.pk}/archive/").status_code == 302
    assert Classroom.objects.get(pk=classroom.pk).is_archived
    # Read-only: no new assignments, roster or edits; the work still reads and exports.
    assert client.get(f"/classes/{classroom.pk}/assignments/new/").status_code == 403
    assert client.get(f"/classes/{classroom.pk}/students/new/").status_code == 403
    assert client.get(f"/assignments/{assignment.pk}/edit/").status_code == 403
    assert client.get(assignment.get_absolute_url()).status_code == 200
    export = client.get(f"/export/annotations.csv?classroom={classroom.pk}")
    assert b"Mine" in b"".join(export.streaming_content)
    client.force_login(student)
    edit = client.post(
        f"/highlights/{highlight.pk}/edit/", {"note": "Changed", "visibility": "private"}
    )
    assert edit.status_code == 403
    highlight.refresh_from_db()
    assert highlight.note == "Mine"
    # And back into use.
    client.force_login(teacher)
    client.post(f"/classes/{classroom.pk}/archive/")
    assert not Classroom.objects.get(pk=classroom.pk).is_archived
