"""Sentences of the real paragraphs, for extending a keyboard highlight by sentences."""

import re

import pytest
from django.conf import settings
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from annotations.paragraphs import Paragraph, split_paragraphs, split_sentences

SLUGS = ["korean-war-view-from-the-other-side", "stalin-and-korean-war", "stalins-hot-war"]


def fixture_text(slug: str) -> str:
    path = settings.BASE_DIR / "fixtures" / "documents" / f"{slug}.txt"
    return path.read_text(encoding="utf-8")


TEXTS = {slug: fixture_text(slug) for slug in SLUGS}


def paragraph_reading(slug: str, beginning: str) -> tuple[str, Paragraph]:
    text = TEXTS[slug]
    (paragraph,) = [p for p in split_paragraphs(text) if p.text.startswith(beginning)]
    return text, paragraph


def sentence_texts(text: str, paragraph: Paragraph) -> list[str]:
    return [text[start:end] for start, end in split_sentences(paragraph)]


def check_sentences(text: str, paragraph: Paragraph, *, trimmed: bool = True) -> None:
    sentences = split_sentences(paragraph)
    assert sentences, "a paragraph has at least one sentence"
    previous_end = paragraph.start
    for start, end in sentences:
        assert paragraph.start <= previous_end <= start < end <= paragraph.end
        assert text[previous_end:start].strip() == "", "only whitespace between sentences"
        sentence = text[start:end]
        assert sentence.strip(), "a sentence is not blank"
        if trimmed:
            assert sentence == sentence.strip(), f"not trimmed: {sentence!r}"
        previous_end = end
    assert text[previous_end : paragraph.end].strip() == ""
    covered = {i for start, end in sentences for i in range(start, end)}
    for i in range(paragraph.start, paragraph.end):
        assert i in covered or text[i].isspace(), f"{text[i]!r} at {i} is in no sentence"


@pytest.mark.parametrize("slug", SLUGS)
def test_sentences_are_ordered_disjoint_trimmed_and_cover_every_paragraph(slug):
    text = TEXTS[slug]
    paragraphs = split_paragraphs(text)
    assert len(paragraphs) > 10

    for paragraph in paragraphs:
        check_sentences(text, paragraph)


@pytest.mark.parametrize("slug", SLUGS)
def test_sentences_begin_and_end_with_their_paragraph(slug):
    text = TEXTS[slug]

    for paragraph in split_paragraphs(text):
        sentences = split_sentences(paragraph)
        assert sentences[0][0] == paragraph.start
        assert sentences[-1][1] == paragraph.end


def test_it_splits_a_paragraph_at_each_full_stop():
    text, paragraph = paragraph_reading("stalin-and-korean-war", "But Stalin did not want")

    assert sentence_texts(text, paragraph) == [
        "But Stalin did not want to launch a third World War.",
        "He hoped that the Chinese would take the military responsibilities on.",
        "After all, their stake in the situation was greater than his.",
        "He eventually succeeded, but it took much effort on his part.",
    ]


@pytest.mark.parametrize(
    ("slug", "paragraph_text"),
    [
        (
            "stalin-and-korean-war",
            "The landing did not come as a complete surprise: the Soviet _ and, obviously, "
            "Chinese _ intelligence expected something like it, and the Chinese even warned "
            "the North Koreans about the danger.",
        ),
        ("stalin-and-korean-war", "Comments are closed."),
        ("korean-war-view-from-the-other-side", "Competing motivations"),
        ("stalins-hot-war", "Return to Documents Relating to Stalin"),
    ],
)
def test_a_paragraph_of_one_sentence_is_one_sentence(slug, paragraph_text):
    text, paragraph = paragraph_reading(slug, paragraph_text)
    assert paragraph.text == paragraph_text

    assert split_sentences(paragraph) == [(paragraph.start, paragraph.end)]


@pytest.mark.parametrize(
    ("slug", "beginning", "ends_with", "next_begins"),
    [
        (
            "stalin-and-korean-war",
            "On Sept. 20, Stalin repeated",
            "north and east of Seoul.\u201d",
            "It indicated that Seoul",
        ),
        (
            "korean-war-view-from-the-other-side",
            "In March 1950, Stalin informed",
            "Mao had promised troops \u201cin case of emergency.\u201d",
            "Kim believed it would take",
        ),
        (
            "korean-war-view-from-the-other-side",
            "The war \u201cofficially\u201d began",
            "during the first half of 1950.\u201d",
            "These skirmishes were",
        ),
        (
            "stalin-and-korean-war",
            "For a while, there was some hope",
            "unable to stop the enemy by our own forces.\u201d",
            "Accordingly they asked",
        ),
    ],
)
def test_a_closing_quote_after_a_full_stop_stays_with_its_sentence(
    slug, beginning, ends_with, next_begins
):
    text, paragraph = paragraph_reading(slug, beginning)

    sentences = sentence_texts(text, paragraph)

    (index,) = [i for i, s in enumerate(sentences) if s.endswith(ends_with)]
    assert sentences[index + 1].startswith(next_begins)
    assert not any(s.startswith("\u201d") for s in sentences)


def test_a_paragraph_ending_in_a_quote_keeps_it_in_its_last_sentence():
    text, paragraph = paragraph_reading(
        "korean-war-view-from-the-other-side", "Mao complained that the war"
    )

    sentences = sentence_texts(text, paragraph)

    assert sentences[-1].endswith("except for casualties \u2026.\u201d")
    assert sentences[-1].startswith("The North Koreans have lost nothing")


def test_question_marks_end_sentences():
    text, paragraph = paragraph_reading("korean-war-view-from-the-other-side", "Still, questions")

    sentences = sentence_texts(text, paragraph)

    assert "Where are they?" in sentences
    assert sentences[0] == "Still, questions persist."


def test_a_non_breaking_space_after_a_full_stop_is_not_part_of_either_sentence():
    text, paragraph = paragraph_reading("korean-war-view-from-the-other-side", "Research shows")

    sentences = sentence_texts(text, paragraph)

    assert sentences[0].endswith("were not of one mind.")
    assert sentences[1].startswith("Russian historian Alexander V.")
    assert not any("\u00a0" in s for s in sentences)


ALPHABET = "ab .?!\u201d\u2019\u00a0\n\t"


@hypothesis_settings(max_examples=200, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=60))
def test_sentences_of_any_paragraph_are_ordered_and_cover_it(text):
    for paragraph in split_paragraphs(text):
        check_sentences(text, paragraph, trimmed=False)


@pytest.mark.parametrize(
    "text",
    [
        "Stalin was hardly surprised. He knew.  ",
        "  Stalin was hardly surprised. He knew.",
        "Korea Times \nAndrei Lankov\u00a0",
        "First.\n\n\t Second one. Third \n\nLast.",
    ],
)
def test_sentences_leave_out_spaces_at_the_edges_of_a_paragraph(text):
    """A paragraph's first or last line may carry spaces; no sentence should."""
    for paragraph in split_paragraphs(text):
        check_sentences(text, paragraph)


@pytest.mark.parametrize(
    ("slug", "beginning", "sentence"),
    [
        (
            "stalin-and-korean-war",
            "On Sept. 20, Stalin repeated",
            "On Sept. 20, Stalin repeated",
        ),
        (
            "stalin-and-korean-war",
            "But Stalin\u2019s representatives in Korea",
            "But Stalin\u2019s representatives in Korea, including Gen. Shtykov, the first "
            "Soviet ambassador to Pyongyang, were even less appreciative of the new dangers.",
        ),
        (
            "stalin-and-korean-war",
            "But Stalin\u2019s representatives in Korea",
            "While the U.S. and South Korean forces were fighting their way to Seoul,",
        ),
        (
            "korean-war-view-from-the-other-side",
            "Research shows",
            "Russian historian Alexander V. Pantsov uses",
        ),
        (
            "korean-war-view-from-the-other-side",
            "T.R. Fehrenbach",
            "T.R. Fehrenbach\u2019s classic 1963 book This Kind of War",
        ),
        (
            "stalins-hot-war",
            "Lashmar, Paul",
            "Lashmar, Paul, \"Stalin's 'Hot' War,\" New Statesman & Society, vol. 9, no. 388,",
        ),
    ],
)
def test_an_abbreviation_or_an_initial_does_not_end_a_sentence(slug, beginning, sentence):
    text, paragraph = paragraph_reading(slug, beginning)

    sentences = sentence_texts(text, paragraph)

    assert any(s.startswith(sentence) for s in sentences), sentences


@pytest.mark.parametrize("slug", SLUGS)
def test_no_sentence_of_the_articles_ends_at_an_abbreviation(slug):
    text = TEXTS[slug]
    cut_short = re.compile(r"(?:\b(?:Sept|Oct|Gen|vol|no)|(?:\b[A-Z]\.)*\b[A-Z])\.$")

    for paragraph in split_paragraphs(text):
        for sentence in sentence_texts(text, paragraph):
            assert not cut_short.search(sentence), sentence


@pytest.mark.parametrize(
    ("slug", "beginning", "ends_with", "next_begins"),
    [
        ("stalins-hot-war", "Once Stalin had", "against the US.", "The Soviets"),
        ("stalins-hot-war", "Once Stalin had", "matching the MiG 15.", "Pow interrogation"),
        ("stalin-and-korean-war", "But Stalin did not want", "a third World War.", "He hoped"),
        (
            "korean-war-view-from-the-other-side",
            "Over the border, however,",
            "hand-picked by the USSR.",
            "From 1948, Kim",
        ),
    ],
)
def test_a_full_stop_after_an_ordinary_word_or_number_still_ends_a_sentence(
    slug, beginning, ends_with, next_begins
):
    text, paragraph = paragraph_reading(slug, beginning)

    sentences = sentence_texts(text, paragraph)

    (index,) = [i for i, s in enumerate(sentences) if s.endswith(ends_with)]
    assert sentences[index + 1].startswith(next_begins)


def test_no_before_a_word_ends_a_sentence():
    text = "He asked for troops. The answer was no. Then he asked again."
    (paragraph,) = split_paragraphs(text)

    assert len(split_sentences(paragraph)) == 3
