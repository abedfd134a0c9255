"""Cutting a document's text at every highlight boundary, and rendering it as HTML.

Every segment is a run of text covered by the same set of highlights, so overlapping,
nested and cross-paragraph highlights all render as flat, non-nested <mark> elements.
The reading view is the hot path (a teacher may see 1,200 highlights on one article),
so the HTML is built here in Python rather than by looping in a template.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from annotations.paragraphs import Paragraph


@dataclass(frozen=True)
class Span:
    """What the renderer needs of a highlight: its range, its id, and whose it is."""

    id: int
    start: int
    end: int
    own: bool


@dataclass(frozen=True)
class Segment:
    start: int
    end: int
    text: str
    highlight_ids: tuple[int, ...]  # covering highlights, in order of id
    own: bool = False  # covered by at least one of the viewer's highlights
    shared: bool = False  # covered by at least one highlight of someone else


def segment(text: str, spans: Iterable[Span], cuts: Iterable[int] = ()) -> list[Segment]:
    """Cut the whole text wherever a span begins or ends, and at the extra `cuts`."""
    length = len(text)
    spans = [s for s in spans if s.start < length and s.end > 0]
    starting: dict[int, list[Span]] = {}
    ending: dict[int, list[Span]] = {}
    points = {0, length, *cuts}
    for span in spans:
        starting.setdefault(max(span.start, 0), []).append(span)
        ending.setdefault(min(span.end, length), []).append(span)
        points.update((max(span.start, 0), min(span.end, length)))
    ordered = sorted(p for p in points if 0 <= p <= length)
    active: dict[int, Span] = {}
    segments = []
    for left, right in zip(ordered, ordered[1:], strict=False):
        for span in ending.get(left, ()):
            del active[span.id]
        for span in starting.get(left, ()):
            active[span.id] = span
        covering = tuple(sorted(active))
        segments.append(
            Segment(
                start=left,
                end=right,
                text=text[left:right],
                highlight_ids=covering,
                own=any(span.own for span in active.values()),
                shared=any(not span.own for span in active.values()),
            )
        )
    return segments


def render_reading_text(text: str, paragraphs: list[Paragraph], spans: list[Span]) -> SafeString:
    """The paragraphs of a document as HTML, each highlight painted as <mark>s.

    Each paragraph carries `data-start`, its offset in the text, so the selection script
    can turn a DOM position into a text offset. An empty <span id="h-N"> marks where
    highlight N first shows, as a target for jump links.
    """
    boundaries = [offset for p in paragraphs for offset in (p.start, p.end)]
    pieces = iter(segment(text, spans, boundaries))
    piece = next(pieces, None)
    anchored: set[int] = set()
    parts: list[str] = []
    for paragraph in paragraphs:
        tag = "h2" if paragraph.role == "heading" else "p"
        parts.append(
            f'<{tag} id="{paragraph.anchor}" class="para para-{paragraph.role}" '
            f'data-n="{paragraph.number}" data-start="{paragraph.start}">'
        )
        while piece is not None and piece.start < paragraph.end:
            if piece.start >= paragraph.start:  # else it lies between paragraphs
                parts.append(_render_piece(piece, anchored))
            piece = next(pieces, None)
        parts.append(f"</{tag}>")
    return mark_safe("".join(parts))  # every piece of text was escaped on the way in


def _render_piece(piece: Segment, anchored: set[int]) -> str:
    body = escape(piece.text).replace("\n", "<br>")
    if not piece.highlight_ids:
        return body
    new = [i for i in piece.highlight_ids if i not in anchored]
    targets = "".join(f'<span id="h-{i}" class="hl-anchor"></span>' for i in new)
    anchored.update(piece.highlight_ids)
    kind = " ".join(name for name, on in (("hl-own", piece.own), ("hl-shared", piece.shared)) if on)
    ids = " ".join(map(str, piece.highlight_ids))
    depth = min(len(piece.highlight_ids), 3)
    return f'{targets}<mark class="hl {kind}" data-ids="{ids}" data-depth="{depth}">{body}</mark>'
