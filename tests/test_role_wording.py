"""Wording by role and by count: what a student and a teacher read about the same work."""

import re

from django.utils.dateformat import format as date_format
from django.utils.timezone import localtime

from tests.helpers import PHRASE, add_highlight, page_html


def progress_items(html: str) -> str:
    block = html.split('class="progress-items"', 1)[1].split("</ul>", 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", block))


def test_it_counts_highlights_against_the_number_needed(client, student, assignment, document):
    client.force_login(student)
    url = f"/assignments/{assignment.pk}/"

    assert "0 highlights (2 needed)" in progress_items(page_html(client.get(url)))

    for phrase in (PHRASE, "He was never an enthusiast", "Hence, when Stalin learned"):
        add_highlight(student, document, phrase, assignment=assignment)
        if phrase == PHRASE:
            assert "1 highlight (2 needed)" in progress_items(page_html(client.get(url)))

    items = progress_items(page_html(client.get(url)))
    assert "3 highlights (2 needed)" in items
    assert "3 of 2" not in items


def test_the_students_assignment_list_shows_the_due_date(client, student, assignment):
    client.force_login(student)

    html = page_html(client.get("/assignments/"))

    card = html.split(f'href="/assignments/{assignment.pk}/"', 1)[1].split("</div></li>", 1)[0]
    due = date_format(localtime(assignment.due), "D j M, H:i T")
    assert "Due <time datetime=" in card
    assert due in card
    assert "left" in card  # the time left is still said too


def test_inside_an_assignment_only_me_says_the_teacher_sees_it(
    client, student, assignment, document
):
    client.force_login(student)

    html = client.get(
        f"/documents/{document.slug}/highlights/new/",
        {"paragraph": 4, "assignment": assignment.pk},
    ).content.decode()

    assert "Only me and my teacher" in html


def test_outside_an_assignment_only_me_is_only_me(client, student, document):
    client.force_login(student)

    html = client.get(f"/documents/{document.slug}/highlights/new/", {"paragraph": 4})

    assert "Only me and my teacher" not in html.content.decode()
    assert "Only me" in html.content.decode()


def test_a_private_assignment_highlight_says_so_on_its_card_and_its_editor(
    client, student, assignment, document, make_highlight
):
    highlight = make_highlight(student, PHRASE, assignment=assignment)
    outside = make_highlight(student, "He was never an enthusiast")
    client.force_login(student)

    assert "Only me and my teacher" in page_html(client.get(f"/highlights/{highlight.pk}/"))
    edit = page_html(client.get(f"/highlights/{highlight.pk}/edit/"))
    assert "Only me and my teacher" in edit
    card = page_html(client.get(f"/highlights/{outside.pk}/"))
    assert "Only me and my teacher" not in card
    assert "Only me" in card


def test_a_teacher_reading_in_a_class_is_not_asked_to_make_a_first_highlight(
    client, teacher, assignment, document
):
    client.force_login(teacher)

    html = page_html(client.get(f"/assignments/{assignment.pk}/documents/{document.slug}/"))

    section = html.split('id="my-highlights"', 1)[1].split("</section>", 1)[0]
    assert "make your first" not in section
    assert "Your students' highlights are marked in the text" in section
    assert f'href="/assignments/{assignment.pk}/"' in section


def test_a_student_is_still_asked_to_make_a_first_highlight(client, student, assignment, document):
    client.force_login(student)

    html = page_html(client.get(f"/assignments/{assignment.pk}/documents/{document.slug}/"))

    section = html.split('id="my-highlights"', 1)[1].split("</section>", 1)[0]
    assert "Select a passage in the text to make your first" in section
