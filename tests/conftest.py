"""Shared fixtures: the three documents, and people as plain ORM rows.

The cast follows the classroom: a teacher, a student and a classmate (one class, once
classes exist), and an outsider who belongs to none of it.
"""

from types import SimpleNamespace

import pytest

from annotations import throttles
from annotations.loading import load_documents, load_glossary
from annotations.models import Assignment, Document, GlossaryEntry
from annotations.teachers import make_teacher
from tests.helpers import (
    add_assignment,
    add_class,
    add_highlight,
    make_user,
)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The production hasher is deliberately slow (about 0.3 s a user); tests make many.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def still_rate_limit_clock(monkeypatch):
    """The throttles count in fixed windows that end at a second set by each key; one
    that ended between a test's two requests let the second through (CI saw it once).
    Their clock stands still for the test, so a count is never cut in two."""
    now = throttles.time.time()
    monkeypatch.setattr(throttles, "time", SimpleNamespace(time=lambda: now))


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
    return add_class("History 101", teacher, student, classmate)


@pytest.fixture
def other_teacher(db):
    user = make_user("other_teacher", "Hana", "Choi")
    make_teacher(user)
    return user


@pytest.fixture
def staff(db):
    """Staff: the admin, requests to teach, learning platforms."""
    user = make_user("staff", "Sam", "Staff")
    user.is_staff = True
    user.save()
    return user


@pytest.fixture
def other_student(db):
    return make_user("other_student", "Jun", "Seo")


@pytest.fixture
def other_classroom(other_teacher, other_student):
    """History 102: another teacher's class, with a student of its own."""
    return add_class("History 102", other_teacher, other_student)


@pytest.fixture
def make_highlight(document):
    """Create a highlight on `phrase` (its first occurrence) with plain ORM calls; `fields`
    (an assignment, say) as they are given."""

    def make(owner, phrase: str, *, doc=None, note="", tags=(), visibility="private", **fields):
        return add_highlight(
            owner, doc or document, phrase, note=note, tags=tags, visibility=visibility, **fields
        )

    return make


@pytest.fixture
def make_assignment(db):
    """Create an assignment with plain ORM calls (tests.helpers.add_assignment)."""
    return add_assignment


@pytest.fixture
def assignment(classroom, documents, make_assignment):
    """History 101's assignment over two articles; classmates see what is shared."""
    return make_assignment(
        classroom,
        documents=[documents["stalin-and-korean-war"], documents["stalins-hot-war"]],
        min_highlights=2,
        suggested_tags=["evidence", "motive"],
        visibility=Assignment.Visibility.CLASS,
    )


@pytest.fixture
def lti_platform(db):
    """An LMS on 127.0.0.1 (tests/lti_platform.py), registered with Korea Reader (one
    active deployment), with our key pair made; stopped after the test."""
    from tests.lti_platform import Platform

    platform = Platform(launch_url="http://testserver/lti/launch/").start()
    platform.register_with_tool()
    yield platform
    platform.stop()
