"""Cutting text at highlight boundaries, and painting the pieces as flat <mark>s."""

import json
import re
from html.parser import HTMLParser

from django.conf import settings
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from annotations.paragraphs import Paragraph, split_paragraphs
from annotations.segments import Segment, Span, render_reading_text, segment

FIXTURES = settings.BASE_DIR / "fixtures"
OTHER_SIDE = "korean-war-view-from-the-other-side"


def fixture(slug: str) -> tuple[str, list[Paragraph]]:
    """A document's text read from its fixture file, and its paragraphs with their roles."""
    entries = json.loads((FIXTURES / "documents.json").read_text(encoding="utf-8"))
    roles = next(entry["paragraph_roles"] for entry in entries if entry["slug"] == slug)
    text = (FIXTURES / "documents" / f"{slug}.txt").read_text(encoding="utf-8")
    return text, split_paragraphs(text, roles)


def covering(spans: list[Span], position: int) -> list[Span]:
    return sorted((s for s in spans if s.start <= position < s.end), key=lambda s: s.id)


# --- segment -----------------------------------------------------------------------------

ALPHABET = "ab \n\u00a0<&\u2019"


@st.composite
def texts_and_spans(draw, max_text=40):
    text = draw(st.text(alphabet=ALPHABET, max_size=max_text))
    ids = draw(st.lists(st.integers(1, 10_000), unique=True, max_size=8))
    spans = []
    for span_id in ids:
        start = draw(st.integers(-5, len(text) + 5))
        end = draw(st.integers(start + 1, len(text) + 10))
        spans.append(Span(id=span_id, start=start, end=end, own=draw(st.booleans())))
    return text, spans


def check_segments(text: str, spans: list[Span], segments: list[Segment]) -> None:
    assert "".join(piece.text for piece in segments) == text
    position = 0
    for piece in segments:
        assert piece.start == position
        assert piece.start < piece.end
        assert piece.text == text[piece.start : piece.end]
        position = piece.end
    assert position == len(text)
    for piece in segments:
        for i in range(piece.start, piece.end):
            cover = covering(spans, i)
            assert piece.highlight_ids == tuple(s.id for s in cover), (i, piece)
            assert piece.own == any(s.own for s in cover), (i, piece)
            assert piece.shared == any(not s.own for s in cover), (i, piece)


@hypothesis_settings(max_examples=300, deadline=None)
@given(texts_and_spans())
def test_segments_rebuild_the_text_and_carry_exactly_the_covering_spans(case):
    text, spans = case

    check_segments(text, spans, segment(text, spans))


@hypothesis_settings(max_examples=200, deadline=None)
@given(texts_and_spans())
def test_segments_are_cut_only_where_a_span_begins_or_ends(case):
    text, spans = case

    segments = segment(text, spans)

    ends = {p for s in spans for p in (s.start, s.end) if 0 < p < len(text)}
    assert {piece.start for piece in segments[1:]} == ends


@hypothesis_settings(max_examples=200, deadline=None)
@given(texts_and_spans(), st.lists(st.integers(-5, 50), max_size=6))
def test_extra_cuts_only_split_segments(case, cuts):
    text, spans = case

    plain = segment(text, spans)
    cut = segment(text, spans, cuts)

    check_segments(text, spans, cut)
    expected = {p.start for p in plain} | {c for c in cuts if 0 <= c < len(text)}
    assert {piece.start for piece in cut} == expected
    for piece in cut:
        (whole,) = [p for p in plain if p.start <= piece.start and piece.end <= p.end]
        assert (piece.highlight_ids, piece.own, piece.shared) == (
            whole.highlight_ids,
            whole.own,
            whole.shared,
        )


def test_an_empty_text_has_no_segments():
    assert segment("", [Span(1, 0, 3, True)]) == []


def test_a_text_without_spans_is_one_uncovered_segment():
    assert segment("Kim\u00a0Il-sung", []) == [
        Segment(start=0, end=11, text="Kim\u00a0Il-sung", highlight_ids=())
    ]


def test_overlapping_and_nested_spans_give_flat_segments():
    text = "Stalin was hardly surprised."
    spans = [Span(7, 0, 17, True), Span(3, 7, 27, False), Span(5, 11, 17, False)]

    pieces = [(p.text, p.highlight_ids, p.own, p.shared) for p in segment(text, spans)]

    assert pieces == [
        ("Stalin ", (7,), True, False),
        ("was ", (3, 7), True, True),
        ("hardly", (3, 5, 7), True, True),
        (" surprised", (3,), False, True),
        (".", (), False, False),
    ]


# --- render_reading_text -----------------------------------------------------------------


class ReadingText(HTMLParser):
    """The rendered reading text as paragraphs, marks and jump targets, with offsets.

    Offsets are counted from each paragraph's `data-start`, with <br> as one "\\n". A mark
    names only its start (`data-s`); the ids under it are those of the spans covering it.
    """

    def __init__(self, spans: list[Span]):
        super().__init__(convert_charrefs=True)
        self.spans = spans
        self.paragraphs: list[dict] = []  # tag, attrs, text
        self.marks: list[dict] = []  # ids, classes, depth, start, end
        self.targets: list[tuple[int, int]] = []  # (highlight id, offset), in order
        self.events: list[tuple[str, int]] = []  # ("target" | "mark", highlight id)
        self.unexpected: list[str] = []
        self.paragraph = None
        self.mark = None

    @property
    def position(self) -> int:
        return int(self.paragraph["attrs"]["data-start"]) + len(self.paragraph["text"])

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if self.paragraph is None:
            if "para" in classes and self.mark is None:
                self.paragraph = {"tag": tag, "attrs": attrs, "text": ""}
                self.paragraphs.append(self.paragraph)
            else:
                self.unexpected.append(f"<{tag}> outside a paragraph")
        elif tag == "br":
            self.handle_data("\n")
        elif tag == "mark" and self.mark is None:
            ids = [span.id for span in covering(self.spans, self.position)]
            self.mark = {"ids": ids, "classes": classes, "depth": attrs.get("data-depth")}
            self.mark["start"] = self.position
            if attrs.get("data-s") != str(self.position):
                self.unexpected.append(
                    f"a mark at {self.position} says data-s={attrs.get('data-s')}"
                )
            self.marks.append(self.mark)
            self.events.extend(("mark", i) for i in ids)
        elif tag == "span" and attrs.get("id", "").startswith("h-") and self.mark is None:
            number = int(re.fullmatch(r"h-(\d+)", attrs["id"]).group(1))
            span_end = {span.id: span.end for span in self.spans}[number]
            if attrs.get("data-end") != str(span_end):
                self.unexpected.append(
                    f"jump target h-{number} says data-end={attrs.get('data-end')}"
                )
            self.targets.append((number, self.position))
            self.events.append(("target", number))
        else:
            self.unexpected.append(f"<{tag} {attrs}>")

    def handle_endtag(self, tag):
        if self.mark is not None and tag == "mark":
            self.mark["end"] = self.position
            if self.mark["start"] == self.mark["end"]:
                self.unexpected.append("an empty mark")
            self.mark = None
        elif self.paragraph is not None and tag == self.paragraph["tag"] and self.mark is None:
            self.paragraph = None
        elif tag == "span" and self.mark is None and self.paragraph is not None:
            pass  # the end of a jump target; text inside one would be counted as data
        else:
            self.unexpected.append(f"</{tag}>")

    def handle_data(self, data):
        if self.paragraph is None:
            self.unexpected.append(f"text outside a paragraph: {data!r}")
        else:
            self.paragraph["text"] += data


def read(html: str, spans: list[Span]) -> ReadingText:
    parser = ReadingText(spans)
    parser.feed(html)
    parser.close()
    assert parser.unexpected == []
    return parser


def check_rendering(text: str, paragraphs: list[Paragraph], spans: list[Span]) -> ReadingText:
    html = str(render_reading_text(text, paragraphs, spans))
    shown = read(html, spans)

    # Every paragraph, in order, verbatim, with its tag and attributes.
    assert len(shown.paragraphs) == len(paragraphs)
    for paragraph, element in zip(paragraphs, shown.paragraphs, strict=True):
        assert element["tag"] == ("h2" if paragraph.role == "heading" else "p")
        assert element["attrs"]["id"] == f"p-{paragraph.number}"
        assert element["attrs"]["data-n"] == str(paragraph.number)
        assert element["attrs"]["data-start"] == str(paragraph.start)
        assert element["attrs"]["class"].split() == ["para", f"para-{paragraph.role}"]
        assert element["text"] == paragraph.text

    # Marks cover exactly the highlighted characters, each with its covering ids.
    marked = {}
    for mark in shown.marks:
        cover = {tuple(s.id for s in covering(spans, i)) for i in range(mark["start"], mark["end"])}
        assert cover == {tuple(mark["ids"])}, mark
        for i in range(mark["start"], mark["end"]):
            marked[i] = mark
        kinds = covering(spans, mark["start"])
        expected = ["hl"]
        expected += ["hl-own"] if any(s.own for s in kinds) else []
        others = [s for s in kinds if not s.own]
        expected += ["hl-shared"] if others else []
        hidden = others and not any(s.own for s in kinds) and all(s.hidden for s in others)
        expected += ["hl-hidden"] if hidden else []
        assert mark["classes"] == expected, mark
        assert mark["depth"] == str(min(len(mark["ids"]), 3))
    shown_positions = {i for p in paragraphs for i in range(p.start, p.end)}
    for i in shown_positions - marked.keys():
        assert covering(spans, i) == [], f"character {i} ({text[i]!r}) is not marked"

    # One jump target per highlight that shows, just before the first of its marks.
    showing = {s.id for s in spans if any(s.start <= i < s.end for i in shown_positions)}
    target_ids = [number for number, _ in shown.targets]
    assert sorted(target_ids) == sorted(showing)
    for number, offset in shown.targets:
        first = min(m["start"] for m in shown.marks if number in m["ids"])
        assert offset == first, number
        events = shown.events
        assert events.index(("target", number)) < events.index(("mark", number))
    return shown


def test_it_renders_a_real_document_with_overlapping_nested_and_crossing_highlights():
    text, paragraphs = fixture(OTHER_SIDE)
    assert any(p.role == "heading" for p in paragraphs)
    body = paragraphs[4]
    stalin = text.index("Stalin", body.start)
    sentence = text.index("Secretly, Stalin sought")
    crossing = paragraphs[9]
    spans = [
        Span(1, stalin, stalin + 6, own=True),  # a word ...
        Span(2, stalin - 30, stalin + 40, own=False),  # ... inside a longer stretch
        Span(3, stalin + 20, stalin + 90, own=True),  # overlapping the end of that
        Span(4, sentence, sentence + 6, own=False),  # "Secretly"
        Span(5, crossing.start + 10, paragraphs[11].start + 5, own=True),  # over 3 paragraphs
        Span(6, crossing.end, paragraphs[10].start, own=False),  # only the blank line
        Span(7, paragraphs[10].start - 1, paragraphs[10].start + 4, own=False),  # gap into text
        Span(8, stalin - 30, stalin + 40, own=True),  # the same range as 2, someone else's
        Span(9, paragraphs[-1].start, len(text) + 50, own=True),  # past the end
        Span(10, -10, 3, own=False),  # before the start
    ]

    shown = check_rendering(text, paragraphs, spans)

    assert 6 not in {i for mark in shown.marks for i in mark["ids"]}
    assert 6 not in {number for number, _ in shown.targets}
    assert {number for number, _ in shown.targets} == {1, 2, 3, 4, 5, 7, 8, 9, 10}
    crossed = {
        p.number
        for mark in shown.marks
        if 5 in mark["ids"]
        for p in paragraphs
        if p.start <= mark["start"] < p.end
    }
    assert crossed == {10, 11, 12}, "marks in each paragraph it crosses"
    assert [number for number, _ in shown.targets].count(5) == 1
    assert (7, paragraphs[10].start) in shown.targets


def test_it_renders_each_real_document_verbatim_without_highlights():
    for slug in ["korean-war-view-from-the-other-side", "stalin-and-korean-war", "stalins-hot-war"]:
        text, paragraphs = fixture(slug)

        shown = check_rendering(text, paragraphs, [])

        assert shown.marks == []
        assert shown.targets == []


def test_a_highlight_in_the_gap_between_paragraphs_shows_nothing():
    text = "First paragraph.\n\n\nSecond paragraph."
    paragraphs = split_paragraphs(text)

    html = str(render_reading_text(text, paragraphs, [Span(4, 16, 19, own=True)]))

    assert "<mark" not in html
    assert 'id="h-4"' not in html
    assert html.count("<p ") == 2


def test_it_escapes_markup_in_the_text():
    text = "Kim <b>& Mao</b> said \"x > y\" & 'z'.\n\n<script>alert(1)</script>"
    paragraphs = split_paragraphs(text)
    spans = [Span(1, 4, 12, own=True), Span(2, 10, 40, own=False)]

    plain = str(render_reading_text(text, paragraphs, []))
    marked = str(render_reading_text(text, paragraphs, spans))

    for html in (plain, marked):
        assert "<b>" not in html
        assert "<script>" not in html
        assert html.count("&amp;") == 2
    assert "Kim &lt;b&gt;&amp; Mao&lt;/b&gt; said &quot;x &gt; y&quot;" in plain
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in plain
    check_rendering(text, paragraphs, spans)


def test_line_breaks_inside_a_paragraph_become_br():
    text, paragraphs = fixture("stalin-and-korean-war")
    byline = paragraphs[1]
    assert byline.text == "Korea Times\nAndrei Lankov"

    html = str(render_reading_text(text, [byline], [Span(1, byline.start, byline.end, True)]))

    assert "Korea Times<br>Andrei Lankov" in html
    assert "\n" not in html


def test_own_and_shared_highlights_get_their_classes():
    text = "Stalin was hardly surprised."
    paragraphs = split_paragraphs(text)
    spans = [Span(1, 0, 10, own=True), Span(2, 7, 17, own=False)]

    shown = check_rendering(text, paragraphs, spans)

    assert [(m["ids"], m["classes"]) for m in shown.marks] == [
        ([1], ["hl", "hl-own"]),
        ([1, 2], ["hl", "hl-own", "hl-shared"]),
        ([2], ["hl", "hl-shared"]),
    ]


def test_a_classmates_highlight_hidden_from_the_class_is_marked_as_hidden():
    # What a teacher sees: a student's highlight they hid, overlapping one still shared.
    text = "Stalin was hardly surprised."
    paragraphs = split_paragraphs(text)
    spans = [Span(1, 0, 10, own=False, hidden=True), Span(2, 7, 17, own=False)]

    shown = check_rendering(text, paragraphs, spans)

    assert [(m["ids"], m["classes"]) for m in shown.marks] == [
        ([1], ["hl", "hl-shared", "hl-hidden"]),
        ([1, 2], ["hl", "hl-shared"]),
        ([2], ["hl", "hl-shared"]),
    ]


def test_each_highlight_has_one_jump_target_before_its_first_mark():
    text = "One two three.\n\nFour five six."
    paragraphs = split_paragraphs(text)
    spans = [Span(11, 4, 22, own=True), Span(12, 8, 13, own=False)]

    html = str(render_reading_text(text, paragraphs, spans))

    assert html.count('id="h-11"') == 1
    assert html.count('id="h-12"') == 1
    assert html.index('<span id="h-11" data-end="22"></span>') < html.index('data-s="4"')
    assert html.index('<span id="h-12" data-end="13"></span>') < html.index('data-s="8"')
    check_rendering(text, paragraphs, spans)


@st.composite
def paragraphed_texts_and_spans(draw):
    text, spans = draw(texts_and_spans(max_text=60))
    return text, split_paragraphs(text), spans


@hypothesis_settings(max_examples=200, deadline=None)
@given(paragraphed_texts_and_spans())
def test_any_text_renders_verbatim_with_exactly_its_highlights_marked(case):
    text, paragraphs, spans = case

    check_rendering(text, paragraphs, spans)


PARAGRAPH_HTML = re.compile(r'<(p|h2) id="p-\d+".*?</\1>', re.DOTALL)


@hypothesis_settings(max_examples=60, deadline=None)
@given(
    spans=st.lists(
        st.tuples(st.integers(0, 9000), st.integers(1, 900), st.booleans()), max_size=25
    ),
    first=st.integers(0, 30),
    count=st.integers(1, 4),
)
def test_a_run_of_paragraphs_renders_as_it_does_in_the_whole_text(spans, first, count):
    """After a save only the changed paragraphs are painted again (swap_oob): each must be
    exactly what the whole page would show there, jump targets included, none twice."""
    text, paragraphs = fixture(OTHER_SIDE)
    spans = [Span(i, start, start + length, own) for i, (start, length, own) in enumerate(spans)]
    run = paragraphs[first : first + count]

    whole = [match.group() for match in PARAGRAPH_HTML.finditer(
        render_reading_text(text, paragraphs, spans)
    )]  # fmt: skip
    passage = render_reading_text(text, run, spans, swap_oob=True)

    assert passage.count(' hx-swap-oob="true"') == len(run)
    assert passage.replace(' hx-swap-oob="true"', "") == "".join(whole[first : first + len(run)])


def test_a_paragraph_role_nobody_knows_reads_as_body_and_carries_no_markup():
    """Roles come from a JSON field an administrator can edit: a value that is not a
    known role must not put attributes (htmx ones run for every reader) into the page."""
    text = "A heading\n\nThe body."
    hostile = 'x" hx-get="/export/annotations.csv" hx-trigger="load" data-x="'
    paragraphs = split_paragraphs(text, {"A heading": hostile, "The body.": "heading"})
    assert [p.role for p in paragraphs] == ["body", "heading"]
    html = render_reading_text(text, paragraphs, [])
    assert "hx-get" not in html and 'class="para para-body"' in html
