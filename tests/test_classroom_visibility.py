"""Who sees a student's highlights, under each assignment rule and outside assignments.

The rules live in Highlight.objects.visible_to; the reading views (plain and within an
assignment) and the card endpoint must all follow them.
"""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser

from annotations.models import Highlight, Membership, Reply

SLUG = "stalin-and-korean-war"
VIEWERS = ["student", "teacher", "classmate", "other_student", "other_teacher", "outsider"]
MEMBERS = ["student", "teacher", "classmate"]
BOTH = {"shared", "only me"}

# Which of the student's two assignment highlights ("My class" and "Only me") each viewer
# sees, under each rule; the classmate has made no highlight of their own.
EXPECTED = {
    "private": {"student": BOTH, "teacher": BOTH, "classmate": set()},
    "class": {"student": BOTH, "teacher": BOTH, "classmate": {"shared"}},
    "after_minimum": {"student": BOTH, "teacher": BOTH, "classmate": set()},
}
# The article outside any assignment: a student of an assignment that sets it would be
# taken into that assignment without `?outside=1`.
LIBRARY_VIEW = f"/documents/{SLUG}/?outside=1"
CLASSMATE_PHRASES = ["Soviet dictator", "Pak Myong-rim", "amphibious operation"]


@pytest.fixture
def cast(classroom, other_classroom, outsider):
    """Everyone: History 101 (teacher, student, classmate), History 102, and an outsider."""


@pytest.fixture
def under_rule(classroom, documents, make_assignment):
    """History 101's assignment over two articles, under the visibility rule given."""

    def make(visibility, *, minimum=2, title=None):
        return make_assignment(
            classroom,
            title=title or f"Rule {visibility}",
            documents=[documents[SLUG], documents["stalins-hot-war"]],
            min_highlights=minimum,
            suggested_tags=["evidence", "motive"],
            visibility=visibility,
        )

    return make


@pytest.fixture
def make_work(make_highlight):
    """A highlight made for an assignment (None: outside assignments)."""

    def make(owner, phrase, assignment, visibility="private", **fields):
        return make_highlight(owner, phrase, visibility=visibility, assignment=assignment, **fields)

    return make


def student_work(make_work, student, assignment) -> dict[str, Highlight]:
    return {
        "shared": make_work(student, "Stalin was hardly surprised.", assignment, "class"),
        "only me": make_work(student, "Incheon landing", assignment, "private"),
    }


def seen_by(user, highlights: dict[str, Highlight]) -> set[str]:
    """Which of `highlights` (by name) visible_to lets `user` see."""
    visible = set(
        Highlight.objects.visible_to(user)
        .filter(pk__in=[h.pk for h in highlights.values()])
        .values_list("pk", flat=True)
    )
    return {name for name, highlight in highlights.items() if highlight.pk in visible}


def painted_ids(html: str) -> set[int]:
    """The highlights a reading view paints (each has a jump target where it starts)."""
    return {int(pk) for pk in re.findall(r'<span id="h-(\d+)" data-end="\d+"></span>', html)}


def painted_names(client, url: str, highlights: dict[str, Highlight]) -> set[str]:
    response = client.get(url)
    assert response.status_code == 200, url
    painted = painted_ids(response.content.decode())
    return {name for name, highlight in highlights.items() if highlight.pk in painted}


def cards_seen(client, highlights: dict[str, Highlight]) -> set[str]:
    seen = set()
    for name, highlight in highlights.items():
        status = client.get(f"/highlights/{highlight.pk}/").status_code
        assert status in (200, 404), (name, status)
        if status == 200:
            seen.add(name)
    return seen


def cast_user(client, username: str):
    user = get_user_model().objects.get(username=username)
    client.force_login(user)
    return user


def reading_url(assignment) -> str:
    return f"/assignments/{assignment.pk}/documents/{SLUG}/"


# The three rules, for everyone


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("rule", EXPECTED)
def test_it_lets_each_viewer_see_what_the_rule_allows(
    request, client, cast, student, under_rule, make_work, rule, viewer
):
    assignment = under_rule(rule)
    work = student_work(make_work, student, assignment)
    user = request.getfixturevalue(viewer)
    expected = EXPECTED[rule].get(viewer, set())

    assert seen_by(user, work) == expected
    client.force_login(user)
    assert cards_seen(client, work) == expected
    assert painted_names(client, LIBRARY_VIEW, work) == expected
    if viewer in MEMBERS:
        assert painted_names(client, reading_url(assignment), work) == expected
    else:
        assert client.get(reading_url(assignment)).status_code == 404


@pytest.mark.parametrize("rule", EXPECTED)
def test_it_shows_nothing_to_anonymous_visitors(client, cast, student, under_rule, make_work, rule):
    work = student_work(make_work, student, under_rule(rule))

    assert seen_by(AnonymousUser(), work) == set()
    assert painted_names(client, LIBRARY_VIEW, work) == set()


@pytest.mark.parametrize("rule", EXPECTED)
def test_it_tells_the_student_that_the_teacher_sees_everything(
    client, cast, student, under_rule, rule
):
    assignment = under_rule(rule)
    client.force_login(student)

    html = client.get(f"/assignments/{assignment.pk}/").content.decode()

    assert "Your teacher sees every highlight you make for this assignment." in html


# After the minimum: at the boundary, and per assignment


@pytest.mark.parametrize(
    ("made", "expected"), [(0, set()), (1, set()), (2, {"shared"}), (3, {"shared"})]
)
def test_it_shares_with_a_classmate_once_they_made_the_minimum(
    client, cast, student, classmate, under_rule, make_work, made, expected
):
    assignment = under_rule("after_minimum", minimum=2)
    work = student_work(make_work, student, assignment)
    for phrase in CLASSMATE_PHRASES[:made]:
        make_work(classmate, phrase, assignment)

    assert seen_by(classmate, work) == expected
    client.force_login(classmate)
    assert cards_seen(client, work) == expected
    assert painted_names(client, reading_url(assignment), work) == expected
    assert painted_names(client, LIBRARY_VIEW, work) == expected


def test_it_counts_a_classmates_highlights_in_that_assignment_only(
    client, cast, student, classmate, under_rule, make_work
):
    first = under_rule("after_minimum", minimum=2, title="First")
    second = under_rule("after_minimum", minimum=2, title="Second")
    work = {
        "first": make_work(student, "Stalin was hardly surprised.", first, "class"),
        "second": make_work(student, "Incheon landing", second, "class"),
    }
    make_work(classmate, "Soviet dictator", first)  # 1 of 2 in the first
    make_work(classmate, "Pak Myong-rim", second)  # 2 of 2 in the second
    make_work(classmate, "amphibious operation", second)
    make_work(classmate, "complete surprise", None)  # outside assignments: counts for none
    make_work(classmate, "large-scale landing", None)

    assert seen_by(classmate, work) == {"second"}
    client.force_login(classmate)
    assert cards_seen(client, work) == {"second"}
    assert painted_names(client, reading_url(first), work) == set()
    assert painted_names(client, reading_url(second), work) == {"second"}


def test_it_shares_at_once_when_the_minimum_is_zero(
    cast, student, classmate, under_rule, make_work
):
    assignment = under_rule("after_minimum", minimum=0)
    work = student_work(make_work, student, assignment)

    assert seen_by(classmate, work) == {"shared"}


def test_it_never_shares_only_me_highlights_however_many_a_classmate_made(
    cast, student, classmate, under_rule, make_work
):
    assignment = under_rule("after_minimum", minimum=1)
    work = student_work(make_work, student, assignment)
    for phrase in CLASSMATE_PHRASES:
        make_work(classmate, phrase, assignment)

    assert seen_by(classmate, work) == {"shared"}


@pytest.mark.parametrize("rule", EXPECTED)
def test_it_lets_the_owner_see_their_own_whatever_they_made(
    cast, student, under_rule, make_work, rule
):
    assignment = under_rule(rule, minimum=5)
    work = {"only": make_work(student, "Incheon landing", assignment, "private")}

    assert seen_by(student, work) == {"only"}


# Other classes


@pytest.mark.parametrize("rule", EXPECTED)
def test_it_keeps_assignment_work_from_another_class_even_when_the_student_is_in_it(
    client,
    cast,
    student,
    other_classroom,
    other_teacher,
    other_student,
    under_rule,
    make_work,
    rule,
):
    Membership.objects.create(classroom=other_classroom, user=student, role="student")
    assignment = under_rule(rule, minimum=0)
    work = student_work(make_work, student, assignment)
    work["outside, shared"] = make_work(student, "Gimpo airfield", None, "class")

    for user in (other_teacher, other_student):
        assert seen_by(user, work) == {"outside, shared"}
        client.force_login(user)
        assert cards_seen(client, work) == {"outside, shared"}


def test_it_does_not_count_another_classs_work_towards_the_minimum(
    cast, student, other_student, other_classroom, under_rule, make_assignment, make_work, documents
):
    assignment = under_rule("after_minimum", minimum=1)
    work = student_work(make_work, student, assignment)
    elsewhere = make_assignment(
        other_classroom,
        title="Elsewhere",
        documents=[documents[SLUG]],
        min_highlights=1,
        visibility="after_minimum",
    )
    for phrase in CLASSMATE_PHRASES:
        make_work(other_student, phrase, elsewhere)

    assert seen_by(other_student, work) == set()


# Hidden highlights


@pytest.mark.parametrize("rule", ["class", "after_minimum"])
def test_it_hides_a_hidden_highlight_from_classmates_only(
    client, cast, student, teacher, classmate, under_rule, make_work, rule
):
    assignment = under_rule(rule, minimum=1)
    make_work(classmate, "Soviet dictator", assignment)  # the classmate made the minimum
    work = {
        "hidden": make_work(
            student, "Stalin was hardly surprised.", assignment, "class", hidden=True
        ),
        "shown": make_work(student, "Incheon landing", assignment, "class"),
    }

    assert seen_by(student, work) == {"hidden", "shown"}
    assert seen_by(teacher, work) == {"hidden", "shown"}
    assert seen_by(classmate, work) == {"shown"}
    client.force_login(classmate)
    assert cards_seen(client, work) == {"shown"}
    assert painted_names(client, reading_url(assignment), work) == {"shown"}
    assert painted_names(client, LIBRARY_VIEW, work) == {"shown"}
    for user in (student, teacher):
        client.force_login(user)
        assert cards_seen(client, work) == {"hidden", "shown"}
    assert painted_names(client, reading_url(assignment) + "?hidden=1", work) == {"hidden", "shown"}
    # Unpainted for the teacher unless asked for (a flood they hid does not cover the page).
    assert painted_names(client, reading_url(assignment), work) == {"shown"}
    client.force_login(student)
    assert painted_names(client, reading_url(assignment), work) == {"hidden", "shown"}


def test_it_tells_the_owner_that_the_teacher_hid_their_highlight(
    client, cast, student, teacher, under_rule, make_work
):
    assignment = under_rule("class")
    hidden = make_work(student, "Stalin was hardly surprised.", assignment, "class", hidden=True)
    shown = make_work(student, "Incheon landing", assignment, "class")

    client.force_login(student)
    owner_card = client.get(f"/highlights/{hidden.pk}/").content.decode()
    shown_card = client.get(f"/highlights/{shown.pk}/").content.decode()
    client.force_login(teacher)
    teacher_card = client.get(f"/highlights/{hidden.pk}/").content.decode()

    assert "Your teacher hid this from the class; you still see it" in owner_card
    assert "Hidden from the class" not in owner_card
    assert "hid this" not in shown_card
    assert "Hidden from the class" in teacher_card
    assert "Your teacher hid this" not in teacher_card


# Outside assignments: the rules from before classes had assignments


def test_it_keeps_the_old_rules_outside_assignments(client, cast, student, make_work):
    work = {
        "class": make_work(student, "Stalin was hardly surprised.", None, "class"),
        "private": make_work(student, "Incheon landing", None, "private"),
    }
    expected = {
        "student": {"class", "private"},
        "classmate": {"class"},
        "teacher": {"class"},
        "other_student": set(),
        "other_teacher": set(),
        "outsider": set(),
    }

    for viewer, sees in expected.items():
        user = cast_user(client, viewer)
        assert seen_by(user, work) == sees, viewer
        assert cards_seen(client, work) == sees, viewer
        assert painted_names(client, LIBRARY_VIEW, work) == sees, viewer


def test_it_hides_a_hidden_class_highlight_outside_assignments_from_classmates(
    cast, student, teacher, classmate, make_work
):
    work = {
        "hidden": make_work(student, "Stalin was hardly surprised.", None, "class", hidden=True)
    }

    assert seen_by(student, work) == {"hidden"}
    assert seen_by(teacher, work) == {"hidden"}
    assert seen_by(classmate, work) == set()


def test_it_asks_about_hides_only_in_a_class_that_has_some(
    cast, student, classmate, under_rule, make_work
):
    """The rules are built from the viewer's lists (models.Viewer): a class without hides
    costs no hide subquery, and the class's first hide is asked about at once."""
    assignment = under_rule("class")
    work = {
        "in the assignment": make_work(student, "Incheon landing", assignment, "class"),
        "outside": make_work(student, "Soviet dictator", None, "class"),
    }

    assert "annotations_classhide" not in str(Highlight.objects.visible_to(classmate).query)
    assert "annotations_classhide" not in str(Reply.objects.visible_to(classmate).query)
    assert seen_by(classmate, work) == {"in the assignment", "outside"}

    work["hidden"] = make_work(student, "Stalin was hardly surprised.", None, "class", hidden=True)

    assert "annotations_classhide" in str(Highlight.objects.visible_to(classmate).query)
    assert "annotations_classhide" in str(Reply.objects.visible_to(classmate).query)
    assert seen_by(classmate, work) == {"in the assignment", "outside"}
    assert seen_by(student, work) == {"in the assignment", "outside", "hidden"}


def test_it_shows_only_the_assignments_highlights_in_its_reading_view(
    client, cast, student, classmate, under_rule, make_work
):
    assignment = under_rule("class")
    other = under_rule("class", title="Another")
    work = {
        "this assignment": make_work(student, "Stalin was hardly surprised.", assignment, "class"),
        "another assignment": make_work(student, "Incheon landing", other, "class"),
        "no assignment": make_work(student, "Gimpo airfield", None, "class"),
    }
    client.force_login(classmate)

    assert painted_names(client, reading_url(assignment), work) == {"this assignment"}
    assert painted_names(client, LIBRARY_VIEW, work) == set(work)


def test_it_narrows_the_teachers_reading_view_to_one_student(
    client, cast, student, classmate, teacher, under_rule, make_work
):
    assignment = under_rule("private")
    work = {
        "student": make_work(student, "Stalin was hardly surprised.", assignment),
        "classmate": make_work(classmate, "Soviet dictator", assignment),
    }
    client.force_login(teacher)

    assert painted_names(client, reading_url(assignment), work) == {"student", "classmate"}
    url = f"{reading_url(assignment)}?student={classmate.pk}"
    assert painted_names(client, url, work) == {"classmate"}
