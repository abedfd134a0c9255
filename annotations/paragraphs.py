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

# A full stop after these does not end a sentence: the abbreviations the articles use
# ("On Sept. 20", "Gen. Shtykov") and a few more of their kind.
ABBREVIATIONS = frozenset(
    [
        "Jan",
        "Feb",
        "Mar",
        "Apr",
        "Aug",
        "Sep",
        "Sept",
        "Oct",
        "Nov",
        "Dec",
        "Gen",
        "Lt",
        "Col",
        "Capt",
        "Adm",
        "Sgt",
        "Mr",
        "Mrs",
        "Ms",
        "Dr",
        "St",
        "Prof",
        "Jr",
        "Sr",
        "vs",
        "etc",
        "cf",
    ]
)
# Nor after these when a number follows ("vol. 9, no. 388"): "no." also ends sentences.
NUMBERED_ABBREVIATIONS = frozenset(["vol", "no", "nos", "pp", "p", "ch", "fig"])
# Initials and dotted acronyms: "Alexander V. Pantsov", "T.R. Fehrenbach", "U.N.", "U.S."
_INITIALS = re.compile(r"(?:[A-Z]\.)*[A-Z]")
_LAST_WORD = re.compile(r"[\"'“‘(\[]*([^\s\"'“‘(\[]*)$")


def _is_abbreviation(text: str, full_stop: int, following: str) -> bool:
    """Whether the full stop at `full_stop` in `text` closes an abbreviation."""
    word = _LAST_WORD.search(text, 0, full_stop).group(1)
    if word in ABBREVIATIONS or _INITIALS.fullmatch(word):
        return True
    return word.lower() in NUMBERED_ABBREVIATIONS and following[:1].isdigit()


def split_sentences(paragraph: Paragraph) -> list[tuple[int, int]]:
    """(start, end) offsets in the document text of each sentence of a paragraph.

    Good enough for extending a keyboard highlight by sentences. Abbreviations and
    initials do not end a sentence; an acronym that really ends one ("... the U.S. Then")
    joins it to the next, and the reader simply extends by one more.
    """
    text = paragraph.text
    sentences = []
    start = len(text) - len(text.lstrip())
    for match in _SENTENCE_END.finditer(text):
        if match.group().startswith(".") and _is_abbreviation(
            text, match.start(), text[match.end() :]
        ):
            continue
        end = match.start() + len(match.group().rstrip())
        sentences.append((paragraph.start + start, paragraph.start + end))
        start = match.end()
    end = len(text.rstrip())
    if start < end:
        sentences.append((paragraph.start + start, paragraph.start + end))
    return sentences
