"""The live reading view with two students: one shares a highlight, the other's page
paints it within a poll, without a reload and without moving the text, and says so in
its live region; the reader replies on its card, and the reply counts in its author's
badge."""

from playwright.sync_api import expect

from annotations.models import Highlight
from tests.browser.helpers import drag_select, logged_in_page, phrase_box

DOC = "/documents/stalin-and-korean-war/"
PHRASE = "Stalin was hardly surprised"


def paragraph_top(page, paragraph: int) -> float:
    return page.evaluate(f"document.getElementById('p-{paragraph}').getBoundingClientRect().top")


def test_a_classmates_shared_highlight_appears_without_a_reload_or_a_jump(
    settings, browser, live_server, page, log_in, document, student, classmate, classroom
):
    settings.LIVE_POLL_SECONDS = 1
    # The reader, scrolled past the paragraph the classmate will highlight in.
    log_in(student)
    page.goto(DOC + "?outside=1")
    page.locator("#p-12").scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, 0); window.notReloaded = true")
    # Paragraph 4 emptied above the viewport (its words taken out, not its style: the CSP
    # allows no style attribute): painted anew, it grows back by its height, which must
    # not push the text the reader is on.
    page.evaluate("document.getElementById('p-4').replaceChildren()")
    # Chromium's own scroll anchoring off, as browsers without it have none: what keeps
    # the text in place is static/js/live.js.
    page.evaluate("document.documentElement.style.overflowAnchor = 'none'")
    assert page.evaluate("document.getElementById('p-4').getBoundingClientRect().bottom") < 0
    top_before = paragraph_top(page, 12)
    scrolled_before = page.evaluate("window.scrollY")

    # The classmate highlights in paragraph 4 and shares it with the class.
    author = logged_in_page(browser, live_server, classmate)
    errors = []
    author.on("pageerror", lambda error: errors.append(str(error)))
    author.goto(DOC)
    author.locator("#p-4").scroll_into_view_if_needed()
    box = phrase_box(author, 4, PHRASE)
    drag_select(author, box, box)
    author.get_by_role("button", name="Highlight", exact=True).click()
    author.get_by_label("My class").check()
    author.get_by_role("button", name="Save").click()
    expect(author.locator("#panel")).to_contain_text("Highlight saved.")
    shared = Highlight.objects.get()

    # Within a poll: painted, announced, and the text where it was.
    expect(page.locator("#reading-text mark.hl-shared")).to_have_text(PHRASE, timeout=5_000)
    expect(page.locator("#live-status")).to_have_text("1 new highlight from your class.")
    expect(page.locator("#live-status")).to_have_attribute("aria-live", "polite")
    assert page.evaluate("window.notReloaded") is True
    expect(page.locator("#p-4")).to_contain_text(PHRASE)  # painted anew
    assert abs(paragraph_top(page, 12) - top_before) <= 1
    assert page.evaluate("window.scrollY") > scrolled_before + 50  # it grew, above the reader
    expect(page.locator(f"#h-{shared.pk}")).to_have_count(1)

    # The reader replies on the card of the mark just painted: the author's badge counts
    # one on the next page they open.
    expect(author.get_by_role("link", name="Notifications", exact=True)).to_be_visible()
    page.locator("#reading-text mark.hl-shared").first.click()
    card = page.locator("#panel article.card")
    card.get_by_label("Reply", exact=True).fill("Me neither.")
    card.get_by_role("button", name="Post reply").click()
    expect(card.get_by_role("status")).to_have_text("Reply posted.")
    assert shared.replies.get().author == student
    author.reload()
    badge = author.get_by_role("link", name="Notifications, 1 new")
    expect(badge).to_be_visible()
    expect(badge.locator(".count-badge")).to_have_text("1")
    badge.click()
    expect(author.locator(".notification-new")).to_contain_text("Me neither.")
    expect(author.get_by_role("link", name="Notifications", exact=True)).to_be_visible()
    assert errors == []
    author.context.close()
