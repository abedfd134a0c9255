"""Grades back to the LMS through the outbox (annotations/lti/grades.py), against the
platform simulator: what a highlight queues, what `send_grades` posts, retries with
backoff, one token for several sends, "Send grades", two senders at once."""

import json
import threading
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone
from lti_tool.models import Key, LtiContext, LtiResourceLink, LtiUser

from annotations.lti.grades import GIVE_UP_AFTER, Score, progress_changed, queue_score, send_due
from annotations.lti.models import AssignmentLink, ClassLink, GradeSend
from tests.helpers import PHRASE, add_assignment, add_highlight, make_user, selection
from tests.lti_platform import SCORE_MEDIA_TYPE, launch

PHRASES = [PHRASE, "Kim Il-sung had reported", "Gimpo airfield"]


def launched(platform, hint: str) -> Client:
    client = Client()
    assert launch(client, platform, hint.split(":")[0], login_hint=hint).status_code == 302
    return client


@pytest.fixture
def course(lti_platform, documents):
    """A course launched by its teacher, an assignment linked to a line item, and a
    student who launched it (the AGS claim naming the line item)."""
    lti_platform.tool_jwks = Key.objects.as_jwks()
    line_item = lti_platform.add_line_item(label="Stalin and the war")
    teacher = launched(lti_platform, "Instructor:grace")
    classroom = ClassLink.objects.get().classroom
    document = documents["stalin-and-korean-war"]
    assignment = add_assignment(classroom, documents=[document], min_highlights=2)
    link = AssignmentLink.objects.create(
        resource_link=LtiResourceLink.objects.get(), assignment=assignment
    )
    claims = lti_platform.ags_claim(line_item)
    for hint in ("Learner:ana", "Learner:bo"):
        lti_platform.claims_for_hint[hint] = claims
    student = launched(lti_platform, "Learner:ana")
    return SimpleNamespace(
        platform=lti_platform,
        teacher=teacher,
        student=student,
        user=LtiUser.objects.get(sub="Learner:ana").auth_user,
        assignment=assignment,
        document=document,
        link=link,
        scores_path=line_item + "/scores",
    )


def highlight(course, django_capture_on_commit_callbacks, phrase: str, client=None):
    data = selection(course.document, phrase, assignment=course.assignment.pk)
    with django_capture_on_commit_callbacks(execute=True):
        response = (client or course.student).post(
            f"/documents/{course.document.slug}/highlights/new/", data
        )
    assert response.status_code == 302, response.content[:500]


def posted(course) -> list[dict]:
    return [json.loads(r.body) for r in course.platform.received(course.scores_path)]


def send_once() -> None:
    call_command("send_grades", "--once")


def test_it_keeps_the_line_item_the_launch_names(course):
    course.link.refresh_from_db()

    assert course.link.line_item_url == course.platform.url(course.scores_path[: -len("/scores")])


def test_a_highlight_that_changes_progress_queues_one_send(
    course, django_capture_on_commit_callbacks
):
    highlight(course, django_capture_on_commit_callbacks, PHRASES[0])

    send = GradeSend.objects.get()
    assert (send.student, send.state, send.score) == (course.user, "pending", 50)
    assert send.comment == "1 of 2 highlights"
    assert posted(course) == []  # not the request's job


def test_two_changes_before_a_send_leave_one_pending_with_the_newest_score(
    course, django_capture_on_commit_callbacks
):
    highlight(course, django_capture_on_commit_callbacks, PHRASES[0])
    first = GradeSend.objects.get().timestamp
    highlight(course, django_capture_on_commit_callbacks, PHRASES[1])

    send = GradeSend.objects.get()
    assert (send.score, send.comment, send.activity_progress) == (
        100,
        "2 of 2 highlights",
        "Completed",
    )
    assert send.timestamp > first


def test_send_grades_posts_the_score_as_ags_says(course, django_capture_on_commit_callbacks):
    highlight(course, django_capture_on_commit_callbacks, PHRASES[0])
    send_once()
    highlight(course, django_capture_on_commit_callbacks, PHRASES[1])
    send_once()

    (first, second) = course.platform.received(course.scores_path)
    assert first.media_type == second.media_type == SCORE_MEDIA_TYPE
    assert first.headers["Authorization"].startswith("Bearer ")
    one, two = json.loads(first.body), json.loads(second.body)
    assert {k: v for k, v in one.items() if k != "timestamp"} == {
        "scoreGiven": 50,
        "scoreMaximum": 100,
        "comment": "1 of 2 highlights",
        "activityProgress": "InProgress",
        "gradingProgress": "FullyGraded",
        "userId": "Learner:ana",
    }
    assert (two["scoreGiven"], two["activityProgress"]) == (100, "Completed")
    assert datetime.fromisoformat(two["timestamp"]) > datetime.fromisoformat(one["timestamp"])
    send = GradeSend.objects.get()  # the last one sent is kept, older ones go
    assert (send.state, send.score, send.attempts) == ("sent", 100, 1)
    assert send.sent_at is not None


def test_a_change_that_keeps_the_score_queues_nothing(course, django_capture_on_commit_callbacks):
    highlight(course, django_capture_on_commit_callbacks, PHRASES[0])
    send_once()
    mine = course.user.highlights.get()
    with django_capture_on_commit_callbacks(execute=True):
        course.student.post(f"/highlights/{mine.pk}/edit/", {"note": "Why?", "visibility": "class"})

    assert mine.__class__.objects.get(pk=mine.pk).note == "Why?"
    assert GradeSend.objects.filter(state="pending").count() == 0


def test_the_outbox_retries_after_the_platform_fails_twice_then_sends_once(
    course, django_capture_on_commit_callbacks
):
    highlight(course, django_capture_on_commit_callbacks, PHRASES[0])
    course.platform.fail_next(course.scores_path, 2)

    before = timezone.now()
    send_once()
    after = timezone.now()
    send = GradeSend.objects.get()
    assert (send.state, send.attempts) == ("pending", 1)
    assert "the LMS answered 500" in send.last_error
    assert before + timedelta(seconds=30) <= send.next_attempt_at <= after + timedelta(seconds=30)
    send_once()  # not due yet: nothing is posted
    assert len(course.platform.received(course.scores_path)) == 1

    GradeSend.objects.update(next_attempt_at=timezone.now())  # 30 seconds later
    before = timezone.now()
    send_once()
    send = GradeSend.objects.get()
    assert (send.state, send.attempts) == ("pending", 2)
    assert send.next_attempt_at >= before + timedelta(seconds=120)

    GradeSend.objects.update(next_attempt_at=timezone.now())  # 2 minutes later
    send_once()
    send_once()

    send = GradeSend.objects.get()
    assert (send.state, send.attempts, send.last_error) == ("sent", 3, "")
    assert len(course.platform.received(course.scores_path)) == 3
    (accepted,) = course.platform.scores
    assert (accepted["userId"], accepted["scoreGiven"]) == ("Learner:ana", 50)


def grade_tokens(course) -> list:
    """The access tokens asked for with the grade scopes (a teacher's launch asks for
    one for the roster, NRPS, too)."""
    return [r for r in course.platform.received("/token") if b"lti-ags" in r.body]


def test_the_token_is_fetched_once_for_several_sends(course, django_capture_on_commit_callbacks):
    other = launched(course.platform, "Learner:bo")
    highlight(course, django_capture_on_commit_callbacks, PHRASES[0])
    highlight(course, django_capture_on_commit_callbacks, PHRASES[0], client=other)
    send_once()
    highlight(course, django_capture_on_commit_callbacks, PHRASES[1])
    send_once()

    assert len(posted(course)) == 3
    assert len(grade_tokens(course)) == 1


def test_a_refused_token_is_forgotten_and_a_new_one_asked_for(
    course, django_capture_on_commit_callbacks
):
    highlight(course, django_capture_on_commit_callbacks, PHRASES[0])
    send_once()
    course.platform.tokens.clear()  # the LMS revoked it
    highlight(course, django_capture_on_commit_callbacks, PHRASES[1])

    send_once()  # refused with 401: the token is dropped and a new one asked for at once

    assert not GradeSend.objects.filter(state="pending").exists()
    assert len(grade_tokens(course)) == 2
    assert [score["scoreGiven"] for score in course.platform.scores] == [50, 100]


def test_without_a_line_item_it_finds_the_courses_one_by_resource_id(
    course, django_capture_on_commit_callbacks
):
    platform = course.platform
    platform.members_per_page = 1  # the line items come a page at a time
    platform.add_line_item(label="Another reading", resourceId="999")
    wanted = platform.add_line_item(label="Ours", resourceId=str(course.assignment.pk))
    AssignmentLink.objects.update(line_item_url="")
    highlight(course, django_capture_on_commit_callbacks, PHRASES[0])

    send_once()

    pages = platform.received(f"/ags/{platform.context_id}/lineitems")
    assert [page.query.get("offset") for page in pages] == [None, "1", "2"]
    assert platform.received(wanted + "/scores")
    assert AssignmentLink.objects.get().line_item_url == platform.url(wanted)


def test_without_a_line_item_for_the_assignment_it_makes_one(
    course, django_capture_on_commit_callbacks
):
    platform = course.platform
    AssignmentLink.objects.update(line_item_url="")
    highlight(course, django_capture_on_commit_callbacks, PHRASES[0])

    send_once()

    (made,) = [json.loads(r.body) for r in platform.requests if r.method == "POST" and
               r.path == f"/ags/{platform.context_id}/lineitems"]  # fmt: skip
    assert made == {
        "scoreMaximum": 100,
        "label": "Stalin and the war",
        "resourceId": str(course.assignment.pk),
        "resourceLinkId": "link-1",
    }
    url = AssignmentLink.objects.get().line_item_url
    assert url == platform.line_items[-1]["id"]
    assert platform.received(url.removeprefix(platform.issuer) + "/scores")


def test_a_write_in_an_assignment_outside_any_lms_costs_one_query(
    student, assignment, django_assert_num_queries
):
    with django_assert_num_queries(1):
        progress_changed(assignment_id=assignment.pk, student_id=student.pk)


def test_deleting_a_highlight_queues_the_lower_score(course, django_capture_on_commit_callbacks):
    highlight(course, django_capture_on_commit_callbacks, PHRASES[0])
    send_once()
    mine = course.user.highlights.get()
    with django_capture_on_commit_callbacks(execute=True):
        course.student.post(f"/highlights/{mine.pk}/delete/")

    waiting = GradeSend.objects.get(state="pending")
    assert (waiting.score, waiting.comment, waiting.activity_progress) == (
        0,
        "0 of 2 highlights",
        "Initialized",
    )


def test_a_send_the_lms_gave_no_score_scope_for_fails_at_once_with_why(
    course, django_capture_on_commit_callbacks
):
    LtiContext.objects.update(can_publish_scores=False)
    highlight(course, django_capture_on_commit_callbacks, PHRASES[0])

    send_once()

    send = GradeSend.objects.get()
    assert send.state == "failed"
    assert send.last_error == "the LMS did not allow scores for this course (no AGS score scope)"
    assert posted(course) == []


def test_it_gives_up_after_the_last_attempt(course, django_capture_on_commit_callbacks):
    highlight(course, django_capture_on_commit_callbacks, PHRASES[0])
    GradeSend.objects.update(attempts=GIVE_UP_AFTER - 1)
    course.platform.fail_next(course.scores_path, 1)

    send_once()

    send = GradeSend.objects.get()
    assert (send.state, send.attempts) == ("failed", GIVE_UP_AFTER)
    assert "500" in send.last_error


def test_a_student_who_never_launched_is_not_sent(course, django_capture_on_commit_callbacks):
    joined = make_user("joined", "Jae", "Lee")
    course.assignment.classroom.memberships.create(user=joined, role="student")
    client = Client()
    client.force_login(joined)

    highlight(course, django_capture_on_commit_callbacks, PHRASES[0], client=client)

    assert not GradeSend.objects.exists()


def test_the_teachers_own_highlights_send_no_score(course):
    # The editor keeps teachers out of assignments; an import (--owners) does not.
    teacher = LtiUser.objects.get(sub="Instructor:grace").auth_user
    add_highlight(teacher, course.document, PHRASES[0], assignment=course.assignment)

    progress_changed(assignment_id=course.assignment.pk, student_id=teacher.pk)

    assert not GradeSend.objects.exists()


# Two senders at once: each row is posted once.


@pytest.mark.django_db(transaction=True)
def test_two_senders_at_once_send_each_row_once(course):
    for n in range(6):
        launched(course.platform, f"Learner:s{n}")
    students = [u.auth_user for u in LtiUser.objects.filter(sub__startswith="Learner:s")]
    for user in students:
        queue_score(
            link=course.link, student=user, score=Score(40, "2 of 5 highlights", "InProgress")
        )
    course.platform.hold_scores(2)  # the first two posts wait for each other
    results = []

    def sender():
        try:
            results.append(send_due())
        finally:
            connection.close()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert course.platform.held_together
    assert sorted(score["userId"] for score in course.platform.scores) == sorted(
        f"Learner:s{n}" for n in range(6)
    )
    assert all(sent > 0 for sent, _ in results)
    assert sum(sent for sent, _ in results) == 6
    assert GradeSend.objects.filter(state="sent").count() == 6


# The teacher's side: "Send grades" and what the assignment's page shows.


def teachers_page(course) -> str:
    response = course.teacher.get(f"/assignments/{course.assignment.pk}/")
    assert response.status_code == 200
    return " ".join(response.content.decode().split())


def test_send_grades_queues_every_student_who_came_from_the_lms(
    course, django_capture_on_commit_callbacks
):
    launched(course.platform, "Learner:bo")
    highlight(course, django_capture_on_commit_callbacks, PHRASES[0])
    send_once()
    joined = make_user("joined", "Jae", "Lee")
    course.assignment.classroom.memberships.create(user=joined, role="student")

    response = course.teacher.post(f"/assignments/{course.assignment.pk}/grades/", follow=True)

    page = " ".join(response.content.decode().split())
    assert "2 scores will be sent to the LMS." in page
    assert "1 student has not opened Korea Reader from the LMS yet" in page
    waiting = GradeSend.objects.filter(state="pending").order_by("student__username")
    assert sorted((s.student.lti_users.get().sub, s.score) for s in waiting) == [
        ("Learner:ana", 50),
        ("Learner:bo", 0),
    ]


def test_send_grades_tries_a_failing_send_again_at_once(course, django_capture_on_commit_callbacks):
    highlight(course, django_capture_on_commit_callbacks, PHRASES[0])
    course.platform.fail_next(course.scores_path, 1)
    send_once()
    assert GradeSend.objects.get().next_attempt_at > timezone.now()

    course.teacher.post(f"/assignments/{course.assignment.pk}/grades/")
    send_once()

    send = GradeSend.objects.get()
    assert (send.state, send.attempts) == ("sent", 2)


def test_send_grades_on_an_assignment_outside_the_lms_says_so(course, classroom, teacher):
    unlinked = add_assignment(classroom)
    client = Client()
    client.force_login(teacher)

    response = client.post(f"/assignments/{unlinked.pk}/grades/", follow=True)

    assert "no column in an LMS gradebook" in response.content.decode()
    assert "Send grades" not in teachers_page(SimpleNamespace(teacher=client, assignment=unlinked))
    assert not GradeSend.objects.exists()


def test_the_teachers_page_shows_each_students_last_score_or_why_it_failed(
    course, django_capture_on_commit_callbacks
):
    assert "Grade in the LMS" in teachers_page(course)
    assert "nothing sent yet" in teachers_page(course)
    highlight(course, django_capture_on_commit_callbacks, PHRASES[0])
    assert "50/100, waiting to send" in teachers_page(course)

    course.platform.fail_next(course.scores_path, 1)
    send_once()
    page = teachers_page(course)
    assert "50/100 failed: the LMS answered 500 to POST" in page
    assert "retrying at <time" in page

    GradeSend.objects.update(next_attempt_at=timezone.now())
    send_once()
    assert "50/100, sent <time" in teachers_page(course)

    GradeSend.objects.update(state="failed", last_error="the LMS answered 403 to POST …")
    assert "failed: the LMS answered 403 to POST …; not retried" in teachers_page(course)
