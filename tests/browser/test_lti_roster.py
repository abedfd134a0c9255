"""The roster from the LMS in a real browser: a teacher launched from the course (in the
LMS's frame) sees the roster the launch brought in, who has not opened Korea Reader yet,
and presses "Sync roster" from the keyboard after the course changed: the page says what
changed."""

import pytest
from playwright.sync_api import expect


@pytest.fixture
def lms(lms):
    """The course (tests/browser/conftest.py), with two students in its roster."""
    lms.members = [
        lms.member("Learner:ana", name="Ana Silva"),
        lms.member("Learner:ben", name="Ben Okoro"),
    ]
    return lms


def test_a_teacher_syncs_the_roster_from_the_keyboard(page, lms):
    page.goto(lms.url("/course?role=Instructor"))
    frame = page.frame_locator("iframe[title='Korea Reader']")
    expect(frame.get_by_text("Roster synced from Test LMS: 2 students added.")).to_be_visible()
    expect(frame.get_by_role("row", name="Ana Silva")).to_contain_text("not opened yet")
    lms.members = [lms.members[0], lms.member("Learner:cho", name="Cho Lee")]
    lms.members.append(lms.member("Learner:dae", name="Dae Han"))

    button = frame.get_by_role("button", name="Sync roster")
    button.focus()
    button.press("Enter")

    expect(
        frame.get_by_text("Roster synced from Test LMS: 2 students added, 1 left the class.")
    ).to_be_visible()
    expect(frame.get_by_role("row", name="Cho Lee")).to_be_visible()
    expect(frame.get_by_role("row", name="Ben Okoro")).to_have_count(0)
    expect(frame.get_by_text("Roster from Test LMS, last synced")).to_be_visible()
