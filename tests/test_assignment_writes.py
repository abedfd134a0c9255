"""Setting an assignment is one write: the assignment, its articles and its entries."""

import datetime

import pytest
from django.db import IntegrityError
from django.utils import timezone

from annotations.models import Assignment, Document
from annotations.writes import create_assignment


def _fields(**changes) -> dict:
    fields = {
        "title": "Read the telegrams",
        "instructions": "",
        "due": timezone.now() + datetime.timedelta(days=7),
        "min_highlights": 3,
        "suggested_tags": ["cold war"],
        "visibility": Assignment.Visibility.CLASS,
    }
    return fields | changes


def test_it_saves_the_assignment_with_its_articles_and_entries(classroom, documents, glossary):
    articles = list(Document.objects.in_library_order()[:2])
    assignment = create_assignment(
        classroom=classroom,
        documents=articles,
        required_entries=[glossary["joseph-stalin"]],
        **_fields(),
    )
    assignment.refresh_from_db()
    assert list(assignment.documents.order_by("position")) == articles
    assert list(assignment.required_entries.all()) == [glossary["joseph-stalin"]]
    assert assignment.classroom == classroom


@pytest.mark.django_db(transaction=True)
def test_it_leaves_no_assignment_when_saving_its_articles_fails(classroom, documents):
    # An article removed between the form's check and the write: its link cannot be saved.
    removed = documents["stalin-and-korean-war"]
    Document.objects.filter(pk=removed.pk).delete()
    with pytest.raises(IntegrityError):
        create_assignment(classroom=classroom, documents=[removed], **_fields())
    assert not Assignment.objects.exists()
