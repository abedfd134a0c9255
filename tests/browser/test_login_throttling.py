"""Five wrong passwords in the browser pause that account's log-ins from this computer,
with a page that says so; a classmate at the same computer still logs in. Guesses from
everywhere lock the name everywhere, until the teacher unlocks it on the class page."""

from django.test import Client
from playwright.sync_api import expect

from tests.browser.helpers import log_in
from tests.helpers import PASSWORD


def try_password(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_a_guessed_password_locks_one_account_not_the_class(
    page, student, classmate, expected_console_errors
):
    expected_console_errors.append("status of 429")  # the paused log-in page's answer
    for _ in range(4):
        try_password(page, student.username, "not-it")
        expect(page.get_by_role("alert")).to_contain_text("Please enter a correct username")

    try_password(page, student.username, "not-it")

    expect(page.get_by_role("heading", level=1)).to_have_text("Too many failed log-ins")
    expect(page.get_by_role("alert")).to_contain_text("paused for 15 minutes")
    try_password(page, student.username, PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Too many failed log-ins")

    try_password(page, classmate.username, PASSWORD)
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_a_teacher_unlocks_a_student_locked_out_everywhere(
    page, classroom, teacher, student, settings, expected_console_errors
):
    """A guesser elsewhere, with a new address for every guess, locks the student's name
    everywhere; the lock page says what to do, and the teacher's button lets them in."""
    expected_console_errors.append("status of 429")
    for guess in range(settings.LOGIN_FAILURES_PER_USERNAME):
        address = f"198.51.100.{guess + 1}"
        data = {"username": student.username, "password": "not-it"}
        Client(REMOTE_ADDR=address).post("/accounts/login/", data, REMOTE_ADDR=address)

    try_password(page, student.username, PASSWORD)
    expect(page.get_by_role("alert")).to_contain_text("paused everywhere")
    expect(page.get_by_role("link", name="reset your password by email")).to_be_visible()

    log_in(page, teacher, next_page=f"/classes/{classroom.pk}/")
    expect(page.get_by_role("row", name=student.get_full_name())).to_contain_text("Log-in locked")
    unlock = page.get_by_role("button", name=f"Unlock log-in for {student.username}")
    unlock.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Min-jun Kim can log in again")
    expect(unlock).to_have_count(0)
    page.get_by_role("button", name="Log out").click()

    log_in(page, student)
