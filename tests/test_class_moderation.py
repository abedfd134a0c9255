"""Moderation belongs to the class it was made in (issue "Hardening", finding 3).

The author is in two classes with different teachers: History 101 (the teacher, the
classmate) and History 102 (the other teacher, the other student). The first teacher
hides the author's shared highlight and replies to it; the second teacher sees neither
the hide nor the reply, cannot undo the hide, and their student still sees the
highlight, while the first class's classmate does not. The author sees every reply.
"""

import pytest
from django.utils import timezone

from annotations.models import ClassHide, Membership, Reply
from tests.helpers import add_class, page_html

REPLY_A = "Which cable says so? (History 101)"
REPLY_B = "Good find. (History 102)"
PHRASE = "Gimpo airfield"


@pytest.fixture
def story(client, classroom, other_classroom, student, make_highlight):
    """The author joins History 102 too, and shares a highlight outside assignments."""
    Membership.objects.create(classroom=other_classroom, user=student, role="student")
    return make_highlight(student, PHRASE, visibility="class", note="Where was it?")


def as_user(client, user):
    client.force_login(user)
    return client


def card(client, highlight):
    return client.get(f"/highlights/{highlight.pk}/")


def hide(client, highlight, hidden: str = "1"):
    return client.post(f"/highlights/{highlight.pk}/hide/", {"hidden": hidden})


def reply(client, highlight, text: str):
    return client.post(f"/highlights/{highlight.pk}/replies/", {"text": text})


def painted(client, highlight) -> bool:
    html = page_html(client.get(f"{highlight.document.get_absolute_url()}?hidden=1"))
    return f'id="h-{highlight.pk}"' in html


def test_it_hides_a_highlight_in_the_teachers_class_only(
    client, story, teacher, classmate, other_student
):
    assert hide(as_user(client, teacher), story).status_code == 302

    assert card(as_user(client, classmate), story).status_code == 404
    assert not painted(client, story)
    other = card(as_user(client, other_student), story)
    assert other.status_code == 200, "History 102 did not hide it"
    assert PHRASE in other.content.decode()
    assert painted(client, story)


def test_another_class_teacher_cannot_see_or_undo_the_hide(
    client, story, teacher, other_teacher, classmate
):
    hide(as_user(client, teacher), story)

    html = page_html(card(as_user(client, other_teacher), story))
    assert "Show to the class again" not in html
    assert "Hide from the class<" in html, "for History 102 it is shown, and may be hidden"
    response = hide(client, story, hidden="0")

    assert response.status_code in (302, 403)
    assert card(as_user(client, classmate), story).status_code == 404, "the hide stays"
    assert "Show to the class again" in page_html(card(as_user(client, teacher), story))


def test_a_reply_is_read_in_its_class_and_by_the_author(
    client, story, teacher, other_teacher, student
):
    assert reply(as_user(client, teacher), story, REPLY_A).status_code == 302
    assert reply(as_user(client, other_teacher), story, REPLY_B).status_code == 302

    other_teachers_card = page_html(card(client, story))
    assert REPLY_A not in other_teachers_card
    assert REPLY_B in other_teachers_card
    teachers_card = page_html(card(as_user(client, teacher), story))
    assert REPLY_A in teachers_card
    assert REPLY_B not in teachers_card
    authors_card = page_html(card(as_user(client, student), story))
    assert REPLY_A in authors_card
    assert REPLY_B in authors_card


def test_the_class_export_carries_only_that_class_moderation(
    client, story, teacher, other_teacher, classroom, other_classroom
):
    hide(as_user(client, teacher), story)
    reply(client, story, REPLY_A)

    own = client.get("/export/annotations.csv", {"classroom": classroom.pk})
    other = as_user(client, other_teacher).get(
        "/export/annotations.csv", {"classroom": other_classroom.pk}
    )
    other_all = client.get("/export/annotations-all.csv", {"classroom": other_classroom.pk})

    own_rows = b"".join(own.streaming_content).decode()
    other_rows = b"".join(other.streaming_content).decode()
    assert REPLY_A in own_rows
    assert own_rows.strip().splitlines()[1].count(",yes,yes,") == 1, "shared, hidden"
    assert REPLY_A not in other_rows
    assert ",yes,no," in other_rows.strip().splitlines()[1], "shared, not hidden"
    assert ",class,false," in b"".join(other_all.streaming_content).decode()


def test_an_archived_class_keeps_its_moderation_as_it_was(
    client, story, teacher, classroom, classmate
):
    """Outside assignments too: archiving History 101 freezes its hides and replies."""
    classroom.archived = timezone.now()
    classroom.save(update_fields=["archived"])

    assert hide(as_user(client, teacher), story).status_code == 403
    assert reply(client, story, REPLY_A).status_code == 403
    assert not ClassHide.objects.exists()
    assert not Reply.objects.exists()


def test_a_teacher_of_an_archived_and_an_open_class_moderates_in_the_open_one(
    client, story, teacher, classroom, student
):
    open_class = add_class("History 201", teacher, student)
    classroom.archived = timezone.now()
    classroom.save(update_fields=["archived"])

    assert hide(as_user(client, teacher), story).status_code == 302
    assert reply(client, story, REPLY_A).status_code == 302

    assert list(ClassHide.objects.values_list("classroom", flat=True)) == [open_class.pk]
    assert list(Reply.objects.values_list("classroom", flat=True)) == [open_class.pk]
