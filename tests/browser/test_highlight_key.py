"""Readers tell highlights apart: a key of the kinds that show, a toggle for other
students' highlights, and no dotted underline (the glossary's) on classmates' highlights."""

from playwright.sync_api import expect

DOC = "/documents/stalin-and-korean-war/"
SHARED = "He was never an enthusiast"
HIDDEN = "The landing did not come as a complete surprise"


def shared_and_hidden(make_highlight, student, classmate):
    make_highlight(student, "Stalin was hardly surprised")
    make_highlight(classmate, SHARED, visibility="class")
    make_highlight(classmate, HIDDEN, visibility="class", hidden=True)


def test_a_student_reads_the_key_and_hides_classmates_highlights(
    page, log_in, classroom, student, classmate, make_highlight, glossary
):
    shared_and_hidden(make_highlight, student, classmate)
    log_in(student)
    page.goto(DOC)

    key = page.get_by_role("list", name="Highlights:")
    expect(key.get_by_role("listitem")).to_have_text(["Aa yours", "Aa your class's, underlined"])
    mark = page.locator("#reading-text mark.hl-shared", has_text=SHARED)
    expect(mark).to_have_css("text-decoration-style", "solid")
    expect(page.locator("#reading-text a.mention").first).to_have_css(
        "text-decoration-style", "dotted"
    )
    expect(page.locator("#reading-text mark", has_text=HIDDEN)).to_have_count(0)

    toggle = page.get_by_label("Show other students' highlights")
    toggle.uncheck()
    expect(mark).to_have_css("background-color", "rgba(0, 0, 0, 0)")
    expect(mark).to_have_css("text-decoration-line", "none")
    expect(page.locator("#reading-text mark.hl-own").first).not_to_have_css(
        "background-color", "rgba(0, 0, 0, 0)"
    )
    mark.click(force=True)  # plain text now: the click reaches the paragraph, no card opens
    expect(page.locator("#panel")).to_contain_text("Select words in the text")

    page.reload()  # remembered
    expect(page.get_by_label("Show other students' highlights")).not_to_be_checked()
    page.get_by_label("Show other students' highlights").check()
    expect(mark).not_to_have_css("background-color", "rgba(0, 0, 0, 0)")


def test_the_teacher_sees_hidden_highlights_striped_and_in_the_key(
    page, log_in, classroom, teacher, student, classmate, make_highlight
):
    shared_and_hidden(make_highlight, student, classmate)
    log_in(teacher)
    page.goto(DOC)
    # Left out at first (a flood the teacher hid does not cover the page); a link shows them.
    expect(page.locator("#reading-text mark", has_text=HIDDEN)).to_have_count(0)
    expect(page.locator(".hidden-toggle")).to_have_text(
        "1 hidden from the class, not shown. Show the hidden highlight"
    )
    page.get_by_role("link", name="Show the hidden highlight").click()

    key = page.get_by_role("list", name="Highlights:")
    expect(key).to_contain_text("your class's, underlined")
    expect(key).to_contain_text("hidden from the class, striped")
    hidden = page.locator("#reading-text mark", has_text=HIDDEN)
    expect(hidden).to_have_class("hl hl-shared hl-hidden")
    assert "repeating-linear-gradient" in hidden.evaluate(
        "m => getComputedStyle(m).backgroundImage"
    )
    swatch = key.locator(".key-swatch.hl-hidden")
    assert "repeating-linear-gradient" in swatch.evaluate(
        "s => getComputedStyle(s).backgroundImage"
    )
    page.get_by_role("link", name="Leave out the 1 hidden from the class").click()
    expect(page.locator("#reading-text mark", has_text=HIDDEN)).to_have_count(0)
