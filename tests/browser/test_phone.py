"""The app on a phone (390 x 844): no page scrolls sideways; the editor and a highlight's
card open as a bottom sheet over the text; paragraph numbers stay visible."""

import pytest
from playwright.sync_api import expect

from tests.browser import helpers
from tests.helpers import add_highlight, make_user

PHONE = {"width": 390, "height": 844}
DOC = "/documents/stalin-and-korean-war/"


@pytest.fixture
def phone(browser, live_server, transactional_db):
    """A new phone-sized page for each call, failing the test on a JavaScript error or a
    Content-Security-Policy violation, as the `page` fixture does."""
    contexts, errors, blocked = [], [], []

    def open_page():
        context = browser.new_context(
            base_url=live_server.url, viewport=PHONE, has_touch=True, is_mobile=True
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on(
            "console",
            lambda message: (
                blocked.append(message.text) if "Content Security Policy" in message.text else None
            ),
        )
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"
    assert not blocked, f"blocked by the Content-Security-Policy: {blocked}"


def sideways(page) -> int:
    """How far the page scrolls sideways: 0 when it fits the screen."""
    return page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def wide_elements(page) -> list[str]:
    """The innermost elements that reach past the right edge of the screen, for the
    failure's message."""
    return page.evaluate(
        """() => {
          const edge = document.documentElement.clientWidth;
          const wide = [...document.body.querySelectorAll("*")].filter(
            (e) => e.getBoundingClientRect().right > edge + 1 && !e.closest(".table-scroll *"));
          return wide.filter((e) => !wide.some((o) => o !== e && e.contains(o)))
            .slice(0, 5).map((e) => e.tagName + " " + e.textContent.slice(0, 40));
        }"""
    )


def select_words(page, paragraph: int, words: int = 1) -> None:
    """Select the first `words` words of paragraph N, as a long press does on a phone."""
    page.locator(f"#p-{paragraph}").scroll_into_view_if_needed()
    page.evaluate(
        """([selector, words]) => {
          const root = document.querySelector(selector);
          const node = document.createTreeWalker(root, NodeFilter.SHOW_TEXT).nextNode();
          const end = node.data.split(" ").slice(0, words).join(" ").length;
          const range = document.createRange();
          range.setStart(node, 0); range.setEnd(node, end);
          getSelection().removeAllRanges(); getSelection().addRange(range);
        }""",
        [f"#p-{paragraph}", words],
    )


def open_editor(page, paragraph: int = 6) -> None:
    select_words(page, paragraph)
    page.get_by_role("button", name="Highlight", exact=True).tap()
    expect(page.get_by_label("Note")).to_be_focused()


@pytest.fixture
def a_class_at_work(documents, glossary, teacher, student, classmate, classroom, assignment):
    document = documents["stalin-and-korean-war"]
    own = add_highlight(
        student, document, "Stalin was hardly surprised", visibility="class", assignment=assignment
    )
    own.tags.add("motive")
    add_highlight(
        classmate,
        document,
        "He was never an enthusiast",
        visibility="class",
        assignment=assignment,
        note="A long note " * 20,
    )
    # A table with many students, the widest the dashboard gets.
    for n in range(12):
        user = make_user(f"student_with_a_long_name_{n}", "Alexandrina", f"Montgomery-{n}")
        classroom.memberships.create(user=user, role="student")
    return own


def test_no_page_scrolls_sideways_on_a_phone(
    phone, live_server, a_class_at_work, teacher, student, classroom, assignment, glossary
):
    own = a_class_at_work
    entry = next(iter(glossary.values()))
    anonymous = phone()
    pages = {
        "/accounts/login/": anonymous,
        f"/join/{classroom.join_code}/": anonymous,
        "/join/": anonymous,
    }
    reader = phone()
    helpers.log_in(reader, student, tap=True)
    pages |= {
        "/": reader,
        DOC: reader,
        "/glossary/": reader,
        entry.get_absolute_url(): reader,
        "/highlights/": reader,
        "/tags/motive/": reader,
        "/classes/": reader,
        f"/classes/{classroom.pk}/": reader,
        f"/assignments/{assignment.pk}/": reader,
        f"/assignments/{assignment.pk}/documents/stalin-and-korean-war/": reader,
        f"/highlights/{own.pk}/": reader,
        "/assignments/": reader,
        "/accounts/": reader,
    }
    teaching = phone()
    helpers.log_in(teaching, teacher, tap=True)
    pages |= {
        f"/classes/{classroom.pk}/ as teacher": teaching,
        f"/assignments/{assignment.pk}/ as teacher": teaching,
        f"/assignments/{assignment.pk}/students/{student.pk}/": teaching,
        f"/classes/{classroom.pk}/cards/": teaching,
        f"/classes/{classroom.pk}/students/new/": teaching,
        f"/classes/{classroom.pk}/settings/": teaching,
        f"/assignments/{assignment.pk}/edit/": teaching,
        f"/classes/{classroom.pk}/assignments/new/": teaching,
    }
    too_wide = {}
    for path, page in pages.items():
        response = page.goto(path.removesuffix(" as teacher"))
        assert response.ok, path
        if sideways(page) > 0:
            too_wide[path] = (sideways(page), wide_elements(page))
    reader.goto(DOC)
    open_editor(reader)
    if sideways(reader) > 0:
        too_wide["the editor open"] = (sideways(reader), wide_elements(reader))
    assert too_wide == {}


def test_a_wide_table_scrolls_in_its_own_box_reachable_by_keyboard(
    phone, a_class_at_work, teacher, assignment
):
    page = phone()
    helpers.log_in(page, teacher, tap=True)
    page.goto(f"/assignments/{assignment.pk}/")
    region = page.locator("section[aria-labelledby=students-heading] [role=region]")
    expect(region).to_be_visible()
    assert region.evaluate("box => box.scrollWidth > box.clientWidth")
    region.focus()
    page.keyboard.press("ArrowRight")
    expect(region).to_be_focused()
    page.wait_for_function(
        "() => document.querySelector('section[aria-labelledby=students-heading] "
        "[role=region]').scrollLeft > 0"
    )


def test_the_editor_opens_as_a_bottom_sheet_and_closes_to_where_the_reader_was(
    phone, student, document
):
    page = phone()
    helpers.log_in(page, student, next_page=DOC, tap=True)
    page.locator("#p-12").scroll_into_view_if_needed()
    select_words(page, 12)
    where = page.evaluate("() => scrollY")
    page.get_by_role("button", name="Highlight", exact=True).tap()

    note = page.get_by_label("Note")
    expect(note).to_be_focused()
    expect(note).to_be_in_viewport()
    panel = page.locator("#panel")
    assert panel.evaluate("p => getComputedStyle(p).position") == "fixed"
    assert panel.evaluate("p => p.getBoundingClientRect().bottom") <= PHONE["height"] + 1
    assert panel.evaluate("p => p.getBoundingClientRect().height") < PHONE["height"]
    # The text is where the reader left it, under the sheet.
    assert abs(page.evaluate("() => scrollY") - where) < 2
    expect(page.locator("#p-12")).to_be_in_viewport()

    page.keyboard.press("Escape")
    expect(note).to_be_hidden()
    assert panel.evaluate("p => getComputedStyle(p).position") != "fixed"
    assert abs(page.evaluate("() => scrollY") - where) < 2
    focused = page.evaluate("() => document.activeElement.closest('#p-12') !== null")
    assert focused, "focus goes back to the paragraph the reader was in"

    # The close button does the same, for a highlight's card.
    select_words(page, 12)
    page.get_by_role("button", name="Highlight", exact=True).tap()
    expect(note).to_be_focused()
    page.get_by_role("button", name="Save").tap()
    expect(panel).to_contain_text("Highlight saved.")
    assert panel.evaluate("p => getComputedStyle(p).position") == "fixed"
    page.get_by_role("button", name="Close").tap()
    expect(panel.get_by_role("button", name="Close")).to_have_count(0)
    assert abs(page.evaluate("() => scrollY") - where) < 2
    page.locator("#p-12 mark.hl-own").first.tap()
    expect(panel.locator("article.card").first).to_be_in_viewport()
    assert panel.evaluate("p => getComputedStyle(p).position") == "fixed"
    page.keyboard.press("Escape")
    assert panel.evaluate("p => getComputedStyle(p).position") != "fixed"
    assert abs(page.evaluate("() => scrollY") - where) < 2


def test_a_sheet_closed_before_htmx_settles_leaves_the_reader_where_they_were(
    phone, student, document
):
    """Esc pressed as a card's answer is swapped in, before htmx settles it: the late
    move of the focus into the panel must not scroll to the panel, back below the text."""
    page = phone()
    helpers.log_in(page, student, next_page=DOC, tap=True)
    page.locator("#p-12").scroll_into_view_if_needed()
    select_words(page, 12)
    page.get_by_role("button", name="Highlight", exact=True).tap()
    page.get_by_role("button", name="Save").tap()
    expect(page.locator("#panel")).to_contain_text("Highlight saved.")
    page.keyboard.press("Escape")
    where = page.evaluate("() => scrollY")
    # The next answer into the panel: closed at once, between its swap and its settle.
    page.evaluate(
        """() => document.getElementById("panel").addEventListener("htmx:afterSwap", () =>
            document.dispatchEvent(new KeyboardEvent("keydown", {key: "Escape"})), {once: true})"""
    )
    page.locator("#p-12 mark.hl-own").first.tap()
    page.wait_for_function("() => !document.getElementById('panel').classList.contains('sheet')")
    page.wait_for_timeout(300)  # past htmx's settle (20 ms)

    assert abs(page.evaluate("() => scrollY") - where) < 2
    assert page.evaluate("() => !document.getElementById('panel').contains(document.activeElement)")


def test_paragraph_numbers_show_on_a_phone(phone, document):
    page = phone()
    page.goto(DOC)
    number = page.evaluate(
        """() => {
          const para = document.querySelector('#p-12');
          const style = getComputedStyle(para, '::before');
          return {content: style.content, display: style.display,
                  left: para.getBoundingClientRect().left + (parseFloat(style.left) || 0)};
        }"""
    )
    assert number["content"] not in ("none", "normal") and number["display"] != "none"
    assert number["left"] >= 0, "the number sits on the screen, not off its left edge"


def test_without_javascript_the_panel_is_part_of_the_page(
    browser, live_server, transactional_db, student, document
):
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, is_mobile=True, java_script_enabled=False
    )
    page = context.new_page()
    helpers.log_in(page, student, next_page=DOC)
    page.goto(DOC)
    assert page.locator("#panel").evaluate("p => getComputedStyle(p).position") == "static"
    context.close()
