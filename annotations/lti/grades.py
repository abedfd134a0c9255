"""Grades back to the LMS (Assignment and Grade Services), through an outbox.

What is sent: a student's completion of a linked assignment as the progress bars show it
(annotations/progress.py), `scoreGiven` 0-100 of `scoreMaximum` 100, with a comment
("4 of 5 highlights, 2 of 2 entries linked"), activityProgress and gradingProgress
FullyGraded, for the LMS user the student launched as (their `sub`).

When: `progress_changed` runs after a highlight write commits (annotations/writes.py)
and queues a send when the score differs from the last sent or waiting one; "Send
grades" queues one for every student (`queue_class`). Nothing here talks to the LMS
during a request: `manage.py send_grades` takes the due sends (`send_due`) with SELECT
... FOR UPDATE SKIP LOCKED, so two senders never send the same row, and posts each with
pylti1p3's AssignmentsGradesService. A send that fails is kept with its reason and
tried again after BACKOFF; after GIVE_UP_AFTER attempts it is marked failed (the teacher
sees why, and "Send grades" queues it again).
"""

import logging
from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta
from typing import NamedTuple

import requests
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from lti_tool.lti_core.constants import AgsScope
from lti_tool.models import LtiUser
from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.exception import LtiException, LtiServiceException
from pylti1p3.grade import Grade
from pylti1p3.lineitem import LineItem

from annotations.lti.models import AssignmentLink, GradeSend
from annotations.lti.services import service_connector
from annotations.progress import Progress, class_progress, student_progress, students_of

log = logging.getLogger("annotations.lti")

AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
# Seconds before the next try after the 1st, 2nd, 3rd... failure; the last one repeats.
BACKOFF = (30, 120, 600, 3600)
GIVE_UP_AFTER = 30  # attempts: about a day of the LMS down
ONE_TICK = timedelta(microseconds=1)


class Score(NamedTuple):
    score: int
    comment: str
    activity_progress: str


def score_of(progress: Progress) -> Score:
    highlights = "highlight" if progress.minimum == 1 else "highlights"
    comment = f"{progress.made} of {progress.minimum} {highlights}"
    if progress.required_entries:
        required = len(progress.required_entries)
        entries = "entry" if required == 1 else "entries"
        comment += f", {len(progress.entries_linked)} of {required} {entries} linked"
    if progress.complete:
        activity = "Completed"
    elif progress.made or progress.entries_linked:
        activity = "InProgress"
    else:
        activity = "Initialized"
    return Score(progress.percent, comment, activity)


def _content(send: GradeSend) -> Score:
    return Score(send.score, send.comment, send.activity_progress)


def _next_timestamp(link: AssignmentLink, student) -> object:
    """Now, or just after the newest score of this student on this link: the LMS keeps
    a score only if its timestamp is later than the one it has."""
    now = timezone.now()
    newest = GradeSend.objects.filter(link=link, student=student).aggregate(t=Max("timestamp"))
    return now if newest["t"] is None or newest["t"] < now else newest["t"] + ONE_TICK


def _queue(link: AssignmentLink, student, score: Score, *, again: bool) -> bool:
    # Waits for a sender that is posting this very row, then sees it sent.
    pending = (
        GradeSend.objects.select_for_update()
        .filter(link=link, student=student, state=GradeSend.State.PENDING)
        .first()
    )
    last = pending or (
        GradeSend.objects.filter(link=link, student=student, state=GradeSend.State.SENT)
        .order_by("-timestamp")
        .first()
    )
    if not again and last is not None and _content(last) == score:
        return False
    send = pending or GradeSend(link=link, student=student, next_attempt_at=timezone.now())
    if again:
        send.next_attempt_at = timezone.now()  # the teacher asks: no waiting out the backoff
    send.score, send.comment, send.activity_progress = score
    send.timestamp = _next_timestamp(link, student)
    send.save()
    return True


def queue_score(*, link: AssignmentLink, student, score: Score, again: bool = False) -> bool:
    """Queue `score` unless it is what was last sent or is waiting (`again`: queue it
    all the same); a waiting send takes the new content. True if something was queued."""
    for _ in range(2):
        try:
            with transaction.atomic():
                return _queue(link, student, score, again=again)
        except IntegrityError:
            continue  # another request queued the first one at the same moment: update it
    raise RuntimeError("could not queue the score")


def _links_of(assignment_id: int):
    return AssignmentLink.objects.filter(assignment_id=assignment_id).select_related(
        "assignment", "resource_link__context__deployment"
    )


def _in_lms(link: AssignmentLink, students) -> set[int]:
    """Which of `students` the LMS of `link` knows (they launched from it)."""
    registration = link.resource_link.context.deployment.registration_id
    return set(
        LtiUser.objects.filter(registration=registration, auth_user__in=students).values_list(
            "auth_user", flat=True
        )
    )


def progress_changed(*, assignment_id: int, student_id: int) -> None:
    """After a write to someone's highlights in an assignment: a student's new score,
    queued on each of its LMS links (one query when the assignment has none)."""
    links = list(_links_of(assignment_id))
    if not links:
        return
    assignment = links[0].assignment
    student = students_of(assignment).filter(pk=student_id).first()
    if student is None:
        return  # a teacher's highlight in the assignment: no score for the LMS
    score = score_of(student_progress(assignment, student))
    for link in links:
        if student.pk in _in_lms(link, [student]):
            queue_score(link=link, student=student, score=score)


@dataclass
class Queued:
    queued: int
    not_in_lms: int


def queue_class(*, assignment) -> Queued:
    """ "Send grades": every student's score, queued again on each of the assignment's
    LMS links; the students the LMS does not know yet (never launched) are counted."""
    queued, unknown = 0, set()
    rows = class_progress(assignment)
    for link in _links_of(assignment.pk):
        known = _in_lms(link, [row.student for row in rows])
        for row in rows:
            if row.student.pk not in known:
                unknown.add(row.student.pk)
                continue
            queued += queue_score(link=link, student=row.student, score=score_of(row), again=True)
    return Queued(queued, len(unknown))


# Sending (manage.py send_grades).


def _scopes(context) -> list[str]:
    scopes = [AgsScope.PUBLISH_SCORES.value] if context.can_publish_scores else []
    if context.can_manage_lineitems:
        scopes.append(AgsScope.MANAGE_LINEITEMS.value)
    if context.can_query_lineitems:
        scopes.append(AgsScope.QUERY_LINEITEMS.value)
    return scopes


class NotSendable(Exception):
    """What the LMS has not given us to send this score (a scope, a line item, a user)."""


def _line_item_url(ags: AssignmentsGradesService, link: AssignmentLink) -> str:
    """The link's line item; without one, the course's line item for this assignment
    (resourceId), found page by page or made, and kept on the link."""
    if link.line_item_url:
        return link.line_item_url
    if not link.resource_link.context.lineitems_url:
        raise NotSendable("the LMS gave this link no gradebook column (no AGS line item)")
    assignment = link.assignment
    wanted = (
        LineItem()
        .set_resource_id(str(assignment.pk))
        .set_resource_link_id(link.resource_link.id_on_platform)
        .set_label(assignment.title)
        .set_score_maximum(100)
    )
    link.line_item_url = ags.find_or_create_lineitem(wanted, find_by="resource_id").get_id()
    link.save(update_fields=["line_item_url"])
    return link.line_item_url


def _post(send: GradeSend, connector, scopes: list[str]) -> None:
    context = send.link.resource_link.context
    if AgsScope.PUBLISH_SCORES.value not in scopes:
        raise NotSendable("the LMS did not allow scores for this course (no AGS score scope)")
    user = LtiUser.objects.filter(
        registration=context.deployment.registration_id, auth_user=send.student_id
    ).first()
    if user is None:
        raise NotSendable("the student has no account in this LMS")
    data = {"scope": scopes, "lineitems": context.lineitems_url}
    ags = AssignmentsGradesService(connector, data)
    url = _line_item_url(ags, send.link)
    grade = (
        Grade()
        .set_score_given(send.score)
        .set_score_maximum(100)
        .set_comment(send.comment)
        .set_activity_progress(send.activity_progress)
        .set_grading_progress("FullyGraded")
        .set_timestamp(send.timestamp.isoformat(timespec="microseconds"))
        .set_user_id(user.sub)
    )
    ags.put_grade(grade, LineItem({"id": url}))


def _why(error: Exception) -> str:
    if isinstance(error, LtiServiceException):
        response = error.response
        return (
            f"the LMS answered {response.status_code} to {response.request.method} {response.url}"
        )
    if isinstance(error, requests.RequestException):
        return f"the LMS could not be reached ({type(error).__name__})"
    return str(error)


def _failed(send: GradeSend, error: Exception, now) -> None:
    send.attempts += 1
    send.last_error = _why(error)[:500]
    if send.attempts >= GIVE_UP_AFTER or isinstance(error, NotSendable):
        send.state = GradeSend.State.FAILED
    delay = BACKOFF[min(send.attempts, len(BACKOFF)) - 1]
    send.next_attempt_at = now + timedelta(seconds=delay)
    log.warning("Grade not sent (%s, attempt %s): %s", send, send.attempts, send.last_error)


def _sent(send: GradeSend, now) -> None:
    send.attempts += 1
    send.state = GradeSend.State.SENT
    send.sent_at = now
    send.last_error = ""
    # The outbox keeps the last score sent and what waits: older sent ones go.
    GradeSend.objects.filter(
        link=send.link_id, student=send.student_id, state=GradeSend.State.SENT
    ).exclude(pk=send.pk).delete()


def _attempt(send: GradeSend) -> bool:
    context = send.link.resource_link.context
    connector = service_connector(context.deployment.registration)
    scopes = _scopes(context)
    try:
        _post(send, connector, scopes)
    except (NotSendable, LtiException, requests.RequestException) as error:
        if isinstance(error, LtiServiceException) and error.response.status_code == 401:
            connector.forget_token(scopes)  # refused: the next try asks for a new one
        _failed(send, error, timezone.now())
        send.save()
        return False
    _sent(send, timezone.now())
    send.save()
    return True


def _due():
    return (
        GradeSend.objects.due(timezone.now())
        .select_related("link__assignment", "link__resource_link__context__deployment")
        .order_by("next_attempt_at", "pk")
    )


def _fetch_token(send: GradeSend) -> None:
    """The platform's access token into the cache before a row is locked: a token cached
    inside the row's transaction would hold other senders until the post is done."""
    context = send.link.resource_link.context
    connector = service_connector(context.deployment.registration)
    with suppress(LtiException, requests.RequestException):  # the send then fails, saying why
        connector.get_access_token(_scopes(context))


def send_due(limit: int | None = None) -> tuple[int, int]:
    """Send what is due, one row a transaction (locked while it is posted, skipped by
    other senders); (sent, failed)."""
    sent = failed = 0
    while limit is None or sent + failed < limit:
        upcoming = _due().first()
        if upcoming is None:
            break
        _fetch_token(upcoming)
        with transaction.atomic():
            send = _due().select_for_update(skip_locked=True, of=("self",)).first()
            if send is None:
                break  # the other senders hold every due row: theirs to send
            if _attempt(send):
                sent += 1
            else:
                failed += 1
    return sent, failed
