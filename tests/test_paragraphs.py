from hypothesis import given
from hypothesis import strategies as st

from annotations.paragraphs import split_paragraphs


def test_it_splits_on_blank_lines_and_keeps_line_breaks_inside():
    text = "Title\n\nKorea Times\nAndrei Lankov\n\n\nFirst paragraph."

    paragraphs = split_paragraphs(text)

    assert [p.text for p in paragraphs] == [
        "Title",
        "Korea Times\nAndrei Lankov",
        "First paragraph.",
    ]
    assert [p.number for p in paragraphs] == [1, 2, 3]
    assert [p.anchor for p in paragraphs] == ["p-1", "p-2", "p-3"]


def test_it_treats_whitespace_only_lines_as_blank():
    assert [p.text for p in split_paragraphs("one\n  \t\ntwo")] == ["one", "two"]


def test_offsets_are_code_points_into_the_text():
    text = "Stalin\u2019s \u201chot\u201d war\n\nKim\u00a0Il-sung"

    for paragraph in split_paragraphs(text):
        assert text[paragraph.start : paragraph.end] == paragraph.text


def test_it_assigns_roles_by_paragraph_text():
    paragraphs = split_paragraphs("China wades in\n\nBody.", {"China wades in": "heading"})

    assert [p.role for p in paragraphs] == ["heading", "body"]


@given(st.text(alphabet="ab \t\n\u00a0\u2019", max_size=200))
def test_paragraphs_are_ordered_disjoint_and_hold_all_non_blank_text(text):
    paragraphs = split_paragraphs(text)

    previous_end = 0
    for index, paragraph in enumerate(paragraphs):
        between = text[previous_end : paragraph.start]
        assert between.strip() == ""
        if index:
            assert between.count("\n") >= 2, "paragraphs are separated by a blank line"
        assert text[paragraph.start : paragraph.end] == paragraph.text
        previous_end = paragraph.end
    assert text[previous_end:].strip() == ""
    assert " ".join(p.text for p in paragraphs).split() == text.split()


# The rule the splitter keeps, as the regular expression it replaced (quadratic on long
# lines of spaces, so no longer used by the app).
_REFERENCE = __import__("re").compile(r"[^\n]*\S[^\n]*(?:\n[^\n]*\S[^\n]*)*")


@given(st.text(alphabet="ab \t\n\u00a0\u2019\u2028\x0c", max_size=300))
def test_it_splits_exactly_as_the_rule_says(text):
    expected = [(match.start(), match.end()) for match in _REFERENCE.finditer(text)]
    assert [(p.start, p.end) for p in split_paragraphs(text)] == expected


def test_a_long_run_of_spaces_is_no_paragraph():
    # 20,000 spaces took the regular expression seven seconds; the splitter reads each
    # line once.
    assert split_paragraphs(" " * 20_000) == []
    assert [p.text for p in split_paragraphs(" " * 5_000 + "\n\nword\n" + "\t" * 5_000)] == ["word"]
