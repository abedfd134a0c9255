"""Questions and helpful marks, and the teacher's "Where the class is stuck".

A highlight's author marks it a question; the author's classmates press "Same question"
(on a question) or "Helpful", one of each a person, undone by pressing again; only the
counts show. The class's teacher marks a reply as the answer. Marks go through the
visibility rules: what a person may not see they cannot mark (404); what they may see
but not mark (their own, a teacher) is 403.
"""

import csv
import io
import json
import re

import pytest
from django.urls import reverse

from annotations.importing import import_annotations
from annotations.models import Assignment, Highlight, HighlightMark, Membership, Reply
from annotations.questions import where_stuck
from annotations.writes import add_reply, archive_classroom, set_answer
from tests.helpers import (
    FROM_PANEL,
    HTMX,
    PHRASE,
    hide_everywhere,
    jsonld_items,
    make_user,
    selection,
)

SAME, HELPFUL = "same_question", "helpful"
OTHER_PHRASE = "Incheon landing"
QUESTION_NOTE = "Why was he not surprised?"


def mark_url(highlight) -> str:
    return reverse("highlight_mark", args=[highlight.pk])


def answer_url(reply) -> str:
    return reverse("reply_answer", args=[reply.pk])


def press(client, highlight, kind=SAME, pressed="1", **kwargs):
    return client.post(mark_url(highlight), {"kind": kind, "pressed": pressed}, **kwargs)


def marks() -> list[tuple]:
    return sorted(HighlightMark.objects.values_list("highlight", "person", "kind"))


def html_of(response) -> str:
    return response.content.decode()


def button(html: str, name: str) -> str:
    """The opening tag of the button named `name`."""
    found = re.search(r"<button\b[^>]*>" + re.escape(name) + "</button>", html)
    assert found, f"no button {name!r}"
    return found.group(0)


def count_beside(html: str, kind: str, highlight) -> int:
    found = re.search(
        rf'<span class="mark-count" id="{kind}-count-{highlight.pk}">(\d+)</span>', html
    )
    assert found, f"no count for {kind}"
    return int(found.group(1))


def made_at(document, start: int, length: int, **fields) -> Highlight:
    """A highlight of `length` characters of the text from `start`, saved."""
    exact = document.text[start : start + length]
    anchor = document.place(exact=exact, start=start, end=start + length)
    highlight = Highlight.placed(anchor, document=document, **fields)
    highlight.save()
    return highlight


@pytest.fixture
def question(student, assignment, make_highlight):
    """The student's question, shared with the class in an assignment classmates see."""
    return make_highlight(
        student,
        PHRASE,
        visibility="class",
        note=QUESTION_NOTE,
        assignment=assignment,
        is_question=True,
    )


@pytest.fixture
def remark(student, assignment, make_highlight):
    """A shared highlight of the student's that is not a question."""
    return make_highlight(student, OTHER_PHRASE, visibility="class", assignment=assignment)


@pytest.fixture
def third(classroom):
    """A third student of History 101."""
    user = make_user("third", "Tae-yang", "Lee")
    Membership.objects.create(classroom=classroom, user=user, role=Membership.Role.STUDENT)
    return user


# Marking a highlight a question


def test_it_lets_the_author_mark_a_new_highlight_as_a_question(client, student, document):
    client.force_login(student)
    form = client.get(
        reverse("highlight_create", args=[document.slug]),
        {k: v for k, v in selection(document).items() if k in {"start", "end", "exact"}},
    )
    assert re.search(
        r'<input type="checkbox" name="is_question"[^>]*>\s*This is a question', html_of(form)
    )

    response = client.post(
        reverse("highlight_create", args=[document.slug]),
        selection(document, note=QUESTION_NOTE, is_question="on"),
    )

    assert response.status_code == 302
    highlight = Highlight.objects.get()
    assert highlight.is_question
    card = html_of(client.get(highlight.get_absolute_url()))
    assert '<span class="badge badge-question">Question</span>' in card
    assert "Answered" not in card


def test_a_highlight_is_not_a_question_unless_its_author_says(client, student, document):
    client.force_login(student)
    client.post(reverse("highlight_create", args=[document.slug]), selection(document))

    highlight = Highlight.objects.get()
    assert not highlight.is_question
    assert "badge-question" not in html_of(client.get(highlight.get_absolute_url()))


def test_it_lets_the_author_take_the_question_back_and_its_same_question_marks_go(
    client, student, classmate, question
):
    HighlightMark.objects.create(highlight=question, person=classmate, kind=SAME)
    HighlightMark.objects.create(highlight=question, person=classmate, kind=HELPFUL)
    client.force_login(student)

    response = client.post(
        reverse("highlight_edit", args=[question.pk]),
        {"note": QUESTION_NOTE, "tags": "", "visibility": "class"},
    )

    assert response.status_code == 302
    question.refresh_from_db()
    assert not question.is_question
    assert marks() == [(question.pk, classmate.pk, HELPFUL)]  # helpful is about any highlight


def test_the_panels_card_after_an_edit_keeps_the_counts(client, student, classmate, question):
    HighlightMark.objects.create(highlight=question, person=classmate, kind=SAME)
    client.force_login(student)

    response = client.post(
        reverse("highlight_edit", args=[question.pk]),
        {"note": "Still asking.", "tags": "", "visibility": "class", "is_question": "on"},
        headers=FROM_PANEL,
    )

    assert response.status_code == 200
    assert "Same question 1 · Helpful 0" in html_of(response)


# Pressing "Same question" and "Helpful"


def test_a_classmate_presses_same_question_and_presses_again_to_take_it_back(
    client, classmate, question, assignment
):
    client.force_login(classmate)

    response = press(client, question, SAME, "1")

    assert response.status_code == 302
    assert response.url == (
        f"/assignments/{assignment.pk}/documents/{question.document.slug}/#h-{question.pk}"
    )
    assert marks() == [(question.pk, classmate.pk, SAME)]
    card = html_of(client.get(question.get_absolute_url()))
    assert 'aria-pressed="true"' in button(card, "Same question")
    assert count_beside(card, SAME, question) == 1

    assert press(client, question, SAME, "0").status_code == 302

    assert marks() == []
    card = html_of(client.get(question.get_absolute_url()))
    assert 'aria-pressed="false"' in button(card, "Same question")
    assert count_beside(card, SAME, question) == 0


def test_pressing_twice_the_same_way_leaves_one_mark(client, classmate, question):
    """A retried request says the state it wants, so it changes nothing the second time."""
    client.force_login(classmate)
    press(client, question, HELPFUL, "1")
    press(client, question, HELPFUL, "1")
    assert marks() == [(question.pk, classmate.pk, HELPFUL)]
    press(client, question, HELPFUL, "0")
    press(client, question, HELPFUL, "0")
    assert marks() == []


def test_the_two_marks_are_separate(client, classmate, question):
    client.force_login(classmate)
    press(client, question, SAME, "1")
    press(client, question, HELPFUL, "1")
    press(client, question, SAME, "0")

    assert marks() == [(question.pk, classmate.pk, HELPFUL)]


def test_it_counts_each_person_once_and_shows_only_the_counts(
    client, student, classmate, third, teacher, question
):
    for person in (classmate, third):
        client.force_login(person)
        press(client, question, SAME, "1")
        press(client, question, SAME, "1")
    client.force_login(third)
    press(client, question, HELPFUL, "1")

    client.force_login(student)
    card = html_of(client.get(question.get_absolute_url()))

    assert "Same question 2 · Helpful 1" in card
    assert "Same question</button>" not in card and "Helpful</button>" not in card
    for marker in (classmate, third):
        assert marker.first_name not in card and marker.username not in card
    client.force_login(teacher)
    assert "Same question 2 · Helpful 1" in html_of(client.get(question.get_absolute_url()))


def test_it_shows_helpful_but_not_same_question_on_a_highlight_that_is_not_one(
    client, classmate, remark
):
    client.force_login(classmate)
    card = html_of(client.get(remark.get_absolute_url()))

    assert 'aria-pressed="false"' in button(card, "Helpful")
    assert "Same question</button>" not in card
    assert "badge-question" not in card


def test_it_refuses_same_question_on_a_highlight_that_is_not_a_question(client, classmate, remark):
    client.force_login(classmate)

    response = press(client, remark, SAME, "1")

    assert response.status_code == 422
    assert "Only a question can be marked “Same question”." in html_of(response)
    assert marks() == []


@pytest.mark.parametrize(
    "data",
    [{}, {"kind": "liked", "pressed": "1"}, {"kind": HELPFUL}, {"kind": HELPFUL, "pressed": "2"}],
)
def test_it_refuses_a_press_it_cannot_read_and_says_why(client, classmate, question, data):
    client.force_login(classmate)

    response = client.post(mark_url(question), data, headers=HTMX)

    assert response.status_code == 422
    assert '<p class="form-errors" role="alert">' in html_of(response)
    assert marks() == []


def test_htmx_gets_the_card_back_with_focus_on_the_button_pressed(client, classmate, question):
    client.force_login(classmate)

    response = press(client, question, SAME, "1", headers=HTMX)

    assert response.status_code == 200
    html = html_of(response)
    assert html.lstrip().startswith('<article class="card card-shared"')
    pressed = button(html, "Same question")
    assert 'aria-pressed="true"' in pressed and "autofocus" in pressed
    assert "autofocus" not in button(html, "Helpful")
    assert count_beside(html, SAME, question) == 1
    assert 'name="pressed" value="0"' in html  # pressing again takes it back


# Who may press: the visibility rules at their boundaries


def test_the_author_sees_the_counts_but_cannot_mark_their_own(client, student, question):
    client.force_login(student)
    card = html_of(client.get(question.get_absolute_url()))
    assert "Same question</button>" not in card and "Helpful</button>" not in card

    response = press(client, question, HELPFUL, "1")

    assert response.status_code == 403
    assert marks() == []


@pytest.mark.parametrize("kind", [SAME, HELPFUL])
def test_a_teacher_sees_the_counts_but_does_not_mark(client, teacher, question, kind):
    client.force_login(teacher)
    card = html_of(client.get(question.get_absolute_url()))
    assert "Same question 0 · Helpful 0" in card
    assert f"{'Same question' if kind == SAME else 'Helpful'}</button>" not in card

    assert press(client, question, kind, "1").status_code == 403
    assert marks() == []


def test_anonymous_visitors_are_sent_to_log_in(client, question):
    response = press(client, question)

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=")
    assert marks() == []


def test_another_classs_student_and_an_outsider_get_404(
    client, other_student, other_classroom, outsider, question
):
    for person in (other_student, outsider):
        client.force_login(person)
        assert press(client, question).status_code == 404
    assert marks() == []


def test_nobody_marks_a_private_highlight_but_its_author_sees_it(
    client, student, classmate, assignment, make_highlight
):
    private = make_highlight(
        student, PHRASE, visibility="private", assignment=assignment, is_question=True
    )
    client.force_login(classmate)

    assert press(client, private).status_code == 404
    assert marks() == []


def test_a_highlight_hidden_in_the_class_cannot_be_marked(client, classmate, question):
    hide_everywhere(question)
    client.force_login(classmate)

    assert press(client, question).status_code == 404
    assert marks() == []


def test_a_student_who_has_not_made_the_minimum_cannot_mark_what_they_cannot_see_yet(
    client, student, classmate, classroom, document, make_assignment, make_highlight
):
    assignment = make_assignment(
        classroom,
        documents=[document],
        min_highlights=1,
        visibility=Assignment.Visibility.AFTER_MINIMUM,
    )
    question = make_highlight(
        student, PHRASE, visibility="class", assignment=assignment, is_question=True
    )
    client.force_login(classmate)

    assert press(client, question).status_code == 404

    make_highlight(classmate, OTHER_PHRASE, assignment=assignment)  # the minimum, made
    assert press(client, question).status_code == 302
    assert marks() == [(question.pk, classmate.pk, SAME)]


def test_a_mark_on_a_highlight_no_longer_seen_cannot_be_taken_back_or_made_again(
    client, classmate, question
):
    client.force_login(classmate)
    press(client, question, SAME, "1")
    Highlight.objects.filter(pk=question.pk).update(visibility="private")

    assert press(client, question, SAME, "0").status_code == 404
    assert press(client, question, HELPFUL, "1").status_code == 404
    assert marks() == [(question.pk, classmate.pk, SAME)]


def test_nobody_marks_in_an_archived_class(client, classmate, classroom, question):
    archive_classroom(classroom=classroom)
    client.force_login(classmate)

    assert press(client, question).status_code == 403
    assert marks() == []


def test_a_classmate_marks_a_shared_highlight_outside_assignments(
    client, student, classmate, classroom, make_highlight
):
    outside = make_highlight(student, PHRASE, visibility="class", is_question=True)
    client.force_login(classmate)

    response = press(client, outside, SAME, "1")

    assert response.status_code == 302
    assert response.url == f"{outside.document.get_absolute_url()}#h-{outside.pk}"
    assert marks() == [(outside.pk, classmate.pk, SAME)]


def test_it_takes_only_posts(client, classmate, question):
    client.force_login(classmate)
    assert client.get(mark_url(question)).status_code == 405


# Cards listed: the counts come with the highlights, not a query per card


def test_a_list_of_cards_costs_the_same_however_many_are_marked(
    client, student, classmate, third, document, django_assert_max_num_queries
):
    def make(count):
        for n in range(count):
            highlight = made_at(
                document,
                200 + n * 60,
                20,
                owner=student,
                visibility="class",
                is_question=n % 2 == 0,
            )
            for person in (classmate, third):
                HighlightMark.objects.create(highlight=highlight, person=person, kind=HELPFUL)

    client.force_login(classmate)
    url = reverse("document_highlights", args=[document.slug])
    make(2)
    with django_assert_max_num_queries(100) as few:
        client.get(url)
    make(18)  # a whole page of cards (HIGHLIGHTS_PER_PAGE)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    html = html_of(response)
    assert html.count("Helpful</button>") == 20
    assert html.count("Same question</button>") == 10


# The answer


@pytest.fixture
def reply(teacher, classroom, question):
    return add_reply(
        highlight=question, author=teacher, text="See the cable of 1949.", classroom=classroom.pk
    )


def test_the_teacher_marks_a_reply_as_the_answer_and_takes_it_back(
    client, teacher, student, classmate, question, reply
):
    client.force_login(teacher)
    card = html_of(client.get(question.get_absolute_url()))
    assert button(card, "Mark as answer")

    response = client.post(answer_url(reply), {"answer": "1"})

    assert response.status_code == 302
    reply.refresh_from_db()
    assert reply.is_answer
    card = html_of(client.get(question.get_absolute_url()))
    assert '<span class="badge badge-answered">Answered</span>' in card
    assert '<span class="badge badge-answered">Answer</span>' in card
    assert button(card, "Not the answer")
    for viewer in (student, classmate):
        client.force_login(viewer)
        assert "Answered</span>" in html_of(client.get(question.get_absolute_url()))

    client.force_login(teacher)
    client.post(answer_url(reply), {"answer": "0"})

    reply.refresh_from_db()
    assert not reply.is_answer
    assert "Answered" not in html_of(client.get(question.get_absolute_url()))


def test_one_answer_a_question_marking_another_moves_it(teacher, classroom, question, reply):
    second = add_reply(
        highlight=question, author=teacher, text="Or Shtykov's.", classroom=classroom.pk
    )

    set_answer(reply=reply, by=teacher, is_answer=True)
    set_answer(reply=second, by=teacher, is_answer=True)

    assert list(Reply.objects.filter(is_answer=True)) == [second]


def test_htmx_gets_the_card_back_saying_what_was_done(client, teacher, question, reply):
    client.force_login(teacher)

    response = client.post(answer_url(reply), {"answer": "1"}, headers=HTMX)

    html = html_of(response)
    assert response.status_code == 200
    assert "Marked as the answer: the question shows as answered." in html
    assert "Answered</span>" in html and button(html, "Not the answer")


def test_only_the_class_teacher_marks_an_answer(
    client, student, classmate, other_teacher, other_classroom, outsider, question, reply
):
    # The author and classmates read the teacher's reply (403); the others do not (404).
    expected = {student: 403, classmate: 403, other_teacher: 404, outsider: 404}
    for person, status in expected.items():
        client.force_login(person)
        assert client.post(answer_url(reply), {"answer": "1"}).status_code == status
    assert not Reply.objects.filter(is_answer=True).exists()


def test_a_reply_to_a_highlight_that_is_not_a_question_is_no_answer(
    client, teacher, classroom, remark
):
    reply = add_reply(highlight=remark, author=teacher, text="Good.", classroom=classroom.pk)
    client.force_login(teacher)
    assert "Mark as answer" not in html_of(client.get(remark.get_absolute_url()))

    assert client.post(answer_url(reply), {"answer": "1"}).status_code == 403
    assert not Reply.objects.filter(is_answer=True).exists()


# Where the class is stuck


@pytest.fixture
def stuck_class(teacher, student, classmate, third, assignment, documents, make_highlight):
    """Three questions in two paragraphs: the first paragraph's answered, the second's not."""
    document = documents["stalin-and-korean-war"]
    first, second = document.paragraphs[1], document.paragraphs[3]

    def ask(owner, paragraph, offset, **fields):
        start = paragraph.start + offset
        return made_at(
            document, start, 25, owner=owner, assignment=assignment, is_question=True, **fields
        )

    answered = ask(student, first, 0, visibility="class", note="Who wrote this?")
    for person in (classmate, third):
        HighlightMark.objects.create(highlight=answered, person=person, kind=SAME)
    reply = add_reply(
        highlight=answered, author=teacher, text="Stalin.", classroom=assignment.classroom_id
    )
    set_answer(reply=reply, by=teacher, is_answer=True)
    open_one = ask(classmate, second, 0, visibility="class", note="What does it mean?")
    private_one = ask(third, second, 30, visibility="private")
    make_highlight(student, OTHER_PHRASE, assignment=assignment)  # not a question
    return {
        "document": document,
        "paragraphs": (first.number, second.number),
        "answered": answered,
        "open": open_one,
        "private": private_one,
    }


def test_it_lists_unanswered_passages_first_then_the_most_asked(teacher, assignment, stuck_class):
    passages = where_stuck(assignment, teacher)

    first, second = stuck_class["paragraphs"]
    assert [p.paragraph for p in passages] == [second, first]
    unanswered, answered = passages
    assert (len(unanswered.questions), unanswered.same_question, unanswered.unanswered) == (2, 0, 2)
    assert (len(answered.questions), answered.same_question, answered.unanswered) == (1, 2, 0)
    assert answered.weight == 3


def test_it_puts_the_most_asked_first_among_passages_alike(
    teacher, classmate, third, assignment, stuck_class
):
    set_answer(reply=Reply.objects.get(), by=teacher, is_answer=False)  # both unanswered now

    passages = where_stuck(assignment, teacher)

    # The first paragraph: one question and two "Same question" (3); the second: two (2).
    assert [p.paragraph for p in passages] == list(stuck_class["paragraphs"])


def test_the_teacher_sees_where_the_class_is_stuck_with_links_into_the_text(
    client, teacher, assignment, stuck_class
):
    client.force_login(teacher)

    html = html_of(client.get(assignment.get_absolute_url()))

    section = html.split('<h2 id="stuck-heading">Where the class is stuck</h2>')[1].split(
        "</section>"
    )[0]
    document = stuck_class["document"]
    first, second = stuck_class["paragraphs"]
    assert section.index(f"paragraph {second}") < section.index(f"paragraph {first}")
    for name in ("answered", "open", "private"):
        highlight = stuck_class[name]
        link = f'href="/assignments/{assignment.pk}/documents/{document.slug}/#h-{highlight.pk}"'
        assert link in section
    assert "2 questions · 0 “Same question” marks · 2 unanswered" in section
    assert "1 question · 2 “Same question” marks · all answered" in section
    assert "What does it mean?" in section and "Same question 2" in section


def test_a_hidden_question_links_to_the_text_with_the_hidden_ones_shown(
    client, teacher, assignment, stuck_class
):
    hide_everywhere(stuck_class["open"])
    client.force_login(teacher)

    html = html_of(client.get(assignment.get_absolute_url()))

    assert (
        f'/documents/{stuck_class["document"].slug}/?hidden=1#h-{stuck_class["open"].pk}"' in html
    )


def test_students_do_not_see_where_the_class_is_stuck(client, student, assignment, stuck_class):
    client.force_login(student)

    html = html_of(client.get(assignment.get_absolute_url()))

    assert "Where the class is stuck" not in html
    assert "What does it mean?" not in html


def test_where_the_class_is_stuck_takes_two_queries_however_many_questions(
    teacher, classmate, third, assignment, stuck_class, django_assert_num_queries
):
    with django_assert_num_queries(2):
        where_stuck(assignment, teacher)
    document = stuck_class["document"]
    more = document.paragraphs[5:]
    assert len(more) >= 10
    for paragraph in more:
        highlight = made_at(
            document,
            paragraph.start,
            10,
            owner=classmate,
            assignment=assignment,
            is_question=True,
            visibility="class",
        )
        HighlightMark.objects.create(highlight=highlight, person=third, kind=SAME)

    with django_assert_num_queries(2):
        passages = where_stuck(assignment, teacher)

    assert len(passages) == 2 + len(more)


def test_the_dashboard_costs_the_same_however_many_questions(
    client, teacher, classmate, third, assignment, stuck_class, django_assert_max_num_queries
):
    client.force_login(teacher)
    with django_assert_max_num_queries(200) as few:
        client.get(assignment.get_absolute_url())
    document = stuck_class["document"]
    for paragraph in document.paragraphs[5:15]:
        made_at(document, paragraph.start, 10, owner=third, assignment=assignment, is_question=True)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(assignment.get_absolute_url())

    assert html_of(response).count('badge-question">Unanswered') == 12


# Exports: the question and the two counts, never who marked


def streamed(response) -> str:
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode("utf-8-sig")


def test_the_teachers_sheet_appends_the_question_and_its_counts(
    client, teacher, classmate, third, question, remark
):
    for person in (classmate, third):
        HighlightMark.objects.create(highlight=question, person=person, kind=SAME)
    HighlightMark.objects.create(highlight=remark, person=third, kind=HELPFUL)
    client.force_login(teacher)

    text = streamed(client.get(reverse("export_csv")))

    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    header = next(csv.reader(io.StringIO(text)))
    assert header[-4:] == ["Link", "Question", "Same question", "Helpful"]
    by_quote = {row["Quote"]: row for row in rows}
    assert [by_quote[PHRASE][h] for h in header[-3:]] == ["yes", "2", "0"]
    assert [by_quote[OTHER_PHRASE][h] for h in header[-3:]] == ["no", "0", "1"]
    assert classmate.username not in text and third.username not in text


def test_the_json_ld_says_whether_it_is_a_question_and_how_many_marked_it(
    client, student, classmate, question
):
    HighlightMark.objects.create(highlight=question, person=classmate, kind=SAME)
    HighlightMark.objects.create(highlight=question, person=classmate, kind=HELPFUL)
    client.force_login(student)

    data = json.loads(streamed(client.get(reverse("export_jsonld"))))

    (item,) = jsonld_items(data)
    assert (item["korea:question"], item["korea:sameQuestion"], item["korea:helpful"]) == (
        True,
        1,
        1,
    )
    assert classmate.username not in json.dumps(data)


def test_an_import_keeps_the_question(client, student, outsider, question):
    client.force_login(student)
    items = jsonld_items(json.loads(streamed(client.get(reverse("export_jsonld")))))
    Highlight.objects.all().delete()

    report = import_annotations(items)

    assert report.created == 1
    assert Highlight.objects.get().is_question
