"""A limit reached while writing a note: the message appears in the editor, and the note
is still in its field and kept by the browser (static/js/drafts.js)."""

from playwright.sync_api import expect

from annotations.models import Highlight
from tests.browser.helpers import log_in

PHRASE = "Stalin was hardly surprised"


def test_the_editor_shows_the_limit_in_place_and_keeps_the_note(
    page, settings, student, document, select_phrase, expected_console_errors
):
    settings.WRITE_LIMITS = {**settings.WRITE_LIMITS, "highlights": "1/m"}
    expected_console_errors.append("the server responded with a status of 429")
    log_in(page, student, next_page=document.get_absolute_url())
    select_phrase(4, PHRASE)
    page.get_by_role("button", name="Highlight", exact=True).click()
    page.get_by_label("Note").fill("The first one")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#panel")).to_contain_text("Highlight saved.")

    select_phrase(4, "He was never an enthusiast")
    page.get_by_role("button", name="Highlight", exact=True).click()
    page.get_by_label("Note").fill("My second note,\nnot to be lost.")
    page.get_by_role("button", name="Save").click()

    alert = page.locator("#panel form.editor").get_by_role("alert")
    expect(alert).to_contain_text(
        "Saving, changing or deleting highlights: at most 1 a minute, and that many came "
        "just now. Try again in a minute. Nothing was changed; what you typed is still here."
    )
    expect(page.get_by_label("Note")).to_have_value("My second note,\nnot to be lost.")
    assert Highlight.objects.count() == 1
    drafts = page.evaluate("() => Object.keys(localStorage).filter(k => k.includes(':draft:'))")
    assert len(drafts) == 1, "the unsaved note is still kept by the browser"

    page.get_by_role("button", name="Save").click()  # tried again: one message, not two
    expect(page.locator("#panel .limit-message")).to_have_count(2)
    expect(page.locator("#panel .limit-message:visible")).to_have_count(1)
    expect(page.get_by_label("Note")).to_have_value("My second note,\nnot to be lost.")
    assert Highlight.objects.count() == 1
