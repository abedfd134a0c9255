"""The teacher hides students' shared highlights from the class, and replies to them.

Only the author's teacher may: a student gets 403 for a highlight they can see and 404
for one they cannot; another class's teacher gets 404.
"""

import re

import pytest
from django.utils.html import escape

from annotations.models import ClassHide, Highlight, Membership, Reply
from tests.helpers import HTMX

REPLY = "Which date does the cable give?"


@pytest.fixture
def work(student, assignment, other_classroom, make_highlight):
    """The student's highlights: shared and private, in the assignment and outside it.
    History 102 exists too: its teacher and student are outsiders to all of them."""

    def make(phrase, visibility, in_assignment):
        return make_highlight(
            student,
            phrase,
            visibility=visibility,
            note=f"On {phrase}",
            assignment=assignment if in_assignment else None,
        )

    return {
        "shared": make("Stalin was hardly surprised.", "class", True),
        "private": make("Incheon landing", "private", True),
        "outside shared": make("Gimpo airfield", "class", False),
        "outside private": make("Soviet dictator", "private", False),
    }


def hide_url(highlight) -> str:
    return f"/highlights/{highlight.pk}/hide/"


def reply_url(highlight) -> str:
    return f"/highlights/{highlight.pk}/replies/"


def card(client, highlight):
    return client.get(f"/highlights/{highlight.pk}/")


def is_hidden(highlight) -> bool:
    return ClassHide.objects.filter(highlight=highlight).exists()


def state() -> tuple:
    return (
        sorted(Highlight.objects.values_list("pk", "note", "visibility")),
        sorted(ClassHide.objects.values_list("highlight", "classroom")),
        sorted(Reply.objects.values_list("highlight", "author", "text")),
    )


# Hiding


def test_it_lets_the_teacher_hide_a_shared_highlight_and_show_it_again(
    client, teacher, student, classmate, assignment, work
):
    shared = work["shared"]
    client.force_login(classmate)
    assert card(client, shared).status_code == 200
    client.force_login(teacher)

    response = client.post(hide_url(shared), {"hidden": "1"})

    assert response.status_code == 302
    # Back at the card, not at the top of the student's page.
    assert response.url == f"/assignments/{assignment.pk}/students/{student.pk}/#h-{shared.pk}"
    assert is_hidden(shared)
    page = client.get(response.url).content.decode()
    assert "Hidden from the class; its author still sees it." in page
    assert "Show to the class again" in page
    client.force_login(classmate)
    assert card(client, shared).status_code == 404
    client.force_login(student)
    assert card(client, shared).status_code == 200

    client.force_login(teacher)
    response = client.post(hide_url(shared), {"hidden": "0"}, follow=True)

    assert response.status_code == 200
    assert not is_hidden(shared)
    assert "Shown to the class again." in response.content.decode()
    client.force_login(classmate)
    assert card(client, shared).status_code == 200


def test_it_offers_the_teacher_a_button_to_hide_a_shared_highlight(
    client, teacher, student, assignment, work
):
    client.force_login(teacher)

    html = client.get(f"/assignments/{assignment.pk}/students/{student.pk}/").content.decode()

    assert f'action="{hide_url(work["shared"])}"' in html
    assert "Hide from the class" in html
    assert f'action="{reply_url(work["shared"])}"' in html
    assert f'action="{reply_url(work["private"])}"' in html


def test_it_answers_htmx_with_the_card(client, teacher, work):
    client.force_login(teacher)

    response = client.post(hide_url(work["shared"]), {"hidden": "1"}, headers=HTMX)

    assert response.status_code == 200
    html = response.content.decode().strip()
    assert html.startswith('<article class="card')
    assert "Hidden from the class" in html
    assert is_hidden(work["shared"])


def test_it_answers_htmx_with_the_thread_its_message_focused(client, teacher, work):
    client.force_login(teacher)

    html = client.post(reply_url(work["shared"]), {"text": REPLY}, headers=HTMX).content.decode()

    assert re.match(r'\s*<div class="thread">\s*<p class="notice" role="status"', html)
    assert '<p class="notice" role="status" tabindex="-1" autofocus>Reply posted.</p>' in html
    assert REPLY in html
    # Said in the thread, so not again on the next page.
    assert "Reply posted" not in client.get("/").content.decode()


def test_it_keeps_the_teachers_controls_on_the_card_it_answers_htmx_with(client, teacher, work):
    shared = work["shared"]
    client.force_login(teacher)

    html = client.post(hide_url(shared), {"hidden": "1"}, headers=HTMX).content.decode()

    # The card the teacher acted on, still theirs to act on: show it again, or reply.
    assert f'action="{hide_url(shared)}"' in html
    assert "Show to the class again" in html
    assert f'action="{reply_url(shared)}"' in html


def test_it_lets_the_teacher_hide_a_shared_highlight_outside_assignments(
    client, teacher, classmate, work
):
    outside = work["outside shared"]
    client.force_login(teacher)

    response = client.post(hide_url(outside), {"hidden": "1"})

    assert response.status_code == 302
    # At the passage in the text, not at the top; with the hidden ones painted (the
    # teacher's reading view leaves them out otherwise), so the teacher sees it there.
    assert response.url == f"{outside.document.get_absolute_url()}?hidden=1#h-{outside.pk}"
    assert is_hidden(outside)
    html = client.get(response.url).content.decode()
    assert f'id="h-{outside.pk}"' in html
    assert "Hidden from the class; its author still sees it." in html
    client.force_login(classmate)
    assert card(client, outside).status_code == 404


# Replying


def test_it_shows_the_teachers_reply_to_the_author_and_to_the_class(
    client, teacher, student, classmate, assignment, work
):
    shared = work["shared"]
    client.force_login(teacher)

    response = client.post(reply_url(shared), {"text": f"  {REPLY}\n"})

    assert response.status_code == 302
    assert response.url == f"/assignments/{assignment.pk}/students/{student.pk}/#h-{shared.pk}"
    reply = Reply.objects.get()
    assert (reply.highlight, reply.author, reply.text) == (shared, teacher, REPLY)
    page = client.get(response.url).content.decode()
    assert "Reply posted." in page
    assert REPLY in page

    client.force_login(student)
    owner_card = card(client, shared)
    assert owner_card.status_code == 200
    assert REPLY in owner_card.content.decode()
    assert "Grace Park" in owner_card.content.decode()

    client.force_login(classmate)
    classmate_card = card(client, shared)
    assert classmate_card.status_code == 200  # the classmate sees the highlight...
    assert "On Stalin was hardly surprised." in classmate_card.content.decode()
    # ...and, since threads (issue 17), the teacher's reply in it.
    assert REPLY in classmate_card.content.decode()


def test_it_answers_an_htmx_reply_with_the_thread_saying_so(client, teacher, student, work):
    shared = work["shared"]
    client.force_login(teacher)

    response = client.post(reply_url(shared), {"text": REPLY}, headers=HTMX)

    assert response.status_code == 200
    html = response.content.decode().strip()
    assert html.startswith('<div class="thread">')
    assert "<article" not in html, "the thread alone: the rest of the card stays as it was"
    assert 'role="status"' in html
    assert "Reply posted." in html
    assert REPLY in html
    assert f'hx-post="{reply_url(shared)}" hx-target="closest .thread"' in html  # to reply again
    assert Reply.objects.get().text == REPLY
    # Said in the thread, not again on the next page.
    page = client.get(f"/assignments/{shared.assignment_id}/students/{student.pk}/")
    assert "Reply posted" not in page.content.decode()


def test_it_lets_the_teacher_reply_to_a_private_assignment_highlight(
    client, teacher, student, work
):
    client.force_login(teacher)

    response = client.post(reply_url(work["private"]), {"text": "Good find."})

    assert response.status_code == 302
    client.force_login(student)
    assert "Good find." in card(client, work["private"]).content.decode()


def test_it_shows_the_replies_in_order(client, teacher, student, work):
    client.force_login(teacher)
    for text in ("First reply", "Second reply"):
        client.post(reply_url(work["shared"]), {"text": text})
    client.force_login(student)

    html = card(client, work["shared"]).content.decode()

    assert html.index("First reply") < html.index("Second reply")


def test_it_keeps_the_line_breaks_of_a_reply(client, teacher, student, work):
    client.force_login(teacher)
    client.post(reply_url(work["shared"]), {"text": "Line one\nLine two & more"})
    client.force_login(student)

    html = card(client, work["shared"]).content.decode()

    assert "Line one<br>Line two &amp; more" in html


BAD_REPLIES = {
    "empty": ("", "This field is required."),
    "only spaces": ("  \n ", "This field is required."),
    "bold": ("<b>Good</b>", "Reply must be plain text"),
    "script": ("<script>alert(1)</script>", "Reply must be plain text"),
    "too long": ("x" * 2001, "Ensure this value has at most 2000 characters (it has 2001)."),
}


@pytest.mark.parametrize("text", [text for text, _ in BAD_REPLIES.values()], ids=BAD_REPLIES)
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_it_refuses_a_bad_reply(client, teacher, work, text, headers):
    client.force_login(teacher)
    before = state()

    response = client.post(reply_url(work["shared"]), {"text": text}, headers=headers)

    assert response.status_code == 422
    html = response.content.decode()
    assert "<b>Good</b>" not in html
    assert "<script>alert(1)" not in html
    assert state() == before


@pytest.mark.parametrize(("text", "message"), BAD_REPLIES.values(), ids=BAD_REPLIES)
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_it_tells_the_teacher_what_is_wrong_with_a_reply(
    client, teacher, work, text, message, headers
):
    client.force_login(teacher)

    response = client.post(reply_url(work["shared"]), {"text": text}, headers=headers)

    assert response.status_code == 422
    html = response.content.decode()
    assert escape(message) in html
    assert f'action="{reply_url(work["shared"])}"' in html  # with the form, to try again


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_it_gives_a_refused_reply_back_in_the_box(client, teacher, work, headers):
    client.force_login(teacher)
    text = "Which date? " + "x" * 2000

    response = client.post(reply_url(work["shared"]), {"text": text}, headers=headers)

    assert response.status_code == 422
    assert f"required>{text}</textarea>" in response.content.decode()


# Who may not


NOT_ALLOWED = [
    # (who, which highlight, status)
    ("student", "shared", 403),  # its author
    ("student", "private", 403),
    ("student", "outside shared", 403),
    ("classmate", "shared", 403),  # sees it, may not moderate it
    ("classmate", "outside shared", 403),
    ("classmate", "private", 404),
    ("classmate", "outside private", 404),
    ("other_student", "shared", 404),
    ("other_student", "outside shared", 404),
    ("other_teacher", "shared", 404),
    ("other_teacher", "private", 404),
    ("other_teacher", "outside shared", 404),
    ("outsider", "shared", 404),
    ("teacher", "outside private", 404),  # not shared, so not the teacher's to see
]


# Any member of the class who sees a highlight may reply to it (issue 17, tests/test_threads.py):
# replying is refused only to those who do not see it.
NOT_ALLOWED_TO_REPLY = [row for row in NOT_ALLOWED if row[2] == 404]


@pytest.mark.parametrize(
    ("action", "who", "which", "status"),
    [("hide", *row) for row in NOT_ALLOWED] + [("reply", *row) for row in NOT_ALLOWED_TO_REPLY],
    ids=[f"hide-{w}-{h}" for w, h, _ in NOT_ALLOWED]
    + [f"reply-{w}-{h}" for w, h, _ in NOT_ALLOWED_TO_REPLY],
)
def test_it_refuses_everyone_but_the_authors_teacher(
    client, request, work, action, who, which, status
):
    client.force_login(request.getfixturevalue(who))
    highlight = work[which]
    before = state()

    if action == "hide":
        response = client.post(hide_url(highlight), {"hidden": "1"})
    else:
        response = client.post(reply_url(highlight), {"text": REPLY})

    assert response.status_code == status
    assert state() == before


@pytest.mark.parametrize("action", ["hide", "reply"])
def test_it_sends_anonymous_visitors_to_log_in(client, work, action):
    before = state()
    url = hide_url(work["shared"]) if action == "hide" else reply_url(work["shared"])

    response = client.post(url, {"hidden": "1", "text": REPLY})

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=")
    assert state() == before


def test_it_refuses_the_teacher_a_highlight_of_their_own(
    client, teacher, make_highlight, classroom
):
    own = make_highlight(teacher, "Pak Myong-rim", visibility="class")
    client.force_login(teacher)

    assert client.post(hide_url(own), {"hidden": "1"}).status_code == 403
    assert not is_hidden(own)
    # A reply in the thread of one's own highlight is another matter (issue 17).
    assert client.post(reply_url(own), {"text": REPLY}).status_code == 302
    assert Reply.objects.get().classroom == classroom


def test_it_refuses_another_teacher_of_the_student_an_assignment_they_do_not_set(
    client, student, other_teacher, other_classroom, work
):
    # The student is in History 102 too: its teacher still may not moderate 101's work.
    Membership.objects.create(classroom=other_classroom, user=student, role="student")
    client.force_login(other_teacher)
    before = state()

    assert client.post(hide_url(work["shared"]), {"hidden": "1"}).status_code == 404
    assert client.post(reply_url(work["shared"]), {"text": REPLY}).status_code == 404
    assert state() == before


def test_it_shows_the_teacher_their_replies_and_controls_on_the_card_page(
    client, teacher, classmate, work
):
    highlight = work["shared"]
    Reply.objects.create(highlight=highlight, author=teacher, text="Which source says so?")

    client.force_login(teacher)
    html = card(client, highlight).content.decode()

    assert "Which source says so?" in html
    assert f'action="{hide_url(highlight)}"' in html
    assert f'action="{reply_url(highlight)}"' in html

    client.force_login(classmate)
    html = card(client, highlight).content.decode()
    assert "Which source says so?" not in html, "replies are for the author and the teacher"
    assert f'action="{hide_url(highlight)}"' not in html
