"""The glossary: its index and each entry's page."""

from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.http import urlencode
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from annotations.access import can_curate_glossary, get_entry
from annotations.entries import concordance, index_groups, mentioned_alongside, readable_date
from annotations.models import Document, GlossaryEntry, Highlight, TaggedHighlight
from annotations.moderation import with_threads
from annotations.pages import HIGHLIGHTS_PER_PAGE  # an entry like Stalin's gathers hundreds
from annotations.query_forms import GlossarySearchForm


@require_safe
@vary_on_headers("HX-Request")
def glossary_index(request: HttpRequest) -> TemplateResponse:
    """Every entry grouped by kind, with its mentions counted per article."""
    search = GlossarySearchForm(request.GET)
    search.is_valid()  # a kind this glossary does not have is left out, never an error
    query, kinds = search.cleaned_data["q"], search.cleaned_data["kind"]
    entries = GlossaryEntry.objects.search(query)
    if kinds:
        entries = entries.filter(kind__in=kinds)
    documents = list(Document.objects.in_library_order().only("slug", "title"))
    groups = index_groups(entries, documents)
    template = "annotations/glossary_index.html"
    if request.htmx:
        template += "#results"
    context = {
        "groups": groups,
        "documents": documents,
        "query": query,
        "kinds": kinds,
        "kind_choices": GlossaryEntry.Kind.choices,
        "found": sum(len(group["rows"]) for group in groups),
        "can_curate": can_curate_glossary(request.user),
    }
    return TemplateResponse(request, template, context)


@require_safe
def glossary_entry(request: HttpRequest, slug: str) -> TemplateResponse:
    entry = get_entry(slug)
    mentions = entry.mentions.in_reading_order()
    highlights = Highlight.objects.visible_to(request.user).filter(glossary_entries=entry)
    listing = (
        highlights.for_listing()
        # The cards need each article's title and link, not its whole text on every row.
        .defer("document__text")
        .with_hidden_for(request.user)
        .with_marks_for(request.user)
    )
    page = Paginator(listing, HIGHLIGHTS_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = with_threads(request.user, page.object_list)
    tags = (
        TaggedHighlight.objects.filter(content_object__in=highlights)
        .values("tag__name", "tag__slug")
        .annotate(uses=Count("id"))
        .order_by("-uses", "tag__name")
    )
    context = {
        "entry": entry,
        "life": {"born": readable_date(entry.born), "died": readable_date(entry.died)},
        "concordance": concordance(mentions),
        "page": page,
        "tags": tags,
        "neighbours": mentioned_alongside(entry, mentions),
        "can_curate": can_curate_glossary(request.user),
        "export_query": urlencode({"entry": entry.slug}),
    }
    return TemplateResponse(request, "annotations/glossary_entry.html", context)
