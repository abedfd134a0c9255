"""Shared fixtures: the three documents, and people as plain ORM rows.

The cast follows the classroom: a teacher, a student and a classmate (one class, once
classes exist), and an outsider who belongs to none of it.
"""

import pytest
from django.contrib.auth import get_user_model

from annotations.loading import load_documents
from annotations.models import Document

PASSWORD = "correct-horse-battery"


@pytest.fixture
def documents(db) -> dict[str, Document]:
    load_documents()
    return {document.slug: document for document in Document.objects.all()}


@pytest.fixture
def document(documents) -> Document:
    return documents["stalin-and-korean-war"]


def make_user(username: str, first_name: str, last_name: str):
    return get_user_model().objects.create_user(
        username, password=PASSWORD, first_name=first_name, last_name=last_name
    )


@pytest.fixture
def teacher(db):
    return make_user("teacher", "Grace", "Park")


@pytest.fixture
def student(db):
    return make_user("student", "Min-jun", "Kim")


@pytest.fixture
def classmate(db):
    return make_user("classmate", "Sofia", "Alvarez")


@pytest.fixture
def outsider(db):
    return make_user("outsider", "Olive", "Outsider")
