"""Five wrong passwords in the browser pause that account's log-ins from this computer,
with a page that says so; a classmate at the same computer still logs in."""

from playwright.sync_api import expect

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
