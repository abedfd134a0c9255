"""Who may do what, for every URL: a permission matrix checked against the URL configuration.

Every named URL outside the admin needs an entry in ENTRIES: how to build its arguments
from a shared world of objects, the methods to try, and what each of seven roles gets.
A URL without an entry, or an entry without a URL, fails `test_it_has_an_entry_for_each_url`.
The admin is one group (`test_it_lets_only_staff_into_the_admin`); the methods other than
GET and POST, and POSTs without the CSRF token, have a test each. Every response is also
searched for what the role may not be shown (SECRETS), and every request for what it
changed (`snapshot`): an allowed POST must change what it is for, anything else nothing.

The rules (annotations/access.py): 404 to whoever may not see the object, 403 to whoever
may see it but not change it, the login page to anonymous visitors wherever an account is
needed. Staff is an outsider to every class; like a teacher of any class, it may keep the
glossary and correct the articles' text (access.can_curate_glossary).
"""

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLResolver, get_resolver, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.text import slugify
from lti_tool.models import LtiDeployment, LtiRegistration

from annotations.live import poll_key
from annotations.loading import load_documents
from annotations.lti.models import ClassLink, GradeSend
from annotations.lti.registrations import register_platform
from annotations.models import (
    AccessToken,
    Account,
    Alias,
    Assignment,
    ClassHide,
    Classroom,
    Document,
    GlossaryEntry,
    Highlight,
    HighlightMark,
    LogInLock,
    Membership,
    Notification,
    Reply,
    Tag,
    TaggedHighlight,
    TeacherRequest,
)
from annotations.teachers import make_teacher
from annotations.tokens import create_token
from tests.helpers import (
    MOODLE,
    PASSWORD,
    add_assignment,
    add_class,
    add_highlight,
    link_to_lms,
    make_user,
    selection,
)

ROLES = ("anonymous", "owner", "classmate", "other_student", "teacher", "other_teacher", "staff")
LOGIN = "login"  # a redirect to the login page
UNCHANGED = "302, nothing to change"  # allowed, and there was nothing to change
NEW_PASSWORD = "seoul-pusan-1950-armistice"
CLASS_NAME = "History 101"
SHARED_NOTE = "A note shared with the class"
PRIVATE_NOTE = "A note for the owner alone"
PRIVATE_TAG = "kept-to-myself"
REPLY = "A reply from the teacher"
CLASSMATE_REPLY = "A classmate's reply in the thread"
TOKEN_NAME = "The owner's reading script"
# What only some roles may be shown, whatever the page.
SECRETS = {
    SHARED_NOTE: {"owner", "classmate", "teacher"},
    PRIVATE_NOTE: {"owner"},
    PRIVATE_TAG: {"owner"},
    REPLY: {"owner", "teacher"},  # made before replies had a class: its writer and author
    CLASSMATE_REPLY: {"owner", "classmate", "teacher"},
    CLASS_NAME: {"owner", "classmate", "teacher"},
    TOKEN_NAME: {"owner"},
}
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # as tests/conftest.py


def build_world() -> SimpleNamespace:
    """History 101 (the teacher, the owner, the classmate), History 102 (the other teacher
    and student), staff in no class; the owner's highlight shared with the class in an
    assignment, and a private one."""
    load_documents()
    document = Document.objects.get(slug="stalin-and-korean-war")
    people = {
        "owner": make_user("student", "Min-jun", "Kim"),
        "classmate": make_user("classmate", "Sofia", "Alvarez"),
        "other_student": make_user("other_student", "Jun", "Seo"),
        "teacher": make_user("teacher", "Grace", "Park"),
        "other_teacher": make_user("other_teacher", "Hana", "Choi"),
        "staff": make_user("staff", "Sam", "Staff"),
    }
    owner = people["owner"]
    owner.email = "student@example.org"
    owner.save()
    people["staff"].is_staff = True
    people["staff"].save()
    make_teacher(people["teacher"])
    make_teacher(people["other_teacher"])
    classroom = add_class(CLASS_NAME, people["teacher"], owner, people["classmate"])
    add_class("History 102", people["other_teacher"], people["other_student"])
    # For joining: a class none of the roles is in.
    open_class = add_class("History 103", make_user("outsider", "Olive", "Outsider"))
    stalin = GlossaryEntry.objects.create(
        kind="person", name="Joseph Stalin", slug="joseph-stalin", summary="Soviet leader."
    )
    Alias.objects.create(entry=stalin, text="Stalin")
    kim = GlossaryEntry.objects.create(
        kind="person", name="Kim Il-sung", slug="kim-il-sung", summary="North Korean leader."
    )
    assignment = add_assignment(
        classroom,
        title="Stalin and the war",
        documents=[document],
        min_highlights=1,
        visibility=Assignment.Visibility.CLASS,
    )
    shared = add_highlight(
        owner,
        document,
        "Stalin was hardly surprised.",
        note=SHARED_NOTE,
        tags=["evidence"],
        visibility="class",
        assignment=assignment,
    )
    shared.glossary_entries.set([stalin])
    Reply.objects.create(highlight=shared, author=people["teacher"], text=REPLY)
    classmates_reply = Reply.objects.create(
        highlight=shared, author=people["classmate"], text=CLASSMATE_REPLY, classroom=classroom
    )
    # Waiting for staff: someone outside every class asks to teach.
    asker = make_user("asker", "Ada", "Asker")
    teacher_request = TeacherRequest.objects.create(user=asker, school="Seoul High")
    private = add_highlight(
        owner, document, "Kim Il-sung had reported", note=PRIVATE_NOTE, tags=[PRIVATE_TAG]
    )
    # Locked out of logging in by a guesser (annotations/log_in_locks.py), for the unlock.
    LogInLock.objects.create(
        username=owner.username, password_fingerprint=owner.get_session_auth_hash()
    )
    # The owner's personal access token, for tools (annotations/tokens.py).
    token, _ = create_token(owner=owner, name=TOKEN_NAME, scope="read", days=30)
    return SimpleNamespace(
        people=people,
        owner=owner,
        token=token,
        document=document,
        classroom=classroom,
        open_class=open_class,
        teacher_request=teacher_request,
        assignment=assignment,
        shared=shared,
        classmates_reply=classmates_reply,
        private=private,
        stalin=stalin,
        kim=kim,
    )


@pytest.fixture(scope="module")
def built_world(django_db_setup, django_db_blocker):
    """The world, built once for this file in a transaction rolled back at its end.

    Each test runs in a savepoint inside it (pytest-django's `db`), so what a test
    changes is undone before the next; building it per test would double the file's time.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
            world = build_world()
        yield world
        transaction.set_rollback(True)


@pytest.fixture
def world(db, built_world) -> SimpleNamespace:
    # A copy for each test: logging in and the views change the instances they are given.
    return copy.deepcopy(built_world)


def snapshot(client) -> dict:
    """The rows the views change, by kind, and who the client is logged in as."""
    return {
        "documents": sorted(Document.objects.values_list("pk", "revision")),
        "classes": sorted(
            Classroom.objects.values_list("pk", "name", "join_code", "join_enabled", "archived")
        ),
        "memberships": sorted(Membership.objects.values_list("classroom", "user", "role")),
        "assignments": sorted(Assignment.objects.values_list("pk", "classroom", "title")),
        "highlights": sorted(
            Highlight.objects.values_list("pk", "note", "visibility", "assignment")
        ),
        "hides": sorted(ClassHide.objects.values_list("highlight", "classroom")),
        "replies": sorted(Reply.objects.values_list("pk", "text")),
        "marks": sorted(HighlightMark.objects.values_list("highlight", "person", "kind")),
        "answers": sorted(Reply.objects.filter(is_answer=True).values_list("pk", flat=True)),
        "notifications": sorted(Notification.objects.values_list("recipient", "reply", "read")),
        "tags": sorted(
            [
                *TaggedHighlight.objects.values_list("content_object", "tag__name"),
                *Classroom.objects.values_list("pk", "suggested_tags"),
            ],
            key=str,
        ),
        "glossary": sorted(GlossaryEntry.objects.values_list("pk", "name", "summary")),
        "passwords": sorted(get_user_model().objects.values_list("pk", "password")),
        "requests": sorted(TeacherRequest.objects.values_list("pk", "user", "decision")),
        "time_zones": sorted(Account.objects.values_list("user", "time_zone")),
        "log_in_locks": sorted(LogInLock.objects.values_list("username", flat=True)),
        "tokens": sorted(AccessToken.objects.values_list("pk", "owner", "name", "revoked")),
        "mail": len(mail.outbox),
        "session": client.session.get("_auth_user_id"),
        "rosters": sorted(
            ClassLink.objects.values_list("classroom", "roster_synced", "roster_failed")
        ),
        "grades": sorted(GradeSend.objects.values_list("student", "state", "score", "timestamp")),
        "lti": sorted(
            [
                *LtiRegistration.objects.values_list("issuer", "client_id", "is_active"),
                *LtiDeployment.objects.values_list("deployment_id", "registration", "is_active"),
            ]
        ),
    }


@dataclass(frozen=True)
class Entry:
    """One URL name (and, optionally, one variant of its query) and what each role gets.

    `get` and `post` give the expected outcome per role, in the order of ROLES; `changes`
    names the part of the snapshot an allowed POST must change.
    """

    name: str
    kwargs: Callable = lambda w: {}
    get: tuple | None = None
    post: tuple | None = None
    query: Callable = lambda w: {}
    data: Callable = lambda w: {}
    changes: str = ""
    variant: str = ""
    content_type: str = ""  # a POST's body as this type (JSON), not a form

    def __post_init__(self):
        for expected in (self.get, self.post):
            assert expected is None or len(expected) == len(ROLES), self.name
        assert self.post is None or self.changes, f"{self.name}: what does a POST change?"

    @property
    def id(self) -> str:
        return f"{self.name}{self.variant}"


def anchored(w) -> dict:
    fields = ("start", "end", "exact", "prefix", "suffix", "revision")
    return {key: value for key, value in selection(w.document).items() if key in fields}


def entry_form(**changes) -> dict:
    data = {
        "kind": "place",
        "name": "Incheon",
        "slug": "",
        "summary": "A port west of Seoul.",
        "aliases": "Incheon",
        "short_forms": "",
        "other_names": "",
    }
    return {**data, **changes}


def correction(w) -> dict:
    last = w.document.paragraphs[-1]
    return {"paragraph": last.number, "text": last.text + " [sic]", "note": "A typo."}


def assignment_form(w) -> dict:
    return {
        "title": "Incheon",
        "documents": [w.document.pk],
        "due": "2031-05-01T09:00",
        "min_highlights": "3",
        "visibility": "class",
    }


def reset_link(w) -> dict:
    # As the database has it now: logging in changes the token (it hashes last_login).
    owner = get_user_model().objects.get(pk=w.owner.pk)
    return {
        "uidb64": urlsafe_base64_encode(force_bytes(owner.pk)),
        "token": default_token_generator.make_token(owner),
    }


PLATFORM = MOODLE


def platform_pk(w) -> dict:
    """A registered learning platform (made here, in the test's savepoint)."""
    registration, _ = register_platform(**PLATFORM)
    return {"pk": registration.pk}


def lms_class_pk(w) -> dict:
    """History 101 as an LMS course's class, whose LMS cannot be reached (port 9): a sync
    by its teacher is let through, and notes the failure (tests/test_lti_roster.py syncs)."""
    from lti_tool.models import Key, LtiContext

    Key.objects.generate()
    registration, _ = register_platform(**PLATFORM)
    registration.token_url = "http://127.0.0.1:9/token"
    registration.save()
    context = LtiContext.objects.create(
        deployment=registration.deployments.get(),
        id_on_platform="course-1",
        memberships_url="http://127.0.0.1:9/nrps",
    )
    ClassLink.objects.create(classroom=w.classroom, context=context)
    return {"pk": w.classroom.pk}


def shared_pk(w) -> dict:
    return {"pk": w.shared.pk}


def question_pk(w) -> dict:
    """The owner's shared highlight, made a question (here, in the test's savepoint)."""
    Highlight.objects.filter(pk=w.shared.pk).update(is_question=True)
    return {"pk": w.shared.pk}


def answer_pk(w) -> dict:
    """The teacher's reply to the owner's shared highlight, made a question."""
    question_pk(w)
    return {"pk": Reply.objects.get(highlight=w.shared, author=w.people["teacher"]).pk}


def private_pk(w) -> dict:
    return {"pk": w.private.pk}


def class_pk(w) -> dict:
    return {"pk": w.classroom.pk}


def in_class_owner(w) -> dict:
    return {"pk": w.classroom.pk, "user_id": w.owner.pk}


def sign_up() -> dict:
    """What a new student sends to join (ignored when someone logged in joins)."""
    return {
        "name": "Ji-woo Han",
        "username": "jiwoo",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }


def class_tag(name: str) -> Callable:
    """History 101's tag `name` (the shared highlight has "evidence"; "motive" is put on
    it here, for a merge to have a tag to merge into)."""

    def kwargs(w) -> dict:
        w.shared.tags.add("motive")
        return {"pk": w.classroom.pk, "tag_id": Tag.objects.get(name=name).pk}

    return kwargs


def assignment_pk(w) -> dict:
    return {"pk": w.assignment.pk}


def linked_assignment_pk(w) -> dict:
    """The assignment, as a link of an LMS course the owner and classmate launched from."""
    link_to_lms(w.assignment, w.owner, w.people["classmate"])
    return {"pk": w.assignment.pk}


def in_assignment(w) -> dict:
    return {"pk": w.assignment.pk, "slug": w.document.slug}


def stalin_slug(w) -> dict:
    return {"slug": w.stalin.slug}


def hypothesis_file() -> SimpleUploadedFile:
    """One row of Hypothesis' /api/search, by the owner there, quoting the article."""
    row = {
        "id": "MatrixRow01",
        "user": "acct:student@hypothes.is",
        "uri": "https://korea-reader.example.org/documents/stalin-and-korean-war/",
        "text": "Night work.",
        "tags": [],
        "created": "2016-12-16T11:24:14.673557+00:00",
        "target": [
            {
                "source": "https://korea-reader.example.org/documents/stalin-and-korean-war/",
                "selector": [{"type": "TextQuoteSelector", "exact": "liked to work at night"}],
            }
        ],
    }
    content = json.dumps({"total": 1, "rows": [row]}).encode()
    return SimpleUploadedFile("hypothesis.json", content, "application/json")


def document_slug(w) -> dict:
    return {"slug": w.document.slug}


def everyone_notified(w) -> dict:
    """A new notification for each role of the teacher's reply (made in the test's
    savepoint): Mark all read has something to mark for each."""
    reply = Reply.objects.get(text=REPLY)
    Notification.objects.bulk_create(
        Notification(recipient=person, reply=reply, kind=Notification.Kind.REPLY_TO_HIGHLIGHT)
        for person in w.people.values()
    )
    return {}


def first_poll(w) -> dict:
    """A live page's first poll, as if rendered before anything was made."""
    return {"since": "0.0"}


def shared_key(w) -> dict:
    """The owner's shared highlight, by its address in the Web Annotation Protocol."""
    return {"key": w.shared.client_key}


def private_key(w) -> dict:
    return {"key": w.private.client_key}


def reply_key(w) -> dict:
    """The classmate's reply, made in the class, on the owner's shared highlight."""
    return {"key": w.classmates_reply.client_key}


def hidden_key(w) -> dict:
    """The owner's shared highlight, hidden by the teacher in History 101 (here, in the
    test's savepoint): its author and the teacher see it, the classmate no longer does."""
    ClassHide.objects.create(
        highlight=w.shared, classroom=w.classroom, hidden_by=w.people["teacher"]
    )
    return shared_key(w)


def below_minimum_key(w) -> dict:
    """The owner's shared highlight, its assignment showing classmates' work only once
    they made the minimum (one), which the classmate has not."""
    Assignment.objects.filter(pk=w.assignment.pk).update(
        visibility=Assignment.Visibility.AFTER_MINIMUM
    )
    return shared_key(w)


def tool_highlight(w, phrase: str = "the Soviet dictator liked to work at night") -> dict:
    """A highlight as a tool POSTs it to the Protocol's container (or PUTs it, on the
    owner's shared highlight's passage)."""
    return {
        "type": "Annotation",
        "motivation": "commenting",
        "body": {"type": "TextualBody", "value": "Edited."},
        "target": {
            "source": "http://testserver" + w.document.get_absolute_url(),
            "selector": {"type": "TextQuoteSelector", "exact": phrase},
        },
        "korea:visibility": "class",
    }


def tool_reply(w, text: str = "Which date?") -> dict:
    return {
        "type": "Annotation",
        "motivation": "replying",
        "body": {"type": "TextualBody", "value": text},
        "target": f"http://testserver/annotations/{w.shared.client_key}",
    }


def owners_poll(path_name: str, kwargs: Callable) -> Callable:
    """The owner's page's first poll, with its key (annotations/live.py), sent by anyone."""

    def query(w) -> dict:
        assignment = kwargs(w).get("pk")
        path = reverse(path_name, kwargs=kwargs(w))
        return {"since": "0.0", "key": poll_key(w.owner.pk, w.document.pk, assignment, path)}

    return query


# Columns: anonymous, owner, classmate, other_student, teacher, other_teacher, staff.
PUBLIC = (200, 200, 200, 200, 200, 200, 200)
ANY_USER = (LOGIN, 200, 200, 200, 200, 200, 200)
ANY_USER_POSTS = (LOGIN, 302, 302, 302, 302, 302, 302)
POST_ONLY = (LOGIN, 405, 405, 405, 405, 405, 405)
CLASS_MEMBERS = (LOGIN, 200, 200, 404, 200, 404, 404)
CLASS_TEACHER = (LOGIN, 403, 403, 404, 200, 404, 404)
CLASS_TEACHER_POSTS = (LOGIN, 403, 403, 404, 302, 404, 404)
CURATORS = (LOGIN, 403, 403, 403, 200, 200, 200)  # teachers (annotations.teachers), and staff
CURATORS_POST = (LOGIN, 403, 403, 403, 302, 302, 302)
# Starting a class is a teacher's standing (a permission), which being staff does not give.
TEACHERS = (LOGIN, 403, 403, 403, 200, 200, 403)
TEACHERS_POST = (LOGIN, 403, 403, 403, 302, 302, 403)
STAFF = (LOGIN, 403, 403, 403, 403, 403, 200)
# What is one's own alone (an access token): anyone else finds nothing there, staff too.
OWNER = (LOGIN, 200, 404, 404, 404, 404, 404)
OWNER_POSTS = (LOGIN, 302, 404, 404, 404, 404, 404)
# The Web Annotation Protocol: someone with neither a session nor a token is asked for
# one (401, annotations/protocol/answers.py account_required), never sent to a log-in page.
TOOLS = (401, 200, 200, 200, 200, 200, 200)
TOOLS_POST = (401, 201, 201, 201, 201, 201, 201)
SHARED_IN_ASSIGNMENT = (401, 200, 200, 404, 200, 404, 404)

ENTRIES = [
    # Reading: open to everyone; what a reader sees of others' highlights is visible_to's.
    Entry("library", get=PUBLIC),
    # A student of an assignment that sets the article is taken into it.
    Entry("document", document_slug, get=(200, 302, 302, 200, 200, 200, 200)),
    Entry(
        "document", document_slug, variant="[outside]", query=lambda w: {"outside": "1"}, get=PUBLIC
    ),
    Entry("healthz", get=PUBLIC),
    # Our vocabulary (the korea: terms of the JSON-LD export): its page and its context.
    Entry("vocabulary", get=PUBLIC),
    Entry("vocabulary_context", get=PUBLIC),
    # The live reading view's poll (annotations/live.py): GET only, writes nothing, so no
    # write limit. Outside assignments the world has nobody's shared highlight: 304 for all.
    Entry(
        "document_changes",
        document_slug,
        query=first_poll,
        get=(LOGIN, 304, 304, 304, 304, 304, 304),
    ),
    # In the assignment: the owner's shared highlight is news to the class, the teacher's
    # reply to its owner.
    Entry("assignment_document_changes", in_assignment, query=first_poll, get=CLASS_MEMBERS),
    # With the owner's page's key: outside assignments nothing is new to the owner, which
    # is all the key can say (304, before any session); in the assignment the teacher's
    # reply is, and then each gets what the view gives them: the key opens nothing.
    Entry(
        "document_changes",
        document_slug,
        variant="[owner's key]",
        query=owners_poll("document_changes", document_slug),
        get=(304, 304, 304, 304, 304, 304, 304),
    ),
    Entry(
        "assignment_document_changes",
        in_assignment,
        variant="[owner's key]",
        query=owners_poll("assignment_document_changes", in_assignment),
        get=CLASS_MEMBERS,
    ),
    # Each sees their own; opening the list marks them read, which the matrix's world
    # (no notifications) leaves unchanged; Mark all read marks the ones made for it.
    Entry("notifications", get=ANY_USER),
    Entry(
        "notifications_read",
        everyone_notified,
        get=(LOGIN, 405, 405, 405, 405, 405, 405),
        post=ANY_USER_POSTS,
        changes="notifications",
    ),
    Entry(
        "document_corrections",
        document_slug,
        get=CURATORS,
        post=CURATORS_POST,
        data=correction,
        changes="documents",
    ),
    Entry("document_highlights", document_slug, get=ANY_USER),
    Entry(
        "highlight_create",
        document_slug,
        get=ANY_USER,
        query=anchored,
        post=ANY_USER_POSTS,
        data=lambda w: selection(w.document, "the Soviet dictator liked to work at night"),
        changes="highlights",
    ),
    Entry("my_highlights", get=ANY_USER),
    # The owner's highlight, shared with the class in its assignment.
    Entry("highlight", shared_pk, get=(LOGIN, 200, 200, 404, 200, 404, 404)),
    Entry(
        "highlight",
        private_pk,
        variant="[private]",
        get=(LOGIN, 200, 404, 404, 404, 404, 404),
    ),
    Entry(
        "highlight_edit",
        shared_pk,
        get=(LOGIN, 200, 403, 404, 403, 404, 404),
        post=(LOGIN, 302, 403, 404, 403, 404, 404),
        data=lambda w: {"note": "Edited.", "tags": "evidence", "visibility": "class"},
        changes="highlights",
    ),
    Entry(
        "highlight_edit",
        private_pk,
        variant="[private]",
        get=(LOGIN, 200, 404, 404, 404, 404, 404),
        post=(LOGIN, 302, 404, 404, 404, 404, 404),
        data=lambda w: {"note": "Edited.", "visibility": "private"},
        changes="highlights",
    ),
    Entry(
        "highlight_move",
        private_pk,
        get=(LOGIN, 200, 404, 404, 404, 404, 404),
        post=(LOGIN, 302, 404, 404, 404, 404, 404),
        data=lambda w: {"assignment": w.assignment.pk},
        changes="highlights",
    ),
    # Already in an assignment: nothing to move.
    Entry(
        "highlight_move",
        shared_pk,
        variant="[in an assignment]",
        get=(LOGIN, 403, 403, 404, 403, 404, 404),
        post=(LOGIN, 403, 403, 404, 403, 404, 404),
        data=lambda w: {"assignment": w.assignment.pk},
        changes="highlights",
    ),
    Entry(
        "highlight_delete",
        shared_pk,
        get=(LOGIN, 200, 403, 404, 403, 404, 404),
        post=(LOGIN, 302, 403, 404, 403, 404, 404),
        changes="highlights",
    ),
    Entry(
        "highlight_hide",
        shared_pk,
        get=POST_ONLY,
        post=CLASS_TEACHER_POSTS,
        data=lambda w: {"hidden": "1"},
        changes="hides",
    ),
    # Any member of the class who sees the highlight replies (issue 17).
    Entry(
        "reply_create",
        shared_pk,
        get=POST_ONLY,
        post=(LOGIN, 302, 302, 404, 302, 404, 404),
        data=lambda w: {"text": "Which date?"},
        changes="replies",
    ),
    # "Same question" and "Helpful": the author's classmates press them; the author and
    # teachers see the counts (403); who may not see the highlight gets 404.
    Entry(
        "highlight_mark",
        question_pk,
        get=POST_ONLY,
        post=(LOGIN, 403, 302, 404, 403, 404, 404),
        data=lambda w: {"kind": "same_question", "pressed": "1"},
        changes="marks",
    ),
    Entry(
        "highlight_mark",
        shared_pk,
        variant="[helpful]",
        post=(LOGIN, 403, 302, 404, 403, 404, 404),
        data=lambda w: {"kind": "helpful", "pressed": "1"},
        changes="marks",
    ),
    Entry(
        "highlight_mark",
        private_pk,
        variant="[private]",
        post=(LOGIN, 403, 404, 404, 404, 404, 404),
        data=lambda w: {"kind": "helpful", "pressed": "1"},
        changes="marks",
    ),
    # The class's teacher marks a reply to a question as its answer. This reply was made
    # before replies had a class: its author and the teacher read it (the owner's 403),
    # the classmate does not (404).
    Entry(
        "reply_answer",
        answer_pk,
        get=POST_ONLY,
        post=(LOGIN, 403, 404, 404, 302, 404, 404),
        data=lambda w: {"answer": "1"},
        changes="answers",
    ),
    Entry(
        "reply_create",
        shared_pk,
        variant="[answer]",
        get=POST_ONLY,
        post=(LOGIN, 302, 302, 404, 302, 404, 404),
        data=lambda w: {"text": "The 14th.", "parent": str(w.classmates_reply.pk)},
        changes="replies",
    ),
    # Only its writer edits or deletes a reply; who reads it gets 403, others 404.
    Entry(
        "reply_edit",
        lambda w: {"pk": w.classmates_reply.pk},
        get=(LOGIN, 403, 200, 404, 403, 404, 404),
        post=(LOGIN, 403, 302, 404, 403, 404, 404),
        data=lambda w: {"text": "Which cable, in fact?"},
        changes="replies",
    ),
    Entry(
        "reply_delete",
        lambda w: {"pk": w.classmates_reply.pk},
        get=(LOGIN, 403, 200, 404, 403, 404, 404),
        post=(LOGIN, 403, 302, 404, 403, 404, 404),
        changes="replies",
    ),
    # A tag exists for a reader only if it is on a highlight they may see.
    Entry("tag", lambda w: {"slug": "evidence"}, get=(LOGIN, 200, 200, 404, 200, 404, 404)),
    Entry(
        "tag",
        lambda w: {"slug": PRIVATE_TAG},
        variant="[private]",
        get=(LOGIN, 200, 404, 404, 404, 404, 404),
    ),
    Entry("tag_suggestions", get=ANY_USER, query=lambda w: {"tags": ""}),
    # The glossary: everyone reads it; teachers and staff keep it.
    Entry("glossary", get=PUBLIC),
    Entry("glossary_entry", stalin_slug, get=PUBLIC),
    Entry(
        "glossary_entry_create",
        get=CURATORS,
        post=CURATORS_POST,
        data=lambda w: entry_form(),
        changes="glossary",
    ),
    Entry(
        "glossary_entry_edit",
        stalin_slug,
        get=CURATORS,
        post=CURATORS_POST,
        data=lambda w: entry_form(
            kind="person", name="Joseph Stalin", summary="Edited.", aliases="Stalin"
        ),
        changes="glossary",
    ),
    Entry(
        "glossary_entry_merge",
        stalin_slug,
        get=CURATORS,
        post=CURATORS_POST,
        data=lambda w: {"absorbed": w.kim.pk, "confirmed": "1"},
        changes="glossary",
    ),
    # Classes: teachers start them, anyone joins one; its members see it; its teacher runs it.
    Entry("classes", get=ANY_USER),
    Entry(
        "class_create",
        get=TEACHERS,
        post=TEACHERS_POST,
        data=lambda w: {"name": "History 104"},
        changes="classes",
    ),
    # /join/ leads anyone with a code on to the class's join page.
    Entry(
        "class_join",
        get=PUBLIC,
        post=(UNCHANGED,) * 7,
        data=lambda w: {"code": w.open_class.join_code},
        changes="memberships",
    ),
    # The join page: a new student signs up into the class, anyone logged in joins it...
    Entry(
        "join",
        lambda w: {"code": w.open_class.join_code},
        get=PUBLIC,
        post=(302,) * 7,
        data=lambda w: sign_up(),
        changes="memberships",
    ),
    # ... and with History 101's own code, its members stay as they are.
    Entry(
        "join",
        lambda w: {"code": w.classroom.join_code},
        variant="[own class]",
        post=(302, UNCHANGED, UNCHANGED, 302, UNCHANGED, 302, 302),
        data=lambda w: sign_up(),
        changes="memberships",
    ),
    Entry(
        "username_suggestion",
        lambda w: {"code": w.open_class.join_code},
        get=PUBLIC,
        query=lambda w: {"name": "Ji-woo Han"},
    ),
    Entry("home", get=(LOGIN, 302, 302, 302, 200, 200, 302)),
    Entry("class", class_pk, get=CLASS_MEMBERS),
    # Running the class over a term: its teacher alone.
    Entry(
        "class_settings",
        class_pk,
        get=CLASS_TEACHER,
        post=CLASS_TEACHER_POSTS,
        data=lambda w: {"name": "History 101 B", "join_enabled": "on"},
        changes="classes",
    ),
    # Its tags: renamed and merged for the class alone, and its suggested tags.
    Entry(
        "class_tags",
        class_pk,
        get=CLASS_TEACHER,
        post=CLASS_TEACHER_POSTS,
        data=lambda w: {"suggested_tags": "cause, motive"},
        changes="tags",
    ),
    Entry(
        "class_tag_rename",
        class_tag("evidence"),
        get=CLASS_TEACHER,
        post=CLASS_TEACHER_POSTS,
        data=lambda w: {"new_name": "proof"},
        changes="tags",
    ),
    Entry(
        "class_tag_merge",
        class_tag("evidence"),
        get=CLASS_TEACHER,
        post=CLASS_TEACHER_POSTS,
        data=lambda w: {"into": Tag.objects.get(name="motive").pk},
        changes="tags",
    ),
    Entry("join_code_rotate", class_pk, get=POST_ONLY, post=CLASS_TEACHER_POSTS, changes="classes"),
    Entry(
        "class_archive", class_pk, get=CLASS_TEACHER, post=CLASS_TEACHER_POSTS, changes="classes"
    ),
    Entry(
        "roster_add",
        class_pk,
        get=CLASS_TEACHER,
        post=CLASS_TEACHER,  # the login cards, at once
        data=lambda w: {"students": "Ana Silva\nBen Okoro"},
        changes="memberships",
    ),
    Entry("login_cards", class_pk, get=CLASS_TEACHER),
    # "Import annotations": a file of another tool's, its report on the page at once.
    Entry(
        "class_import",
        class_pk,
        get=CLASS_TEACHER,
        post=CLASS_TEACHER,
        data=lambda w: {"file": hypothesis_file()},
        changes="highlights",
    ),
    # "Sync roster": a class from an LMS course only (404 for the others), its teacher.
    Entry(
        "roster_sync",
        class_pk,
        get=POST_ONLY,
        post=(LOGIN, 403, 403, 404, 404, 404, 404),
        changes="rosters",
    ),
    Entry(
        "roster_sync",
        lms_class_pk,
        variant="[from an LMS]",
        get=POST_ONLY,
        post=CLASS_TEACHER_POSTS,
        changes="rosters",
    ),
    Entry(
        "student_remove",
        in_class_owner,
        get=CLASS_TEACHER,
        post=CLASS_TEACHER_POSTS,
        changes="memberships",
    ),
    # Every highlight the student shares in the class, hidden from it (or shown again).
    Entry(
        "student_hide_all",
        in_class_owner,
        get=CLASS_TEACHER,
        post=CLASS_TEACHER_POSTS,
        data=lambda w: {"hidden": "1"},
        changes="hides",
    ),
    Entry(
        "student_password_reset",
        in_class_owner,
        get=POST_ONLY,
        post=CLASS_TEACHER,  # the student's new card
        changes="passwords",
    ),
    Entry(
        "student_unlock",
        in_class_owner,
        get=POST_ONLY,
        post=CLASS_TEACHER_POSTS,
        changes="log_in_locks",
    ),
    Entry(
        "assignment_create",
        class_pk,
        get=CLASS_TEACHER,
        post=CLASS_TEACHER_POSTS,
        data=assignment_form,
        changes="assignments",
    ),
    Entry("my_assignments", get=ANY_USER),
    Entry("assignment", assignment_pk, get=CLASS_MEMBERS),
    Entry(
        "assignment_edit",
        assignment_pk,
        get=CLASS_TEACHER,
        post=CLASS_TEACHER_POSTS,
        data=assignment_form,
        changes="assignments",
    ),
    Entry(
        "assignment_delete",
        assignment_pk,
        get=CLASS_TEACHER,
        post=CLASS_TEACHER_POSTS,
        changes="assignments",
    ),
    Entry(
        "assignment_send_grades",
        linked_assignment_pk,
        get=POST_ONLY,
        post=CLASS_TEACHER_POSTS,
        changes="grades",
    ),
    Entry("assignment_document", in_assignment, get=CLASS_MEMBERS),
    Entry(
        "assignment_document",
        in_assignment,
        variant="[?student]",
        query=lambda w: {"student": w.owner.pk},
        get=CLASS_TEACHER,
    ),
    Entry(
        "assignment_student",
        lambda w: {"pk": w.assignment.pk, "user_id": w.owner.pk},
        get=CLASS_TEACHER,
    ),
    # The Web Annotation Protocol (tests/test_annotation_protocol.py): the container holds
    # what visible_to shows each (its first page's descriptions are searched for SECRETS);
    # a POST is a highlight of one's own, or a reply where the reading view allows one.
    Entry(
        "annotation-container",
        get=TOOLS,
        post=TOOLS_POST,
        data=tool_highlight,
        content_type="application/ld+json",
        changes="highlights",
    ),
    Entry(
        "annotation-container",
        variant="[reply]",
        post=(401, 201, 201, 404, 201, 404, 404),
        data=tool_reply,
        content_type="application/ld+json",
        changes="replies",
    ),
    Entry(
        "annotation-container",
        variant="[first page]",
        query=lambda w: {"iris": "1", "page": "0"},
        # Who sees nothing has an empty container, without pages.
        get=(401, 200, 200, 404, 200, 404, 404),
    ),
    Entry("annotation", shared_key, get=SHARED_IN_ASSIGNMENT),
    Entry("annotation", private_key, variant="[private]", get=(401, 200, 404, 404, 404, 404, 404)),
    Entry("annotation", reply_key, variant="[reply]", get=SHARED_IN_ASSIGNMENT),
    Entry("annotation", hidden_key, variant="[hidden]", get=(401, 200, 404, 404, 200, 404, 404)),
    Entry(
        "annotation",
        below_minimum_key,
        variant="[below the minimum]",
        get=(401, 200, 404, 404, 200, 404, 404),
    ),
    # Exports: everyone gets what exportable_by allows them (tests/test_export_permissions.py).
    Entry("export_csv", get=ANY_USER),
    Entry("export_csv_all", get=ANY_USER),
    Entry("export_jsonld", get=ANY_USER),
    Entry("export_csv", get=ANY_USER, query=lambda w: {"q": "Kim"}, variant="[search]"),
    # "Download my work": one's own highlights and replies (tests/test_export_my_work.py).
    Entry("export_csv", get=ANY_USER, query=lambda w: {"mine": "1"}, variant="[my work]"),
    Entry("export_csv_all", get=ANY_USER, query=lambda w: {"mine": "1"}, variant="[my work]"),
    Entry("export_jsonld", get=ANY_USER, query=lambda w: {"mine": "1"}, variant="[my work]"),
    # Search: everyone finds only what visible_to shows them (tests/test_search.py); the
    # shared highlight by its words and its tag, the private one by its passage.
    Entry("search", get=ANY_USER),
    Entry("search", get=ANY_USER, query=lambda w: {"q": "Stalin"}, variant="[shared]"),
    Entry("search", get=ANY_USER, query=lambda w: {"q": "evidence"}, variant="[tag]"),
    Entry("search", get=ANY_USER, query=lambda w: {"q": "Kim"}, variant="[private]"),
    Entry(
        "search",
        get=ANY_USER,
        query=lambda w: {"q": "Kim", "tag": PRIVATE_TAG},
        variant="[private tag]",
    ),
    # One's own account; asking to teach, and staff answering.
    Entry(
        "account",
        get=ANY_USER,
        post=ANY_USER_POSTS,
        data=lambda w: {"time_zone": "Asia/Seoul"},
        changes="time_zones",
    ),
    Entry(
        "account_delete",
        get=ANY_USER,
        # Teachers of a running class are told to archive it or hand it over first.
        post=(LOGIN, 302, 302, 302, 422, 422, 302),
        data=lambda w: {"password": PASSWORD},
        changes="passwords",
    ),
    Entry(
        "password_set",
        get=ANY_USER,
        post=ANY_USER_POSTS,
        data=lambda w: {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        changes="passwords",
    ),
    Entry(
        "teach_request",
        get=ANY_USER,
        post=(LOGIN, 302, 302, 302, 403, 403, 302),
        data=lambda w: {"school": "Busan High", "message": ""},
        changes="requests",
    ),
    Entry("teacher_requests", get=STAFF),
    # Personal access tokens: each account makes its own; only its owner revokes one.
    Entry(
        "access_tokens",
        get=ANY_USER,
        post=ANY_USER_POSTS,
        data=lambda w: {"name": "A tool", "scope": "read-write", "expires": "7"},
        changes="tokens",
    ),
    Entry(
        "access_token_revoke",
        lambda w: {"pk": w.token.pk},
        get=OWNER,
        post=OWNER_POSTS,
        changes="tokens",
    ),
    Entry(
        "teacher_request_decide",
        lambda w: {"pk": w.teacher_request.pk},
        get=(LOGIN, 403, 403, 403, 403, 403, 405),
        post=(LOGIN, 403, 403, 403, 403, 403, 302),
        data=lambda w: {"decision": "decline"},
        changes="requests",
    ),
    # Installing Korea Reader in an LMS (annotations/views/lti_install.py): staff only;
    # the registration link is the credential of /lti/register/; Canvas's key is public.
    Entry(
        "lti_platforms",
        get=STAFF,
        post=(LOGIN, 403, 403, 403, 403, 403, 302),
        data=lambda w: {**PLATFORM, "client_id": "new-client"},
        changes="lti",
    ),
    Entry(
        "lti_platform",
        platform_pk,
        get=STAFF,
        post=(LOGIN, 403, 403, 403, 403, 403, 302),
        data=lambda w: {"active": "0"},
        changes="lti",
    ),
    Entry("lti_registration_link", get=STAFF),
    Entry("lti_register", get=(403, 403, 403, 403, 403, 403, 403)),
    Entry("lti_canvas_json", get=PUBLIC),
    # Accounts (django.contrib.auth.urls).
    Entry("login", get=PUBLIC),
    Entry(
        "logout",
        get=(405, 405, 405, 405, 405, 405, 405),
        post=(UNCHANGED, 302, 302, 302, 302, 302, 302),
        changes="session",
    ),
    Entry(
        "password_change",
        get=ANY_USER,
        post=ANY_USER_POSTS,
        data=lambda w: {
            "old_password": PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
        changes="passwords",
    ),
    Entry("password_change_done", get=ANY_USER),
    Entry(
        "password_reset",
        get=PUBLIC,
        post=(302, 302, 302, 302, 302, 302, 302),
        data=lambda w: {"email": w.owner.email},
        changes="mail",
    ),
    Entry("password_reset_done", get=PUBLIC),
    # The emailed link is the credential: whoever holds it goes on to set a password.
    Entry("password_reset_confirm", reset_link, get=(302, 302, 302, 302, 302, 302, 302)),
    Entry("password_reset_complete", get=PUBLIC),
    # LTI (tests/test_lti_launch.py launches for real): without an LMS's parameters the
    # login and the launch are refused with a page, whoever asks; our keys are public.
    Entry("lti_login", get=(400,) * 7, post=(400,) * 7, changes="session"),
    Entry("lti_launch", get=(405,) * 7, post=(400,) * 7, changes="session"),
    Entry("lti_jwks", get=PUBLIC),
    # Deep linking's page answers a deep-linking launch of this session only (made for
    # real in tests/test_lti_deep_linking.py): without one, a refusal for everyone.
    Entry(
        "lti_deep_link",
        get=(LOGIN, 404, 404, 404, 404, 404, 404),
        post=(LOGIN, 404, 404, 404, 404, 404, 404),
        data=assignment_form,
        changes="assignments",
    ),
]

CASES = [
    pytest.param(entry, method, role, expected, id=f"{entry.id}-{role}-{method}")
    for entry in ENTRIES
    for method, outcomes in (("GET", entry.get), ("POST", entry.post))
    if outcomes is not None
    for role, expected in zip(ROLES, outcomes, strict=True)
]


def assert_sent_to_login(response, url: str, login: str = "/accounts/login/"):
    assert response.status_code == 302, f"expected a redirect to log in, got {response}"
    assert response.url.startswith(f"{login}?next="), response.url
    assert response.url.split("?next=")[1].split("%3F")[0] == url


def assert_no_secrets(response, role: str):
    shown = b"".join(response.streaming_content) if response.streaming else response.content
    for text, seers in SECRETS.items():
        assert role in seers or text.encode() not in shown, f"shown to {role}: {text!r}"


@pytest.mark.parametrize(("entry", "method", "role", "expected"), CASES)
def test_it_answers_each_role_as_the_matrix_says(client, world, entry, method, role, expected):
    if role != "anonymous":
        client.force_login(world.people[role])
    url = reverse(entry.name, kwargs=entry.kwargs(world))
    before = snapshot(client)

    if method == "GET":
        response = client.get(url, entry.query(world))
    elif entry.content_type:
        response = client.post(url, entry.data(world), content_type=entry.content_type)
    else:
        response = client.post(url, entry.data(world))

    after = snapshot(client)
    assert_no_secrets(response, role)
    if expected == LOGIN:
        assert_sent_to_login(response, url)
    else:
        status = 302 if expected == UNCHANGED else expected
        assert response.status_code == status, response.content[:2000]
        if status == 302:
            assert not response.url.startswith("/accounts/login/"), response.url
    if method == "POST" and expected in (200, 201, 302):
        assert after[entry.changes] != before[entry.changes], f"the POST changed no {entry.changes}"
    else:
        assert after == before


def entry_named(name: str) -> Entry:
    return next(entry for entry in ENTRIES if entry.name == name and not entry.variant)


# Methods the matrix does not try (it tries GET and POST), and POSTs without the CSRF token.

WRONG_METHODS = [
    ("post", "classes"),
    ("put", "class_create"),
    ("delete", "class_join"),
    ("post", "class"),
    ("put", "assignment_create"),
    ("post", "my_assignments"),
    ("post", "assignment"),
    ("post", "assignment_document"),
    ("post", "assignment_student"),
    ("put", "reply_create"),
    ("put", "highlight_mark"),
    ("delete", "reply_answer"),
    ("post", "document_changes"),
    ("post", "assignment_document_changes"),
    ("post", "notifications"),
    ("put", "notifications_read"),
    ("put", "reply_edit"),
    ("delete", "reply_delete"),
    ("put", "class_tags"),
    ("delete", "class_tag_rename"),
    ("put", "class_tag_merge"),
    ("put", "assignment_send_grades"),
    ("put", "access_tokens"),
    ("delete", "access_token_revoke"),
    ("put", "annotation-container"),
    ("delete", "annotation-container"),
    ("post", "annotation"),
    ("patch", "annotation"),
]


@pytest.mark.parametrize(
    ("method", "name"), WRONG_METHODS, ids=[f"{m}-{name}" for m, name in WRONG_METHODS]
)
def test_it_refuses_other_methods(client, world, method, name):
    client.force_login(world.people["teacher"])
    entry = entry_named(name)
    url = reverse(entry.name, kwargs=entry.kwargs(world))
    before = snapshot(client)

    response = getattr(client, method)(url)

    assert response.status_code == 405
    assert snapshot(client) == before


# Each of these POSTs succeeds for its role with the token (the matrix says so).
@pytest.mark.parametrize(
    ("name", "role"),
    [
        ("class_create", "teacher"),
        ("class_join", "other_student"),
        ("highlight_hide", "teacher"),
        ("reply_create", "teacher"),
        ("highlight_mark", "classmate"),
        ("reply_answer", "teacher"),
        ("reply_create", "classmate"),
        ("reply_edit", "classmate"),
        ("reply_delete", "classmate"),
        ("assignment_send_grades", "teacher"),
        ("notifications_read", "owner"),
        ("class_tag_merge", "teacher"),
        ("access_tokens", "owner"),
        ("access_token_revoke", "owner"),
        ("annotation-container", "owner"),
    ],
)
def test_it_needs_the_csrf_token(world, name, role):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.people[role])
    entry = entry_named(name)
    url = reverse(entry.name, kwargs=entry.kwargs(world))
    before = snapshot(client)

    response = client.post(url, entry.data(world))

    assert response.status_code == 403
    assert snapshot(client) == before


# The Web Annotation Protocol's PUT and DELETE, which the matrix does not try: each role
# sends the ETag its own GET gave it (a tool reads before it writes), and may change only
# what the reading view lets it change.

PROTOCOL_WRITES = [
    ("put", shared_key, (401, 200, 403, 404, 403, 404, 404), "highlights"),
    ("put", private_key, (401, 200, 404, 404, 404, 404, 404), "highlights"),
    ("delete", shared_key, (401, 204, 403, 404, 403, 404, 404), "highlights"),
    ("delete", private_key, (401, 204, 404, 404, 404, 404, 404), "highlights"),
    ("put", reply_key, (401, 403, 200, 404, 403, 404, 404), "replies"),
    ("delete", reply_key, (401, 403, 204, 404, 403, 404, 404), "replies"),
]


def tool_edit(world, key: dict) -> dict:
    """What a PUT to the annotation at `key` says: a new note, or a reply's new words."""
    if key["key"] == world.classmates_reply.client_key:
        return tool_reply(world, "Which cable, in fact?")
    phrase = world.shared.exact if key["key"] == world.shared.client_key else world.private.exact
    return tool_highlight(world, phrase)


@pytest.mark.parametrize(
    ("method", "kwargs", "role", "expected", "changes"),
    [
        pytest.param(
            method, kwargs, role, expected, changes, id=f"{method}-{kwargs.__name__}-{role}"
        )
        for method, kwargs, outcomes, changes in PROTOCOL_WRITES
        for role, expected in zip(ROLES, outcomes, strict=True)
    ],
)
def test_the_protocol_lets_only_the_author_change_an_annotation(
    client, world, method, kwargs, role, expected, changes
):
    if role != "anonymous":
        client.force_login(world.people[role])
    key = kwargs(world)
    url = reverse("annotation", kwargs=key)
    read = client.get(url)
    headers = {"If-Match": read["ETag"] if read.status_code == 200 else '"none"'}
    before = snapshot(client)

    if method == "put":
        body = tool_edit(world, key)
        response = client.put(url, body, content_type="application/ld+json", headers=headers)
    else:
        response = client.delete(url, headers=headers)

    after = snapshot(client)
    assert_no_secrets(response, role)
    assert response.status_code == expected, response.content[:2000]
    if expected in (200, 204):
        assert after[changes] != before[changes]
    else:
        assert after == before


# The URL configuration and the matrix must agree.


@dataclass
class Route:
    name: str | None  # with its namespaces, e.g. "admin:index"
    route: str
    params: list[str] = field(default_factory=list)


def routes(patterns=None, prefix: str = "", namespace: str = "") -> list[Route]:
    """Every URL pattern of the project, includes followed."""
    found = []
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = ":".join(part for part in (namespace, pattern.namespace) if part)
            found += routes(pattern.url_patterns, route, inner)
        else:
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            found.append(Route(name, route, list(pattern.pattern.regex.groupindex)))
    return found


def in_admin(route: Route) -> bool:
    return route.route.startswith("admin/")


def test_it_has_an_entry_for_each_url(capsys):
    ours = [route for route in routes() if not in_admin(route)]
    unnamed = [route.route for route in ours if route.name is None]
    assert not unnamed, (
        f"URLs without a name: {unnamed}. Name them in their urls.py, then give each an entry "
        "in ENTRIES in tests/test_permission_matrix.py."
    )
    names = {route.name: route.route for route in ours}
    covered = {entry.name for entry in ENTRIES}
    missing = {name: route for name, route in names.items() if name not in covered}
    assert not missing, (
        f"URLs with no entry in the permission matrix: {missing}. Add an Entry for each to "
        "ENTRIES in tests/test_permission_matrix.py: how to build its kwargs from the world, "
        "the methods to try, and what each role should get."
    )
    stale = covered - names.keys()
    assert not stale, f"Entries for URLs that no longer exist: {sorted(stale)}. Remove them."
    with capsys.disabled():
        print(
            f"\nPermission matrix: {len(names)} URL names x {len(ROLES)} roles "
            f"= {len(names) * len(ROLES)} pairs; {len(ENTRIES)} entries give {len(CASES)} "
            "(entry, role, method) cases; the admin is one group."
        )


# The admin, as one group: staff gets in (and, without model permissions, sees no model);
# everyone else is sent to the admin's login page.

ADMIN_LOGIN = "/admin/login/"


def admin_urls(world) -> dict[str, str]:
    filler = {"app_label": "annotations", "content_type_id": "1"}
    return {
        route.name: reverse(
            route.name, kwargs={p: filler.get(p, str(world.shared.pk)) for p in route.params}
        )
        for route in routes()
        if in_admin(route) and route.name
    }


@pytest.mark.parametrize("role", ROLES)
def test_it_lets_only_staff_into_the_admin(client, world, role):
    if role != "anonymous":
        client.force_login(world.people[role])
    urls = admin_urls(world)
    assert len(urls) > 10

    for name, url in urls.items():
        response = client.get(url)
        if role != "staff":
            if name == "admin:login":
                assert response.status_code == 200, name
            elif name == "admin:logout":
                assert response.status_code == 302 and response.url == "/admin/", name
            else:
                assert_sent_to_login(response, url, ADMIN_LOGIN)
        elif name == "admin:index":
            assert response.status_code == 200
        elif name.endswith(("_changelist", "_add")):
            assert response.status_code == 403, name
        else:
            assert not (response.status_code == 302 and response.url.startswith(ADMIN_LOGIN))


# A leak the matrix found: an outsider could learn a class's name from an export's file name.


@pytest.mark.parametrize("role", ["other_student", "other_teacher", "staff"])
@pytest.mark.parametrize("filter_by", ["classroom", "assignment"])
@pytest.mark.parametrize("export", ["export_csv", "export_csv_all"])
def test_it_does_not_name_a_class_in_an_outsiders_export(client, world, role, filter_by, export):
    client.force_login(world.people[role])
    filters = {"classroom": world.classroom.pk, "assignment": world.assignment.pk}

    response = client.get(reverse(export), {filter_by: filters[filter_by]})

    assert response.status_code == 200
    assert slugify(CLASS_NAME) not in response["Content-Disposition"]
