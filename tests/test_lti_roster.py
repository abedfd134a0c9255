"""The roster from the LMS (NRPS) against the platform simulator: a teacher's launch and
the "Sync roster" button bring the course's members in, over every page; those who left
(or are Inactive) leave the class with their highlights kept; nobody becomes a teacher of
anything else; a second sync changes nothing; the access token is asked for once; an LMS
that fails leaves the class as it was and the class page says why."""

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from lti_tool.models import Key, LtiMembership, LtiUser

from annotations.lti.models import ClassLink
from annotations.models import Highlight, Membership
from annotations.teachers import TEACHERS
from tests.helpers import add_class, add_highlight, make_user
from tests.lti_platform import ROLES, launch

User = get_user_model()
TEACHER = "Instructor:grace"
NRPS = "/nrps/course-1950"


@pytest.fixture
def course(lti_platform):
    """The LMS, trusting our keys for its token endpoint, with a course of a teacher,
    a teaching assistant and three students (three pages of two)."""
    lti_platform.tool_jwks = Key.objects.as_jwks()
    lti_platform.members = [
        lti_platform.member(TEACHER, "Instructor", name="Grace Park"),
        lti_platform.member("Learner:ana", name="Ana Silva"),
        lti_platform.member("Learner:ben", name="Ben Okoro"),
        lti_platform.member("TeachingAssistant:tae", "TeachingAssistant", name="Tae Kim"),
        lti_platform.member("Learner:cho", name="Cho Lee"),
    ]
    return lti_platform


def roster() -> set[tuple[str, str]]:
    return set(Membership.objects.values_list("user__lti_users__sub", "role").order_by("user__pk"))


def lms_class():
    return ClassLink.objects.get().classroom


def sync(client):
    return client.post(f"/classes/{lms_class().pk}/roster/sync/", follow=True)


def test_it_brings_the_roster_in_when_a_teacher_launches(client, course):
    response = launch(client, course, "Instructor", login_hint=TEACHER)

    assert roster() == {
        (TEACHER, "teacher"),
        ("TeachingAssistant:tae", "teacher"),
        ("Learner:ana", "student"),
        ("Learner:ben", "student"),
        ("Learner:cho", "student"),
    }
    assert [r.query.get("offset") for r in course.received(NRPS)] == [None, "2", "4"]
    ana = LtiUser.objects.get(sub="Learner:ana").auth_user
    assert (ana.first_name, ana.last_name) == ("Ana", "Silva")
    assert not ana.has_usable_password()
    page = client.get(response.url).content.decode()
    assert "Roster synced from Test LMS: 3 students added, 1 teacher added." in page
    assert "Roster from Test LMS, last synced" in page
    assert page.count("not opened yet") == 4  # all but the teacher who launched


def test_a_student_who_launches_later_is_the_account_the_roster_made(client, course):
    launch(client, course, "Instructor", login_hint=TEACHER)
    client.logout()
    made = User.objects.count()

    launch(client, course, "Learner", login_hint="Learner:ana")

    assert User.objects.count() == made
    ana = LtiUser.objects.get(sub="Learner:ana").auth_user
    assert client.session["_auth_user_id"] == str(ana.pk)
    assert ana.memberships.get().role == "student"


def test_a_second_sync_changes_nothing(client, course):
    launch(client, course, "Instructor", login_hint=TEACHER)
    before = (roster(), User.objects.count(), sorted(User.objects.values_list("username")))

    response = sync(client)

    assert "Roster synced from Test LMS: nothing changed." in response.content.decode()
    assert (roster(), User.objects.count(), sorted(User.objects.values_list("username"))) == (
        before
    )


def test_who_left_the_course_or_is_inactive_leaves_the_class_with_their_highlights(
    client, course, document
):
    launch(client, course, "Instructor", login_hint=TEACHER)
    ana = LtiUser.objects.get(sub="Learner:ana").auth_user
    ben = LtiUser.objects.get(sub="Learner:ben").auth_user
    kept = add_highlight(ana, document, "Stalin was hardly surprised.")
    course.members = [m for m in course.members if m["user_id"] != "Learner:ana"]
    course.members[1]["status"] = "Inactive"  # ben

    response = sync(client)

    assert "Roster synced from Test LMS: 2 left the class." in response.content.decode()
    assert not Membership.objects.filter(user__in=[ana, ben]).exists()
    assert Highlight.objects.get(pk=kept.pk).owner == ana
    # django-lti's record keeps them, inactive.
    assert set(
        LtiMembership.objects.filter(is_active=False).values_list("user__sub", flat=True)
    ) == {
        "Learner:ana",
        "Learner:ben",
    }
    assert roster() == {
        (TEACHER, "teacher"),
        ("TeachingAssistant:tae", "teacher"),
        ("Learner:cho", "student"),
    }


def test_a_sync_makes_nobody_a_teacher_of_anything_else(client, course, classroom, teacher):
    other_class = add_class("History 102", make_user("hana", "Hana", "Choi"))
    course.members += [
        course.member("mentor", "http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor"),
        course.member(
            "admin", "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator"
        ),
    ]
    launch(client, course, "Instructor", login_hint=TEACHER)
    # The LMS now lists the teaching assistant as a learner only: a student here.
    course.members[3]["roles"] = [ROLES["Learner"]]

    response = sync(client)

    assert "1 role changed" in response.content.decode()
    lms_accounts = User.objects.filter(lti_users__isnull=False)
    assert not lms_accounts.filter(groups__name=TEACHERS).exists()
    assert set(
        Membership.objects.filter(user__in=lms_accounts).values_list("classroom", flat=True)
    ) == {lms_class().pk}
    assert ("TeachingAssistant:tae", "student") in roster()
    # No role of ours, no account.
    assert LtiUser.objects.get(sub="mentor").auth_user is None
    assert LtiUser.objects.get(sub="admin").auth_user is None
    assert not other_class.memberships.exclude(user__username="hana").exists()


def test_the_teacher_syncing_stays_even_when_the_lms_does_not_list_them(client, course):
    course.members = course.members[1:]
    launch(client, course, "Instructor", login_hint=TEACHER)
    course.members = []

    response = sync(client)

    assert response.status_code == 200
    assert roster() == {(TEACHER, "teacher")}
    assert "4 left the class" in response.content.decode()


def test_the_access_token_is_asked_for_once_for_two_syncs(client, course):
    launch(client, course, "Instructor", login_hint=TEACHER)
    sync(client)

    assert len(course.received("/token")) == 1
    assert len(course.received(NRPS)) == 6


def test_a_token_the_lms_no_longer_takes_is_asked_for_again(client, course):
    launch(client, course, "Instructor", login_hint=TEACHER)
    course.tokens.clear()  # the LMS forgot the token it gave

    response = sync(client)

    assert "Roster synced from Test LMS: nothing changed." in response.content.decode()
    assert len(course.received("/token")) == 2


def test_a_failing_lms_leaves_the_class_as_it_was_and_says_why(client, course):
    launch(client, course, "Instructor", login_hint=TEACHER)
    before = roster()
    course.members = course.members[:1]
    course.fail_next(NRPS)

    response = sync(client)

    assert roster() == before
    page = response.content.decode()
    assert "The roster could not be read from Test LMS: the LMS answered 500" in page
    assert "Roster from Test LMS, last synced" in page
    assert "The class is as it was at the last sync." in page
    link = ClassLink.objects.get()
    assert link.roster_failed is not None and link.roster_synced is not None


def test_a_failure_on_a_later_page_changes_nothing_either(client, course):
    launch(client, course, "Instructor", login_hint=TEACHER)
    before = roster()
    course.members = course.members[:3]  # ana stays, ben and the others left
    first_page = course.memberships

    def then_failing(path, query):
        course.fail_next(NRPS)  # the next page answers 500
        return first_page(path, query)

    course.memberships = then_failing

    response = sync(client)

    assert "the LMS answered 500" in response.content.decode()
    assert roster() == before


def test_a_teachers_launch_goes_on_when_the_lms_roster_is_down(client, course):
    course.tool_jwks = None  # the token endpoint refuses our assertion

    response = launch(client, course, "Instructor", login_hint=TEACHER)

    assert response.status_code == 302
    assert roster() == {(TEACHER, "teacher")}
    page = client.get(response.url).content.decode()
    assert "The roster could not be read from Test LMS: the LMS answered 401" in page
    assert "Roster from Test LMS, not synced yet." in page
    assert len(course.received("/token")) == 1  # a refused assertion is not sent again


def test_a_students_launch_reads_no_roster(client, course):
    launch(client, course, "Learner", login_hint="Learner:ana")

    assert course.received(NRPS) == []
    assert roster() == {("Learner:ana", "student")}


def test_it_follows_the_next_page_as_the_lms_wrote_it(client, course):
    course.context_id = "Course-1950"  # capitals pylti1p3 would lower-case

    launch(client, course, "Instructor", login_hint=TEACHER)

    assert {r.path for r in course.received("/nrps/Course-1950")} == {"/nrps/Course-1950"}
    assert len(course.received("/nrps/Course-1950")) == 3
    assert course.received("/nrps/course-1950") == []


# The button: the class's teacher only, on an LMS's class, not archived.


def test_only_the_classs_teacher_may_sync(client, course):
    launch(client, course, "Instructor", login_hint=TEACHER)
    client.logout()
    launch(client, course, "Learner", login_hint="Learner:ana")

    response = client.post(f"/classes/{lms_class().pk}/roster/sync/")

    assert response.status_code == 403


def test_an_archived_class_is_not_synced(client, course):
    launch(client, course, "Instructor", login_hint=TEACHER)
    room = lms_class()
    room.archived = timezone.now()
    room.save()
    before = roster()
    course.members = []

    assert client.post(f"/classes/{room.pk}/roster/sync/").status_code == 403
    assert roster() == before
    assert "Sync roster" not in client.get(f"/classes/{room.pk}/").content.decode()


def test_a_class_without_an_lms_has_no_roster_to_sync(client, teacher, classroom):
    client.force_login(teacher)

    response = client.post(f"/classes/{classroom.pk}/roster/sync/")

    assert response.status_code == 404
    assert "Sync roster" not in client.get(f"/classes/{classroom.pk}/").content.decode()


def test_an_outsider_gets_404_and_a_get_405(client, course, outsider):
    launch(client, course, "Instructor", login_hint=TEACHER)
    url = f"/classes/{lms_class().pk}/roster/sync/"

    assert client.get(url).status_code == 405
    client.force_login(outsider)
    assert client.post(url).status_code == 404


def test_the_class_page_offers_the_button(client, course):
    response = launch(client, course, "Instructor", login_hint=TEACHER)

    page = client.get(response.url).content.decode()
    assert f'action="/classes/{lms_class().pk}/roster/sync/"' in page
    assert ">Sync roster</button>" in page


def test_rows_it_cannot_use_are_skipped_and_the_others_synced(client, course):
    no_status = course.member("Learner:dae", name="Dae Han")
    no_status.pop("status")  # NRPS's default: Active
    course.members = [
        course.members[0],
        no_status,
        {**course.member("Learner:eun", name="Eun Seo"), "status": ["Active"]},
        {"roles": ["Learner"], "name": "No Id"},
        {**course.member("Learner:fay"), "user_id": "Learner:fay\x00"},
        "not a member",
    ]

    response = launch(client, course, "Instructor", login_hint=TEACHER)

    assert roster() == {
        (TEACHER, "teacher"),
        ("Learner:dae", "student"),
        ("Learner:eun", "student"),
    }
    page = client.get(response.url).content.decode()
    assert "Roster synced from Test LMS: 2 students added." in page
