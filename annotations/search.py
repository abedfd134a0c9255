"""Searching highlights with PostgreSQL's full-text search: the search page and the CSV
export ask the same question here (`Search.matching`), so they find the same highlights.

A highlight the viewer may see matches a query when
- its note or passage (its stored `search_vector`), one of its tags, or one of its
  replies the viewer may read (Reply.objects.visible_to) matches the whole query, read
  with websearch_to_tsquery ("a phrase", -without, or) both as English, stemmed
  ("archives" finds "archive"), and as names, unaccented (the korea_names configuration:
  "Stykov" finds "Štykov");
- or the whole query is the name or a full alias of a glossary entry, and the highlight
  is linked to that entry or its passage overlaps one of the entry's mentions: "Kim
  Il-sung" finds "Kim II Sung", and "Kim" where the glossary linked that short form to
  him. Short forms alone ("Kim") name no entry: several share them.

Results mark the matching words: ts_headline marks them with two control characters,
the marks are read back as places in the text (a text that holds one of those
characters itself is shown unmarked), and the text is escaped around <mark> elements
here, so nothing of a note ever reaches the page unescaped.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.core.paginator import Paginator
from django.db.models import (
    BooleanField,
    CharField,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.lookups import IsNull
from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from annotations.models import (
    SEARCH_CONFIGS,
    Alias,
    Document,
    GlossaryEntry,
    Highlight,
    Mention,
    Reply,
    Tag,
    TaggedHighlight,
    text_vector,
)
from annotations.notifications import Badge

RESULTS_PER_PAGE = 20
MARK_START, MARK_END = "\x01", "\x02"
_MARKS = re.compile(f"([{MARK_START}{MARK_END}])")
# The card's limit: a longer passage is shown around its first marked word.
QUOTE_LIMIT = 600
QUOTE_CONTEXT = 150


class NameKey(Func):
    """A name as the glossary compares names: lower case, unaccented, anything but letters
    and digits one space, so that "Kim Il-sung", "kim il sung" and "KIM IL SUNG" agree."""

    template = "btrim(regexp_replace(lower(unaccent(%(expressions)s)), '[^[:alnum:]]+', ' ', 'g'))"
    output_field = CharField()


class Overlaps(Func):
    """Whether the highlight's passage overlaps one of `ranges` (start, end): one test
    against an int4multirange a highlight, however many mentions an entry has."""

    arg_joiner = " && "
    template = "(%(expressions)s)"
    output_field = BooleanField()

    def __init__(self, ranges: list[tuple[int, int]]):
        literal = "{" + ",".join(f"[{start},{end})" for start, end in ranges) + "}"
        super().__init__(
            Func(F("start"), F("end"), function="int4range"),
            Func(Value(literal), template="%(expressions)s::int4multirange"),
        )


def _has(rows: QuerySet) -> Q:
    """Whether the correlated `rows` (one column's values) hold one. Not EXISTS, which
    PostgreSQL would turn into a hash of every matching row of the whole district (52,000
    highlights tagged "Stalin", 80 ms) before looking at the viewer's few thousand: a
    LIMIT keeps it to one index probe a highlight (18 ms for 3,600)."""
    return Q(IsNull(Subquery(rows[:1]), False))


def _merged(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


@dataclass(frozen=True)
class Search:
    """A query, with what it names: the glossary entries it is the name of, where those
    are mentioned ({(document, revision): [(start, end)]}), and the tags it matches."""

    text: str
    entries: frozenset[int] = frozenset()
    mentions: dict = field(default_factory=dict)
    tags: frozenset[int] = frozenset()
    # What `answers` found, by viewer (not part of the query's identity).
    _answers: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, text: str) -> "Search":
        """The query `text`, looked up in the glossary and the tags (two or three queries)."""
        key = NameKey(Value(text))
        aliases = Alias.objects.filter(is_short=False).annotate(key=NameKey("text"))
        entries = frozenset(
            GlossaryEntry.objects.annotate(key=NameKey("name"))
            .filter(Q(key=key) | Q(pk__in=aliases.filter(key=key).values("entry")))
            .values_list("pk", flat=True)
        )
        mentions = defaultdict(list)
        if entries:
            places = Mention.objects.filter(entry__in=entries).order_by()
            for document, revision, start, end in places.values_list(
                "document", "revision", "start", "end"
            ):
                mentions[document, revision].append((start, end))
        tags = Tag.objects.alias(vector=text_vector(("name", None))).filter(
            vector=cls.query_for(text)
        )
        return cls(
            text,
            entries,
            {place: _merged(ranges) for place, ranges in mentions.items()},
            frozenset(tags.values_list("pk", flat=True)),
        )

    @staticmethod
    def query_for(text: str) -> SearchQuery:
        english, names = (
            SearchQuery(text, config=config, search_type="websearch") for config in SEARCH_CONFIGS
        )
        return english | names

    @cached_property
    def query(self) -> SearchQuery:
        return self.query_for(self.text)

    def matching(self, highlights: QuerySet, viewer=None, lookups=None) -> QuerySet:
        """Those of `highlights` (ones `viewer` may see) the query finds; replies count
        only where `viewer` may read them (all replies with no viewer: a backup by
        export_annotations). `lookups`: the viewer's models.Viewer, when the caller has it."""
        # Few replies match (their GIN index says which): as a list of ids, PostgreSQL
        # may join them to the highlights' GIN index (BitmapOr), which a subquery
        # prevents. Many highlights may carry a matching tag or link: those are asked
        # highlight by highlight.
        answered = self.answers(viewer, lookups, among=highlights)
        # PostgreSQL tries these in this order: the cheap tests first.
        found = Q(search_vector=self.query) | Q(pk__in=sorted(answered))
        for (document, revision), ranges in self.mentions.items():
            found |= Q(Overlaps(ranges), document=document, revision=revision)
        if self.tags:
            tagged = TaggedHighlight.objects.filter(content_object=OuterRef("pk"))
            found |= _has(tagged.filter(tag__in=self.tags).values("content_object"))
        if self.entries:
            links = Highlight.glossary_entries.through.objects.filter(highlight=OuterRef("pk"))
            found |= _has(links.filter(glossaryentry__in=self.entries).values("highlight"))
        return highlights.filter(found)

    def answers(self, viewer=None, lookups=None, among=None) -> dict[int, list[int]]:
        """The replies the query matches that `viewer` may read (all replies with no
        viewer), their ids by highlight: asked once a viewer, for the search and again
        for its page's marked replies. `among`: the highlights searched, which the
        viewer sees (the replies on those, without asking the highlights' rules again);
        without it, what was found among the last ones asked, or on any they see."""
        key = viewer.pk if viewer else None
        asked = self._answers.get(key)
        if asked is None or (among is not None and asked[0] is not among):
            replies = (
                Reply.objects.visible_to(viewer, lookups, on=among)
                if viewer
                else Reply.objects.all()
            )
            replies = replies.alias(vector=text_vector(("text", None))).filter(vector=self.query)
            found = defaultdict(list)
            for pk, highlight in replies.order_by().values_list("pk", "highlight"):
                found[highlight].append(pk)
            asked = self._answers[key] = (among, found)
        return asked[1]

    def ranked(self, highlights: QuerySet) -> QuerySet:
        """Best first: words in the note before words in the passage, then the newest."""
        rank = SearchRank(F("search_vector"), self.query)
        return highlights.annotate(rank=rank).order_by("-rank", "-created", "-pk")

    def headlines(self, name: str) -> dict:
        """Annotations marking the query's words in the text field `name`, by each
        configuration (a word may match as English, as a name, or both)."""
        return {
            f"{name}_{config}": SearchHeadline(
                name,
                SearchQuery(self.text, config=config, search_type="websearch"),
                config=config,
                start_sel=MARK_START,
                stop_sel=MARK_END,
                highlight_all=True,
            )
            for config in SEARCH_CONFIGS
        }

    def marks(self, row, name: str) -> list[tuple[int, int]]:
        """Where the headlines of `name` on `row` mark its text."""
        text = getattr(row, name)
        return [
            place
            for config in SEARCH_CONFIGS
            for place in marked_places(getattr(row, f"{name}_{config}"), text)
        ]

    def mentioned_in(self, highlight: Highlight) -> list[tuple[int, int]]:
        """The entries' mentions inside the highlight's passage, as places in its quote."""
        first, last = highlight.start, highlight.end
        ranges = self.mentions.get((highlight.document_id, highlight.revision), [])
        return [
            (max(start, first) - first, min(end, last) - first)
            for start, end in ranges
            if start < last and end > first
        ]


def marked_places(headline: str, text: str) -> list[tuple[int, int]]:
    """The places ts_headline marked in `text`; none if the headline is not exactly the
    text with marks (a text holding a mark character itself is shown unmarked)."""
    places, plain, at, opened = [], [], 0, None
    for part in _MARKS.split(headline):
        if part == MARK_START:
            opened = at
        elif part == MARK_END and opened is not None:
            places.append((opened, at))
            opened = None
        else:
            plain.append(part)
            at += len(part)
    return places if "".join(plain) == text else []


def marked_html(text: str, places: list[tuple[int, int]], limit: int | None = None) -> SafeString:
    """`text`, escaped, line breaks as <br>, each place in <mark>; longer than `limit`,
    only a window of it around the first place, with an ellipsis where it is cut."""
    places = _merged([(start, end) for start, end in places if start < end])
    first, last = 0, len(text)
    if limit and len(text) > limit:
        first = max(0, (places[0][0] if places else 0) - QUOTE_CONTEXT)
        last = min(len(text), first + limit)
    parts, at = ["…" if first else ""], first
    for start, end in places:
        start, end = max(start, at), min(end, last)
        if start >= end:
            continue
        parts += [linebreaksbr(text[at:start]), "<mark>", linebreaksbr(text[start:end]), "</mark>"]
        at = end
    parts += [linebreaksbr(text[at:last]), "…" if last < len(text) else ""]
    return mark_safe("".join(parts))  # noqa: S308 (every piece of the text is escaped)


@dataclass
class Result:
    highlight: Highlight
    document: Document
    quote: SafeString
    note: SafeString
    tags: list[tuple[Tag, bool, str]]  # each tag, whether the query matched it, its page
    replies: list[tuple[Reply, SafeString]]  # the replies that matched, marked

    @cached_property
    def paragraph(self) -> int | None:
        return self.document.paragraph_number_at(self.highlight.start)

    @property
    def url(self) -> str:
        """The highlight's place in the reading view, as its card's "Show in the text"."""
        highlight = self.highlight
        if highlight.assignment_id:
            args = [highlight.assignment_id, self.document.slug]
            path = reverse("assignment_document", args=args)
        else:
            path = self.document.get_absolute_url() + "?outside=1"
        return f"{path}#{highlight.anchor}"


def results(ids: list[int], search: Search | None, viewer, lookups=None) -> list[Result]:
    """The page's highlights, in the order of `ids`, with the query's words marked (a
    fixed number of queries, whatever the page holds)."""
    rows = Highlight.objects.filter(pk__in=ids).select_related("owner").with_hidden_for(viewer)
    replies: dict[int, list] = defaultdict(list)
    if search is not None:
        rows = rows.annotate(**search.headlines("exact"), **search.headlines("note"))
        # The replies the search found the viewer may read, on this page's highlights.
        answers = search.answers(viewer, lookups)
        matched = (
            Reply.objects.filter(
                pk__in=[pk for highlight in ids for pk in answers.get(highlight, [])]
            )
            .annotate(**search.headlines("text"))
            .select_related("author")
            .order_by("created", "pk")
        )
        for reply in matched:
            text = marked_html(reply.text, search.marks(reply, "text"))
            replies[reply.highlight_id].append((reply, text))
    by_id = {row.pk: row for row in rows}
    documents = Document.objects.only("pk", "slug", "title", "text", "paragraph_roles").in_bulk(
        {row.document_id for row in by_id.values()}
    )
    tags = _tags_of(ids)
    return [
        _result(by_id[pk], documents[by_id[pk].document_id], search, replies[pk], tags[pk])
        for pk in ids
    ]


def _tags_of(ids: list[int]) -> dict[int, list[Tag]]:
    """The tags of each of these highlights, each with its page (`url`): one query of
    three columns (taggit's prefetch of the same rows costs several milliseconds)."""
    tags: dict[int, list[Tag]] = defaultdict(list)
    rows = TaggedHighlight.objects.filter(content_object__in=ids).values_list(
        "content_object", "tag", "tag__name", "tag__slug"
    )
    pages: dict[str, str] = {}  # each tag's page, the same tag on many cards
    for highlight, pk, name, slug in rows:
        tag = Tag(pk=pk, name=name, slug=slug)
        if slug not in pages:
            pages[slug] = reverse("tag", args=[slug])
        tag.url = pages[slug]
        tags[highlight].append(tag)
    return tags


def _result(
    highlight: Highlight, document: Document, search: Search | None, replies, tags: list[Tag]
) -> Result:
    highlight.document = document
    tags = sorted(tags, key=lambda tag: tag.name.lower())
    if search is None:
        quote_marks, note_marks, matched_tags = [], [], frozenset()
    else:
        quote_marks = search.marks(highlight, "exact") + search.mentioned_in(highlight)
        note_marks, matched_tags = search.marks(highlight, "note"), search.tags
    return Result(
        highlight=highlight,
        document=document,
        quote=marked_html(highlight.exact, quote_marks, QUOTE_LIMIT),
        note=marked_html(highlight.note, note_marks),
        tags=[(tag, tag.pk in matched_tags, tag.url) for tag in tags],
        replies=replies,
    )


def search_page(form) -> dict:
    """The search page's context for a bound SearchForm: its results when it asks for
    something, a page of them (`page`), with the query string that keeps the search."""
    # The header's badge reads the request's lookups, which the form looked up already.
    context = {
        "form": form,
        "searched": False,
        "filtered": False,
        "notifications": Badge(form.request, form.highlights),
    }
    if not form.is_valid() or not form.asks_something():
        return context
    context["filtered"] = any(
        value for name, value in form.cleaned_data.items() if name not in ("q", "page")
    )
    found = form.apply(form.highlights, viewer=form.user, lookups=form.lookups)
    search = form.search
    ordered = search.ranked(found) if search else found.order_by("-created", "-pk")
    # Every match's id in one query, counted and paged here: a COUNT and a page would
    # each search again. The viewer's classes bound how many there are.
    paginator = Paginator(list(ordered.values_list("pk", flat=True)), RESULTS_PER_PAGE)
    page = paginator.get_page(form.cleaned_data["page"])
    context.update(
        searched=True,
        page=page,
        results=results(list(page), search, form.user, form.lookups),
        query=form.query_string(),
    )
    return context
