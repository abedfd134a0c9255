"""Paragraphs derived from a document's text.

A paragraph is a run of non-blank lines; blank lines separate paragraphs. Offsets are
code points into `Document.text`, so a paragraph is addressed the same way highlights are.
Numbers start at 1 and give the stable link targets `#p-1`, `#p-2`, ...
"""

import re
from dataclasses import dataclass

ROLES = ("body", "heading", "furniture")


@dataclass(frozen=True)
class Paragraph:
    number: int
    start: int
    end: int
    text: str
    role: str = "body"  # "body", "heading", or "furniture" (captions, bylines, page links)

    @property
    def anchor(self) -> str:
        return f"p-{self.number}"


def split_paragraphs(text: str, roles: dict[str, str] | None = None) -> list[Paragraph]:
    """The runs of non-blank lines (lines of only spaces count as blank), in one pass."""
    roles = roles or {}
    spans: list[tuple[int, int]] = []
    offset = 0
    for line in text.split("\n"):
        if line.strip():
            end = offset + len(line)
            # A line right after the last paragraph's continues it.
            if spans and spans[-1][1] == offset - 1:
                spans[-1] = (spans[-1][0], end)
            else:
                spans.append((offset, end))
        offset += len(line) + 1
    paragraphs = []
    for number, (start, end) in enumerate(spans, start=1):
        body = text[start:end]
        # A role nobody knows (a hand-edited value) reads as body text.
        role = roles.get(body, "body")
        paragraphs.append(Paragraph(number, start, end, body, role if role in ROLES else "body"))
    return paragraphs


# A sentence ends at . ! ? (maybe followed by a closing quote or bracket) and a space.
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*\s+")


def split_sentences(paragraph: Paragraph) -> list[tuple[int, int]]:
    """(start, end) offsets in the document text of each sentence of a paragraph.

    Good enough for extending a keyboard highlight by sentences; "T.R. Fehrenbach" or
    "U.S." may cut a sentence short, and the reader simply extends by one more.
    """
    text = paragraph.text
    sentences = []
    start = len(text) - len(text.lstrip())
    for match in _SENTENCE_END.finditer(text):
        end = match.start() + len(match.group().rstrip())
        sentences.append((paragraph.start + start, paragraph.start + end))
        start = match.end()
    end = len(text.rstrip())
    if start < end:
        sentences.append((paragraph.start + start, paragraph.start + end))
    return sentences
