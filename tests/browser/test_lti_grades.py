"""Grades for the LMS in a real browser: the teacher, launched inside the LMS's frame,
presses "Send grades" on the assignment's page and, once the sender has run, sees the
score the simulator received."""

import json

from django.core.management import call_command
from lti_tool.models import LtiContext, LtiResourceLink, LtiUser
from playwright.sync_api import expect

from annotations.lti.models import AssignmentLink, ClassLink
from tests.helpers import add_assignment, make_user


def test_the_teacher_sends_grades_and_sees_them_sent(page, lms):
    page.goto(lms.url("/course?role=Instructor"))
    frame = page.frame_locator("iframe[title='Korea Reader']")
    expect(frame.get_by_role("heading", name=lms.context_title)).to_be_visible()
    # What deep linking and a student's launch leave behind.
    classroom = ClassLink.objects.get().classroom
    assignment = add_assignment(classroom, title="Stalin's telegrams", min_highlights=2)
    line_item = lms.add_line_item(label=assignment.title)
    AssignmentLink.objects.create(
        resource_link=LtiResourceLink.objects.get(),
        assignment=assignment,
        line_item_url=lms.url(line_item),
    )
    LtiContext.objects.update(can_publish_scores=True)
    student = make_user("ana", "Ana", "Lim")
    classroom.memberships.create(user=student, role="student")
    registration = LtiContext.objects.get().deployment.registration
    LtiUser.objects.create(registration=registration, sub="learner-ana", auth_user=student)

    page.frames[1].goto(page.frames[1].url)  # the class page again, with the assignment
    frame.get_by_role("link", name="Stalin's telegrams").first.click()
    expect(frame.get_by_text("nothing sent yet")).to_be_visible()
    frame.get_by_role("button", name="Send grades").click()

    expect(frame.get_by_text("1 score will be sent to the LMS.")).to_be_visible()
    expect(frame.get_by_text("0/100, waiting to send")).to_be_visible()
    call_command("send_grades", "--once")
    page.frames[1].goto(page.frames[1].url)
    expect(frame.get_by_text("0/100, sent")).to_be_visible()
    (score,) = [json.loads(r.body) for r in lms.received(line_item + "/scores")]
    assert (score["userId"], score["scoreGiven"]) == ("learner-ana", 0)
