"""A save answers with the card; the browser paints the new mark (static/js/highlighter.js)
as the server paints marks (annotations/segments.py): the paragraphs it painted must be
exactly what a reload of the page shows, around others' marks, glossary names and line
breaks, hidden highlights painted or not."""

import pytest
from playwright.sync_api import expect

from annotations.models import Highlight
from tests.helpers import hide_everywhere

DOC = "/documents/stalin-and-korean-war/"


def save(page, select_phrase, paragraph, phrase, **to):
    """Select `phrase` in paragraph #p-N (to `to_phrase` in #p-`to_paragraph`), save it."""
    select_phrase(paragraph, phrase, **to)
    page.get_by_role("button", name="Highlight", exact=True).click()
    expect(page.get_by_label("Note")).to_be_focused()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#panel")).to_contain_text("Highlight saved.")


# A paragraph's content as markup with each element's attributes in order of name: the
# browser keeps them in the order they were set (a press on a glossary name takes its
# href away for the drag, and puts it back last), which is no difference to anyone.
CANONICAL = """(paragraph) => {
  const write = (node) => {
    if (node.nodeType === Node.TEXT_NODE) return node.data;
    const tag = node.nodeName.toLowerCase();
    const attributes = Array.from(node.attributes, (a) => ` ${a.name}="${a.value}"`).sort();
    const inside = Array.from(node.childNodes, write).join("");
    return `<${tag}${attributes.join("")}>${inside}</${tag}>`;
  };
  return Array.from(paragraph.childNodes, write).join("");
}"""


def paragraphs(page, *numbers) -> dict[int, str]:
    return {number: page.locator(f"#p-{number}").evaluate(CANONICAL) for number in numbers}


def assert_painted_as_after_a_reload(page, *numbers):
    painted = paragraphs(page, *numbers)
    page.reload()
    assert paragraphs(page, *numbers) == painted


def test_the_new_mark_is_painted_as_a_reload_paints_it_over_a_classmates(
    page, log_in, select_phrase, student, classmate, classroom, glossary, make_highlight
):
    # The classmate's ends inside a name (two links already); the new one starts before
    # it, covers a glossary name whole and cuts another in two.
    make_highlight(classmate, "never an enthusiast for Kim", visibility="class")
    log_in(student)
    page.goto(DOC)

    save(page, select_phrase, 4, "hardly surprised. He was")
    assert_painted_as_after_a_reload(page, 4)


@pytest.mark.parametrize(
    "existing, selection",
    [
        # Across two paragraphs, over one's own mark (depth 2) and a classmate's.
        (
            [("student", "Stalin was hardly surprised"), ("classmate", "He was never")],
            {"paragraph": 3, "phrase": "the only way", "to_paragraph": 4, "to_phrase": "never an"},
        ),
        # Inside one's own, from the middle of a glossary name to the middle of another.
        (
            [("student", "Stalin was hardly surprised. He was never an enthusiast")],
            {"paragraph": 4, "phrase": "alin was hardly surprised. He was never an enth"},
        ),
        # Over three already (a depth of at most 3), one of them one's own.
        (
            [
                ("student", "Stalin was hardly surprised"),
                ("classmate", "was hardly surprised. He"),
                ("classmate", "hardly surprised. He was never"),
            ],
            {"paragraph": 4, "phrase": "hardly surprised"},
        ),
        # Over a line break (the byline's <br>), where no highlight was.
        ([], {"paragraph": 2, "phrase": "Times", "to_paragraph": 2, "to_phrase": "Andrei"}),
    ],
    ids=["two paragraphs", "inside ones own", "over three", "a line break"],
)
def test_the_new_mark_is_painted_as_a_reload_paints_it(
    page,
    log_in,
    select_phrase,
    student,
    classmate,
    classroom,
    glossary,
    make_highlight,
    existing,
    selection,
):
    owners = {"student": student, "classmate": classmate}
    for owner, phrase in existing:
        make_highlight(owners[owner], phrase, visibility="class")
    log_in(student)
    page.goto(DOC)

    save(page, select_phrase, **selection)

    assert Highlight.objects.filter(owner=student).count() == 1 + sum(
        1 for owner, _ in existing if owner == "student"
    )
    numbers = {selection["paragraph"], selection.get("to_paragraph", selection["paragraph"])}
    assert_painted_as_after_a_reload(page, *sorted(numbers))


@pytest.mark.parametrize("query", ["?hidden=1", ""], ids=["hidden painted", "hidden left out"])
def test_the_new_mark_over_a_hidden_highlight_is_painted_as_a_reload_paints_it(
    page, log_in, select_phrase, teacher, classmate, classroom, glossary, make_highlight, query
):
    hidden = make_highlight(classmate, "He was never an enthusiast", visibility="class")
    hide_everywhere(hidden)
    log_in(teacher)
    page.goto(DOC + query)
    expect(page.locator("#p-4 mark.hl-hidden")).to_have_count(1 if query else 0)

    save(page, select_phrase, paragraph=4, phrase="surprised. He was never")

    assert page.url.endswith(DOC + query)
    assert_painted_as_after_a_reload(page, 4)
    expect(page.locator("#p-4 mark.hl-hidden")).to_have_count(1 if query else 0)


def test_the_new_mark_opens_its_card_and_my_highlights_lists_it_in_its_place(
    page, log_in, select_phrase, student, make_highlight
):
    later = make_highlight(student, "Incheon landing")
    log_in(student)
    page.goto(DOC)
    expect(page.locator("#my-highlights-count")).to_have_text("1")

    save(page, select_phrase, paragraph=4, phrase="Stalin was hardly surprised")

    new = Highlight.objects.exclude(pk=later.pk).get()
    mine = page.locator("#my-highlights-list > li")
    expect(mine).to_have_count(2)
    expect(mine.first).to_have_id(f"mine-{new.pk}")  # earlier in the text: first
    expect(mine.nth(1)).to_have_id(f"mine-{later.pk}")
    expect(page.locator("#my-highlights-count")).to_have_text("2")

    page.locator("#panel").get_by_role("button", name="Close").click()
    page.locator(f"#reading-text mark[data-s='{new.start}']").click()
    expect(page.locator("#panel")).to_contain_text("Stalin was hardly surprised")
    expect(page.locator("#panel").get_by_role("link", name="Edit")).to_be_visible()

    # Its item in My highlights opens its card too (htmx, swapped in by the save).
    page.locator("#panel").get_by_role("button", name="Close").click()
    mine.first.get_by_role("link", name="Open").click()
    expect(page.locator("#panel")).to_contain_text("Stalin was hardly surprised")
    page.locator(f"#my-highlights a[href='#h-{new.pk}']").click()
    expect(page.locator(f"#h-{new.pk}")).to_be_attached()


def test_the_first_highlight_replaces_none_yet_and_the_progress_counts_it(
    page, log_in, select_phrase, student, classroom, document, make_assignment
):
    make_assignment(classroom, title="Stalin's aims", documents=[document], min_highlights=2)
    log_in(student)
    page.goto(DOC)  # into the assignment
    expect(page.locator("#my-highlights")).to_contain_text("None yet")
    expect(page.locator("#progress")).to_contain_text("0 highlights (2 needed)")

    save(page, select_phrase, paragraph=4, phrase="Stalin was hardly surprised")

    expect(page.locator("#my-highlights")).not_to_contain_text("None yet")
    expect(page.locator("#my-highlights-list > li")).to_have_count(1)
    expect(page.locator("#my-highlights-count")).to_have_text("1")
    expect(page.locator("#progress")).to_contain_text("1 highlight (2 needed)")
    expect(page.locator("#progress")).to_contain_text("50% of this assignment")

    save(page, select_phrase, paragraph=5, phrase="Alexander Mansourov")

    expect(page.locator("#progress")).to_contain_text("Done: 100% of this assignment")
    expect(page.locator("#my-highlights-count")).to_have_text("2")
    assert_painted_as_after_a_reload(page, 4, 5)
