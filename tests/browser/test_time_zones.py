"""Two browsers in two zones: a teacher in New York sets a due date, a student in Seoul
reads it in Seoul time; both zones are detected at the first log-in."""

import datetime

import pytest
from playwright.sync_api import expect

from annotations.models import Account, Assignment, Classroom, Membership
from tests.browser.helpers import log_in


@pytest.fixture
def browser_in(browser, live_server):
    contexts = []

    def open_page(time_zone: str):
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": 1280, "height": 900}, timezone_id=time_zone
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on(
            "console",
            lambda message: (
                errors.append(message.text) if "Content Security Policy" in message.text else None
            ),
        )
        page.errors = errors
        return page

    yield open_page
    for context in contexts:
        assert not context.pages[0].errors, context.pages[0].errors
        context.close()


def zone_of(user) -> str:
    return Account.objects.get(user=user).time_zone


def test_a_due_date_set_in_new_york_is_read_in_seoul_time(
    browser_in, transactional_db, documents, teacher, student
):
    teacher_page = browser_in("America/New_York")
    log_in(teacher_page, teacher)
    assert zone_of(teacher) == "America/New_York"

    # A class the teacher starts takes the teacher's zone; the due date is typed in it.
    teacher_page.get_by_role("link", name="Classes").click()
    teacher_page.get_by_role("link", name="Start a class as its teacher").click()
    teacher_page.get_by_label("Class name").fill("History 102")
    teacher_page.get_by_role("button", name="Create the class").click()
    expect(teacher_page.get_by_role("heading", name="History 102")).to_be_visible()
    classroom = Classroom.objects.get(name="History 102")
    assert classroom.time_zone == "America/New_York"
    teacher_page.get_by_role("link", name="New assignment").click()
    due = teacher_page.get_by_label("Due")
    expect(due).to_have_accessible_description("In the class's time zone, America/New_York (EST).")
    teacher_page.get_by_label("Title").fill("Stalin's motives")
    teacher_page.get_by_label("Stalin and Korean War").check()
    due.fill("2026-12-08T17:00")
    teacher_page.get_by_label("Minimum highlights").fill("1")
    teacher_page.get_by_role("button", name="Set the assignment").click()
    expect(teacher_page.get_by_role("heading", name="Stalin's motives")).to_be_visible()
    expect(teacher_page.get_by_text("Due Tuesday 8 December, 17:00 EST")).to_be_visible()
    assignment = Assignment.objects.get(title="Stalin's motives")
    assert assignment.due == datetime.datetime(2026, 12, 8, 22, 0, tzinfo=datetime.UTC)

    # The student, logging in for the first time from Seoul, reads it in Seoul time.
    Membership.objects.create(classroom=classroom, user=student, role=Membership.Role.STUDENT)
    student_page = browser_in("Asia/Seoul")
    log_in(student_page, student)
    assert zone_of(student) == "Asia/Seoul"
    student_page.get_by_role("link", name="Assignments").click()
    card = student_page.get_by_role("listitem").filter(has_text="Stalin's motives")
    expect(card.locator("time")).to_have_text("Wed 9 Dec, 07:00 KST")
    card.get_by_role("link", name="Stalin's motives").click()
    expect(student_page.get_by_text("Due Wednesday 9 December, 07:00 KST")).to_be_visible()

    # Moved to Paris, the student says so on the account page; the due date follows.
    student_page.get_by_role("link", name="Signed in as").click()
    expect(student_page.get_by_label("Time zone")).to_have_value("Asia/Seoul")
    student_page.get_by_label("Time zone").select_option("Europe/Paris")
    student_page.get_by_role("button", name="Save the time zone").click()
    expect(student_page.get_by_text("Times are now shown in Europe/Paris (CET).")).to_be_visible()
    assert zone_of(student) == "Europe/Paris"
    student_page.get_by_role("link", name="Assignments").click()
    expect(card.locator("time")).to_have_text("Tue 8 Dec, 23:00 CET")

    # The teacher's pages stay in New York time; the row stays in UTC.
    teacher_page.get_by_role("link", name="History 102").first.click()
    expect(teacher_page.get_by_text("Due Tue 8 Dec, 17:00 EST")).to_be_visible()
    assignment.refresh_from_db()
    assert assignment.due == datetime.datetime(2026, 12, 8, 22, 0, tzinfo=datetime.UTC)
