"""Two classmates talk in a thread in the reading view (issue 17), by keyboard.

The student opens the classmate's shared highlight by its painted passage (the reading
view's way in; the card's controls are then reached by keyboard), replies, and the card's
thread comes back in place, its message focused. The classmate, from My highlights'
"Open", reads the reply, answers it in its thread, and edits the answer.
"""

from playwright.sync_api import expect

from annotations.models import Reply
from tests.browser.helpers import log_in, logged_in_page, panel_settled

PHRASE = "Stalin was hardly surprised."
ASKED = "Which cable says he was not surprised?"
ANSWER = "The one of 14 May."
EDITED = "The cable of 14 May 1950."


def test_a_student_replies_to_a_classmate_who_answers_and_edits_the_answer(
    page, browser, live_server, classroom, student, classmate, document, make_highlight
):
    shared = make_highlight(classmate, PHRASE, visibility="class", note="Why not?")

    # The student replies, in the reading view.
    log_in(page, student)
    page.goto(document.get_absolute_url())
    page.locator("#reading-text mark.hl-shared").first.click()
    card = page.locator("#panel article.card")
    expect(card).to_contain_text("Why not?")
    panel_settled(page)
    card.get_by_label("Reply", exact=True).focus()
    page.keyboard.type(ASKED)
    page.keyboard.press("Tab")
    expect(card.get_by_role("button", name="Post reply")).to_be_focused()
    page.keyboard.press("Enter")

    # The thread comes back in the card, its message focused (a screen reader reads it).
    expect(card.get_by_role("status")).to_have_text("Reply posted.")
    expect(card.get_by_role("list", name="Replies")).to_contain_text(ASKED)
    expect(card.get_by_role("status")).to_be_focused()
    expect(card).to_contain_text("Why not?")  # the rest of the card, as it was
    expect(card.locator(".thread")).to_have_count(1)
    asked = Reply.objects.get()
    assert (asked.highlight, asked.author, asked.parent) == (shared, student, None)

    # The classmate sees it on their highlight's card and answers it in its thread.
    other = logged_in_page(browser, live_server, classmate)
    other.goto(document.get_absolute_url())
    other.get_by_role("link", name=f"Open highlight “{PHRASE}”").focus()
    other.keyboard.press("Enter")
    theirs = other.locator("#panel article.card")
    expect(theirs.get_by_role("list", name="Replies")).to_contain_text(ASKED)
    panel_settled(other)
    theirs.get_by_text("Reply in this thread", exact=True).focus()
    other.keyboard.press("Enter")
    other.keyboard.press("Tab")
    expect(theirs.get_by_label("Your reply in this thread")).to_be_focused()
    other.keyboard.type(ANSWER)
    other.keyboard.press("Tab")
    other.keyboard.press("Enter")

    answers = theirs.get_by_role("list", name="Answers")
    expect(answers).to_contain_text(ANSWER)
    expect(theirs.get_by_role("status")).to_be_focused()
    expect(theirs.locator(".thread")).to_have_count(1)  # swapped for the old one, not into it
    answer = Reply.objects.get(text=ANSWER)
    assert (answer.parent, answer.author) == (asked, classmate)

    # And edits the answer.
    answers.get_by_role("link", name="Edit your reply").focus()
    other.keyboard.press("Enter")
    box = theirs.get_by_label("Edit your reply")
    expect(box).to_be_focused()
    other.keyboard.press("Control+A")
    other.keyboard.type(EDITED)
    other.keyboard.press("Tab")
    expect(theirs.get_by_role("button", name="Save reply")).to_be_focused()
    other.keyboard.press("Enter")

    expect(theirs.get_by_role("status")).to_have_text("Reply updated.")
    expect(answers).to_contain_text(EDITED)
    expect(answers).to_contain_text("edited")
    answer.refresh_from_db()
    assert answer.text == EDITED and answer.edited is not None
    other.context.close()

    # The student's card, opened again, has the thread.
    page.reload()
    page.locator("#reading-text mark.hl-shared").first.click()
    expect(card.get_by_role("list", name="Answers")).to_contain_text(EDITED)


def test_without_javascript_a_reply_returns_to_the_highlight(
    browser, live_server, transactional_db, classroom, student, classmate, make_highlight
):
    shared = make_highlight(classmate, PHRASE, visibility="class", note="Why not?")
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    log_in(page, student)
    page.goto(f"/highlights/{shared.pk}/")
    page.get_by_label("Reply", exact=True).fill(ASKED)
    page.get_by_role("button", name="Post reply").click()

    reply = Reply.objects.get()
    page.wait_for_url(f"**/highlights/{shared.pk}/#{reply.anchor}")
    expect(page.get_by_text("Reply posted.")).to_be_visible()
    expect(page.locator(f"#{reply.anchor}")).to_contain_text(ASKED)
    context.close()
