"""Shared fixtures: the three documents, and people as plain ORM rows.

The cast follows the classroom: a teacher, a student and a classmate (one class, once
classes exist), and an outsider who belongs to none of it.
"""

import uuid

import pytest
from django.contrib.auth import get_user_model

from annotations.anchoring import quote_at
from annotations.loading import load_documents, load_glossary
from annotations.models import Classroom, Document, GlossaryEntry, Highlight, Membership
from annotations.teachers import make_teacher

PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The production hasher is deliberately slow (about 0.3 s a user); tests make many.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def documents(db) -> dict[str, Document]:
    load_documents()
    return {document.slug: document for document in Document.objects.all()}


@pytest.fixture
def glossary(documents):
    """The whole glossary, with its mentions in the three documents."""
    load_glossary()
    return {entry.slug: entry for entry in GlossaryEntry.objects.all()}


@pytest.fixture
def document(documents) -> Document:
    return documents["stalin-and-korean-war"]


def make_user(username: str, first_name: str, last_name: str):
    return get_user_model().objects.create_user(
        username, password=PASSWORD, first_name=first_name, last_name=last_name
    )


@pytest.fixture
def teacher(db):
    user = make_user("teacher", "Grace", "Park")
    make_teacher(user)
    return user


@pytest.fixture
def student(db):
    return make_user("student", "Min-jun", "Kim")


@pytest.fixture
def classmate(db):
    return make_user("classmate", "Sofia", "Alvarez")


@pytest.fixture
def outsider(db):
    return make_user("outsider", "Olive", "Outsider")


@pytest.fixture
def classroom(teacher, student, classmate):
    """History 101: the teacher, the student and the classmate. The outsider is not in it."""
    classroom = Classroom.objects.create(name="History 101")
    Membership.objects.create(classroom=classroom, user=teacher, role=Membership.Role.TEACHER)
    Membership.objects.create(classroom=classroom, user=student, role=Membership.Role.STUDENT)
    Membership.objects.create(classroom=classroom, user=classmate, role=Membership.Role.STUDENT)
    return classroom


@pytest.fixture
def other_teacher(db):
    user = make_user("other_teacher", "Hana", "Choi")
    make_teacher(user)
    return user


@pytest.fixture
def other_student(db):
    return make_user("other_student", "Jun", "Seo")


@pytest.fixture
def other_classroom(other_teacher, other_student):
    """History 102: another teacher's class, with a student of its own."""
    classroom = Classroom.objects.create(name="History 102")
    Membership.objects.create(classroom=classroom, user=other_teacher, role="teacher")
    Membership.objects.create(classroom=classroom, user=other_student, role="student")
    return classroom


def selection(document, phrase: str = "Stalin was hardly surprised.", **changes) -> dict:
    """What the editor posts for the first occurrence of `phrase`, with `changes` on top."""
    start = document.text.index(phrase)
    end = start + len(phrase)
    data = {
        "start": start,
        "end": end,
        "exact": phrase,
        "prefix": document.text[max(0, start - 32) : start],
        "suffix": document.text[end : end + 32],
        "revision": document.revision,
        "note": "",
        "tags": "",
        "visibility": "private",
        "client_key": str(uuid.uuid4()),
    }
    data.update(changes)
    return data


@pytest.fixture
def make_highlight(document):
    """Create a highlight on `phrase` (its first occurrence) with plain ORM calls."""

    def make(owner, phrase: str, *, doc=None, note="", tags=(), visibility="private"):
        doc = doc or document
        start = doc.text.index(phrase)
        placed = quote_at(doc.text, start, start + len(phrase))
        highlight = Highlight.placed(
            placed, owner=owner, document=doc, note=note, visibility=visibility
        )
        highlight.save()
        highlight.tags.set(list(tags))
        return highlight

    return make
