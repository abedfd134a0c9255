"""Who may do what with classes and assignments: a matrix of roles against views.

404 for what a user may not see (a class they are not in, and all that is in it); 403
for what a student of the class may see but not do (set work, moderate, follow others).
"""

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from annotations.models import (
    Assignment,
    Classroom,
    GlossaryEntry,
    Highlight,
    Membership,
    Reply,
)
from annotations.teachers import make_teacher
from tests.helpers import make_user

ROLES = ["anonymous", "student", "classmate", "other_student", "teacher", "other_teacher"]
LOGIN = "login"  # expected: a redirect to the login page
JOIN_CODE = re.compile(r"[A-HJ-NP-Z2-9]{8}")  # no 0/O, 1/I/L


@pytest.fixture
def stalin(db):
    return GlossaryEntry.objects.create(
        kind="person", name="Joseph Stalin", slug="joseph-stalin", summary="Soviet leader."
    )


@pytest.fixture
def assignment(classroom, documents, stalin):
    """History 101's assignment over two articles; classmates see what is shared."""
    assignment = Assignment.objects.create(
        classroom=classroom,
        title="Stalin and the war",
        instructions="Read both articles.",
        due=timezone.now() + timedelta(days=7),
        min_highlights=2,
        suggested_tags=["evidence", "motive"],
        visibility=Assignment.Visibility.CLASS,
    )
    assignment.documents.set([documents["stalin-and-korean-war"], documents["stalins-hot-war"]])
    assignment.required_entries.set([stalin])
    return assignment


@pytest.fixture
def other_assignment(other_classroom, documents):
    assignment = Assignment.objects.create(
        classroom=other_classroom,
        title="The view from the other side",
        due=timezone.now() + timedelta(days=7),
        min_highlights=1,
    )
    assignment.documents.set([documents["korean-war-view-from-the-other-side"]])
    return assignment


@pytest.fixture
def shared(student, assignment, make_highlight):
    """The student's highlight in the assignment, shared with the class."""
    highlight = make_highlight(student, "Stalin was hardly surprised.", visibility="class")
    highlight.assignment = assignment
    highlight.save()
    return highlight


@pytest.fixture
def world(classroom, other_classroom, assignment, shared, student, document):
    return SimpleNamespace(
        classroom=classroom,
        assignment=assignment,
        highlight=shared,
        student=student,
        document=document,
    )


def valid_assignment(world, **changes) -> dict:
    data = {
        "title": "Incheon",
        "instructions": "Find what Stalin knew.",
        "documents": [world.document.pk],
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
        sorted(Highlight.objects.values_list("pk", "hidden")),
        Reply.objects.count(),
    )


def login_as(client, request, role):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))


def assert_sent_to_login(response, url):
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=")
    assert response.url.split("?next=")[1].split("%3F")[0] == url.split("?")[0]


# (method, URL, data): what each view is asked.
VIEWS = {
    "classes": lambda w: ("get", "/classes/", None),
    "class_create": lambda w: ("get", "/classes/new/", None),
    "class_create post": lambda w: ("post", "/classes/new/", {"name": "History 103"}),
    "class_join": lambda w: ("get", "/classes/join/", None),
    "class_join post": lambda w: ("post", "/classes/join/", {"code": w.classroom.join_code}),
    "class": lambda w: ("get", f"/classes/{w.classroom.pk}/", None),
    "assignment_create": lambda w: ("get", f"/classes/{w.classroom.pk}/assignments/new/", None),
    "assignment_create post": lambda w: (
        "post",
        f"/classes/{w.classroom.pk}/assignments/new/",
        valid_assignment(w),
    ),
    "my_assignments": lambda w: ("get", "/assignments/", None),
    "assignment": lambda w: ("get", f"/assignments/{w.assignment.pk}/", None),
    "assignment_document": lambda w: (
        "get",
        f"/assignments/{w.assignment.pk}/documents/{w.document.slug}/",
        None,
    ),
    "assignment_document ?student=": lambda w: (
        "get",
        f"/assignments/{w.assignment.pk}/documents/{w.document.slug}/?student={w.student.pk}",
        None,
    ),
    "assignment_student": lambda w: (
        "get",
        f"/assignments/{w.assignment.pk}/students/{w.student.pk}/",
        None,
    ),
    "highlight_hide": lambda w: ("post", f"/highlights/{w.highlight.pk}/hide/", {"hidden": "1"}),
    "reply_create": lambda w: (
        "post",
        f"/highlights/{w.highlight.pk}/replies/",
        {"text": "Which date?"},
    ),
}

# Expected status per role, in the order of ROLES:
# anonymous, student, classmate, other_student, teacher, other_teacher.
EXPECTED = {
    "classes": (LOGIN, 200, 200, 200, 200, 200),
    # Starting a class takes a teacher's standing (annotations.teachers).
    "class_create": (LOGIN, 403, 403, 403, 200, 200),
    "class_create post": (LOGIN, 403, 403, 403, 302, 302),
    "class_join": (LOGIN, 200, 200, 200, 200, 200),
    "class_join post": (LOGIN, 302, 302, 302, 302, 302),
    "class": (LOGIN, 200, 200, 404, 200, 404),
    "assignment_create": (LOGIN, 403, 403, 404, 200, 404),
    "assignment_create post": (LOGIN, 403, 403, 404, 302, 404),
    "my_assignments": (LOGIN, 200, 200, 200, 200, 200),
    "assignment": (LOGIN, 200, 200, 404, 200, 404),
    "assignment_document": (LOGIN, 200, 200, 404, 200, 404),
    "assignment_document ?student=": (LOGIN, 403, 403, 404, 200, 404),
    "assignment_student": (LOGIN, 403, 403, 404, 200, 404),
    "highlight_hide": (LOGIN, 403, 403, 404, 302, 404),
    "reply_create": (LOGIN, 403, 403, 404, 302, 404),
}

MATRIX = [
    pytest.param(view, role, status, id=f"{view}-{role}")
    for view, statuses in EXPECTED.items()
    for role, status in zip(ROLES, statuses, strict=True)
]


@pytest.mark.parametrize(("view", "role", "expected"), MATRIX)
def test_it_answers_each_role_as_the_matrix_says(client, request, world, view, role, expected):
    method, url, data = VIEWS[view](world)
    login_as(client, request, role)
    before = snapshot()

    response = getattr(client, method)(url, data) if data else getattr(client, method)(url)

    if expected == LOGIN:
        assert_sent_to_login(response, url)
    else:
        assert response.status_code == expected
        if expected == 302:
            assert not response.url.startswith("/accounts/login/")
    if expected in (LOGIN, 403, 404) or method == "get":
        assert snapshot() == before


@pytest.mark.parametrize("role", ["student", "classmate"])
def test_it_shows_students_the_student_variant_of_the_assignment(client, request, world, role):
    login_as(client, request, role)

    response = client.get(f"/assignments/{world.assignment.pk}/")

    assert response.status_code == 200
    names = [template.name for template in response.templates]
    assert "annotations/assignment_student.html" in names
    assert "annotations/assignment_dashboard.html" not in names
    html = response.content.decode()
    assert "Read both articles." in html
    assert 'id="students-heading"' not in html


def test_it_shows_the_teacher_the_dashboard(client, teacher, world):
    client.force_login(teacher)

    response = client.get(f"/assignments/{world.assignment.pk}/")

    assert response.status_code == 200
    names = [template.name for template in response.templates]
    assert "annotations/assignment_dashboard.html" in names
    assert "annotations/assignment_student.html" not in names
    html = response.content.decode()
    assert 'id="students-heading"' in html
    assert f'href="/assignments/{world.assignment.pk}/students/{world.student.pk}/"' in html


def test_it_shows_the_teacher_the_join_code_and_members_but_not_students(
    client, teacher, student, world
):
    client.force_login(teacher)
    teacher_html = client.get(f"/classes/{world.classroom.pk}/").content.decode()
    client.force_login(student)
    student_html = client.get(f"/classes/{world.classroom.pk}/").content.decode()

    code = world.classroom.join_code
    assert code in teacher_html
    assert f'href="/classes/{world.classroom.pk}/assignments/new/"' in teacher_html
    assert 'id="members-heading"' in teacher_html
    assert code not in student_html
    assert f'href="/classes/{world.classroom.pk}/assignments/new/"' not in student_html
    assert 'id="members-heading"' not in student_html
    assert "Stalin and the war" in student_html


@pytest.mark.parametrize("role", ["teacher", "student"])
def test_it_answers_404_for_a_class_or_assignment_that_does_not_exist(client, request, world, role):
    login_as(client, request, role)
    missing = Assignment.objects.order_by("-pk").first().pk + 100
    missing_class = Classroom.objects.order_by("-pk").first().pk + 100

    for url in (
        f"/classes/{missing_class}/",
        f"/classes/{missing_class}/assignments/new/",
        f"/assignments/{missing}/",
        f"/assignments/{missing}/documents/{world.document.slug}/",
        f"/assignments/{missing}/students/{world.student.pk}/",
    ):
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("role", ["teacher", "student"])
def test_it_answers_404_for_an_article_not_in_the_assignment(client, request, world, role):
    login_as(client, request, role)

    response = client.get(
        f"/assignments/{world.assignment.pk}/documents/korean-war-view-from-the-other-side/"
    )

    assert response.status_code == 404
    missing = client.get(f"/assignments/{world.assignment.pk}/documents/no-such-article/")
    assert missing.status_code == 404


@pytest.mark.parametrize("who", ["teacher", "other_student", "outsider"])
def test_it_answers_404_to_the_teacher_for_someone_not_a_student_of_the_class(
    client, request, teacher, world, who
):
    someone = request.getfixturevalue(who)
    client.force_login(teacher)
    base = f"/assignments/{world.assignment.pk}"

    assert client.get(f"{base}/students/{someone.pk}/").status_code == 404
    url = f"{base}/documents/{world.document.slug}/?student={someone.pk}"
    assert client.get(url).status_code == 404


def test_it_lists_only_the_classes_a_user_is_in(
    client, student, teacher, other_student, other_teacher, outsider, world
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


def test_it_lists_only_a_students_own_assignments(
    client, student, other_student, teacher, outsider, world, other_assignment
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
        "teacher": [],  # a teacher sets assignments; they are not theirs to do
        "outsider": [],
    }


# Joining a class


def memberships_of(user) -> list[tuple[str, str]]:
    return sorted(Membership.objects.filter(user=user).values_list("classroom__name", "role"))


def test_it_joins_a_student_to_the_class_with_the_code(client, outsider, classroom):
    client.force_login(outsider)

    response = client.post("/classes/join/", {"code": classroom.join_code})

    assert response.status_code == 302
    assert response.url == f"/classes/{classroom.pk}/"
    assert memberships_of(outsider) == [("History 101", "student")]
    page = client.get(response.url)
    assert page.status_code == 200
    assert "You joined History 101." in page.content.decode()


def test_it_accepts_the_code_in_lower_case_with_spaces(client, outsider, classroom):
    client.force_login(outsider)
    code = classroom.join_code.lower()

    response = client.post("/classes/join/", {"code": f" {code[:4]} {code[4:]} "})

    assert response.status_code == 302
    assert memberships_of(outsider) == [("History 101", "student")]


def test_it_keeps_one_membership_when_a_student_joins_twice(client, outsider, classroom):
    client.force_login(outsider)

    client.post("/classes/join/", {"code": classroom.join_code})
    response = client.post("/classes/join/", {"code": classroom.join_code}, follow=True)

    assert response.status_code == 200
    assert "You are already in History 101." in response.content.decode()
    assert Membership.objects.filter(user=outsider, classroom=classroom).count() == 1
    assert memberships_of(outsider) == [("History 101", "student")]


def test_it_keeps_a_teacher_who_joins_their_own_class_its_teacher(client, teacher, classroom):
    client.force_login(teacher)

    response = client.post("/classes/join/", {"code": classroom.join_code})

    assert response.status_code == 302
    assert response.url == f"/classes/{classroom.pk}/"
    assert memberships_of(teacher) == [("History 101", "teacher")]


@pytest.mark.parametrize("code", ["ZZZZZZZZ", "", "   ", "<b>code</b>"])
def test_it_refuses_a_bad_code_and_changes_nothing(client, outsider, classroom, code):
    client.force_login(outsider)
    before = snapshot()

    response = client.post("/classes/join/", {"code": code})

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


def test_it_sets_an_assignment_for_the_class(client, teacher, world, stalin):
    client.force_login(teacher)
    data = valid_assignment(world, required_entries=[stalin.pk], visibility="class")

    response = client.post(f"/classes/{world.classroom.pk}/assignments/new/", data)

    created = Assignment.objects.get(title="Incheon")
    assert response.status_code == 302
    assert response.url == f"/assignments/{created.pk}/"
    assert created.classroom == world.classroom
    assert list(created.documents.all()) == [world.document]
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
def test_it_refuses_a_bad_assignment_and_creates_nothing(client, teacher, world, changes, message):
    client.force_login(teacher)
    before = snapshot()

    response = client.post(
        f"/classes/{world.classroom.pk}/assignments/new/", valid_assignment(world, **changes)
    )

    assert response.status_code == 422
    html = response.content.decode()
    assert escape(message) in html
    assert "<b>Incheon</b>" not in html
    assert "<script>alert(1)" not in html
    assert snapshot() == before


def test_it_shows_the_teacher_an_empty_assignment_form(client, teacher, world):
    client.force_login(teacher)

    response = client.get(f"/classes/{world.classroom.pk}/assignments/new/")

    assert response.status_code == 200
    html = response.content.decode()
    for field in ("title", "documents", "due", "min_highlights", "suggested_tags", "visibility"):
        assert f'name="{field}"' in html


# Methods and CSRF


WRONG_METHODS = [
    ("post", "classes"),
    ("put", "class_create"),
    ("delete", "class_join"),
    ("post", "class"),
    ("put", "assignment_create"),
    ("post", "my_assignments"),
    ("post", "assignment"),
    ("post", "assignment_document"),
    ("post", "assignment_student"),
    ("get", "highlight_hide"),
    ("get", "reply_create"),
    ("put", "reply_create"),
]


@pytest.mark.parametrize(
    ("method", "view"), WRONG_METHODS, ids=[f"{m}-{v}" for m, v in WRONG_METHODS]
)
def test_it_refuses_other_methods(client, teacher, world, method, view):
    client.force_login(teacher)
    _, url, _ = VIEWS[view](world)
    before = snapshot()

    response = getattr(client, method)(url)

    assert response.status_code == 405
    assert snapshot() == before


@pytest.mark.parametrize(
    "view", ["class_create post", "class_join post", "highlight_hide", "reply_create"]
)
def test_it_needs_the_csrf_token(outsider, new_teacher, teacher, world, view):
    client = Client(enforce_csrf_checks=True)
    user = {"class_create post": new_teacher, "class_join post": outsider}.get(view, teacher)
    client.force_login(user)
    _, url, data = VIEWS[view](world)
    before = snapshot()

    response = client.post(url, data)

    assert response.status_code == 403
    assert snapshot() == before
