"""Writes that touch several models, each in one transaction."""

import uuid

from django.db import IntegrityError, transaction

from annotations.anchoring import Anchor
from annotations.models import Document, Highlight


@transaction.atomic
def create_highlight(
    *,
    owner,
    document: Document,
    anchor: Anchor,
    note: str = "",
    tags: list[str] = (),
    visibility: str = Highlight.Visibility.PRIVATE,
    client_key: uuid.UUID | None = None,
) -> tuple[Highlight, bool]:
    """Create a highlight, or return the one this client key created already.

    Returns (highlight, created). A browser retrying a request it never saw answered
    sends the same key, and gets the first highlight back instead of a duplicate.
    """
    if client_key is not None:
        existing = Highlight.objects.filter(owner=owner, client_key=client_key).first()
        if existing is not None:
            return existing, False
    try:
        with transaction.atomic():
            highlight = Highlight.objects.create(
                owner=owner,
                document=document,
                revision=document.revision,
                start=anchor.start,
                end=anchor.end,
                exact=anchor.exact,
                prefix=anchor.prefix,
                suffix=anchor.suffix,
                note=note,
                visibility=visibility,
                client_key=client_key or uuid.uuid4(),
            )
    except IntegrityError:
        if client_key is None:
            raise
        # The same key won a race with us a moment ago.
        return Highlight.objects.get(owner=owner, client_key=client_key), False
    highlight.tags.set(list(tags))
    return highlight, True


@transaction.atomic
def update_highlight(*, highlight: Highlight, note: str, tags: list[str], visibility: str) -> None:
    highlight.note = note
    highlight.visibility = visibility
    highlight.save(update_fields=["note", "visibility", "updated"])
    highlight.tags.set(list(tags))


@transaction.atomic
def delete_highlight(*, highlight: Highlight) -> None:
    highlight.delete()
