"""A teacher hides all of a flooding student's highlights in the class, from the class
page, after a page saying how many; then shows them again (issue "Hardening", finding 2)."""

from playwright.sync_api import expect

from tests.helpers import spread_highlights

DOC = "/documents/stalin-and-korean-war/"
FLOOD = 40


def test_a_teacher_hides_a_flood_from_the_class_page_and_shows_it_again(
    page, log_in, classroom, teacher, student, classmate, document
):
    spread_highlights(document, [student], FLOOD, note="Flood {n}", visibility="class")
    log_in(teacher)
    page.goto(classroom.get_absolute_url())

    page.get_by_role("link", name="Hide highlights of student").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Min-jun Kim's highlights in History 101"
    )
    expect(page.locator("main")).to_contain_text(
        f"{FLOOD} highlights are shared with the class and shown to it; 0 are hidden from it."
    )
    page.get_by_role("button", name="Hide all of this student's highlights in this class").click()

    expect(page.locator(".messages")).to_contain_text(
        f"{FLOOD} of Min-jun Kim's highlights hidden from History 101"
    )
    page.goto(DOC)
    expect(page.locator("#reading-text mark")).to_have_count(0)
    expect(page.locator(".hidden-toggle")).to_contain_text(f"{FLOOD} hidden from the class")

    log_in(classmate)
    page.goto(DOC)
    expect(page.locator("#reading-text mark")).to_have_count(0)

    log_in(teacher)
    page.goto(classroom.get_absolute_url())
    page.get_by_role("link", name="Hide highlights of student").click()
    page.get_by_role("button", name="Show all of this student's highlights again").click()
    expect(page.locator(".messages")).to_contain_text(f"{FLOOD} of Min-jun Kim's highlights shown")
    log_in(classmate)
    page.goto(DOC)
    expect(page.locator("#reading-text mark").first).to_be_visible()
