"""The reading view and a student's work by keyboard: a skip link to the highlight tools,
Esc to close the editor and a card, and a reply or a hide that keeps the teacher at the
highlight they answered."""

from playwright.sync_api import expect

from annotations.models import ClassHide, Reply
from tests.browser import helpers
from tests.helpers import spread_highlights

DOC = "/documents/stalin-and-korean-war/"


def test_a_skip_link_leads_to_the_highlight_tools(page, log_in, student, document):
    log_in(student)
    page.goto(DOC)

    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to highlight tools")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")

    expect(page.locator("#panel")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Paragraph number")).to_be_focused()


def test_esc_closes_the_editor_and_a_card(page, log_in, student, document, make_highlight):
    make_highlight(student, "Stalin was hardly surprised", note="My own note")
    log_in(student)
    page.goto(DOC)

    # The editor, opened by keyboard from the paragraph number: Esc closes it.
    page.get_by_label("Paragraph number").focus()
    page.keyboard.type("4")
    page.keyboard.press("Enter")
    expect(page.get_by_label("Note")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.get_by_label("Note")).to_have_count(0)
    expect(page.get_by_role("heading", name="Highlight a passage")).to_be_visible()
    expect(page.get_by_label("Paragraph number")).to_be_focused()

    # A card, opened from My highlights: Esc closes it, focus back on the link.
    open_card = page.get_by_role("link", name="Open highlight “Stalin was hardly surprised”")
    open_card.focus()
    page.keyboard.press("Enter")
    card = page.locator("#panel article.card")
    expect(card).to_be_focused()
    expect(card).to_contain_text("My own note")
    page.keyboard.press("Escape")
    expect(card).to_have_count(0)
    expect(open_card).to_be_focused()


def test_after_a_reply_or_a_hide_the_teacher_stays_at_that_highlight(
    page, log_in, teacher, student, assignment, document
):
    highlights = spread_highlights(
        document, [student], 8, note="Note {n}", visibility="class", assignment=assignment
    )
    last = highlights[-1]
    log_in(teacher)
    page.goto(f"/assignments/{assignment.pk}/students/{student.pk}/")

    card = page.locator(f"#h-{last.pk} article.card")
    reply = card.get_by_label("Reply", exact=True)
    reply.focus()
    page.keyboard.type("Which source says so?")
    page.keyboard.press("Tab")
    expect(card.get_by_role("button", name="Post reply")).to_be_focused()
    page.keyboard.press("Enter")

    expect(card).to_contain_text("Reply posted.")
    expect(card.get_by_role("status")).to_be_focused()  # in its thread, come back
    expect(card).to_be_in_viewport()
    assert page.evaluate("() => scrollY") > 0, "not back at the top of the page"
    assert Reply.objects.get().highlight == last

    card.get_by_role("button", name="Hide from the class").focus()
    page.keyboard.press("Enter")
    expect(card).to_contain_text("Hidden from the class; its author still sees it.")
    expect(card).to_be_focused()
    expect(card.get_by_role("button", name="Show to the class again")).to_be_visible()
    assert page.evaluate("() => scrollY") > 0
    assert ClassHide.objects.filter(highlight=last, classroom=assignment.classroom).exists()


def test_without_javascript_a_reply_returns_to_the_highlight(
    browser, live_server, transactional_db, teacher, student, assignment, document
):
    highlights = spread_highlights(
        document, [student], 8, note="Note {n}", visibility="class", assignment=assignment
    )
    last = highlights[-1]
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    helpers.log_in(page, teacher)
    page.goto(f"/assignments/{assignment.pk}/students/{student.pk}/")
    card = page.locator(f"#h-{last.pk} article.card")
    card.get_by_label("Reply", exact=True).fill("Which source says so?")
    card.get_by_role("button", name="Post reply").click()

    page.wait_for_url(f"**/students/{student.pk}/#h-{last.pk}")
    expect(page.locator(f"#h-{last.pk}")).to_be_in_viewport()
    expect(page.get_by_text("Reply posted.")).to_be_visible()
    context.close()


def test_a_classmates_card_opens_by_keyboard_from_the_reading_view(
    page, log_in, student, classmate, classroom, document, make_highlight
):
    """The text's marks open by pointer; the key's link opens every card the reader may
    see in the panel, in the order of the text, a page at a time, without leaving the text."""
    spread_highlights(document, [classmate], 21, note="Shared {n}", visibility="class")
    log_in(student)
    page.goto(DOC)
    page.evaluate("() => window.scrollTo(0, 600)")

    link = page.get_by_role("link", name="Class highlights on this article: 21")
    link.focus()
    page.keyboard.press("Enter")

    panel = page.locator("#panel")
    expect(panel.get_by_role("heading", name="Highlights on this article")).to_be_focused()
    expect(panel).to_contain_text("Highlights 1–20 of the 21 you can see")
    expect(panel.locator("article.card")).to_have_count(20)
    assert page.url.endswith(DOC), "the reader left the text"
    panel.get_by_role("link", name="Next page").focus()
    page.keyboard.press("Enter")
    expect(panel.locator("article.card")).to_have_count(1)
    expect(panel.get_by_role("heading", name="Highlights on this article")).to_be_focused()

    reply = panel.get_by_label("Reply", exact=True)
    reply.focus()
    page.keyboard.type("Where does it say so?")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(panel.get_by_role("status")).to_have_text("Reply posted.")
    assert Reply.objects.get().author == student

    page.keyboard.press("Escape")
    expect(panel.locator("article.card")).to_have_count(0)
    expect(link).to_be_focused()
