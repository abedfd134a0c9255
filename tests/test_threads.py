"""Threads (issue 17): any member of the class replies to a highlight they see, answers
a reply (one level of nesting), edits and deletes their own.

A reply is read only where its highlight is seen, and the assignment's visibility rule
applies to replies as to highlights (ReplyQuerySet.visible_to): below the minimum of an
"after_minimum" assignment, and always in a "private" one, a student reads only their
own replies and their teachers'; a highlight hidden in a class hides its classmates'
replies in that class; a reply made in another class is never shown.
"""

import io
import json
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape

from annotations.importing import Owners, import_annotations
from annotations.models import Assignment, ClassHide, Highlight, Membership, Reply
from annotations.notifications import mark_all_read
from annotations.writes import add_reply
from tests.helpers import HTMX, add_class, jsonld_items, make_user

PHRASE = "Stalin was hardly surprised."
ASKED = "Which cable says so?"
ANSWERED = "The one of 14 May."
FROM_TEACHER = "Good question: look at the date."


@pytest.fixture
def third(classroom):
    """A third student of History 101."""
    user = make_user("third", "Ji-woo", "Lee")
    Membership.objects.create(classroom=classroom, user=user, role=Membership.Role.STUDENT)
    return user


def reply_url(highlight) -> str:
    return f"/highlights/{highlight.pk}/replies/"


def post_reply(client, user, highlight, text, *, parent=None, headers=None):
    client.force_login(user)
    data = {"text": text}
    if parent is not None:
        data["parent"] = str(parent.pk)
    return client.post(reply_url(highlight), data, headers=headers or {})


def card(client, user, highlight):
    client.force_login(user)
    return client.get(f"/highlights/{highlight.pk}/")


def texts(user, highlight=None) -> set[str]:
    replies = Reply.objects.visible_to(user)
    if highlight is not None:
        replies = replies.filter(highlight=highlight)
    return set(replies.values_list("text", flat=True))


def state() -> list:
    return sorted(Reply.objects.values_list("pk", "highlight", "parent", "author", "text"))


def in_assignment(make_assignment, classroom, document, visibility, minimum=2) -> Assignment:
    return make_assignment(
        classroom, documents=[document], min_highlights=minimum, visibility=visibility
    )


# Who may reply, and in which class


def test_a_classmate_replies_to_a_shared_highlight_and_everyone_in_the_class_reads_it(
    client, classroom, student, classmate, third, teacher, make_highlight
):
    shared = make_highlight(student, PHRASE, visibility="class")

    response = post_reply(client, classmate, shared, f"  {ASKED}\n")

    assert response.status_code == 302
    reply = Reply.objects.get()
    assert response.url == f"/highlights/{shared.pk}/#r-{reply.pk}"
    assert (reply.author, reply.text, reply.classroom, reply.parent) == (
        classmate,
        ASKED,
        classroom,
        None,
    )
    for reader in (student, classmate, third, teacher):
        assert ASKED in card(client, reader, shared).content.decode(), reader


def test_the_card_offers_a_reply_field_and_a_post_reply_button(
    client, classroom, student, classmate, make_highlight
):
    shared = make_highlight(student, PHRASE, visibility="class")

    html = card(client, classmate, shared).content.decode()

    assert f'<label for="reply-{shared.pk}">Reply</label>' in html
    assert ">Post reply</button>" in html
    assert "Send reply" not in html


def test_it_answers_htmx_with_the_thread_in_place_its_message_focused(
    client, classroom, student, classmate, make_highlight, django_assert_max_num_queries
):
    shared = make_highlight(student, PHRASE, visibility="class")
    client.force_login(classmate)

    # Session, user; the write limit (its first count: one row, and the expired rows'
    # deletion); the writer's lookups (their classes with everyone in them and whether
    # each has hides, the classes' assignments), then the highlight on them (the lookups
    # also say the classes to reply in, and whether the writer teaches its author); the
    # reply and its notification, in one statement; the thread's replies, on the same
    # lookups. Nothing of the card the reply does not change.
    with django_assert_max_num_queries(9):
        response = client.post(reply_url(shared), {"text": ASKED}, headers=HTMX)

    assert response.status_code == 200
    html = response.content.decode().strip()
    assert html.startswith('<div class="thread">')
    assert '<p class="notice" role="status" tabindex="-1" autofocus>Reply posted.</p>' in html
    assert ASKED in html
    assert "<article" not in html, "the thread alone, not the card nor the reading page"
    assert f'hx-post="{reply_url(shared)}" hx-target="closest .thread"' in html


def without_tokens(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def thread_of(card_html: str) -> str:
    """The thread part of a card (what a reply answers with, its message aside)."""
    found = re.search(
        r'<div class="thread">.*?</div>\s*(?=<p class="card-actions">)', card_html, re.S
    )
    assert found, "a card has its thread"
    return found[0]


def test_the_thread_it_answers_with_is_the_cards_thread_as_it_now_is(
    client, classroom, student, classmate, teacher, make_highlight
):
    shared = make_highlight(student, PHRASE, visibility="class", is_question=True)
    post_reply(client, classmate, shared, ASKED)
    client.force_login(teacher)

    answer = client.post(reply_url(shared), {"text": FROM_TEACHER}, headers=HTMX)
    fresh = client.get(f"/highlights/{shared.pk}/", headers=HTMX)

    answered = answer.content.decode().replace(
        '<p class="notice" role="status" tabindex="-1" autofocus>Reply posted.</p>', ""
    )
    assert ASKED in answered and FROM_TEACHER in answered
    assert ">Mark as answer</button>" in answered, "the teacher's controls in the thread"
    assert (
        re.sub(r"\s+", " ", without_tokens(answered)).strip()
        == re.sub(r"\s+", " ", without_tokens(thread_of(fresh.content.decode()))).strip()
    )


@pytest.mark.parametrize("boundary", ["below the minimum", "private", "another class", "hidden"])
def test_the_thread_it_answers_with_holds_only_the_replies_the_writer_reads(
    boundary, client, classroom, other_classroom, document, student, classmate, other_student,
    teacher, other_teacher, make_assignment, make_highlight
):  # fmt: skip
    """The answer's thread asks only for the replies (its highlight found by access), and
    reads at each boundary what ReplyQuerySet.visible_to says."""
    Membership.objects.create(classroom=other_classroom, user=student, role="student")
    assignment = None
    if boundary in ("below the minimum", "private"):
        rule = "after_minimum" if boundary == "below the minimum" else "private"
        assignment = in_assignment(make_assignment, classroom, document, rule, minimum=2)
    shared = make_highlight(student, PHRASE, visibility="class", assignment=assignment)
    if boundary == "below the minimum":
        for phrase in ("Gimpo airfield", "Soviet dictator"):  # the classmate made it
            make_highlight(classmate, phrase, visibility="class", assignment=assignment)
    post_reply(client, teacher, shared, FROM_TEACHER)
    post_reply(client, classmate, shared, ASKED)
    if assignment is None:
        post_reply(client, other_student, shared, "In 102")
        post_reply(client, other_teacher, shared, "Teacher of 102")
    if boundary == "hidden":
        ClassHide.objects.create(highlight=shared, classroom=classroom)
    if boundary == "private":
        Assignment.objects.filter(pk=assignment.pk).update(visibility="private")
    writer = {"another class": other_student, "hidden": other_student}.get(boundary, student)

    response = post_reply(client, writer, shared, ANSWERED, headers=HTMX)

    assert response.status_code == 200
    shown = set(re.findall(r'<div class="reply-text">(.*?)</div>', response.content.decode()))
    assert shown == {escape(text) for text in texts(writer, shared)}
    assert ANSWERED in shown
    hidden_from_writer = {ASKED} if boundary != "another class" else {ASKED, FROM_TEACHER}
    assert not shown & hidden_from_writer


def test_the_highlights_page_looks_the_readers_classes_up_once_for_its_badge_too(
    client, classroom, student, classmate, make_highlight
):
    shared = make_highlight(student, PHRASE, visibility="class")
    post_reply(client, classmate, shared, ASKED)
    client.force_login(student)

    with CaptureQueriesContext(connection) as queries:
        html = client.get(f"/highlights/{shared.pk}/").content.decode()

    # models.Viewer.of's one statement (models._viewer_rows), once a Viewer.
    viewers = [q for q in queries if "a.min_highlights" in q["sql"]]
    assert len(viewers) == 1, "access, the card and the header's badge share one Viewer"
    assert 'aria-label="Notifications, 1 new"' in html


def test_posting_costs_the_same_whatever_the_thread_holds(
    client, classroom, student, classmate, teacher, make_highlight
):
    shared = make_highlight(student, PHRASE, visibility="class")
    client.force_login(classmate)
    for text in ("The write limit's first count", "and its second"):
        client.post(reply_url(shared), {"text": text}, headers=HTMX)

    with CaptureQueriesContext(connection) as few:
        client.post(reply_url(shared), {"text": ASKED}, headers=HTMX)
    for n in range(30):
        add_reply(highlight=shared, author=teacher, text=f"Note {n}", classroom=classroom.pk)
    with CaptureQueriesContext(connection) as many:
        response = client.post(reply_url(shared), {"text": ANSWERED}, headers=HTMX)

    assert "Note 29" in response.content.decode()
    assert len(few) == len(many)


def test_a_students_reply_is_made_in_the_assignments_class(
    client, classroom, student, classmate, assignment, make_highlight
):
    # The author and the classmate share History 201 too, older than nothing: the
    # assignment decides.
    add_class("History 201", make_user("t2", "Tae", "Two"), student, classmate)
    shared = make_highlight(student, PHRASE, visibility="class", assignment=assignment)

    assert post_reply(client, classmate, shared, ASKED).status_code == 302

    assert Reply.objects.get().classroom == classroom


def test_outside_assignments_a_reply_is_made_in_the_first_class_shared(
    client, classroom, student, classmate, make_highlight
):
    later = add_class("History 201", make_user("t2", "Tae", "Two"), student, classmate)
    shared = make_highlight(student, PHRASE, visibility="class")

    post_reply(client, classmate, shared, ASKED)

    assert Reply.objects.get().classroom_id == min(classroom.pk, later.pk)


def test_the_author_replies_in_their_own_thread(
    client, classroom, student, classmate, make_highlight
):
    shared = make_highlight(student, PHRASE, visibility="class")
    post_reply(client, classmate, shared, ASKED)
    asked = Reply.objects.get()

    assert post_reply(client, student, shared, ANSWERED, parent=asked).status_code == 302

    answer = Reply.objects.get(text=ANSWERED)
    assert (answer.parent, answer.classroom) == (asked, classroom)


@pytest.mark.parametrize(
    ("who", "status"), [("outsider", 404), ("other_student", 404), ("other_teacher", 404)]
)
def test_those_who_do_not_see_it_cannot_reply(
    client, request, classroom, other_classroom, student, make_highlight, who, status
):
    shared = make_highlight(student, PHRASE, visibility="class")
    before = state()

    assert post_reply(client, request.getfixturevalue(who), shared, ASKED).status_code == status
    assert state() == before


def test_a_private_highlight_takes_no_classmates_reply(
    client, classroom, student, classmate, make_highlight
):
    private = make_highlight(student, PHRASE)

    assert post_reply(client, classmate, private, ASKED).status_code == 404
    assert not Reply.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(client, classroom, student, make_highlight):
    shared = make_highlight(student, PHRASE, visibility="class")

    response = client.post(reply_url(shared), {"text": ASKED})

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=")
    assert not Reply.objects.exists()
    assert not Reply.objects.visible_to(AnonymousUser()).exists()


def test_no_class_shared_no_reply(client, outsider, make_highlight):
    """Someone in no class may see their own highlight, and has nobody to reply to."""
    own = make_highlight(outsider, PHRASE)

    response = post_reply(client, outsider, own, ASKED)

    assert response.status_code == 403
    assert not Reply.objects.exists()


# Threads: one level of nesting


def test_an_answer_to_an_answer_joins_the_first_replys_thread(
    client, classroom, student, classmate, third, make_highlight
):
    shared = make_highlight(student, PHRASE, visibility="class")
    post_reply(client, classmate, shared, ASKED)
    asked = Reply.objects.get()
    post_reply(client, student, shared, ANSWERED, parent=asked)
    answer = Reply.objects.get(text=ANSWERED)

    post_reply(client, third, shared, "And the 13th?", parent=answer)

    assert Reply.objects.get(text="And the 13th?").parent == asked
    html = card(client, third, shared).content.decode()
    thread = html[html.index(f'id="{asked.anchor}"') :]
    answers = thread[thread.index('<ul class="answers" aria-label="Answers">') :]
    assert answers.index(ANSWERED) < answers.index("And the 13th?")
    assert html.count('<ul class="answers"') == 1, "one level shown"
    ids = re.findall(r' id="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "each id once (a reply's anchor is not the reply box's)"


def test_it_refuses_a_parent_on_another_highlight_or_unseen(
    client, classroom, student, classmate, other_classroom, other_student, make_highlight
):
    shared = make_highlight(student, PHRASE, visibility="class")
    elsewhere = make_highlight(classmate, "Gimpo airfield", visibility="class")
    post_reply(client, student, elsewhere, ASKED)
    on_elsewhere = Reply.objects.get()
    before = state()

    for parent in (str(on_elsewhere.pk), "999999", "abc", "-1", "9" * 30):
        client.force_login(classmate)
        response = client.post(reply_url(shared), {"text": ANSWERED, "parent": parent})
        assert response.status_code == 422, parent
        assert escape("That reply is not one on this highlight you can answer.") in (
            response.content.decode()
        )
    assert state() == before


def test_the_database_keeps_an_answer_on_its_threads_highlight(
    classroom, student, classmate, make_highlight
):
    shared = make_highlight(student, PHRASE, visibility="class")
    elsewhere = make_highlight(classmate, "Gimpo airfield", visibility="class")
    first = add_reply(highlight=shared, author=classmate, text=ASKED, classroom=classroom.pk)

    with pytest.raises(IntegrityError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        Reply.objects.create(highlight=elsewhere, author=student, text="x", parent=first)


# Edit and delete one's own


def test_the_author_edits_their_reply_and_it_says_edited(
    client, classroom, student, classmate, make_highlight
):
    shared = make_highlight(student, PHRASE, visibility="class")
    post_reply(client, classmate, shared, ASKED)
    reply = Reply.objects.get()
    assert ">edited<" not in card(client, student, shared).content.decode()

    client.force_login(classmate)
    form = client.get(f"/replies/{reply.pk}/edit/")
    assert form.status_code == 200
    assert f"required>{ASKED}</textarea>" in form.content.decode()
    response = client.post(f"/replies/{reply.pk}/edit/", {"text": "Line one\nLine <two>?"})
    assert response.status_code == 422, "plain text only"
    response = client.post(f"/replies/{reply.pk}/edit/", {"text": "Line one\nLine two & more"})

    assert response.status_code == 302
    reply.refresh_from_db()
    assert reply.text == "Line one\nLine two & more" and reply.edited is not None
    html = card(client, student, shared).content.decode()
    assert "Line one<br>Line two &amp; more" in html
    assert ">edited<" in html


def test_an_htmx_edit_opens_in_place_and_gives_back_the_card(
    client, classroom, student, classmate, make_highlight
):
    shared = make_highlight(student, PHRASE, visibility="class")
    post_reply(client, classmate, shared, ASKED)
    reply = Reply.objects.get()

    form = client.get(f"/replies/{reply.pk}/edit/", headers=HTMX).content.decode()
    refused = client.post(f"/replies/{reply.pk}/edit/", {"text": " "}, headers=HTMX)
    done = client.post(f"/replies/{reply.pk}/edit/", {"text": ANSWERED}, headers=HTMX)

    assert form.strip().startswith(f'<form id="edit-{reply.anchor}"')
    assert refused.status_code == 422
    assert refused.headers["HX-Retarget"] == f"#edit-{reply.anchor}"
    assert done.status_code == 200
    assert done.content.decode().strip().startswith('<article class="card')
    assert "Reply updated." in done.content.decode()


@pytest.mark.parametrize(
    ("who", "status"),
    [("student", 403), ("teacher", 403), ("third", 403), ("outsider", 404), ("other_student", 404)],
)
@pytest.mark.parametrize("action", ["edit", "delete"])
def test_only_the_author_changes_a_reply(
    client, request, classroom, other_classroom, student, classmate, third, make_highlight,
    who, status, action
):  # fmt: skip
    shared = make_highlight(student, PHRASE, visibility="class")
    post_reply(client, classmate, shared, ASKED)
    reply = Reply.objects.get()
    before = state()
    client.force_login(request.getfixturevalue(who))

    url = f"/replies/{reply.pk}/{action}/"
    assert client.get(url).status_code == status
    assert client.post(url, {"text": "Changed"}).status_code == status
    assert state() == before


def test_an_archived_classs_replies_stay_as_they_were(
    client, classroom, student, classmate, make_highlight
):
    shared = make_highlight(student, PHRASE, visibility="class")
    post_reply(client, classmate, shared, ASKED)
    reply = Reply.objects.get()
    classroom.archived = timezone.now()
    classroom.save(update_fields=["archived"])
    before = state()

    assert client.post(f"/replies/{reply.pk}/edit/", {"text": "Changed"}).status_code == 403
    assert client.post(f"/replies/{reply.pk}/delete/").status_code == 403
    assert post_reply(client, classmate, shared, "Another").status_code == 403
    assert state() == before
    assert ASKED in card(client, student, shared).content.decode(), "still read"


def test_deleting_a_reply_without_answers_removes_it(
    client, classroom, student, classmate, make_highlight
):
    shared = make_highlight(student, PHRASE, visibility="class")
    post_reply(client, classmate, shared, ASKED)
    reply = Reply.objects.get()

    confirm = client.get(f"/replies/{reply.pk}/delete/")
    response = client.post(f"/replies/{reply.pk}/delete/")

    assert "Delete this reply?" in confirm.content.decode()
    assert response.status_code == 302
    assert not Reply.objects.exists()


def test_deleting_a_reply_with_answers_keeps_them_under_reply_deleted(
    client, classroom, student, classmate, make_highlight
):
    shared = make_highlight(student, PHRASE, visibility="class")
    post_reply(client, classmate, shared, ASKED)
    asked = Reply.objects.get()
    post_reply(client, student, shared, ANSWERED, parent=asked)

    client.force_login(classmate)
    response = client.post(f"/replies/{asked.pk}/delete/", headers=HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert '<p class="meta muted">Reply deleted</p>' in html
    assert ANSWERED in html and ASKED not in html
    asked.refresh_from_db()
    assert asked.text == "" and asked.deleted is not None
    assert client.get(f"/replies/{asked.pk}/edit/").status_code == 404

    # The last answer gone, the emptied reply goes with it.
    answer = Reply.objects.get(text=ANSWERED)
    client.force_login(student)
    client.post(f"/replies/{answer.pk}/delete/")
    assert not Reply.objects.exists()
    assert (
        '<p class="meta muted">Reply deleted</p>'
        not in card(client, student, shared).content.decode()
    )


# Visibility at its boundaries


def test_below_the_minimum_a_student_reads_only_their_own_and_their_teachers_replies(
    client, classroom, document, student, classmate, teacher, make_assignment, make_highlight
):
    assignment = in_assignment(make_assignment, classroom, document, "after_minimum", minimum=2)
    shared = make_highlight(student, PHRASE, visibility="class", assignment=assignment)
    make_highlight(classmate, "Gimpo airfield", visibility="class", assignment=assignment)
    make_highlight(classmate, "Soviet dictator", visibility="class", assignment=assignment)
    post_reply(client, classmate, shared, ASKED)  # the classmate made the minimum
    post_reply(client, teacher, shared, FROM_TEACHER)
    post_reply(client, student, shared, ANSWERED)

    assert texts(student) == {FROM_TEACHER, ANSWERED}, "one highlight of two"
    html = card(client, student, shared).content.decode()
    assert FROM_TEACHER in html and ANSWERED in html and ASKED not in html

    make_highlight(student, "Incheon landing", visibility="private", assignment=assignment)

    assert texts(student) == {ASKED, FROM_TEACHER, ANSWERED}, "the minimum made"
    assert texts(classmate) == {ASKED, FROM_TEACHER, ANSWERED}
    assert texts(teacher) == {ASKED, FROM_TEACHER, ANSWERED}


def test_in_a_private_assignment_students_read_only_their_own_and_teachers_replies(
    client, classroom, document, student, classmate, teacher, make_assignment, make_highlight
):
    assignment = in_assignment(make_assignment, classroom, document, "class")
    shared = make_highlight(student, PHRASE, visibility="class", assignment=assignment)
    post_reply(client, classmate, shared, ASKED)
    post_reply(client, teacher, shared, FROM_TEACHER)
    post_reply(client, student, shared, ANSWERED)

    Assignment.objects.filter(pk=assignment.pk).update(visibility="private")

    assert texts(student) == {FROM_TEACHER, ANSWERED}
    assert texts(classmate) == set(), "the highlight is no longer theirs to see"
    assert card(client, classmate, shared).status_code == 404
    assert texts(teacher) == {ASKED, FROM_TEACHER, ANSWERED}


def test_a_highlight_hidden_in_a_class_hides_its_replies_there(
    client, classroom, student, classmate, third, teacher, make_highlight
):
    shared = make_highlight(student, PHRASE, visibility="class")
    post_reply(client, classmate, shared, ASKED)
    post_reply(client, teacher, shared, FROM_TEACHER)

    client.force_login(teacher)
    client.post(f"/highlights/{shared.pk}/hide/", {"hidden": "1"})

    assert texts(third) == set()
    assert card(client, third, shared).status_code == 404
    assert texts(classmate) == set(), "not even their own: the highlight is gone from view"
    assert texts(teacher) == {ASKED, FROM_TEACHER}
    assert texts(student) == {ASKED, FROM_TEACHER}, "the author still sees it, and its thread"


def test_a_reply_made_in_another_class_is_never_shown(
    client, classroom, other_classroom, student, classmate, other_student, teacher,
    other_teacher, make_highlight
):  # fmt: skip
    Membership.objects.create(classroom=other_classroom, user=student, role="student")
    shared = make_highlight(student, PHRASE, visibility="class")
    post_reply(client, classmate, shared, "In 101")
    post_reply(client, other_student, shared, "In 102")
    post_reply(client, other_teacher, shared, "Teacher of 102")
    post_reply(client, teacher, shared, "Teacher of 101")

    assert texts(classmate) == {"In 101", "Teacher of 101"}
    assert texts(teacher) == {"In 101", "Teacher of 101"}
    assert texts(other_student) == {"In 102", "Teacher of 102"}
    assert texts(other_teacher) == {"In 102", "Teacher of 102"}
    assert texts(student) == {"In 101", "In 102", "Teacher of 101", "Teacher of 102"}
    html = card(client, other_student, shared).content.decode()
    assert "In 102" in html and "In 101" not in html


def test_hidden_in_one_class_the_other_class_still_reads_its_own_thread(
    client, classroom, other_classroom, student, classmate, other_student, teacher,
    make_highlight
):  # fmt: skip
    Membership.objects.create(classroom=other_classroom, user=student, role="student")
    shared = make_highlight(student, PHRASE, visibility="class")
    post_reply(client, classmate, shared, "In 101")
    post_reply(client, other_student, shared, "In 102")
    ClassHide.objects.create(highlight=shared, classroom=classroom)

    assert texts(other_student) == {"In 102"}
    assert texts(classmate) == set()


def test_an_outsider_and_anonymous_read_no_reply(
    client, classroom, student, classmate, outsider, make_highlight
):
    shared = make_highlight(student, PHRASE, visibility="class")
    post_reply(client, classmate, shared, ASKED)

    assert texts(outsider) == set()
    assert texts(AnonymousUser()) == set()
    assert card(client, outsider, shared).status_code == 404


def test_a_removed_students_replies_leave_the_class_with_them(
    client, classroom, student, classmate, third, make_highlight
):
    shared = make_highlight(student, PHRASE, visibility="class")
    post_reply(client, classmate, shared, ASKED)

    Membership.objects.filter(classroom=classroom, user=classmate).delete()

    assert texts(third) == set()


# Where replies show


def test_replies_show_on_my_highlights_and_the_glossary_entry(
    client, classroom, student, classmate, glossary, make_highlight
):
    shared = make_highlight(student, PHRASE, visibility="class")
    shared.glossary_entries.set([glossary["joseph-stalin"]])
    post_reply(client, classmate, shared, ASKED)
    client.force_login(student)

    mine = client.get("/highlights/").content.decode()
    entry = client.get(glossary["joseph-stalin"].get_absolute_url()).content.decode()

    assert ASKED in mine
    assert ASKED in entry


def test_the_reading_views_cards_show_the_thread_with_a_reply_form(
    client, classroom, student, classmate, make_highlight
):
    shared = make_highlight(student, PHRASE, visibility="class")
    post_reply(client, classmate, shared, ASKED)
    client.force_login(student)

    url = f"/documents/{shared.document.slug}/highlights/?at={shared.start}"
    html = client.get(url, headers=HTMX).content.decode()

    assert ASKED in html
    assert f'<label for="reply-{shared.pk}">Reply</label>' in html


def test_the_lists_cost_the_same_whatever_the_replies(
    client, classroom, student, classmate, teacher, make_highlight, django_assert_num_queries
):
    highlights = [
        make_highlight(student, phrase, visibility="class")
        for phrase in (PHRASE, "Gimpo airfield", "Soviet dictator")
    ]
    client.force_login(student)
    with CaptureQueriesContext(connection) as few:
        client.get("/highlights/")
    for highlight in highlights:
        for n in range(5):
            text = f"Reply number {n}."  # words no token or key in the page can hold
            add_reply(highlight=highlight, author=classmate, text=text, classroom=classroom.pk)
    with CaptureQueriesContext(connection) as many:
        html = client.get("/highlights/").content.decode()
    mark_all_read(student)
    with CaptureQueriesContext(connection) as many_read:
        client.get("/highlights/")

    assert html.count("Reply number 4.") == 3
    assert len(few) == len(many_read)
    # With 15 new, the header's badge looks the reader's classes up (this page does not)
    # and counts by the rules: two queries more, whatever the replies.
    assert len(many) == len(few) + 2


# A student's whole discussion, for grading


def test_the_teacher_sees_a_students_whole_discussion_in_order(
    client, classroom, student, classmate, teacher, assignment, make_assignment, make_highlight
):
    own = make_highlight(student, PHRASE, visibility="class", assignment=assignment)
    theirs = make_highlight(classmate, "Gimpo airfield", visibility="class", assignment=assignment)
    post_reply(client, student, theirs, "Mine, on theirs")
    post_reply(client, classmate, own, ASKED)
    post_reply(client, student, own, "Mine, on my own", parent=Reply.objects.get(text=ASKED))
    elsewhere = make_assignment(classroom, title="Another", visibility="class")
    other = make_highlight(classmate, "Soviet dictator", visibility="class", assignment=elsewhere)
    add_reply(highlight=other, author=student, text="In another assignment", classroom=classroom.pk)
    later = make_highlight(student, "Incheon landing", visibility="class", assignment=assignment)
    for n, (model, pk) in enumerate(
        [
            (Highlight, own.pk),
            (Reply, Reply.objects.get(text="Mine, on theirs").pk),
            (Reply, Reply.objects.get(text="Mine, on my own").pk),
            (Highlight, later.pk),
        ]
    ):
        model.objects.filter(pk=pk).update(
            created=own.created.replace(year=2026, month=1, day=1 + n)
        )

    client.force_login(teacher)
    html = client.get(f"/assignments/{assignment.pk}/students/{student.pk}/").content.decode()
    discussion = html[html.index('id="discussion-heading"') : html.index("<h2>Highlights</h2>")]

    order = [PHRASE, "Mine, on theirs", "Mine, on my own", "Incheon landing"]
    positions = [discussion.index(escape(text)) for text in order]
    assert positions == sorted(positions)
    assert "In another assignment" not in discussion
    assert ASKED not in discussion, "the classmate's words are not the student's"
    assert "2 highlights (2 needed) · 2 replies, 1 on classmates’ highlights" in discussion
    assert "Sofia Alvarez’s highlight" in discussion


def test_the_discussion_costs_the_same_for_one_reply_or_many(
    client, classroom, student, classmate, teacher, assignment, make_highlight,
    django_assert_max_num_queries
):  # fmt: skip
    theirs = make_highlight(classmate, "Gimpo airfield", visibility="class", assignment=assignment)
    make_highlight(student, PHRASE, visibility="class", assignment=assignment)
    add_reply(highlight=theirs, author=student, text="One", classroom=classroom.pk)
    url = f"/assignments/{assignment.pk}/students/{student.pk}/"
    client.force_login(teacher)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for n in range(20):
        add_reply(highlight=theirs, author=student, text=f"More {n}", classroom=classroom.pk)

    with django_assert_max_num_queries(len(one)):
        html = client.get(url).content.decode()

    assert "21 replies, 21 on classmates’ highlights" in html


# The exports, and the import


def exported(client, user, url, **query) -> bytes:
    client.force_login(user)
    response = client.get(url, query)
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_the_sheet_carries_the_replies_the_viewer_reads(
    client, classroom, document, student, classmate, teacher, make_assignment, make_highlight
):
    assignment = in_assignment(make_assignment, classroom, document, "class")
    shared = make_highlight(student, PHRASE, visibility="class", assignment=assignment)
    post_reply(client, classmate, shared, ASKED)
    post_reply(client, teacher, shared, FROM_TEACHER)

    assert ASKED in exported(client, teacher, "/export/annotations.csv").decode()
    assert ASKED in exported(client, student, "/export/annotations.csv").decode()
    Assignment.objects.filter(pk=assignment.pk).update(visibility="private")
    sheet = exported(client, student, "/export/annotations.csv").decode()
    assert ASKED not in sheet, "in a private assignment, not a classmate's"
    assert FROM_TEACHER in sheet


def test_the_jsonld_export_gives_each_reply_as_a_replying_annotation(
    client, classroom, student, classmate, teacher, make_highlight
):
    shared = make_highlight(student, PHRASE, visibility="class")
    post_reply(client, classmate, shared, ASKED)
    asked = Reply.objects.get()
    post_reply(client, student, shared, ANSWERED, parent=asked)
    answer = Reply.objects.get(text=ANSWERED)
    Reply.objects.filter(pk=answer.pk).update(text="Edited", edited=answer.created)

    data = json.loads(exported(client, teacher, "/export/annotations.jsonld"))

    items = {item["id"]: item for item in jsonld_items(data)}
    highlight_id = f"http://testserver/annotations/{shared.client_key}"
    question = items[f"http://testserver/annotations/{asked.client_key}"]
    assert question["motivation"] == "replying"
    assert question["target"] == highlight_id
    assert question["body"] == {
        "type": "TextualBody",
        "value": ASKED,
        "purpose": "replying",
        "format": "text/plain",
    }
    assert question["creator"]["nickname"] == "classmate"
    assert "korea:inReplyTo" not in question
    reply = items[f"http://testserver/annotations/{answer.client_key}"]
    assert reply["korea:inReplyTo"] == question["id"]
    assert reply["body"]["value"] == "Edited"
    ids = [item["id"] for item in jsonld_items(data)]
    assert ids.index(highlight_id) < ids.index(question["id"]) < ids.index(reply["id"])


def older(path) -> None:
    """The export as files were before issue 18: annotations in the collection itself,
    ids, targets and korea:inReplyTo as urn:uuid:<key>."""
    text = path.read_text().replace("http://127.0.0.1:8000/annotations/", "urn:uuid:")
    path.write_text(
        json.dumps({"type": "AnnotationCollection", "items": jsonld_items(json.loads(text))})
    )


@pytest.mark.parametrize("form", ["since issue 18", "before issue 18"])
def test_replies_come_back_from_the_jsonld_export_once(
    tmp_path, client, classroom, student, classmate, teacher, make_highlight, form
):
    shared = make_highlight(student, PHRASE, visibility="class")
    post_reply(client, classmate, shared, ASKED)
    asked = Reply.objects.get()
    post_reply(client, teacher, shared, FROM_TEACHER, parent=asked)
    before = sorted(
        Reply.objects.values_list(
            "client_key", "author", "text", "classroom", "parent__client_key", "created"
        )
    )
    path = tmp_path / "export.jsonld"
    call_command("export_annotations", "--format", "jsonld", "-o", str(path), stderr=io.StringIO())
    assert (
        sum(item["motivation"] == "replying" for item in jsonld_items(json.loads(path.read_text())))
        == 2
    )
    if form == "before issue 18":
        older(path)
        assert "urn:uuid:" in path.read_text() and "/annotations/" not in path.read_text()
    Reply.objects.all().delete()

    def run() -> str:
        out = io.StringIO()
        call_command("import_annotations", str(path), "--allow-privileged", stdout=out)
        return out.getvalue()

    first = run()
    assert "2 replies imported, 0 already present." in first
    after = sorted(
        Reply.objects.values_list(
            "client_key", "author", "text", "classroom", "parent__client_key", "created"
        )
    )
    assert after == before
    assert "0 replies imported, 2 already present." in run()
    assert Reply.objects.count() == 2


def test_an_import_reports_a_reply_it_cannot_bring_back(tmp_path, classroom, student):
    reply = {
        "id": "urn:uuid:5b1c2f0e-0c5e-4c54-9a53-1f3b6a1d2e77",
        "type": "Annotation",
        "motivation": "replying",
        "created": "2026-11-22T10:02:11+00:00",
        "creator": {"nickname": "student", "name": "Min-jun Kim"},
        "body": {"type": "TextualBody", "value": "<b>Hi</b>", "purpose": "replying"},
        "target": "urn:uuid:0a0671c9-8998-4f5f-aad9-a40f9c2b3264",
    }

    report = import_annotations([reply])

    assert report.replies == 0 and not Reply.objects.exists()
    assert "no highlight here for its target" in report.problems[0]
    assert (
        "not imported with --as"
        in import_annotations([reply], owners=Owners(everyone=student)).problems[0]
    )
