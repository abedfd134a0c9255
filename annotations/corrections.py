"""Correcting an article's text without losing a highlight.

A correction makes a new revision of the text and keeps the old one (DocumentRevision).
Every highlight is carried through the edit by a character diff of the two texts: one
after the corrected words moves with them, one around them takes the corrected spelling
(its quote changes, and it is marked re-anchored), one whose words were all deleted
cannot be placed and is kept as orphaned, with its old quote, for its author and their
teachers to see. Highlights orphaned by an earlier correction are placed again if their
quote is back.

At district scale an article holds a hundred thousand highlights, so the diff is taken
only over the window where the texts differ; highlights before it stay as they are,
those after it shift in one UPDATE, and only those touching it (or whose 32 characters
of context do) are recomputed one by one.
"""

import bisect
import itertools
import re
from collections import Counter
from dataclasses import dataclass
from difflib import SequenceMatcher

from django.db import connection, transaction
from django.db.models import F, Q

from annotations.anchoring import CONTEXT_LENGTH, AnchorError, anchor, quote_at, trimmed
from annotations.glossary import recompute_mentions
from annotations.models import Document, DocumentRevision, Highlight
from annotations.paragraphs import split_paragraphs

Status = Highlight.AnchorStatus


class CorrectionError(ValueError):
    """The correction cannot be made; the message is for the person making it."""


@dataclass
class CorrectionReport:
    revision: int
    moved: int = 0  # same words, new offsets
    requoted: int = 0  # the correction changed its words: re-anchored
    orphaned: int = 0  # its words are gone: kept, orphaned
    restored: int = 0  # orphaned before, placed again

    def summary(self) -> str:
        parts = [f"Revision {self.revision} saved."]
        if self.requoted:
            parts.append(f"{self.requoted} highlight(s) now quote the corrected words.")
        if self.orphaned:
            parts.append(
                f"{self.orphaned} highlight(s) lost their passage; they are kept and shown "
                "to their authors and teachers as orphaned."
            )
        if self.restored:
            parts.append(f"{self.restored} orphaned highlight(s) found their place again.")
        return " ".join(parts)


def correct_paragraph(document: Document, number: int, text: str, *, author, note: str):
    """Replace paragraph `number` (1-based) of the current text with `text`."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    paragraphs = document.paragraphs
    if not 1 <= number <= len(paragraphs):
        raise CorrectionError(f"This article has paragraphs 1 to {len(paragraphs)}.")
    if not text:
        raise CorrectionError("A paragraph cannot be emptied by a correction.")
    if len(split_paragraphs(text)) != 1:
        raise CorrectionError(
            "A correction keeps a paragraph one paragraph: remove the blank line."
        )
    old = paragraphs[number - 1]
    roles = dict(document.paragraph_roles)
    if old.text in roles:  # roles are keyed by the paragraph's text
        roles[text] = roles.pop(old.text)
    new_text = document.text[: old.start] + text + document.text[old.end :]
    return correct_text(document, new_text, author=author, note=note, paragraph_roles=roles)


@transaction.atomic
def correct_text(
    document: Document, new_text: str, *, author, note: str, paragraph_roles=None
) -> CorrectionReport:
    note = note.strip()
    if not note:
        raise CorrectionError("Say what you corrected and why: the note is kept with the text.")
    new_text = new_text.replace("\r\n", "\n").replace("\r", "\n")
    if not new_text.strip():
        raise CorrectionError("The text cannot be empty.")
    # Locked: highlights being created wait for the correction, and see the new text.
    locked = Document.objects.select_for_update().get(pk=document.pk)
    old_text = locked.text
    if new_text == old_text:
        raise CorrectionError("The text is unchanged: there is nothing to correct.")

    DocumentRevision.objects.create(
        document=locked,
        number=locked.revision,
        text=old_text,
        paragraph_roles=locked.paragraph_roles,
        corrected_by=author,
        note=note,
    )
    locked.text = new_text
    locked.revision += 1
    if paragraph_roles is not None:
        locked.paragraph_roles = paragraph_roles
    locked.save()
    report = _carry_highlights(locked, old_text, new_text)
    DocumentRevision.objects.filter(document=locked, number=locked.revision - 1).update(
        moved=report.moved, requoted=report.requoted, orphaned=report.orphaned
    )
    recompute_mentions([locked])
    document.refresh_from_db()
    return report


def _carry_highlights(document: Document, old: str, new: str) -> CorrectionReport:
    report = CorrectionReport(revision=document.revision)
    head = _common_prefix(old, new)
    tail = _common_prefix(old[head:][::-1], new[head:][::-1])
    old_end, shift = len(old) - tail, len(new) - len(old)
    # Highlights whose range or context reaches into [head, old_end) need the diff.
    near = Q(start__lt=old_end + CONTEXT_LENGTH, end__gt=head - CONTEXT_LENGTH)
    highlights = Highlight.objects.filter(document=document)
    placed = highlights.exclude(anchor_status=Status.ORPHANED)

    # Read those near the change, then move those past it in one UPDATE, then place the
    # near ones: each step sees old offsets only, so none is moved twice.
    near_ones = list(placed.filter(near))
    if shift:
        after = placed.filter(start__gte=old_end + CONTEXT_LENGTH)
        report.moved += after.update(start=F("start") + shift, end=F("end") + shift)

    offsets = _OffsetMap(old, new, head, old_end)
    changed = []
    for highlight in near_ones:
        start, end = offsets.start(highlight.start), offsets.end(highlight.end)
        if not new[start:end].strip():
            highlight.anchor_status = Status.ORPHANED
            report.orphaned += 1
        else:
            placed_at = quote_at(new, *trimmed(new, start, end))
            if placed_at.exact != highlight.exact:
                highlight.anchor_status = Status.REANCHORED
                report.requoted += 1
            elif placed_at.start != highlight.start:
                report.moved += 1
            for name, value in placed_at.fields().items():
                setattr(highlight, name, value)
        changed.append(highlight)
    # Orphaned rows keep their old offsets, which may overlap shifted ones: no constraint
    # ties them, and end > start holds throughout.
    _save_places(changed)

    orphaned_now = [h.pk for h in changed if h.anchor_status == Status.ORPHANED]
    earlier = highlights.filter(anchor_status=Status.ORPHANED).exclude(pk__in=orphaned_now)
    report.restored += _restore(earlier, new)
    highlights.update(revision=document.revision)
    return report


PLACE_FIELDS = ("start", "end", "exact", "prefix", "suffix", "anchor_status")


def _save_places(highlights: list[Highlight]) -> None:
    """One UPDATE a highlight, sent together (psycopg's pipelined executemany): Django's
    bulk_update built a CASE for each field and row, most of a long correction's time."""
    table = Highlight._meta.db_table
    columns = ", ".join(f"{connection.ops.quote_name(name)} = %s" for name in PLACE_FIELDS)
    rows = [[getattr(h, name) for name in PLACE_FIELDS] + [h.pk] for h in highlights]
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(f"UPDATE {table} SET {columns} WHERE id = %s", rows)


def _restore(orphaned, new: str) -> int:
    """Place again the highlights an earlier correction orphaned, if their words are back."""
    restored = 0
    for highlight in orphaned:
        try:
            found = anchor(
                new, start=None, end=None, exact=highlight.exact,
                prefix=highlight.prefix, suffix=highlight.suffix,
            )  # fmt: skip
        except AnchorError:
            continue
        Highlight.objects.filter(pk=highlight.pk).update(
            **found.fields(), anchor_status=Status.REANCHORED
        )
        restored += 1
    return restored


class _OffsetMap:
    """Old offsets to new ones, through the matching blocks of the differing window."""

    def __init__(self, old: str, new: str, head: int, old_end: int):
        new_end = old_end + len(new) - len(old)
        matching = _matching_blocks(old[head:old_end], new[head:new_end])
        # (old start, new start, length) of each stretch the two texts share.
        self.blocks = [(0, 0, head)]
        self.blocks += [(head + a, head + b, size) for a, b, size in matching]
        self.blocks.append((old_end, new_end, len(old) - old_end))
        self.blocks = [block for block in self.blocks if block[2]]
        self.starts = [block[0] for block in self.blocks]
        self.new_length = len(new)

    def _block(self, offset: int):
        index = bisect.bisect_right(self.starts, offset) - 1
        return index, self.blocks[index] if index >= 0 else None

    def start(self, offset: int) -> int:
        """Where the character at `offset` went; inside an edit, the edit's start."""
        index, block = self._block(offset)
        if block and offset < block[0] + block[2]:
            return block[1] + offset - block[0]
        return block[1] + block[2] if block else 0

    def end(self, offset: int) -> int:
        """The end of a range ending at `offset`; inside an edit, the edit's end."""
        index, block = self._block(offset - 1)
        if block and offset - 1 < block[0] + block[2]:
            return block[1] + offset - block[0]
        following = self.blocks[index + 1] if index + 1 < len(self.blocks) else None
        return following[1] if following else self.new_length


# Above this many pairs of characters the differing stretch is compared word by word:
# difflib's matching is quadratic at worst, and a character diff of two long, unlike
# paragraphs held the article's row (and every student's save) for seconds.
CHARACTER_DIFF_LIMIT = 300 * 300
TOKEN_WORK_LIMIT = 20_000
# A word with the spaces after it, a sign with the spaces after it, or leading spaces:
# every character is in exactly one token.
_TOKEN = re.compile(r"\w+\s*|[^\w\s]\s*|\s+")


def _matching_blocks(old: str, new: str) -> list[tuple[int, int, int]]:
    """(old start, new start, length) of the stretches two texts share, in order."""
    if len(old) * len(new) <= CHARACTER_DIFF_LIMIT:
        return SequenceMatcher(None, old, new, autojunk=False).get_matching_blocks()
    old_tokens, new_tokens = _TOKEN.findall(old), _TOKEN.findall(new)
    old_at, new_at = _starts(old_tokens), _starts(new_tokens)
    # Few words repeated many times (no prose does that) would still be slow: then the
    # commonest words are left out of the matching (difflib's "autojunk").
    repeats = Counter(new_tokens)
    work = sum(repeats[token] for token in old_tokens)
    matcher = SequenceMatcher(None, old_tokens, new_tokens, autojunk=work > TOKEN_WORK_LIMIT)
    return [
        (old_at[i], new_at[j], old_at[i + size] - old_at[i])
        for i, j, size in matcher.get_matching_blocks()
    ]


def _starts(tokens: list[str]) -> list[int]:
    """Each token's offset in the text, and the text's length after the last."""
    return list(itertools.accumulate((len(token) for token in tokens), initial=0))


def _common_prefix(a: str, b: str) -> int:
    length = min(len(a), len(b))
    for index in range(length):
        if a[index] != b[index]:
            return index
    return length


def lock_revision(document: Document, *, owner=None, also: tuple[str, list] = ("NULL", [])):
    """The document's revision, share-locked until the transaction ends.

    Creating a highlight holds this lock, so a correction (which takes the row's update
    lock) waits for highlights placed on the old text, and they are carried with it. With
    `owner`, the owner's account row is locked FOR UPDATE in the same statement (one round
    trip): writes._within_caps counts their saves one after another under it. `also`: an
    SQL expression and its parameters, read in the same statement, before these locks
    are taken (writes.create_highlight locks its tags so); its value comes back second.
    """
    documents = Document._meta.db_table
    expression, params = also
    if owner is None:
        sql = f"SELECT revision, {expression} FROM {documents} WHERE id = %s FOR SHARE"
        params = [*params, document.pk]
    else:
        sql = (
            f"SELECT document.revision, {expression}"
            f" FROM {documents} document, {owner._meta.db_table} owner"
            " WHERE document.id = %s AND owner.id = %s FOR SHARE OF document FOR UPDATE OF owner"
        )
        params = [*params, document.pk, owner.pk]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()
