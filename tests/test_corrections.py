"""Correcting an article's text: every highlight carried to the new revision, none lost."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from annotations.anchoring import quote_at
from annotations.corrections import CorrectionError, correct_paragraph, correct_text
from annotations.models import Document, DocumentRevision, Highlight, Membership
from annotations.writes import create_highlight

Status = Highlight.AnchorStatus
PARAGRAPH = 6  # "... the Soviet _ and, obviously, Chinese _ intelligence ..."


def fix_dashes(document, *, author=None):
    """The OCR left underscores for the dashes of paragraph 6."""
    paragraph = document.paragraphs[PARAGRAPH - 1]
    fixed = paragraph.text.replace("Soviet _ and", "Soviet—and").replace(
        "Chinese _ intelligence", "Chinese—intelligence"
    )
    return correct_paragraph(document, PARAGRAPH, fixed, author=author, note="OCR: dashes")


def is_placed(highlight: Highlight) -> bool:
    text = highlight.document.text
    return (
        highlight.revision == highlight.document.revision
        and text[highlight.start : highlight.end] == highlight.exact
        and quote_at(text, highlight.start, highlight.end).prefix == highlight.prefix
        and quote_at(text, highlight.start, highlight.end).suffix == highlight.suffix
    )


def test_a_correction_keeps_the_old_text_with_who_and_why(document, teacher):
    old_text = document.text

    fix_dashes(document, author=teacher)

    document.refresh_from_db()
    assert document.revision == 2
    assert "Soviet—and, obviously, Chinese—intelligence" in document.text
    kept = DocumentRevision.objects.get(document=document)
    assert (kept.number, kept.text, kept.corrected_by, kept.note) == (
        1,
        old_text,
        teacher,
        "OCR: dashes",
    )


def test_highlights_after_the_correction_move_with_their_words(document, student, make_highlight):
    near = make_highlight(student, "intelligence")  # right after the edit: context changes
    far = make_highlight(student, "Kim Il-sung could n")  # paragraph 12: shifted in SQL
    before = make_highlight(student, "Stalin was hardly surprised.")

    fix_dashes(document)

    for highlight, phrase in [(near, "intelligence"), (far, "Kim Il-sung could n")]:
        old_start = highlight.start
        highlight.refresh_from_db()
        assert highlight.start == old_start - 4  # two " _ " became "—"
        assert highlight.exact == phrase
        assert highlight.anchor_status == Status.ANCHORED
        assert is_placed(highlight)
    before.refresh_from_db()
    assert (before.start, before.revision) == (652, 2)
    assert is_placed(before)


def test_a_highlight_just_past_the_context_of_a_lengthening_correction_moves_once(
    document, student
):
    """Near the change (within 32 characters) a highlight is placed one by one; past it,
    by one UPDATE. One that the first moves past that line must not be moved again."""
    paragraph = document.paragraphs[PARAGRAPH - 1]
    edit_end = document.text.index("Chinese _ intelligence") + len("Chinese _")
    start = edit_end + 30  # within the change's context (32), and past it once moved
    end = start + 5
    highlight = Highlight.placed(
        quote_at(document.text, start, end), owner=student, document=document
    )
    highlight.save()
    word = highlight.exact

    correct_paragraph(
        document,
        PARAGRAPH,
        paragraph.text.replace("Chinese _ intelligence", "Chinese — [sic] — intelligence"),
        author=None,
        note="longer",
    )

    highlight.refresh_from_db()
    assert highlight.exact == word
    assert is_placed(highlight)


def test_a_highlight_around_the_typo_takes_the_corrected_words(document, student, make_highlight):
    highlight = make_highlight(student, "the Soviet _ and, obviously")

    report = fix_dashes(document)

    highlight.refresh_from_db()
    assert highlight.exact == "the Soviet—and, obviously"
    assert highlight.anchor_status == Status.REANCHORED
    assert is_placed(highlight)
    assert report.requoted == 1


def test_a_highlight_whose_words_are_removed_is_kept_orphaned(document, student, make_highlight):
    highlight = make_highlight(student, "obviously", note="Why obviously?", tags=["question"])
    paragraph = document.paragraphs[PARAGRAPH - 1]

    report = correct_paragraph(
        document,
        PARAGRAPH,
        paragraph.text.replace(" obviously,", ""),
        author=None,
        note="Remove a word the source does not have",
    )

    highlight.refresh_from_db()
    assert highlight.anchor_status == Status.ORPHANED
    assert (highlight.exact, highlight.note) == ("obviously", "Why obviously?")
    assert list(highlight.tags.names()) == ["question"]
    assert report.orphaned == 1
    assert DocumentRevision.objects.get().orphaned == 1


def test_an_orphaned_highlight_is_placed_again_when_its_words_come_back(
    document, student, make_highlight
):
    highlight = make_highlight(student, "obviously")
    paragraph = document.paragraphs[PARAGRAPH - 1]
    correct_paragraph(document, PARAGRAPH, paragraph.text.replace(" obviously,", ""),
                      author=None, note="remove")  # fmt: skip
    document.refresh_from_db()

    report = correct_paragraph(document, PARAGRAPH, paragraph.text, author=None, note="undo")

    highlight.refresh_from_db()
    assert highlight.anchor_status == Status.REANCHORED
    assert is_placed(highlight)
    assert report.restored == 1


@pytest.mark.parametrize(
    ("number", "text", "note", "message"),
    [
        (PARAGRAPH, None, "", "Say what you corrected"),
        (PARAGRAPH, None, "no change", "unchanged"),
        (PARAGRAPH, "", "empty", "cannot be emptied"),
        (PARAGRAPH, "One.\n\nTwo.", "split", "one paragraph"),
        (999, "Text.", "far", "paragraphs 1 to"),
    ],
)
def test_a_refused_correction_changes_nothing(
    document, student, make_highlight, number, text, note, message
):
    highlight = make_highlight(student, "intelligence")
    before = document.text
    text = document.paragraphs[PARAGRAPH - 1].text if text is None else text

    with pytest.raises(CorrectionError, match=message):
        correct_paragraph(document, number, text, author=None, note=note)

    document.refresh_from_db()
    assert (document.text, document.revision) == (before, 1)
    assert not DocumentRevision.objects.exists()
    assert Highlight.objects.get() == highlight
    assert Highlight.objects.get().start == highlight.start


def test_mentions_follow_the_corrected_text(document, glossary):
    before = {(m.start, m.entry_id) for m in document.mentions.all()}
    fix_dashes(document)
    document.refresh_from_db()

    after = {(m.start, m.entry_id) for m in document.mentions.all()}
    assert after and all(m.revision == document.revision for m in document.mentions.all()), (
        "mentions recomputed for the new revision"
    )
    assert len(after) == len(before)


def test_a_highlight_made_on_the_old_text_is_placed_on_the_new(document, student):
    """A page loaded before the correction sends a selection on revision 1."""
    start = document.text.index("Chinese _ intelligence")
    stale = quote_at(document.text, start, start + len("Chinese _ intelligence"))
    later = document.text.index("Kim Il-sung could n")
    words_kept = quote_at(document.text, later, later + len("Kim Il-sung"))
    stale_documents = [Document.objects.get(pk=document.pk) for _ in range(2)]
    fix_dashes(document)

    gone, _ = create_highlight(owner=student, document=stale_documents[0], anchor=stale)
    moved, _ = create_highlight(owner=student, document=stale_documents[1], anchor=words_kept)

    assert gone.anchor_status == Status.ORPHANED  # kept, not refused: nothing typed is lost
    assert moved.anchor_status == Status.REANCHORED
    moved.refresh_from_db()
    assert is_placed(moved)


# --- the view --------------------------------------------------------------------------


def test_a_teacher_corrects_a_paragraph_from_the_page(client, document, teacher, classroom):
    client.force_login(teacher)
    url = reverse("document_corrections", args=[document.slug])
    page = client.get(url, {"paragraph": PARAGRAPH})
    assert "Soviet _ and" in page.content.decode()

    text = document.paragraphs[PARAGRAPH - 1].text.replace("Soviet _ and", "Soviet—and")
    response = client.post(url, {"paragraph": PARAGRAPH, "text": text, "note": "OCR dash"})

    assert response.status_code == 302
    assert response["Location"].endswith(f"#p-{PARAGRAPH}")
    document.refresh_from_db()
    assert document.revision == 2
    history = client.get(url).content.decode()
    assert "OCR dash" in history and "This is revision 2." in history


def test_a_correction_without_a_note_is_sent_back_with_a_message(
    client, document, teacher, classroom
):
    client.force_login(teacher)
    url = reverse("document_corrections", args=[document.slug])
    text = document.paragraphs[PARAGRAPH - 1].text.replace("Soviet _ and", "Soviet — and")

    response = client.post(url, {"paragraph": PARAGRAPH, "text": text, "note": ""})

    assert response.status_code == 422
    assert "This field is required" in response.content.decode()
    document.refresh_from_db()
    assert document.revision == 1


def test_students_may_read_but_not_correct(client, document, student):
    client.force_login(student)
    url = reverse("document_corrections", args=[document.slug])

    assert client.get(url).status_code == 403
    assert client.post(url, {"paragraph": 1, "text": "x", "note": "y"}).status_code == 403
    document.refresh_from_db()
    assert document.revision == 1


def test_the_reading_view_shows_orphans_to_their_author_and_teacher_only(
    client, document, student, classmate, teacher, classroom, make_highlight
):
    make_highlight(student, "obviously", visibility="class")
    paragraph = document.paragraphs[PARAGRAPH - 1]
    correct_paragraph(document, PARAGRAPH, paragraph.text.replace(" obviously,", ""),
                      author=None, note="remove")  # fmt: skip
    url = reverse("document", args=[document.slug])

    pages = {}
    for user in (student, teacher, classmate):
        client.force_login(user)
        pages[user.username] = client.get(url).content.decode()

    assert "Could not be placed in the corrected text" in pages[student.username]
    assert "lost their place" in pages[teacher.username]
    assert "“obviously”" in pages[teacher.username]
    assert "obviously”" not in pages[classmate.username]
    assert Membership.objects.filter(user=teacher, role="teacher").exists()


# --- the property: whatever the edit, every highlight is placed or kept orphaned -----------


def changed_window(old: str, new: str) -> tuple[int, int]:
    """Where `old` stops matching `new`: after their common beginning, before their end."""
    head = 0
    while head < min(len(old), len(new)) and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < min(len(old), len(new)) - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    return head, len(old) - tail


edits = st.tuples(
    st.integers(min_value=0, max_value=3000),
    st.integers(min_value=0, max_value=40),
    st.text(alphabet="abc —_'\n", max_size=12),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    edit=edits, ranges=st.lists(st.tuples(st.integers(0, 3400), st.integers(1, 60)), max_size=12)
)
@example(edit=(384, 0, "a"), ranges=[(384, 2)])  # "an" -> "aan": which "a" is new?
@example(edit=(0, 3, ""), ranges=[(37, 1)])  # moved by the UPDATE, then placed again
def test_any_edit_places_every_highlight_or_keeps_it_orphaned(document, student, edit, ranges):
    from django.db import transaction

    with transaction.atomic():
        text = Document.objects.get(pk=document.pk).text
        made = []
        for number, (start, length) in enumerate(ranges):
            end = min(start + length, len(text))
            if not text[start:end].strip() or text[start].isspace() or text[end - 1].isspace():
                continue
            made.append(
                Highlight.objects.create(
                    **vars(quote_at(text, start, end)) | {"owner": student, "document": document},
                    revision=1,
                    client_key=f"00000000-0000-0000-0000-{number:012d}",
                )
            )
        at, cut, insert = edit
        new_text = text[:at] + insert + text[at + cut :]
        if new_text == text or not new_text.strip():
            transaction.set_rollback(True)
            return
        correct_text(document, new_text, author=None, note="property")
        head, old_end = changed_window(text, new_text)

        for highlight in Highlight.objects.filter(pk__in=[h.pk for h in made]):
            original = next(h for h in made if h.pk == highlight.pk)
            # Outside the stretch where the two texts differ. (Inserting "a" before "an"
            # and after its "a" give the same text: the diff cannot tell which was meant,
            # so "at" alone does not say which highlights the edit touched.)
            untouched = original.end <= head or original.start >= old_end
            if highlight.anchor_status == Status.ORPHANED:
                assert highlight.exact == original.exact  # kept as it was
                assert not untouched, "only a highlight the edit reached can lose its place"
            else:
                assert is_placed(highlight)
                if untouched and original.exact.strip() == original.exact:
                    assert highlight.exact == original.exact
        assert Highlight.objects.filter(pk__in=[h.pk for h in made]).count() == len(made)
        transaction.set_rollback(True)


# Bounded work: a long or unlike correction is compared word by word (annotations/corrections.py)


@given(
    old=st.text(alphabet="ab .\n", max_size=900),
    new=st.text(alphabet="ab .\n", max_size=900),
)
def test_the_stretches_two_texts_share_are_really_shared(old, new):
    from annotations.corrections import _matching_blocks

    last_old = last_new = 0
    for a, b, size in _matching_blocks(old, new):
        assert old[a : a + size] == new[b : b + size]
        assert a >= last_old and b >= last_new, "in order, and not overlapping"
        last_old, last_new = a + size, b + size


def test_a_long_rewrite_keeps_the_highlights_on_words_it_did_not_change(
    document, student, make_highlight
):
    # Typos fixed at both ends of the longest paragraph make the changed stretch too long
    # for a character diff; the word diff still keeps the words between.
    paragraph = max(document.paragraphs, key=lambda p: len(p.text))
    words = paragraph.text.split(" ")
    middle = " ".join(words[len(words) // 2 : len(words) // 2 + 3])
    highlight = make_highlight(student, middle)
    corrected = " ".join(["Corrected"] + words[1:-1] + ["end."])
    correct_paragraph(document, paragraph.number, corrected, author=None, note="two typos")
    highlight.refresh_from_db()
    assert highlight.exact == middle
    assert highlight.anchor_status != Status.ORPHANED


def test_the_longest_correction_accepted_is_made(document, student, make_highlight):
    """5,000 characters of unlike text (the form's limit): the worst case the form lets
    through. bench/corrections.py times it."""
    made = make_highlight(student, "Stalin was hardly surprised.")
    paragraph = document.paragraph_at(made.start)
    unlike = ("ab " * 2000)[:5000].strip()
    report = correct_paragraph(document, paragraph.number, unlike, author=None, note="worst")
    made.refresh_from_db()
    assert report.revision == 2 and Document.objects.get(pk=document.pk).revision == 2
    assert made.anchor_status != Status.ANCHORED  # its words are gone: re-quoted or orphaned
    assert is_placed(made) or made.anchor_status == Status.ORPHANED


def test_a_paragraph_longer_than_the_form_takes_is_refused_with_a_reason(client, document, teacher):
    client.force_login(teacher)
    url = reverse("document_corrections", args=[document.slug])
    response = client.post(url, {"paragraph": 1, "text": "a" * 5001, "note": "too long"})
    assert response.status_code == 422
    assert "at most 5000 characters" in response.content.decode()
    assert Document.objects.get(pk=document.pk).revision == 1
