"""A session that ends mid-note loses nothing: the real log-in page, back to the place,
and the draft the browser kept offered back (static/js/drafts.js)."""

import re

from playwright.sync_api import expect

from annotations.models import Highlight, Reply
from tests.browser.helpers import log_in
from tests.helpers import PASSWORD

PHRASE = "Stalin was hardly surprised"
STALIN = re.compile(r"^Joseph Stalin\b")  # the glossary entry, with its kind


def end_the_session(page) -> None:
    """What an expired session looks like to the server: no session cookie (the CSRF
    cookie stays, as it outlives a session)."""
    page.context.clear_cookies(name="sessionid")


def log_in_again(page, user, place: str) -> None:
    """On the real log-in page the server sent the browser to, with `next` the place."""
    page.wait_for_url(re.compile(re.escape(f"/accounts/login/?next={place}") + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    page.get_by_label("User name").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**{place}")


def drafts_kept(page) -> list[str]:
    return page.evaluate("() => Object.keys(localStorage).filter(k => k.includes(':draft:'))")


def test_a_note_saved_after_the_session_ended_is_kept_and_saved_once_in_the_assignment(
    page, student, assignment, document, glossary, select_phrase
):
    place = f"/assignments/{assignment.pk}/documents/{document.slug}/"
    log_in(page, student, next_page=place)
    select_phrase(4, PHRASE)
    page.get_by_role("button", name="Highlight", exact=True).click()
    expect(page.get_by_label("Note")).to_be_focused()
    page.get_by_label("Note").fill("He had expected it,\nsee paragraph 3.")
    # Suggestions are asked for as the student types: answered before the session ends.
    with page.expect_response(lambda response: "surprise" in response.url):
        page.get_by_label("Tags").fill("evidence, surprise")
    assert len(drafts_kept(page)) == 1, "written on input, kept as suggestions come"
    page.get_by_label("My class").check()
    stalin = page.locator("#panel").get_by_role("checkbox", name=STALIN)
    expect(stalin).not_to_be_checked()  # offered, named in the passage
    stalin.check()

    end_the_session(page)
    page.get_by_role("button", name="Save").click()

    # The log-in page itself, not swapped into the panel; then back to the assignment.
    log_in_again(page, student, place)
    assert Highlight.objects.count() == 0
    expect(page.get_by_role("heading", name=assignment.title)).to_be_visible()

    offer = page.get_by_role("group", name="Unsaved highlight")
    expect(offer).to_contain_text(f"Your note on “{PHRASE}” was not saved.")
    offer.get_by_role("button", name="Restore your unsaved note").click()

    expect(page.get_by_label("Note")).to_have_value("He had expected it,\nsee paragraph 3.")
    expect(page.get_by_label("Tags")).to_have_value("evidence, surprise")
    expect(page.get_by_label("My class")).to_be_checked()
    expect(page.locator("#panel").get_by_role("checkbox", name=STALIN)).to_be_checked()
    expect(page.locator("#panel blockquote.quote")).to_have_text(PHRASE)
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#panel")).to_contain_text("Highlight saved.")

    highlight = Highlight.objects.get()  # once
    assert highlight.assignment == assignment
    assert highlight.exact == PHRASE
    assert highlight.note == "He had expected it,\nsee paragraph 3."
    assert sorted(highlight.tags.names()) == ["evidence", "surprise"]
    assert highlight.visibility == "class"
    assert [entry.slug for entry in highlight.glossary_entries.all()] == ["joseph-stalin"]
    assert drafts_kept(page) == [], "cleared once saved"
    page.reload()
    expect(page.get_by_role("heading", name=assignment.title)).to_be_visible()
    expect(page.locator(".draft-offer")).to_have_count(0)


def test_selecting_the_passage_again_offers_the_unsaved_note(
    page, student, document, select_phrase
):
    log_in(page, student, next_page=document.get_absolute_url())
    select_phrase(4, PHRASE)
    page.get_by_role("button", name="Highlight", exact=True).click()
    page.get_by_label("Note").fill("Not saved yet")
    page.reload()  # the tab closed, say

    expect(page.get_by_role("group", name="Unsaved highlight")).to_be_visible()
    select_phrase(4, PHRASE)
    page.get_by_role("button", name="Highlight", exact=True).click()
    expect(page.get_by_label("Note")).to_have_value("")
    editor = page.locator("#panel form.editor")
    editor.get_by_role("button", name="Restore your unsaved note").click()
    expect(page.get_by_label("Note")).to_have_value("Not saved yet")
    expect(page.get_by_label("Note")).to_be_focused()
    expect(page.locator(".draft-offer")).to_have_count(0)  # the page's offer too

    page.get_by_role("link", name="Cancel").click()  # done with it
    expect(page.get_by_role("heading", name="Highlight a passage")).to_be_visible()
    assert drafts_kept(page) == []


def test_a_note_kept_through_narrowing_the_selection_is_offered_for_the_narrowed_passage(
    page, student, document
):
    log_in(page, student, next_page=document.get_absolute_url())
    page.get_by_label("Paragraph number").fill("4")
    page.get_by_role("button", name="Highlight paragraph").click()
    page.get_by_label("Note").fill("Only the second sentence")
    page.get_by_label("From sentence").select_option("2")
    page.get_by_label("To sentence").select_option("2")
    page.get_by_role("button", name="Update selection").click()
    expect(page.locator("#panel blockquote")).not_to_contain_text(PHRASE)
    expect(page.get_by_label("Note")).to_have_value("Only the second sentence")
    page.reload()

    offers = page.get_by_role("group", name="Unsaved highlight")
    expect(offers).to_have_count(1)  # the narrowed passage's, not the paragraph's
    expect(offers).to_contain_text("Your note on “He was never an enthusiast")
    offers.get_by_role("button", name="Restore your unsaved note").click()
    expect(page.get_by_label("Note")).to_have_value("Only the second sentence")
    page.get_by_role("button", name="Save").click()

    expect(page.locator("#panel")).to_contain_text("Highlight saved.")
    assert Highlight.objects.get().exact.startswith("He was never an enthusiast")
    assert drafts_kept(page) == []


def test_a_draft_is_not_offered_to_the_next_student_at_the_computer(
    page, student, classmate, document, select_phrase
):
    log_in(page, student, next_page=document.get_absolute_url())
    select_phrase(4, PHRASE)
    page.get_by_role("button", name="Highlight", exact=True).click()
    page.get_by_label("Note").fill("Mine alone")
    end_the_session(page)

    log_in(page, classmate, next_page=document.get_absolute_url())

    expect(page.get_by_role("heading", name="Highlight a passage")).to_be_visible()
    expect(page.locator(".draft-offer")).to_have_count(0)


def test_a_reply_sent_after_the_session_ended_is_kept_and_sent_once(
    page, teacher, student, assignment, make_highlight
):
    highlight = make_highlight(student, PHRASE, assignment=assignment, visibility="class")
    place = f"/assignments/{assignment.pk}/students/{student.pk}/"
    log_in(page, teacher, next_page=place)
    box = page.get_by_label("Reply", exact=True)
    box.fill("Which paragraph says so?")

    end_the_session(page)
    page.get_by_role("button", name="Post reply").click()

    log_in_again(page, teacher, place)
    assert Reply.objects.count() == 0

    offer = page.get_by_role("group", name="Unsaved reply")
    expect(offer).to_contain_text("Your reply was not sent.")
    offer.get_by_role("button", name="Restore your unsaved reply").click()
    expect(box).to_have_value("Which paragraph says so?")
    expect(box).to_be_focused()
    page.get_by_role("button", name="Post reply").click()

    expect(page.get_by_role("status")).to_contain_text("Reply posted.")
    expect(page.get_by_role("list", name="Replies")).to_contain_text("Which paragraph says so?")
    expect(box).to_have_value("")
    reply = Reply.objects.get()  # once
    assert (reply.highlight, reply.text) == (highlight, "Which paragraph says so?")
    assert drafts_kept(page) == []
    page.reload()
    expect(page.locator(".draft-offer")).to_have_count(0)
