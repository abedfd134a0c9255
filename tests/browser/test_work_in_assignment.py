"""A student is taken into the assignment that sets an article, and counts a highlight
made outside it for the assignment from its card."""

import re

from playwright.sync_api import expect

from tests.helpers import PHRASE

DOC = "/documents/stalin-and-korean-war/"


def test_a_student_works_in_the_assignment_and_moves_an_old_highlight_into_it(
    page, log_in, student, classroom, document, make_highlight, make_assignment
):
    old = make_highlight(student, PHRASE, note="From before the assignment")
    assignment = make_assignment(classroom, title="Stalin's aims", documents=[document])
    log_in(student)

    page.goto(DOC)
    expect(page).to_have_url(re.compile(f"/assignments/{assignment.pk}/documents/stalin-and-"))
    expect(page.get_by_text("Your highlights here count for this assignment.")).to_be_visible()
    expect(page.locator("#progress")).to_contain_text("0 highlights (3 needed)")

    page.get_by_role("link", name="Read outside it").click()
    expect(
        page.get_by_role("heading", name="This article is set in your assignment")
    ).to_be_visible()
    page.locator("#my-highlights").get_by_role("link", name="Open").click()
    page.get_by_role("link", name="Count it for an assignment").click()
    expect(page.get_by_label("Assignment", exact=True)).to_have_value(str(assignment.pk))
    page.get_by_role("button", name="Move into the assignment").click()

    expect(page.get_by_text("The highlight now counts for “Stalin's aims”.")).to_be_visible()
    expect(page.locator("#progress")).to_contain_text("1 highlight (3 needed)")
    expect(page.locator("#reading-text mark.hl-own")).to_have_text(PHRASE)
    old.refresh_from_db()
    assert old.assignment == assignment
