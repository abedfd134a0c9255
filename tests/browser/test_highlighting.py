from playwright.sync_api import expect

from annotations.models import Highlight
from tests.browser import helpers

DOC = "/documents/stalin-and-korean-war/"


def open_document_as(page, log_in, user, path=DOC):
    log_in(user)
    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def save_highlight(page, note="", tags=""):
    page.get_by_role("button", name="Highlight", exact=True).click()
    expect(page.get_by_label("Note")).to_be_focused()
    if note:
        page.get_by_label("Note").fill(note)
    if tags:
        page.get_by_label("Tags").fill(tags)
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#panel")).to_contain_text("Highlight saved.")


def test_a_student_highlights_with_a_note_and_two_tags(
    page, log_in, student, document, select_phrase
):
    open_document_as(page, log_in, student)

    select_phrase(4, "Stalin was hardly surprised")
    save_highlight(page, note="He had expected it.\nSee paragraph 3.", tags="cold war, Stalin")

    mark = page.locator("#reading-text mark.hl-own")
    expect(mark).to_have_text("Stalin was hardly surprised")
    expect(page.locator("#my-highlights")).to_contain_text("Stalin was hardly surprised")
    highlight = Highlight.objects.get()
    assert highlight.exact == "Stalin was hardly surprised"
    assert document.text[highlight.start : highlight.end] == highlight.exact
    assert sorted(highlight.tags.names(), key=str.casefold) == ["cold war", "Stalin"]
    assert highlight.note == "He had expected it.\nSee paragraph 3."

    page.reload()
    expect(page.locator("#reading-text mark.hl-own")).to_have_text("Stalin was hardly surprised")
    page.locator("#reading-text mark.hl-own").click()
    card = page.locator("#panel")
    expect(card).to_contain_text("He had expected it.")
    expect(card.get_by_role("link", name="cold war")).to_be_visible()
    expect(card).to_contain_text("You")


def test_a_student_edits_a_highlight(page, log_in, student, make_highlight):
    make_highlight(student, "Stalin was hardly surprised", note="First thought", tags=["draft"])
    open_document_as(page, log_in, student)

    page.locator("#reading-text mark.hl-own").click()
    page.locator("#panel").get_by_role("link", name="Edit").click()
    page.get_by_label("Note").fill("Second thought")
    page.get_by_label("Tags").fill("revised, intelligence")
    page.get_by_label("My class").check()
    page.get_by_role("button", name="Save").click()

    expect(page.locator("#panel")).to_contain_text("Highlight updated.")
    expect(page.locator("#panel")).to_contain_text("Second thought")
    highlight = Highlight.objects.get()
    assert highlight.note == "Second thought"
    assert sorted(highlight.tags.names()) == ["intelligence", "revised"]
    assert highlight.visibility == "class"


def test_a_student_deletes_a_highlight_after_confirming(page, log_in, student, make_highlight):
    make_highlight(student, "Stalin was hardly surprised")
    open_document_as(page, log_in, student)

    page.locator("#reading-text mark.hl-own").click()
    page.locator("#panel").get_by_role("link", name="Delete").click()
    expect(page.locator("#panel")).to_contain_text("Delete this highlight?")
    assert Highlight.objects.count() == 1, "nothing is deleted before the confirmation"
    page.locator("#panel").get_by_role("button", name="Delete").click()

    expect(page.locator("#panel")).to_contain_text("Highlight deleted.")
    expect(page.locator("#reading-text mark")).to_have_count(0)
    expect(page.locator("#my-highlights")).to_contain_text("None yet")
    assert Highlight.objects.count() == 0


def test_a_highlight_across_two_paragraphs(page, log_in, student, document, select_phrase):
    open_document_as(page, log_in, student)

    select_phrase(
        3, "the only way to save", to_paragraph=4, to_phrase="Stalin was hardly surprised"
    )
    save_highlight(page)

    highlight = Highlight.objects.get()
    assert highlight.exact.startswith("the only way to save")
    assert highlight.exact.endswith("Stalin was hardly surprised")
    assert "\n\n" in highlight.exact
    assert document.text[highlight.start : highlight.end] == highlight.exact
    expect(page.locator("#p-3 mark.hl-own")).to_have_count(1)
    expect(page.locator("#p-4 mark.hl-own")).to_have_text("Stalin was hardly surprised")


def test_the_keyboard_path_highlights_a_paragraph_then_narrows_it(page, log_in, student, document):
    open_document_as(page, log_in, student)

    page.get_by_label("Paragraph number").focus()
    page.keyboard.type("4")
    page.keyboard.press("Enter")
    expect(page.get_by_label("Note")).to_be_focused()
    page.get_by_label("From sentence").select_option("2")
    page.get_by_label("To sentence").select_option("2")
    page.get_by_role("button", name="Update selection").press("Enter")
    quote = page.locator("#panel blockquote")
    expect(quote).not_to_contain_text("Stalin was hardly surprised")
    expect(quote).to_contain_text("He was never an enthusiast")
    page.get_by_label("Note").type("Only the second sentence")
    page.keyboard.press("Tab")  # to Tags
    page.keyboard.type("enthusiasm")
    page.get_by_role("button", name="Save").press("Enter")

    expect(page.locator("#panel")).to_contain_text("Highlight saved.")
    highlight = Highlight.objects.get()
    assert highlight.exact.startswith("He was never an enthusiast")
    assert highlight.exact.endswith(
        "the U.S. would have no time, and perhaps, no will, to interfere."
    )
    assert highlight.note == "Only the second sentence"


def test_the_h_key_highlights_a_keyboard_selection(page, log_in, student, document):
    open_document_as(page, log_in, student)
    # Shift+arrow selection needs caret browsing, which a headless browser lacks; set the
    # selection the way it would leave it, then use only the keyboard.
    page.evaluate(
        """() => {
          const node = document.querySelector('#p-5').firstChild;
          const at = node.data.indexOf('Alexander Mansourov');
          const range = document.createRange();
          range.setStart(node, at); range.setEnd(node, at + 'Alexander Mansourov'.length);
          getSelection().removeAllRanges(); getSelection().addRange(range);
        }"""
    )
    page.wait_for_timeout(200)
    page.keyboard.press("h")

    expect(page.get_by_label("Note")).to_be_focused()
    page.keyboard.press("Control+Enter")  # nothing special: stays in the note
    page.get_by_role("button", name="Save").press("Enter")
    expect(page.locator("#reading-text mark.hl-own")).to_have_text("Alexander Mansourov")


def test_a_classmates_shared_highlight_shows_and_a_private_one_does_not(
    page, log_in, student, classmate, classroom, make_highlight
):
    make_highlight(classmate, "Stalin was hardly surprised", note="Shared note", visibility="class")
    make_highlight(classmate, "Alexander Mansourov", note="Secret note", visibility="private")
    open_document_as(page, log_in, student)

    shared = page.locator("#reading-text mark.hl-shared")
    expect(shared).to_have_count(1)
    expect(shared).to_have_text("Stalin was hardly surprised")
    expect(page.locator("#reading-text mark")).to_have_count(1)
    assert "Secret note" not in page.content()

    shared.click()
    expect(page.locator("#panel")).to_contain_text("Shared note")
    expect(page.locator("#panel")).to_contain_text("Sofia Alvarez")
    expect(page.locator("#panel").get_by_role("link", name="Edit")).to_have_count(0)


def test_touch_selection_on_a_phone(browser, live_server, transactional_db, student, document):
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 375, "height": 740},
        has_touch=True,
        is_mobile=True,
    )
    page = context.new_page()
    helpers.log_in(page, student, next_page=DOC, tap=True)
    page.locator("#p-4").scroll_into_view_if_needed()
    # A long press selects a word on a phone; the browser reports it as a selection.
    page.evaluate(
        """() => {
          const node = document.querySelector('#p-4').firstChild;
          const range = document.createRange();
          range.setStart(node, 0); range.setEnd(node, 'Stalin'.length);
          getSelection().removeAllRanges(); getSelection().addRange(range);
        }"""
    )
    button = page.get_by_role("button", name="Highlight", exact=True)
    expect(button).to_be_in_viewport()
    button.tap()
    expect(page.get_by_label("Note")).to_be_in_viewport()
    page.get_by_role("button", name="Save").tap()
    expect(page.locator("#reading-text mark.hl-own")).to_have_text("Stalin")
    context.close()
    assert Highlight.objects.get().exact == "Stalin"


def test_a_quote_that_is_not_in_the_text_is_refused_in_the_editor(page, log_in, student, document):
    open_document_as(page, log_in, student)
    form = page.locator("#selection-form")
    page.evaluate(
        """() => {
          const form = document.getElementById('selection-form');
          form.elements.start.value = 10; form.elements.end.value = 20;
          form.elements.exact.value = 'words nobody wrote';
          form.hidden = false;
        }"""
    )
    form.get_by_role("button", name="Highlight", exact=True).click()

    expect(page.locator("#panel [role=alert]")).to_contain_text("not in this article's text")
    assert Highlight.objects.count() == 0


def test_without_javascript_a_paragraph_can_be_highlighted(
    browser, live_server, transactional_db, student, document
):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    helpers.log_in(page, student, next_page=DOC)

    page.get_by_label("Paragraph number").fill("4")
    page.get_by_role("button", name="Highlight paragraph").click()
    page.get_by_label("From sentence").select_option("1")
    page.get_by_label("To sentence").select_option("1")
    page.get_by_label("Note").fill("Typed before narrowing")
    page.get_by_role("button", name="Update selection").click()
    expect(page.locator("blockquote.quote")).to_have_text("Stalin was hardly surprised.")
    expect(page.get_by_label("Note")).to_have_value("Typed before narrowing")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_text("Highlight saved.")).to_be_visible()
    expect(page.locator("#reading-text mark.hl-own")).to_have_text("Stalin was hardly surprised.")
    context.close()
    assert Highlight.objects.get().note == "Typed before narrowing"


def test_the_tags_field_suggests_tags_in_use_as_the_student_types(
    page, log_in, student, classmate, classroom, make_highlight, select_phrase
):
    make_highlight(classmate, "Alexander Mansourov", tags=["propaganda"], visibility="class")
    make_highlight(classmate, "Pak Myong-rim", tags=["proposal"], visibility="private")
    open_document_as(page, log_in, student)

    select_phrase(4, "Stalin was hardly surprised")
    page.get_by_role("button", name="Highlight", exact=True).click()
    expect(page.get_by_label("Note")).to_be_focused()  # the editor is open and settled
    page.get_by_label("Tags").press_sequentially("cold war, prop", delay=30)

    options = page.locator("#tag-options option")
    expect(options).to_have_count(1)
    expect(options.first).to_have_attribute("value", "cold war, propaganda")


def test_the_tags_field_offers_the_assignments_suggested_tags_first(
    page, log_in, student, classmate, assignment, document, make_highlight, select_phrase
):
    make_highlight(classmate, "Alexander Mansourov", tags=["motivation"], visibility="class")
    open_document_as(
        page, log_in, student, path=f"/assignments/{assignment.pk}/documents/{document.slug}/"
    )
    brief = page.locator(".assignment-brief")
    expect(brief.locator(".suggested-tags li")).to_have_text(["evidence", "motive"])

    select_phrase(4, "Stalin was hardly surprised")
    page.get_by_role("button", name="Highlight", exact=True).click()
    expect(page.get_by_label("Note")).to_be_focused()
    page.get_by_label("Tags").focus()  # offered before anything is typed

    options = page.locator("#tag-options option")
    expect(options).to_have_count(3)
    assert [options.nth(i).get_attribute("value") for i in range(3)] == [
        "evidence",
        "motive",
        "motivation",
    ]
    page.get_by_label("Tags").press_sequentially("mot", delay=30)
    expect(options).to_have_count(2)
    expect(options.first).to_have_attribute("value", "motive")


def test_offsets_count_code_points_not_utf16_units(page, log_in, student, select_phrase):
    from annotations.models import Document

    # Characters outside the Basic Multilingual Plane are two UTF-16 units in JavaScript
    # and one code point in Python: a highlight after them must land where it was made.
    Document.objects.create(
        slug="astral",
        title="Astral test",
        text="Notes 𝔄𝔅 and 😀 before.\n\nKim\u00a0Il-sung’s “plans” came after 𝄞 the music.",
    )
    open_document_as(page, log_in, student, path="/documents/astral/")

    select_phrase(2, "“plans” came after 𝄞 the")
    save_highlight(page)

    highlight = Highlight.objects.get()
    assert highlight.exact == "“plans” came after 𝄞 the"
    assert highlight.document.text[highlight.start : highlight.end] == highlight.exact
    expect(page.locator("#reading-text mark.hl-own")).to_have_text("“plans” came after 𝄞 the")


def test_a_jump_link_lands_on_the_highlight_and_flashes_it(page, log_in, student, make_highlight):
    make_highlight(student, "Comments are closed.")
    open_document_as(page, log_in, student)

    page.locator("#my-highlights").get_by_role(
        "link", name="“Comments are closed.”", exact=True
    ).click()

    mark = page.locator("#reading-text mark.hl-own")
    expect(mark).to_be_in_viewport()
    expect(mark).to_have_class("hl hl-own flash")
