from functools import cached_property

from django.db import models
from django.db.models import Q
from django.urls import reverse

from annotations.paragraphs import Paragraph, split_paragraphs


class DocumentQuerySet(models.QuerySet):
    def in_library_order(self):
        return self.order_by("position", "title")


class Document(models.Model):
    """One of the articles, its text stored verbatim (typos are the historical record)."""

    PARAGRAPH_ROLES = ("body", "heading", "furniture")

    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=300)
    author = models.CharField(max_length=200, blank=True)
    publication = models.CharField(max_length=200, blank=True)
    date_given = models.CharField(
        "date as given", max_length=100, blank=True, help_text="Exactly as the source gives it."
    )
    citation = models.TextField(blank=True)
    source_note = models.TextField(blank=True, help_text="What the source does not say.")
    position = models.PositiveSmallIntegerField(default=0, help_text="Order in the library.")
    text = models.TextField(help_text="The source text, verbatim, with \\n line endings.")
    revision = models.PositiveIntegerField(default=1, help_text="Goes up when the text changes.")
    paragraph_roles = models.JSONField(
        default=dict,
        blank=True,
        help_text='Paragraph text to role: "heading" or "furniture" (captions, page links).',
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["position", "title"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="document_text_not_empty"),
            models.CheckConstraint(condition=Q(revision__gte=1), name="document_revision_positive"),
            models.CheckConstraint(
                condition=~Q(text__contains="\r"), name="document_text_newlines_normalised"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("document", args=[self.slug])

    @cached_property
    def paragraphs(self) -> list[Paragraph]:
        return split_paragraphs(self.text, self.paragraph_roles)

    @property
    def word_count(self) -> int:
        return len(self.text.split())
