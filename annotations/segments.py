"""Cutting a document's text at every highlight boundary, and rendering it as HTML.

Every segment is a run of text covered by the same set of highlights, so overlapping,
nested and cross-paragraph highlights all render as flat, non-nested <mark> elements.
The reading view is the hot path (a teacher may see 1,200 highlights on one article),
so the HTML is built here in Python rather than by looping in a template.
"""

import html
from collections.abc import Iterable
from typing import NamedTuple

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from annotations.paragraphs import Paragraph


class Span(NamedTuple):
    """What the renderer needs of a highlight: its range, its id, whose it is, and whether
    a teacher hid it from the class (only its author and teachers see it then)."""

    id: int
    start: int
    end: int
    own: bool
    hidden: bool = False


class MentionSpan(NamedTuple):
    """Where a glossary entry is named; mentions never overlap one another."""

    start: int
    end: int
    slug: str


class Segment(NamedTuple):
    start: int
    end: int
    text: str
    highlight_ids: tuple[int, ...]  # covering highlights, in order of id
    own: bool = False  # covered by at least one of the viewer's highlights
    shared: bool = False  # covered by at least one highlight of someone else
    hidden: bool = False  # only by others', and all of those are hidden from the class


def segment(text: str, spans: Iterable[Span], cuts: Iterable[int] = ()) -> list[Segment]:
    """Cut the whole text wherever a span begins or ends, and at the extra `cuts`."""
    length = len(text)
    changes: dict[int, list[tuple[int, Span]]] = {0: [], length: []}
    for cut in cuts:
        if 0 <= cut <= length:
            changes.setdefault(cut, [])
    for span in spans:
        if span.start < length and span.end > 0:
            changes.setdefault(max(span.start, 0), []).append((1, span))
            changes.setdefault(min(span.end, length), []).append((-1, span))
    points = sorted(changes)
    active: set[int] = set()
    own = shared = hidden = 0  # how many active spans are the viewer's, others', others' hidden
    segments = []
    for left, right in zip(points, points[1:], strict=False):
        for step, span in changes[left]:
            if step > 0:
                active.add(span.id)
            else:
                active.discard(span.id)
            if span.own:
                own += step
            else:
                shared += step
                hidden += step if span.hidden else 0
        segments.append(
            Segment(
                left,
                right,
                text[left:right],
                tuple(sorted(active)),
                own > 0,
                shared > 0,
                own == 0 and shared > 0 and hidden == shared,
            )
        )
    return segments


def render_reading_text(
    text: str,
    paragraphs: list[Paragraph],
    spans: list[Span],
    mentions: list[MentionSpan] = (),
    *,
    swap_oob: bool = False,
) -> SafeString:
    """The paragraphs of a document as HTML, highlights painted as <mark>s.

    Each paragraph carries `data-start`, its offset in the text, so the selection script
    can turn a DOM position into a text offset; each mark carries `data-s`, the offset
    where it starts, which is all a click needs to find the highlights under it. An empty
    <span id="h-N"> marks where highlight N first shows, as a target for jump links.
    A glossary mention is a link to its entry (`id="m-START"` on its first piece, for
    links from the entry's page); where a highlight boundary cuts a name, each piece is
    a link of its own.

    `paragraphs` may be a run of the document's paragraphs (after a save, those of the
    changed passage), each then marked to replace its old self (`swap_oob`, htmx); a
    highlight that starts before the run has its jump target there already.
    """
    mentions = sorted(mentions)
    boundaries = [offset for p in paragraphs for offset in (p.start, p.end)]
    boundaries += [offset for m in mentions for offset in (m.start, m.end)]
    ends = {span.id: span.end for span in spans}
    pieces = iter(segment(text, spans, boundaries))
    piece = next(pieces, None)
    upcoming = iter(mentions)
    mention = next(upcoming, None)
    first = paragraphs[0].start if paragraphs and swap_oob else None
    anchored: set[int] = {span.id for span in spans if first is not None and span.start < first}
    oob = ' hx-swap-oob="true"' if swap_oob else ""
    entry_path = _entry_path()
    parts: list[str] = []
    for paragraph in paragraphs:
        tag = "h2" if paragraph.role == "heading" else "p"
        parts.append(
            f'<{tag} id="{paragraph.anchor}" class="para para-{html.escape(paragraph.role)}" '
            f'data-n="{paragraph.number}" data-start="{paragraph.start}"{oob}>'
        )
        while piece is not None and piece.start < paragraph.end:
            while mention is not None and mention.end <= piece.start:
                mention = next(upcoming, None)
            if piece.start >= paragraph.start:  # else it lies between paragraphs
                inside = mention if mention is not None and mention.start <= piece.start else None
                parts.append(_render_piece(piece, anchored, ends, inside, entry_path))
            piece = next(pieces, None)
        parts.append(f"</{tag}>")
    return mark_safe("".join(parts))  # every piece of text was escaped on the way in


def _entry_path() -> tuple[str, str]:
    """An entry page's address before and after its slug: reversed once a rendering, not
    once for each of the hundreds of mentions."""
    before, _, after = reverse("glossary_entry", args=["SLUG"]).partition("SLUG")
    return before, after


_KINDS = {(True, False): "hl-own", (False, True): "hl-shared", (True, True): "hl-own hl-shared"}


def _render_piece(
    piece: Segment,
    anchored: set[int],
    ends: dict[int, int],
    mention: MentionSpan | None,
    entry_path: tuple[str, str],
) -> str:
    body = html.escape(piece.text).replace("\n", "<br>")
    if mention is not None:
        target = f' id="m-{mention.start}"' if mention.start == piece.start else ""
        # Slugs are letters, digits and hyphens (the form and SlugField say so); escaped
        # anyway, so that this HTML never depends on that.
        slug = html.escape(mention.slug)
        body = (
            f'<a class="mention" href="{entry_path[0]}{slug}{entry_path[1]}"{target} '
            f'data-entry="{slug}" aria-describedby="gloss-{slug}">{body}</a>'
        )
    if not piece.highlight_ids:
        return body
    targets = ""
    for span_id in piece.highlight_ids:
        if span_id not in anchored:
            anchored.add(span_id)
            targets += f'<span id="h-{span_id}" data-end="{ends[span_id]}"></span>'
    depth = min(len(piece.highlight_ids), 3)
    kind = _KINDS[piece.own, piece.shared] + (" hl-hidden" if piece.hidden else "")
    return (
        f'{targets}<mark class="hl {kind}" data-s="{piece.start}" data-depth="{depth}">'
        f"{body}</mark>"
    )
