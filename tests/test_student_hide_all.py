"""A teacher hides all of one student's highlights in a class at once, or shows them again
(issue "Hardening", finding 2, the teacher's tool).

A flood of shared highlights from one student is one request and one statement, not one a
highlight; it is hidden in that class only; the teacher's reading view leaves it unpainted,
its key saying how many are hidden, with a link that paints them.
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations.models import ClassHide, Highlight, Membership
from tests.helpers import HTMX, page_html, spread_highlights

FLOOD = 60


@pytest.fixture
def flood(classroom, other_classroom, student, document, assignment):
    """The student, in History 102 too, shares FLOOD highlights outside assignments and one
    in History 101's assignment; one is private."""
    Membership.objects.create(classroom=other_classroom, user=student, role="student")
    shared = spread_highlights(document, [student], FLOOD, note="Flood {n}", visibility="class")
    in_assignment = spread_highlights(
        document, [student], 1, note="In the assignment", visibility="class", assignment=assignment
    )
    private = spread_highlights(document, [student], 1, note="Mine alone")
    return {"shared": shared + in_assignment, "private": private}


def url(classroom, student) -> str:
    return f"/classes/{classroom.pk}/students/{student.pk}/hide/"


def visible_ids(user) -> set[int]:
    return set(Highlight.objects.visible_to(user).values_list("pk", flat=True))


def test_it_says_how_many_it_will_hide_before_it_does(client, teacher, classroom, student, flood):
    client.force_login(teacher)

    html = page_html(client.get(url(classroom, student)))

    assert f"{FLOOD + 1} highlights are shared with the class and shown to it; 0 are" in html
    assert "Hide all of this student's highlights in this class</button>" in html
    assert "Show all of this student" not in html, "nothing is hidden yet"
    assert not ClassHide.objects.exists()


def test_it_hides_a_flood_in_one_request_and_a_bounded_number_of_queries(
    client,
    teacher,
    classroom,
    student,
    classmate,
    other_student,
    flood,
    django_assert_max_num_queries,
):
    client.force_login(teacher)
    shared = {highlight.pk for highlight in flood["shared"]}
    assert shared <= visible_ids(classmate)

    with CaptureQueriesContext(connection) as queries:
        response = client.post(url(classroom, student), {"hidden": "1"})
    inserts = [
        q["sql"] for q in queries if q["sql"].startswith("INSERT INTO annotations_classhide ")
    ]

    assert len(inserts) == 1, "one statement hides them all"
    assert len(queries) <= 12, "however many highlights: not a query each"
    response = client.get(response.url)
    html = page_html(response)
    assert f"{FLOOD + 1} of Min-jun Kim&#x27;s highlights hidden from History 101" in html
    assert not shared & visible_ids(classmate)
    outside = {highlight.pk for highlight in flood["shared"][:FLOOD]}
    assert outside <= visible_ids(other_student), "History 102 did not hide them"
    assert shared <= visible_ids(student)
    hides = ClassHide.objects.all()
    assert {hide.highlight_id for hide in hides} == shared, "the private one is not touched"
    assert {hide.classroom_id for hide in hides} == {classroom.pk}
    assert {hide.hidden_by_id for hide in hides} == {teacher.pk}


def test_it_shows_them_all_again(client, teacher, classroom, student, classmate, flood):
    client.force_login(teacher)
    client.post(url(classroom, student), {"hidden": "1"})
    html = page_html(client.get(url(classroom, student)))
    assert "Show all of this student's highlights again</button>" in html

    response = client.post(url(classroom, student), {"hidden": "0"}, follow=True)

    assert f"{FLOOD + 1} of Min-jun Kim&#x27;s highlights shown to History 101 again" in (
        page_html(response)
    )
    assert not ClassHide.objects.exists()
    assert {highlight.pk for highlight in flood["shared"]} <= visible_ids(classmate)


def test_hiding_twice_hides_nothing_more(client, teacher, classroom, student, flood):
    client.force_login(teacher)
    client.post(url(classroom, student), {"hidden": "1"})

    response = client.post(url(classroom, student), {"hidden": "1"}, follow=True)

    assert "0 of Min-jun Kim&#x27;s highlights hidden" in page_html(response)
    assert ClassHide.objects.count() == FLOOD + 1


@pytest.mark.parametrize("data", [{}, {"hidden": "maybe"}, {"hidden": ["1", "x"]}])
def test_it_refuses_a_choice_it_does_not_offer_and_changes_nothing(
    client, teacher, classroom, student, flood, data
):
    client.force_login(teacher)

    response = client.post(url(classroom, student), data)

    assert response.status_code == 422
    assert "Choose whether to hide the highlights or show them again." in response.content.decode()
    assert not ClassHide.objects.exists()


def test_it_is_for_the_class_teacher_only(
    client, classroom, other_teacher, classmate, student, flood
):
    client.force_login(other_teacher)
    assert client.post(url(classroom, student), {"hidden": "1"}).status_code == 404
    client.force_login(classmate)
    assert client.post(url(classroom, student), {"hidden": "1"}).status_code == 403
    assert not ClassHide.objects.exists()


def test_it_refuses_in_an_archived_class(client, teacher, classroom, student, flood):
    client.force_login(teacher)
    client.post(f"/classes/{classroom.pk}/archive/")

    assert client.get(url(classroom, student)).status_code == 403
    assert client.post(url(classroom, student), {"hidden": "1"}).status_code == 403
    assert not ClassHide.objects.exists()


def test_it_refuses_other_methods_and_answers_htmx_with_the_page(
    client, teacher, classroom, student, flood
):
    client.force_login(teacher)
    assert client.put(url(classroom, student)).status_code == 405
    assert client.delete(url(classroom, student)).status_code == 405
    # The confirmation has no partial: htmx (a boosted link) gets the page.
    assert "Hide all of this student" in page_html(
        client.get(url(classroom, student), headers=HTMX)
    )


def test_the_class_page_links_each_student_to_it(client, teacher, classroom, student):
    client.force_login(teacher)

    html = page_html(client.get(classroom.get_absolute_url()))

    assert f'href="{url(classroom, student)}">Hide highlights' in html


def painted(html: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'<span id="h-(\d+)"', html)}


def test_the_teachers_reading_view_leaves_the_hidden_ones_out_and_says_how_many(
    client, teacher, classroom, student, document, flood
):
    client.force_login(teacher)
    outside = {highlight.pk for highlight in flood["shared"][:FLOOD]}
    before = page_html(client.get(document.get_absolute_url()))
    assert outside <= painted(before)
    client.post(url(classroom, student), {"hidden": "1"})

    html = page_html(client.get(document.get_absolute_url()))
    shown = page_html(client.get(document.get_absolute_url() + "?hidden=1"))

    assert not outside & painted(html)
    # The one in the assignment too: this view shows the teacher every highlight here.
    assert f"{FLOOD + 1} hidden from the class, not shown." in html
    assert '<a href="?hidden=1">Show the hidden highlights</a>' in html
    assert outside <= painted(shown)
    assert "hidden from the class, striped" in shown
    assert f'<a href="?">Leave out the {FLOOD + 1} hidden from the class</a>' in shown
