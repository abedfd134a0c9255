"""Placing highlights in the real articles: by position, by quote, and by context."""

import re

import pytest
from django.conf import settings
from hypothesis import assume, given, note
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from annotations.anchoring import CONTEXT_LENGTH, AnchorError, Folded, anchor, fold, quote_at

SLUGS = ["korean-war-view-from-the-other-side", "stalin-and-korean-war", "stalins-hot-war"]
OTHER_SIDE = "korean-war-view-from-the-other-side"
LANKOV = "stalin-and-korean-war"
STRAIGHTEN = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def fixture_text(slug: str) -> str:
    """A document's text read straight from its fixture file, without the database."""
    path = settings.BASE_DIR / "fixtures" / "documents" / f"{slug}.txt"
    return path.read_text(encoding="utf-8").replace("\r\n", "\n")


TEXTS = {slug: fixture_text(slug) for slug in SLUGS}


def occurrences(text: str, phrase: str) -> list[int]:
    return [match.start() for match in re.finditer(re.escape(phrase), text)]


def unique_in_context(text: str, start: int, end: int, *, before=True, after=True) -> bool:
    """Whether the quote at start:end, with its context, occurs nowhere else in the text.

    The captions opening "the other side" are the same line twice; a quote in one of them
    is indistinguishable from the same quote in the other.
    """
    quoted = quote_at(text, start, end)
    window = fold(
        (quoted.prefix if before else "") + quoted.exact + (quoted.suffix if after else "")
    )
    folded = fold(text)
    return folded.find(window) == folded.rfind(window)


def anchor_sent(text: str, sent: str, start: int, end: int, with_offsets: bool):
    """Anchor the quote `sent` with the offsets the browser gave, or with none."""
    if with_offsets:
        return anchor(text, start=start, end=end, exact=sent)
    return anchor(text, start=None, end=None, exact=sent)


def place(text: str, phrase: str) -> tuple[int, int]:
    """Offsets of the only occurrence of `phrase` in `text`."""
    assert text.count(phrase) == 1, f"{phrase!r} should occur exactly once"
    start = text.index(phrase)
    return start, start + len(phrase)


# --- fixtures agree with the files -------------------------------------------------------


def test_the_fixture_files_hold_the_stored_texts(documents):
    for slug in SLUGS:
        assert documents[slug].text == TEXTS[slug]


# --- exact positions ---------------------------------------------------------------------


def test_it_keeps_offsets_that_hold_the_quote(documents):
    text = documents[LANKOV].text
    start, end = place(text, "Stalin was hardly surprised.")

    placed = anchor(text, start=start, end=end, exact="Stalin was hardly surprised.")

    assert (placed.start, placed.end) == (start, end)
    assert placed.exact == text[start:end] == "Stalin was hardly surprised."
    assert placed.prefix == text[start - CONTEXT_LENGTH : start]
    assert placed.suffix == text[end : end + CONTEXT_LENGTH]
    assert len(placed.prefix) == len(placed.suffix) == CONTEXT_LENGTH == 32


def test_context_is_shorter_at_the_ends_of_the_text(documents):
    text = documents[LANKOV].text

    first = anchor(text, start=0, end=6, exact="Stalin")
    last = anchor(text, start=len(text) - 20, end=len(text), exact="Comments are closed.")

    assert (first.prefix, first.exact) == ("", "Stalin")
    assert first.suffix == text[6:38]
    assert (last.suffix, last.exact) == ("", "Comments are closed.")
    assert last.prefix == text[len(text) - 52 : len(text) - 20]


def test_quote_at_gives_up_to_32_characters_of_context_either_side(documents):
    text = documents[OTHER_SIDE].text
    start, end = place(text, "Competing motivations")

    quoted = quote_at(text, start, end)

    assert quoted.exact == "Competing motivations"
    assert quoted.prefix == text[start - 32 : start]
    assert quoted.prefix.endswith("truce negotiations.\n\n")
    assert quoted.suffix == text[end : end + 32]
    assert quoted.suffix.startswith("\n\nThe war \u201cofficially\u201d")


def test_it_trims_whitespace_off_a_selection_at_the_given_offsets(documents):
    text = documents[LANKOV].text
    start, end = place(text, "Stalin was hardly surprised.")
    # Selected from the blank line before to the space after, as a drag often does.
    loose_start, loose_end = start - 2, end + 1
    assert text[loose_start:loose_end] == "\n\nStalin was hardly surprised. "

    placed = anchor(text, start=loose_start, end=loose_end, exact=text[loose_start:loose_end])

    assert (placed.start, placed.end) == (start, end)
    assert placed.exact == "Stalin was hardly surprised."
    assert placed.prefix == text[start - 32 : start]
    assert placed.suffix == text[end : end + 32]


def test_it_trims_whitespace_off_a_selection_placed_by_quote(documents):
    text = documents[LANKOV].text
    start, end = place(text, "Stalin was hardly surprised.")

    placed = anchor(text, start=None, end=None, exact="  Stalin was hardly surprised.\n ")

    assert (placed.start, placed.end) == (start, end)
    assert placed.exact == "Stalin was hardly surprised."


# --- offsets that are off ----------------------------------------------------------------


@pytest.mark.parametrize(
    "shift",
    [
        pytest.param(lambda s, e, n: (None, None), id="no-offsets"),
        pytest.param(lambda s, e, n: (s, None), id="no-end"),
        pytest.param(lambda s, e, n: (s + 7, e + 7), id="shifted-right"),
        pytest.param(lambda s, e, n: (s - 40, e - 40), id="shifted-left"),
        pytest.param(lambda s, e, n: (s, e + 1), id="one-character-too-long"),
        pytest.param(lambda s, e, n: (e, s), id="reversed"),
        pytest.param(lambda s, e, n: (s, n + 10), id="past-the-end"),
        pytest.param(lambda s, e, n: (-5, e), id="negative"),
    ],
)
def test_it_finds_the_quote_again_when_the_offsets_are_off(documents, shift):
    text = documents["stalins-hot-war"].text
    phrase = "Pincus is the latest in line to get it wrong"
    start, end = place(text, phrase)
    given_start, given_end = shift(start, end, len(text))

    placed = anchor(text, start=given_start, end=given_end, exact=phrase)

    assert (placed.start, placed.end) == (start, end)
    assert placed.exact == phrase


@pytest.mark.parametrize("slug", SLUGS)
def test_context_picks_the_right_one_of_many_occurrences(documents, slug):
    text = documents[slug].text
    positions = occurrences(text, "Stalin")
    assert len(positions) > 5

    for position in positions:
        if not unique_in_context(text, position, position + 6):
            continue
        quoted = quote_at(text, position, position + 6)
        placed = anchor(
            text,
            start=None,
            end=None,
            exact="Stalin",
            prefix=quoted.prefix,
            suffix=quoted.suffix,
        )
        assert (placed.start, placed.end) == (position, position + 6)


def test_context_wins_over_nearness_when_the_offsets_are_wrong(documents):
    text = documents[OTHER_SIDE].text
    positions = occurrences(text, "Stalin")
    wanted, decoy = positions[-1], positions[3]
    quoted = quote_at(text, wanted, wanted + 6)

    # The offsets point just past another "Stalin", so they do not hold the quote.
    placed = anchor(
        text,
        start=decoy + 1,
        end=decoy + 7,
        exact="Stalin",
        prefix=quoted.prefix,
        suffix=quoted.suffix,
    )

    assert placed.start == wanted


def test_context_with_only_a_prefix_or_only_a_suffix_still_decides(documents):
    text = documents[OTHER_SIDE].text
    checked = 0
    for position in occurrences(text, "Stalin"):
        quoted = quote_at(text, position, position + 6)
        if unique_in_context(text, position, position + 6, after=False):
            by_prefix = anchor(text, start=None, end=None, exact="Stalin", prefix=quoted.prefix)
            assert by_prefix.start == position
            checked += 1
        if unique_in_context(text, position, position + 6, before=False):
            by_suffix = anchor(text, start=None, end=None, exact="Stalin", suffix=quoted.suffix)
            assert by_suffix.start == position
            checked += 1
    assert checked > 40


@pytest.mark.parametrize("slug", SLUGS)
@pytest.mark.parametrize("offset", [-3, 2, 5])
def test_without_context_the_occurrence_nearest_the_start_wins(documents, slug, offset):
    text = documents[slug].text

    for position in occurrences(text, "Stalin"):
        placed = anchor(text, start=position + offset, end=position + offset + 6, exact="Stalin")
        assert (placed.start, placed.end) == (position, position + 6)


def test_a_selection_with_spaces_at_both_ends_still_uses_its_context(documents):
    """A page from an older revision sends no offsets; the context must still decide.

    The browser's prefix and suffix are the text right around the selection as made,
    spaces included in the selection and not in the context.
    """
    text = documents[OTHER_SIDE].text
    positions = occurrences(text, " Stalin ")
    assert len(positions) > 10
    for position in positions:
        loose_start, loose_end = position, position + len(" Stalin ")
        if not unique_in_context(text, loose_start, loose_end):
            continue
        quoted = quote_at(text, loose_start, loose_end)

        placed = anchor(
            text,
            start=None,
            end=None,
            exact=" Stalin ",
            prefix=quoted.prefix,
            suffix=quoted.suffix,
        )

        assert (placed.start, placed.end) == (position + 1, position + 7), quoted.prefix


# --- what a browser changes --------------------------------------------------------------


def test_the_other_side_has_non_breaking_spaces(documents):
    text = documents[OTHER_SIDE].text

    assert text.count("\u00a0") == 2
    assert "not of one mind.\u00a0 Russian historian" in text
    assert "This Kind of War\u00a0illuminates" in text


@pytest.mark.parametrize(
    "original",
    [
        "were not of one mind.\u00a0 Russian historian Alexander V. Pantsov",
        "book This Kind of War\u00a0illuminates how the war came about",
    ],
)
@pytest.mark.parametrize("with_offsets", [True, False])
def test_a_quote_with_a_plain_space_for_the_nbsp_anchors(documents, original, with_offsets):
    text = documents[OTHER_SIDE].text
    start, end = place(text, original)
    sent = re.sub(r"\s+", " ", original)
    assert "\u00a0" not in sent

    placed = anchor_sent(text, sent, start, start + len(sent), with_offsets)

    assert (placed.start, placed.end) == (start, end)
    assert placed.exact == original
    assert "\u00a0" in placed.exact


@pytest.mark.parametrize(
    ("slug", "original"),
    [
        (OTHER_SIDE, "T.R. Fehrenbach\u2019s classic 1963 book"),
        (OTHER_SIDE, "The war \u201cofficially\u201d began with North Korea\u2019s invasion"),
        (
            OTHER_SIDE,
            "4 replies on \u201cThe Korean War: The view from the \u2018other\u2019 side\u201d",
        ),
        (OTHER_SIDE, "it was \u201cgetting on America\u2019s nerves."),
        (LANKOV, "to deliver it to Stalin\u2019s residence"),
        (LANKOV, "in order to \u201cestablish strong frontline positions"),
        (LANKOV, "north and east of Seoul.\u201d It indicated"),
    ],
)
@pytest.mark.parametrize("with_offsets", [True, False])
def test_straight_quotes_anchor_to_curly_ones(documents, slug, original, with_offsets):
    text = documents[slug].text
    start, end = place(text, original)
    sent = original.translate(STRAIGHTEN)
    assert sent != original

    placed = anchor_sent(text, sent, start, end, with_offsets)

    assert (placed.start, placed.end) == (start, end)
    assert placed.exact == original


@pytest.mark.parametrize("sent_gap", [" ", "\n", "\n\n"])
@pytest.mark.parametrize("with_offsets", [True, False])
def test_a_selection_across_paragraphs_covers_the_blank_line(documents, sent_gap, with_offsets):
    text = documents[LANKOV].text
    first, second = "he was quick to appreciate what had happened.", "Thanks to the recent"
    original = f"{first}\n\n{second}"
    start, end = place(text, original)
    sent = f"{first}{sent_gap}{second}"

    placed = anchor_sent(text, sent, start, start + len(sent), with_offsets)

    assert (placed.start, placed.end) == (start, end)
    assert placed.exact == original
    assert "\n\n" in placed.exact


def test_a_selection_across_a_wider_gap_covers_all_of_it(documents):
    text = documents[LANKOV].text
    original = "it took much effort on his part.\n\n\nComments are closed."
    start, end = place(text, original)

    placed = anchor(
        text,
        start=start,
        end=start + 50,
        exact="it took much effort on his part.\n\nComments are closed.",
    )

    assert (placed.start, placed.end) == (start, end)
    assert placed.exact == original


# --- errors ------------------------------------------------------------------------------


@pytest.mark.parametrize("exact", ["", " ", "\n\n", " \u00a0\t\n "])
def test_an_empty_selection_is_an_error_with_a_message(documents, exact):
    text = documents[LANKOV].text

    with pytest.raises(AnchorError) as raised:
        anchor(text, start=10, end=10 + len(exact), exact=exact)

    message = str(raised.value)
    assert "empty" in message
    assert message.endswith(".")


@pytest.mark.parametrize(
    "exact",
    [
        "Stalin visited Seoul in 1950",
        "Weathersby",  # in another article, not this one
        "Stalin  was  hardly  amazed.",
    ],
)
@pytest.mark.parametrize("with_offsets", [True, False])
def test_a_quote_not_in_the_text_is_an_error_with_a_message(documents, exact, with_offsets):
    text = documents[LANKOV].text
    start = text.index("Stalin was hardly surprised.")

    with pytest.raises(AnchorError) as raised:
        anchor_sent(text, exact, start, start + len(exact), with_offsets)

    message = str(raised.value)
    assert "not in this article" in message
    assert message[0].isupper() and message.endswith(".")


def test_anchor_error_is_a_value_error():
    assert issubclass(AnchorError, ValueError)


# --- folding -----------------------------------------------------------------------------


def test_fold_makes_whitespace_runs_one_space_and_quotes_straight():
    assert fold("a\u00a0 \n\tb \u2018c\u2019 \u201cd\u201d") == "a b 'c' \"d\""


@pytest.mark.parametrize("slug", SLUGS)
def test_folded_agrees_with_fold_and_maps_back_to_the_original(slug):
    text = TEXTS[slug]

    folded = Folded.of(text)

    assert folded.text == fold(text)
    assert len(folded.index) == len(folded.text) + 1
    assert folded.index[0] == 0
    assert folded.index[-1] == len(text)
    assert folded.index == sorted(set(folded.index))
    for i, character in enumerate(folded.text):
        original = text[folded.index[i] : folded.index[i + 1]]
        assert fold(original) == character


# --- properties --------------------------------------------------------------------------
# Examples are (slug, start, end), so that a failure reads as a place in a named article.


@st.composite
def selections(draw):
    """Any stretch of an article, short (words) or long (passages), not only whitespace."""
    slug = draw(st.sampled_from(SLUGS))
    text = TEXTS[slug]
    start = draw(st.integers(0, len(text) - 1))
    length = draw(st.one_of(st.integers(1, 20), st.integers(1, 400)))
    end = min(len(text), start + length)
    assume(text[start:end].strip())
    return slug, start, end


WORDS = {slug: [m.span() for m in re.finditer(r"\S+", text)] for slug, text in TEXTS.items()}


@st.composite
def word_selections(draw):
    """A few whole words, with the whitespace on either side, as a double-click may give."""
    slug = draw(st.sampled_from(SLUGS))
    text, words = TEXTS[slug], WORDS[slug]
    first = draw(st.integers(0, len(words) - 1))
    last = min(len(words) - 1, first + draw(st.integers(0, 2)))
    start, end = words[first][0], words[last][1]
    if draw(st.booleans()):
        start = max(0, start - 1)
    if draw(st.booleans()):
        end = min(len(text), end + 1)
    return slug, start, end


def trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    quote = text[start:end]
    return start + len(quote) - len(quote.lstrip()), end - len(quote) + len(quote.rstrip())


@hypothesis_settings(max_examples=100, deadline=None)
@given(selections())
def test_any_selection_is_found_by_quote_and_context(selection):
    slug, start, end = selection
    text = TEXTS[slug]
    quoted = quote_at(text, start, end)
    note(f"quoted: {quoted!r}")

    placed = anchor(
        text, start=None, end=None, exact=quoted.exact, prefix=quoted.prefix, suffix=quoted.suffix
    )

    note(f"placed: {placed!r}")
    assert fold(text[placed.start : placed.end]) == fold(quoted.exact).strip()
    assert placed == quote_at(text, placed.start, placed.end)
    assert placed.exact == placed.exact.strip()


@hypothesis_settings(max_examples=100, deadline=None)
@given(st.one_of(selections(), word_selections()))
def test_any_selection_at_its_offsets_is_kept_trimmed(selection):
    slug, start, end = selection
    text = TEXTS[slug]

    placed = anchor(text, start=start, end=end, exact=text[start:end])

    assert (placed.start, placed.end) == trimmed(text, start, end)
    assert placed == quote_at(text, *trimmed(text, start, end))


@hypothesis_settings(max_examples=100, deadline=None)
@given(st.one_of(selections(), word_selections()))
def test_a_selection_its_context_identifies_is_found_in_its_place(selection):
    """When the quote with its context occurs once, the quote alone places it there."""
    slug, start, end = selection
    text = TEXTS[slug]
    quoted = quote_at(text, start, end)
    note(f"quoted: {quoted!r}")
    window = fold(quoted.prefix + quoted.exact + quoted.suffix)
    folded = fold(text)
    assert folded.find(window) >= 0
    assume(folded.find(window) == folded.rfind(window))  # the context is unique

    placed = anchor(
        text, start=None, end=None, exact=quoted.exact, prefix=quoted.prefix, suffix=quoted.suffix
    )

    note(f"placed: {placed!r}")
    assert (placed.start, placed.end) == trimmed(text, start, end)
