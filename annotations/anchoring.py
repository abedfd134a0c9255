"""Placing a highlight in a document's text, by position and by quote.

Positions are code points into `Document.text`. What the browser reports may differ
from the stored text in ways a reader cannot see: a non-breaking space copied as a
space, curly quotes typed as straight ones, line breaks between paragraphs missing.
Comparisons therefore use a folded form of both texts, and `Folded.index` maps folded
positions back to positions in the original.
"""

import re
from dataclasses import asdict, dataclass

CONTEXT_LENGTH = 32

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
_WHITESPACE = re.compile(r"\s+")  # includes NBSP, as str patterns are Unicode-aware


class AnchorError(ValueError):
    """The selection cannot be placed in the text; the message is for the reader."""


@dataclass(frozen=True)
class Anchor:
    start: int
    end: int
    exact: str
    prefix: str
    suffix: str

    def fields(self) -> dict:
        """As a highlight's fields of the same names."""
        return asdict(self)


@dataclass(frozen=True)
class Folded:
    """Text with whitespace runs as one space and curly quotes as straight ones."""

    text: str
    index: list[int]  # index[i]: position in the original of folded character i

    @classmethod
    def of(cls, original: str) -> "Folded":
        characters: list[str] = []
        index: list[int] = []
        for match in re.finditer(r"\s+|\S", original):
            characters.append(" " if match.group().isspace() else match.group())
            index.append(match.start())
        index.append(len(original))
        return cls("".join(characters).translate(_QUOTES), index)


def fold(text: str) -> str:
    return _WHITESPACE.sub(" ", text).translate(_QUOTES)


def quote_at(text: str, start: int, end: int) -> Anchor:
    """The anchor for text[start:end], with its context."""
    return Anchor(
        start=start,
        end=end,
        exact=text[start:end],
        prefix=text[max(0, start - CONTEXT_LENGTH) : start],
        suffix=text[end : end + CONTEXT_LENGTH],
    )


def anchor(
    text: str, *, start: int | None, end: int | None, exact: str, prefix: str = "", suffix: str = ""
) -> Anchor:
    """Place a selection: trust the position if it holds the quote, else find the quote.

    Leading and trailing whitespace of the selection is trimmed off the range.
    Raises AnchorError with a message for the reader when the quote cannot be placed.
    """
    wanted = fold(exact).strip()
    if not wanted:
        raise AnchorError("The selection is empty. Select some words of the text first.")
    position_holds_quote = (
        start is not None
        and end is not None
        and 0 <= start < end <= len(text)
        and fold(text[start:end]).strip() == wanted
    )
    if position_holds_quote:
        return quote_at(text, *trimmed(text, start, end))
    # Whitespace trimmed off the quote belongs to its context: " Stalin" follows a space.
    lead = exact[: len(exact) - len(exact.lstrip())]
    trail = exact[len(exact.rstrip()) :]
    found = _find_by_quote(text, wanted, fold(prefix + lead), fold(trail + suffix), near=start)
    if found is None:
        raise AnchorError(
            "That passage is not in this article's text, so it cannot be highlighted. "
            "Reload the page and select it again."
        )
    return quote_at(text, *trimmed(text, *found))


def trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """The range without the whitespace at its ends."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _find_by_quote(
    text: str, wanted: str, prefix: str, suffix: str, near: int | None
) -> tuple[int, int] | None:
    """The best occurrence of the folded quote: most shared context, then nearest."""
    folded = Folded.of(text)
    candidates = []
    position = folded.text.find(wanted)
    while position >= 0:
        start = folded.index[position]
        end = folded.index[position + len(wanted)]
        before = folded.text[max(0, position - len(prefix)) : position]
        after = folded.text[position + len(wanted) : position + len(wanted) + len(suffix)]
        context = _common_suffix(before, prefix) + _common_prefix(after, suffix)
        distance = abs(start - near) if near is not None else 0
        candidates.append((-context, distance, start, end))
        position = folded.text.find(wanted, position + 1)
    if not candidates:
        return None
    _, _, start, end = min(candidates)
    return start, end


def _common_prefix(a: str, b: str) -> int:
    length = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        length += 1
    return length


def _common_suffix(a: str, b: str) -> int:
    return _common_prefix(a[::-1], b[::-1])
