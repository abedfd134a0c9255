"""A question in the margin: a student asks, a classmate has the same question (and
takes it back), the teacher finds it in "Where the class is stuck" and marks a reply as
its answer."""

from playwright.sync_api import expect

from annotations.models import Highlight, HighlightMark
from annotations.writes import add_reply
from tests.browser.helpers import log_in
from tests.helpers import PHRASE


def test_a_question_is_asked_shared_and_answered(
    page, assignment, document, glossary, teacher, student, classmate, select_phrase
):
    # The student highlights a passage and marks it a question.
    reading = f"/assignments/{assignment.pk}/documents/{document.slug}/"
    log_in(page, student, next_page=reading)
    select_phrase(4, PHRASE)
    page.get_by_role("button", name="Highlight", exact=True).click()
    page.get_by_label("Note").fill("Why was he not surprised?")
    page.get_by_label("My class").check()
    page.get_by_label("This is a question").check()
    page.get_by_role("button", name="Save").click()
    panel = page.locator("#panel")
    expect(panel).to_contain_text("Highlight saved.")
    expect(panel.locator(".badge-question")).to_have_text("Question")
    question = Highlight.objects.get()
    assert question.is_question

    # A classmate has the same question, then takes it back.
    log_in(page, classmate, next_page=question.get_absolute_url())
    card = page.locator("article.card")
    same = card.get_by_role("button", name="Same question", exact=True)
    expect(same).to_have_attribute("aria-pressed", "false")
    expect(card.get_by_role("button", name="Helpful", exact=True)).to_be_visible()
    same.click()
    same = page.locator("article.card").get_by_role("button", name="Same question", exact=True)
    expect(same).to_have_attribute("aria-pressed", "true")
    expect(same).to_be_focused()
    expect(page.locator(f"#same_question-count-{question.pk}")).to_have_text("1")
    assert HighlightMark.objects.filter(person=classmate, kind="same_question").count() == 1

    same.press("Enter")
    same = page.locator("article.card").get_by_role("button", name="Same question", exact=True)
    expect(same).to_have_attribute("aria-pressed", "false")
    expect(same).to_be_focused()
    expect(page.locator(f"#same_question-count-{question.pk}")).to_have_text("0")
    assert not HighlightMark.objects.exists()

    # The teacher finds the passage where the class is stuck, and marks the answer.
    reply = add_reply(
        highlight=question,
        author=teacher,
        text="Read paragraph 3: he expected it.",
        classroom=assignment.classroom_id,
    )
    log_in(page, teacher, next_page=assignment.get_absolute_url())
    stuck = page.get_by_role("region", name="Where the class is stuck")
    expect(stuck).to_contain_text(f"{document.title}, paragraph 4")
    expect(stuck).to_contain_text("1 question · 0 “Same question” marks · 1 unanswered")
    stuck.get_by_role("link", name=f"“{PHRASE}”").click()
    page.wait_for_url(f"**{reading}#h-{question.pk}")
    expect(page.locator(f"#h-{question.pk}")).to_be_attached()

    page.goto(question.get_absolute_url())
    card = page.locator("article.card")
    expect(card.locator(".badge-answered")).to_have_count(0)
    card.get_by_role("button", name="Mark as answer").click()
    card = page.locator("article.card")
    expect(card.get_by_role("status")).to_have_text(
        "Marked as the answer: the question shows as answered."
    )
    expect(card.locator(".badges .badge-answered")).to_have_text("Answered")
    expect(card.locator(".reply-answer")).to_contain_text("Read paragraph 3: he expected it.")
    expect(card.get_by_role("button", name="Not the answer")).to_be_visible()
    reply.refresh_from_db()
    assert reply.is_answer

    page.goto(assignment.get_absolute_url())
    expect(stuck).to_contain_text("all answered")
