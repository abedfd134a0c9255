"""A teacher corrects a typo in the browser; a student's highlight of the removed words is
kept and shown to her as having lost its place."""

from playwright.sync_api import expect

from annotations.models import Highlight

DOC = "/documents/stalin-and-korean-war/"


def test_a_teacher_corrects_a_typo_and_no_highlight_is_lost(
    page, log_in, teacher, student, classroom, document, make_highlight
):
    kept = make_highlight(student, "Chinese _ intelligence", note="What is the underscore?")
    gone = make_highlight(student, "obviously", note="Is it?")
    log_in(teacher)
    page.goto(DOC)

    page.get_by_role("link", name="Correct a typo in the text").click()
    page.get_by_label("Paragraph number").fill("6")
    page.get_by_role("button", name="Show paragraph").click()
    text = page.get_by_label("Corrected paragraph")
    corrected = text.input_value().replace(" _ ", "—").replace(" obviously,", "")
    text.fill(corrected)
    page.get_by_label("What you corrected and why").fill("OCR: dashes; a word not in the print")
    page.get_by_role("button", name="Save correction").click()

    expect(page.locator("#p-6")).to_contain_text("Soviet—and, Chinese—intelligence")
    expect(page.get_by_role("main")).to_contain_text("Paragraph 6 corrected.")
    kept.refresh_from_db()
    gone.refresh_from_db()
    assert (kept.exact, kept.anchor_status) == ("Chinese—intelligence", "reanchored")
    assert (gone.exact, gone.anchor_status) == ("obviously", "orphaned")
    assert Highlight.objects.count() == 2

    page.goto(DOC + "corrections/")
    expect(page.get_by_role("table")).to_contain_text("OCR: dashes; a word not in the print")

    page.context.clear_cookies()
    log_in(student)
    page.goto(DOC)
    mine = page.locator("#my-highlights")
    expect(mine).to_contain_text("“obviously”")
    expect(mine).to_contain_text("Could not be placed in the corrected text")
    expect(page.locator("#reading-text mark.hl-own")).to_have_text("Chinese—intelligence")


def test_the_paragraph_to_correct_is_in_a_font_that_tells_ii_from_il(
    page, log_in, teacher, document
):
    log_in(teacher)
    page.goto(DOC + "corrections/?paragraph=6")

    for where in (
        page.get_by_label("Corrected paragraph"),
        page.get_by_label("What you corrected and why"),
        page.locator("q.source-text"),
    ):
        expect(where).to_be_visible()
        family = where.evaluate("e => getComputedStyle(e).fontFamily")
        size = where.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
        assert family.split(",")[0].strip().strip('"') in ("ui-monospace", "DejaVu Sans Mono")
        assert size >= 16, f"{size}px is smaller than the reading size"
        # In this font "II" and "Il" are drawn differently: a monospace font's l has a tail.
        widths = where.evaluate(
            """e => {
                const canvas = document.createElement('canvas');
                const context = canvas.getContext('2d');
                context.font = getComputedStyle(e).font;
                return [context.measureText('II').width, context.measureText('Il').width];
            }"""
        )
        assert widths[0] == widths[1]  # a fixed width: each letter in its own cell
