"""A whole course in a real browser, as the LTI issue's test asks: the LMS's course page
(the simulator, on another port) frames Korea Reader; the teacher deep-links an
assignment; a student opens the link, highlights inside the frame; the grade sender
runs; the LMS has the score; the teacher's view says it was sent."""

import json
from urllib.parse import urlsplit

from django.core.management import call_command
from lti_tool.models import LtiUser
from playwright.sync_api import expect

from annotations.models import Highlight
from tests.browser.helpers import drag_select, phrase_box

PHRASE = "He was never an enthusiast"


def select_in_frame(page, frame, paragraph: int, phrase: str) -> None:
    """Select `phrase` inside the framed page: its place in the frame, moved by where the
    frame is on the LMS's page (the mouse is the page's)."""
    frame.locator(f"#p-{paragraph}").scroll_into_view_if_needed()
    box = phrase_box(frame, paragraph, phrase)
    at = page.locator("iframe[title='Korea Reader']").bounding_box()
    moved = {
        "x1": box["x1"] + at["x"],
        "y1": box["y1"] + at["y"],
        "x2": box["x2"] + at["x"],
        "y2": box["y2"] + at["y"],
    }
    drag_select(page, moved, moved)


def test_a_course_links_an_assignment_a_student_works_and_the_grade_goes_back(page, lms, documents):
    # The teacher adds Korea Reader to a module and sets the assignment.
    page.goto(lms.url("/course/add?role=Instructor"))
    tool = page.frame_locator("iframe[title='Korea Reader']")
    heading = tool.get_by_role("heading", name="Add a Korea Reader assignment to the course")
    expect(heading).to_be_visible()
    tool.get_by_label("Title").fill("Stalin's motives")
    tool.get_by_label("Stalin and Korean War").check()
    tool.get_by_label("Due").fill("2030-06-01T09:00")
    tool.get_by_label("Minimum highlights").fill("1")
    tool.get_by_role("button", name="Set the assignment").click()
    expect(tool.get_by_role("heading", name="Added to the module")).to_be_visible()

    # A student opens the link from the course and highlights, inside the frame.
    page.goto(lms.url("/course/link?role=Learner&n=0"))
    expect(tool.get_by_role("heading", name="Stalin's motives")).to_be_visible()
    tool.get_by_role("link", name="Stalin and Korean War").click()
    expect(tool.locator("#p-4")).to_be_visible()
    select_in_frame(page, page.frames[1], 4, PHRASE)
    tool.get_by_role("button", name="Highlight", exact=True).click()
    tool.get_by_role("button", name="Save").click()
    expect(tool.locator("#panel")).to_contain_text("Highlight saved.")
    highlight = Highlight.objects.get()
    assert highlight.exact == PHRASE

    # The sender (make run starts it beside the server) sends the score to the LMS.
    call_command("send_grades", "--once")
    line_item = lms.links[0]["line_item"]
    (score,) = [json.loads(r.body) for r in lms.received(urlsplit(line_item).path + "/scores")]
    student = LtiUser.objects.get(auth_user=highlight.owner)
    assert (score["userId"], score["scoreGiven"], score["scoreMaximum"]) == (student.sub, 100, 100)
    assert score["comment"] == "1 of 1 highlight"

    # The teacher, back from the course (the launch reads the roster: both are in it),
    # sees it sent.
    lms.members = [lms.member(student.sub), lms.member("instructor-1", role="Instructor")]
    page.goto(lms.url("/course/link?role=Instructor&n=0"))
    tool.get_by_role("link", name="Stalin's motives").first.click()
    expect(tool.get_by_text("100/100, sent")).to_be_visible()
