"""Classes and assignments: joining and starting a class, setting an assignment, and
what each member is shown. Who may reach which page is tests/test_permission_matrix.py's.
"""

import re

import pytest
from django.utils.html import escape

from annotations.models import (
    Assignment,
    ClassHide,
    Classroom,
    GlossaryEntry,
    Highlight,
    Membership,
    Reply,
)
from annotations.teachers import make_teacher
from tests.helpers import make_user, page_html

JOIN_CODE = re.compile(r"[A-HJ-NP-Z2-9]{10}")  # no 0/O, 1/I/L


@pytest.fixture
def stalin(db):
    return GlossaryEntry.objects.create(
        kind="person", name="Joseph Stalin", slug="joseph-stalin", summary="Soviet leader."
    )


@pytest.fixture
def assignment(classroom, other_classroom, documents, stalin, make_assignment):
    """History 101's assignment over two articles; History 102 is another teacher's class."""
    return make_assignment(
        classroom,
        title="Stalin and the war",
        instructions="Read both articles.",
        documents=[documents["stalin-and-korean-war"], documents["stalins-hot-war"]],
        required_entries=[stalin],
        min_highlights=2,
        suggested_tags=["evidence", "motive"],
        visibility=Assignment.Visibility.CLASS,
    )


@pytest.fixture
def other_assignment(other_classroom, documents, make_assignment):
    return make_assignment(
        other_classroom,
        title="The view from the other side",
        documents=[documents["korean-war-view-from-the-other-side"]],
        min_highlights=1,
    )


def valid_assignment(document, **changes) -> dict:
    data = {
        "title": "Incheon",
        "instructions": "Find what Stalin knew.",
        "documents": [document.pk],
        "due": "2031-05-01T09:00",
        "min_highlights": "3",
        "suggested_tags": "evidence, motive",
        "required_entries": [],
        "visibility": "after_minimum",
    }
    return {**data, **changes}


def snapshot() -> tuple:
    return (
        sorted(Classroom.objects.values_list("name", "join_code")),
        sorted(Membership.objects.values_list("classroom", "user", "role")),
        sorted(Assignment.objects.values_list("classroom", "title")),
        sorted(Highlight.objects.values_list("pk", "visibility")),
        sorted(ClassHide.objects.values_list("highlight", "classroom")),
        Reply.objects.count(),
    )


def login_as(client, request, role):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))


@pytest.mark.parametrize("role", ["student", "classmate"])
def test_it_shows_students_the_student_variant_of_the_assignment(client, request, assignment, role):
    login_as(client, request, role)

    response = client.get(f"/assignments/{assignment.pk}/")

    assert response.status_code == 200
    names = [template.name for template in response.templates]
    assert "annotations/assignment_student.html" in names
    assert "annotations/assignment_dashboard.html" not in names
    html = response.content.decode()
    assert "Read both articles." in html
    assert 'id="students-heading"' not in html


def test_it_shows_the_teacher_the_dashboard(client, teacher, assignment, student):
    client.force_login(teacher)

    response = client.get(f"/assignments/{assignment.pk}/")

    assert response.status_code == 200
    names = [template.name for template in response.templates]
    assert "annotations/assignment_dashboard.html" in names
    assert "annotations/assignment_student.html" not in names
    html = response.content.decode()
    assert 'id="students-heading"' in html
    assert f'href="/assignments/{assignment.pk}/students/{student.pk}/"' in html


def test_it_shows_the_teacher_the_join_code_and_members_but_not_students(
    client, teacher, student, classroom, assignment
):
    client.force_login(teacher)
    teacher_html = client.get(f"/classes/{classroom.pk}/").content.decode()
    client.force_login(student)
    student_html = client.get(f"/classes/{classroom.pk}/").content.decode()

    code = classroom.join_code
    assert code in teacher_html
    assert f'href="/classes/{classroom.pk}/assignments/new/"' in teacher_html
    assert 'id="members-heading"' in teacher_html
    assert code not in student_html
    assert f'href="/classes/{classroom.pk}/assignments/new/"' not in student_html
    assert 'id="members-heading"' not in student_html
    assert "Stalin and the war" in student_html


@pytest.mark.parametrize("role", ["teacher", "student"])
def test_it_answers_404_for_a_class_or_assignment_that_does_not_exist(
    client, request, student, document, assignment, role
):
    login_as(client, request, role)
    missing = Assignment.objects.order_by("-pk").first().pk + 100
    missing_class = Classroom.objects.order_by("-pk").first().pk + 100

    for url in (
        f"/classes/{missing_class}/",
        f"/classes/{missing_class}/assignments/new/",
        f"/assignments/{missing}/",
        f"/assignments/{missing}/documents/{document.slug}/",
        f"/assignments/{missing}/students/{student.pk}/",
    ):
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("role", ["teacher", "student"])
def test_it_answers_404_for_an_article_not_in_the_assignment(client, request, assignment, role):
    login_as(client, request, role)

    response = client.get(
        f"/assignments/{assignment.pk}/documents/korean-war-view-from-the-other-side/"
    )

    assert response.status_code == 404
    missing = client.get(f"/assignments/{assignment.pk}/documents/no-such-article/")
    assert missing.status_code == 404


@pytest.mark.parametrize("who", ["teacher", "other_student", "outsider"])
def test_it_answers_404_to_the_teacher_for_someone_not_a_student_of_the_class(
    client, request, teacher, assignment, document, who
):
    someone = request.getfixturevalue(who)
    client.force_login(teacher)
    base = f"/assignments/{assignment.pk}"

    assert client.get(f"{base}/students/{someone.pk}/").status_code == 404
    url = f"{base}/documents/{document.slug}/?student={someone.pk}"
    assert client.get(url).status_code == 404


def test_it_lists_only_the_classes_a_user_is_in(
    client, student, teacher, other_student, other_teacher, outsider, classroom, other_classroom
):
    seen = {}
    for user in (student, teacher, other_student, other_teacher, outsider):
        client.force_login(user)
        response = client.get("/classes/")
        assert response.status_code == 200
        html = response.content.decode()
        seen[user.username] = [name for name in ("History 101", "History 102") if name in html]

    assert seen == {
        "student": ["History 101"],
        "teacher": ["History 101"],
        "other_student": ["History 102"],
        "other_teacher": ["History 102"],
        "outsider": [],
    }
    client.force_login(teacher)
    assert "You are its teacher." in client.get("/classes/").content.decode()
    client.force_login(student)
    assert "You are a student." in client.get("/classes/").content.decode()


def test_it_lists_a_students_own_assignments_and_a_teachers_taught_ones(
    client, student, other_student, teacher, outsider, assignment, other_assignment
):
    seen = {}
    for user in (student, other_student, teacher, outsider):
        client.force_login(user)
        response = client.get("/assignments/")
        assert response.status_code == 200
        html = response.content.decode()
        seen[user.username] = [
            title
            for title in ("Stalin and the war", "The view from the other side")
            if title in html
        ]

    assert seen == {
        "student": ["Stalin and the war"],
        "other_student": ["The view from the other side"],
        "teacher": ["Stalin and the war"],  # under "Assignments you teach", not to do
        "outsider": [],
    }


# Joining a class


def memberships_of(user) -> list[tuple[str, str]]:
    return sorted(Membership.objects.filter(user=user).values_list("classroom__name", "role"))


def test_it_joins_a_student_to_the_class_with_the_code(client, outsider, classroom):
    client.force_login(outsider)

    response = client.post(f"/join/{classroom.join_code}/")

    assert response.status_code == 302
    assert response.url == f"/classes/{classroom.pk}/"
    assert memberships_of(outsider) == [("History 101", "student")]
    page = client.get(response.url)
    assert page.status_code == 200
    assert "You joined History 101." in page.content.decode()


def test_it_accepts_the_code_in_lower_case_with_spaces(client, outsider, classroom):
    client.force_login(outsider)
    code = classroom.join_code.lower()

    response = client.post("/join/", {"code": f" {code[:4]} {code[4:]} "}, follow=True)
    assert response.redirect_chain == [(f"/join/{classroom.join_code}/", 302)]
    client.post(response.redirect_chain[-1][0])

    assert memberships_of(outsider) == [("History 101", "student")]


def test_it_keeps_one_membership_when_a_student_joins_twice(client, outsider, classroom):
    client.force_login(outsider)

    client.post(f"/join/{classroom.join_code}/")
    response = client.post(f"/join/{classroom.join_code}/", follow=True)

    assert response.status_code == 200
    assert "You are already in History 101." in response.content.decode()
    assert Membership.objects.filter(user=outsider, classroom=classroom).count() == 1
    assert memberships_of(outsider) == [("History 101", "student")]


def test_it_keeps_a_teacher_who_joins_their_own_class_its_teacher(client, teacher, classroom):
    client.force_login(teacher)

    response = client.post(f"/join/{classroom.join_code}/")

    assert response.status_code == 302
    assert response.url == f"/classes/{classroom.pk}/"
    assert memberships_of(teacher) == [("History 101", "teacher")]


@pytest.mark.parametrize("code", ["ZZZZZZZZZZ", "", "   ", "<b>code</b>"])
def test_it_refuses_a_bad_code_and_changes_nothing(client, outsider, classroom, code):
    client.force_login(outsider)
    before = snapshot()

    response = client.post("/join/", {"code": code})

    assert response.status_code == 422
    html = response.content.decode()
    message = "This field is required." if not code.strip() else "No class has that code."
    assert escape(message) in html
    assert "<b>code</b>" not in html
    assert snapshot() == before
    assert memberships_of(outsider) == []


# Starting a class


@pytest.fixture
def new_teacher(db):
    """A teacher's account (granted by an administrator) with no class yet."""
    user = make_user("new_teacher", "Nam", "Teacher")
    make_teacher(user)
    return user


def test_a_student_cannot_make_themselves_a_teacher(client, outsider):
    """Starting a class would make them one, with the glossary and corrections to follow."""
    client.force_login(outsider)

    response = client.post("/classes/new/", {"name": "Mine"})

    assert response.status_code == 403
    assert "Only teachers can start a class" in response.content.decode()
    assert not Classroom.objects.exists()
    assert client.get("/glossary/new/").status_code == 403
    assert "Start a class" not in client.get("/classes/").content.decode()


def test_it_makes_the_creator_the_teacher_of_a_new_class(client, new_teacher):
    client.force_login(new_teacher)

    response = client.post("/classes/new/", {"name": "  History   103 "})

    classroom = Classroom.objects.get()
    assert response.status_code == 302
    assert response.url == f"/classes/{classroom.pk}/"
    assert classroom.name == "History 103"
    assert JOIN_CODE.fullmatch(classroom.join_code)
    assert memberships_of(new_teacher) == [("History 103", "teacher")]
    page = client.get(response.url).content.decode()
    assert f"Students join with the code {classroom.join_code}." in page


def test_it_gives_each_class_its_own_code(client, new_teacher):
    client.force_login(new_teacher)

    for number in range(5):
        client.post("/classes/new/", {"name": f"Class {number}"})

    codes = list(Classroom.objects.values_list("join_code", flat=True))
    assert len(codes) == 5
    assert len(set(codes)) == 5
    assert all(JOIN_CODE.fullmatch(code) for code in codes)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "This field is required."),
        ("<b>History</b>", "Class name must be plain text"),
        ("x" * 101, "Ensure this value has at most 100 characters"),
        ("\u200b", "A class name needs at least one letter or digit."),
    ],
    ids=["empty", "markup", "too long", "invisible"],
)
def test_it_refuses_a_bad_class_name(client, new_teacher, name, message):
    client.force_login(new_teacher)

    response = client.post("/classes/new/", {"name": name})

    assert response.status_code == 422
    assert escape(message) in response.content.decode()
    assert "<b>History</b>" not in response.content.decode()
    assert not Classroom.objects.exists()
    assert not Membership.objects.exists()


# Setting an assignment


def test_it_sets_an_assignment_for_the_class(
    client, teacher, classroom, document, assignment, stalin
):
    client.force_login(teacher)
    data = valid_assignment(document, required_entries=[stalin.pk], visibility="class")

    response = client.post(f"/classes/{classroom.pk}/assignments/new/", data)

    created = Assignment.objects.get(title="Incheon")
    assert response.status_code == 302
    assert response.url == f"/assignments/{created.pk}/"
    assert created.classroom == classroom
    assert list(created.documents.all()) == [document]
    assert list(created.required_entries.all()) == [stalin]
    assert created.suggested_tags == ["evidence", "motive"]
    assert created.min_highlights == 3
    assert created.visibility == "class"
    assert created.instructions == "Find what Stalin knew."
    assert created.due.year == 2031


BAD_ASSIGNMENTS = {
    "no article": ({"documents": []}, "Choose at least one article."),
    "minimum over 200": ({"min_highlights": "201"}, "Ask for at most 200 highlights."),
    "markup in the title": ({"title": "<b>Incheon</b>"}, "Title must be plain text"),
    "missing due": ({"due": ""}, "This field is required."),
    "due not a date": ({"due": "next Friday"}, "Enter a valid date/time."),
    "markup in the instructions": (
        {"instructions": "<script>alert(1)</script>"},
        "Instructions must be plain text",
    ),
    "unknown visibility": ({"visibility": "public"}, "Select a valid choice."),
    "negative minimum": ({"min_highlights": "-1"}, "Ensure this value is greater than or equal"),
}


@pytest.mark.parametrize(("changes", "message"), BAD_ASSIGNMENTS.values(), ids=BAD_ASSIGNMENTS)
def test_it_refuses_a_bad_assignment_and_creates_nothing(
    client, teacher, classroom, assignment, document, changes, message
):
    client.force_login(teacher)
    before = snapshot()

    response = client.post(
        f"/classes/{classroom.pk}/assignments/new/", valid_assignment(document, **changes)
    )

    assert response.status_code == 422
    html = response.content.decode()
    assert escape(message) in html
    assert "<b>Incheon</b>" not in html
    assert "<script>alert(1)" not in html
    assert snapshot() == before


def test_it_shows_the_teacher_an_empty_assignment_form(client, teacher, classroom, assignment):
    client.force_login(teacher)

    response = client.get(f"/classes/{classroom.pk}/assignments/new/")

    assert response.status_code == 200
    html = response.content.decode()
    for field in ("title", "documents", "due", "min_highlights", "suggested_tags", "visibility"):
        assert f'name="{field}"' in html


def test_the_assignment_form_groups_the_entries_by_kind_with_a_search(
    client, teacher, classroom, glossary
):
    client.force_login(teacher)

    html = page_html(client.get(f"/classes/{classroom.pk}/assignments/new/"))

    field = html.split('class="field glossary-field"', 1)[1].split("</fieldset>", 1)[0]
    assert '<input type="search" id="glossary-search"' in field
    headings = re.findall(r'<p class="subhead">(.*?)</p>', field)
    assert headings[:1] == ["Archive"] and "Person" in headings and "Place" in headings
    assert '<label for="id_title">Title</label>' in html  # no colon, as on the other forms
    assert "js/glossary_field.js" in html


def test_a_refused_assignment_keeps_the_chosen_entries_checked(
    client, teacher, classroom, document, glossary
):
    client.force_login(teacher)
    stalin = glossary["joseph-stalin"]

    response = client.post(
        f"/classes/{classroom.pk}/assignments/new/",
        valid_assignment(document, title="", required_entries=[stalin.pk]),
    )

    assert response.status_code == 422
    html = response.content.decode()
    assert f'value="{stalin.pk}" checked> Joseph Stalin' in html
    assert "The assignment was not saved" in html
