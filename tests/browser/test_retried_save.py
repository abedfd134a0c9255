"""A save whose answer is lost, then retried, makes one highlight (the idempotency key)."""

import uuid

from playwright.sync_api import expect

from annotations.models import Highlight

DOC = "/documents/stalin-and-korean-war/"


def test_a_save_retried_after_its_answer_was_lost_is_saved_once(
    page, log_in, student, document, select_phrase, expected_console_errors
):
    # The answer this test drops, as Chromium and htmx report it.
    expected_console_errors.extend(["ERR_CONNECTION_RESET", "htmx:sendError", "htmx:afterRequest"])
    log_in(student)
    page.goto(DOC)
    select_phrase(4, "Stalin was hardly surprised")
    key_field = page.locator("#selection-form input[name=client_key]")
    expect(key_field).not_to_have_value("")
    key = key_field.input_value()
    assert uuid.UUID(key), "the browser made a key for the selection"
    page.get_by_role("button", name="Highlight", exact=True).click()
    expect(page.get_by_label("Note")).to_be_focused()
    assert page.locator("#panel input[name=client_key]").input_value() == key
    page.get_by_label("Note").fill("Saved once, answered twice")

    lost = []

    def lose_the_first_answer(route):
        if route.request.method == "POST" and not lost:
            route.fetch()  # the server saves the highlight...
            lost.append(route.request.post_data)
            route.abort("connectionreset")  # ...and its answer never arrives
        else:
            route.continue_()

    page.route("**/highlights/new/", lose_the_first_answer)
    page.get_by_role("button", name="Save").click()
    for _ in range(100):  # the route handler runs while the page waits
        if lost:
            break
        page.wait_for_timeout(100)
    assert lost, "the save was sent"
    expect(page.locator("#panel")).not_to_contain_text("Highlight saved.")
    assert Highlight.objects.count() == 1  # saved, though the browser was never told

    page.get_by_role("button", name="Save").click()  # the student tries again

    expect(page.locator("#panel")).to_contain_text("Highlight saved.")
    highlight = Highlight.objects.get()  # one, not two
    assert str(highlight.client_key) == key
    assert highlight.note == "Saved once, answered twice"
    expect(page.locator("#reading-text mark.hl-own")).to_have_count(1)
