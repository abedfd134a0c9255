"""Hostile input to every form and endpoint: never a server error, always a reason.

Each property sends values no browser of ours would: huge strings, NUL and other control
characters, Unicode look-alikes and case traps, numbers that are not numbers, fields left
out or repeated, SQL-ish and HTML-ish text, bytes that are not UTF-8. The client re-raises
any exception a view lets escape, so a server error fails the test with its traceback. A
refused request must say why, in words on the page, and leave every table as it was.

Examples share the function-scoped fixtures, so each runs in a savepoint rolled back at
its end, and compares the tables with a snapshot taken inside it.

Bugs this file found (NULs reaching the database from the address, a tag case rule that
disagreed with taggit's, overlong ids, what the log-in throttle recorded) are fixed; their
examples stay pinned with @example.
"""

import json
import re
import uuid
from contextlib import contextmanager
from html import unescape
from io import BytesIO
from urllib.parse import quote_from_bytes

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import Client
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from lti_tool.models import LtiDeployment, LtiRegistration

from annotations.live import Since, poll_key
from annotations.lti.dynamic import make_link
from annotations.lti.models import GradeSend
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
    Mention,
    Notification,
    Reply,
    Tag,
    TaggedHighlight,
    TeacherRequest,
)
from annotations.tokens import create_token
from annotations.validators import time_zone_names
from annotations.writes import add_reply
from tests.helpers import (
    FROM_PANEL,
    HTMX,
    MOODLE,
    PASSWORD,
    PHRASE,
    link_to_lms,
    selection,
)

hostile = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)

# Values -----------------------------------------------------------------------------

SQLISH = [
    "' OR '1'='1",
    "'; DROP TABLE annotations_highlight; --",
    "1 UNION SELECT password FROM auth_user",
    "%",
    "_",
    "\\",
    "%_%\\%",
    "$$; SELECT pg_sleep(5); $$",
]
HTMLISH = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "javascript:alert(1)",
    '<div hx-get="/x" hx-trigger="load">',
    "{{ 7*7 }} {% debug %}",
    "<!--",
    "&lt;b&gt; &amp;",
    "a < b > c",
    "<3",
]
# Look-alikes, case traps (Kelvin sign, dotted I, capital sharp s), combining marks,
# direction overrides, invisible characters, characters NFKC turns into < and >.
UNICODE_TRICKS = [
    "\u212a",
    "\u0130stanbul",
    "stra\u00dfe",
    "\u1e9e",
    "\ufb01",
    "e\u0301",
    "\u202eevil",
    "\u200b",
    "\ufeff",
    "\U0001f600",
    "\u0345",
    "\ufe64script\ufe65",
    "\uff1cb\uff1e",
    "line\u2028break",
    "\ufffd",
    "\u2126",
]
NUMBERISH = [
    "-1",
    "0",
    "99999999999999999999",
    "9" * 5000,
    "1e9",
    "0x10",
    "NaN",
    "inf",
    "-inf",
    "1.5",
    " 7 ",
    "\u0661\u0662",
    "\uff11\uff12",
    "+3",
    "3\x00",
    "",
    "null",
    "[]",
]
control_text = st.text(
    alphabet=st.characters(codec="utf-8", categories=["Cc", "Cf", "Zl", "Zp"]), min_size=1
)
huge_text = st.tuples(
    st.sampled_from(["a", "<", "\x00", "\u00e9", "\U0001f600", " ", ","]),
    st.sampled_from([5_001, 20_001, 100_000]),
).map(lambda pair: pair[0] * pair[1])
numberish = st.one_of(st.sampled_from(NUMBERISH), st.integers().map(str), st.floats().map(str))
hostile_text = st.one_of(
    st.text(alphabet=st.characters(codec="utf-8"), max_size=60),
    control_text,
    st.sampled_from(SQLISH + HTMLISH + UNICODE_TRICKS),
    numberish,
    huge_text,
    st.lists(st.sampled_from(SQLISH + HTMLISH + UNICODE_TRICKS + NUMBERISH), max_size=4).map(
        "".join
    ),
)


class Dropped:
    """A field left out of the request."""

    def __repr__(self) -> str:
        return "DROP"


DROP = Dropped()
# A changed field: a hostile value, the field repeated with several, or left out.
change = st.one_of(
    hostile_text,
    st.lists(hostile_text, min_size=2, max_size=3),
    st.just(DROP),
)


def edits(*names: str) -> st.SearchStrategy[dict]:
    """One to three of `names` (or a field nobody expects) each given a `change`."""
    return st.dictionaries(st.sampled_from([*names, "unexpected"]), change, min_size=1, max_size=3)


def edited(valid: dict, changes: dict) -> dict:
    """The valid form data with the changes made: values replaced, repeated or dropped."""
    data = dict(valid)
    for name, value in changes.items():
        if value is DROP:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def last(value):
    """What a form reads from a field sent once or repeated: the last value."""
    return value[-1] if isinstance(value, list) else value


path_id = st.one_of(
    st.integers(min_value=0, max_value=10**30).map(str),
    st.sampled_from(["0", "00001", "-1", "1.0", "\u0661", "1%00", "%ff", "1;DROP", "9" * 400]),
)

# Checks -----------------------------------------------------------------------------


def client_for(user) -> Client:
    # Explicitly: a view's uncaught exception is raised here, not turned into a 500 page.
    client = Client(raise_request_exception=True)
    if user is not None:
        client.force_login(user)
    return client


TABLES = [
    model._meta.db_table
    for model in (
        Document,
        Highlight,
        Highlight.glossary_entries.through,
        Tag,
        TaggedHighlight,
        GlossaryEntry,
        Alias,
        Mention,
        Classroom,
        Membership,
        Assignment,
        Assignment.documents.through,
        Assignment.required_entries.through,
        Reply,
        HighlightMark,
        Notification,
        ClassHide,
        get_user_model(),
        Account,
        TeacherRequest,
        LogInLock,
        LtiRegistration,
        LtiDeployment,
        GradeSend,
        AccessToken,
    )
]


def snapshot() -> dict[str, tuple[int, str]]:
    """Each table's row count and a checksum of all its rows."""
    query = " UNION ALL ".join(
        f"SELECT '{table}', count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text),"
        f" '')) FROM {connection.ops.quote_name(table)} AS t"
        for table in TABLES
    )
    with connection.cursor() as cursor:
        cursor.execute(query)
        return {table: (count, digest) for table, count, digest in cursor.fetchall()}


@contextmanager
def rolled_back():
    """A savepoint for one example: what it writes is gone before the next one."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


_ERRORS = re.compile(
    r'<(ul|div|p)\b[^>]*(?:class="[^"]*(?:errorlist|form-errors)[^"]*"|role="alert")[^>]*>'
    r"(.*?)</\1>",
    re.S,
)


def error_messages(html: str) -> list[str]:
    """The text of error lists and alerts: what the page tells a person went wrong."""
    texts = (unescape(re.sub(r"<[^>]+>", " ", match[1])) for match in _ERRORS.findall(html))
    return [" ".join(text.split()) for text in texts if text.strip()]


def has_nul(query: dict) -> bool:
    """Whether a query holds a NUL anywhere (the middleware refuses those with 400)."""
    values = [query] if isinstance(query, str) else [*query.keys(), *query.values()]
    return any("\x00" in (value if isinstance(value, str) else "".join(map(str, value)))
               for value in values)  # fmt: skip


def assert_told_why(response) -> None:
    body = response.content.decode("utf-8", "replace")
    status = response.status_code
    if status == 404:
        assert "There is nothing here" in body or "This join code does not work" in body
    elif status == 429:
        assert "Too many" in body
    elif status == 403:
        assert "Forbidden" in body or error_messages(body)
    elif status in (400, 502) and "Not registered" in body:
        # templates/lti/registered.html: a dynamic registration refused, and why
        assert error_messages(body), body[:300]
    elif status == 400 and response["Content-Type"].startswith("text/plain"):
        # The export's filters; a live page's poll with a token this site did not make.
        said = r"(The export's filters are not right|The page's token is not one this site made)"
        assert re.match(said + r": \S", body), body[:300]
    elif status == 400:
        # templates/400.html: Django's answer to a body it cannot parse, or a NUL's
        assert "That request could not be read" in body
    else:
        assert status in (200, 422), f"unexpected {status}"
        assert error_messages(body), f"{status} with no message on the page"


def assert_refused(response, before: dict) -> None:
    assert_told_why(response)
    assert snapshot() == before, "a refused request changed the database"


def is_redirect_home(response) -> bool:
    """A redirect to a page of this site: a path (`next=0` is a relative one), never a
    scheme, `//host` or `/\\host`."""
    location = response.get("Location", "")
    same_site = re.match(r"(?![a-zA-Z][a-zA-Z0-9+.-]*:)(?![/\\]{2})(?!/\\)", location)
    return response.status_code == 302 and bool(location) and same_site is not None


# Fixtures ---------------------------------------------------------------------------


@pytest.fixture
def assignment(classroom, document, make_assignment):
    return make_assignment(
        classroom,
        title="Stalin's aims",
        documents=[document],
        min_highlights=1,
        suggested_tags=["motive"],
        visibility=Assignment.Visibility.CLASS,
    )


@pytest.fixture
def own_highlight(student, make_highlight):
    return make_highlight(student, PHRASE, note="Before.", tags=["motive"])


@pytest.fixture
def classmates_highlight(classmate, make_highlight):
    return make_highlight(classmate, PHRASE)  # private


@pytest.fixture
def shared_work(student, assignment, make_highlight):
    """The student's highlight, shared with the class in the assignment."""
    return make_highlight(
        student, "Gimpo airfield", visibility="class", note="Where?", assignment=assignment
    )


# The reading view: the editor, its selection, edit, delete ---------------------------

NEW_HIGHLIGHT = [
    *["start", "end", "exact", "prefix", "suffix", "revision", "client_key"],
    *["note", "tags", "visibility", "assignment", "glossary_entries", "is_question"],
]


@pytest.mark.usefixtures("glossary")
@hostile
@given(changes=edits(*NEW_HIGHLIGHT), htmx=st.booleans())
# Hidden fields, filled in by the page: their errors have no field beside which to show.
@example(changes={"client_key": "not-a-uuid"}, htmx=False)
@example(changes={"prefix": "x" * 65}, htmx=True)
@example(changes={"assignment": "99999999999999999999"}, htmx=False)
@example(changes={"start": DROP, "end": "-1"}, htmx=True)
def test_it_refuses_a_tampered_new_highlight_with_a_reason(
    document, student, assignment, changes, htmx
):
    valid = selection(document, PHRASE, assignment=str(assignment.pk))
    data = edited(valid, changes)
    client = client_for(student)
    with rolled_back():
        before = snapshot()
        url = f"/documents/{document.slug}/highlights/new/"
        response = client.post(url, data, headers=FROM_PANEL if htmx else {})
        made = Highlight.objects.filter(owner=student).first()
        if made is not None:
            assert response.status_code == (200 if htmx else 302)
            assert made.note == last(data.get("note", "")).rstrip()
            assert made.exact == document.text[made.start : made.end]
        else:
            assert response.status_code == 422
            assert_refused(response, before)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"client_key": "not-a-uuid"}, "The selection did not come through."),
        ({"prefix": "x" * 65}, "The selection did not come through."),
        ({"revision": "one"}, "The selection did not come through."),
        (
            {"assignment": "999999"},
            "That is not an assignment of yours that includes this article.",
        ),
    ],
)
def test_a_damaged_hidden_field_is_explained_above_the_editor(document, student, changes, message):
    url = f"/documents/{document.slug}/highlights/new/"
    response = client_for(student).post(url, selection(document, **changes), headers=FROM_PANEL)
    assert response.status_code == 422
    assert any(message in text for text in error_messages(response.content.decode()))
    assert not Highlight.objects.exists()


SELECTION_QUERY = {
    "start": "0",
    "end": "6",
    "exact": "Stalin",
    "revision": "1",
    "paragraph": "2",
    "first_sentence": "1",
    "last_sentence": "2",
    "assignment": "",
    "client_key": str(uuid.UUID(int=1)),
    "note": "",
    "tags": "",
    "visibility": "private",
}


@pytest.mark.usefixtures("glossary")
@hostile
@given(changes=edits(*SELECTION_QUERY))
def test_the_editors_selection_query_opens_the_editor_or_says_why(
    document, student, assignment, changes
):
    query = edited({**SELECTION_QUERY, "assignment": str(assignment.pk)}, changes)
    client = client_for(student)
    with rolled_back():
        before = snapshot()
        response = client.get(f"/documents/{document.slug}/highlights/new/", query)
        assert response.status_code == (400 if has_nul(query) else response.status_code)
        assert response.status_code in (200, 400, 422)
        if response.status_code != 200:
            assert_told_why(response)
        assert snapshot() == before


EDIT = {"note": "A note.", "tags": "motive", "visibility": "private", "glossary_entries": []}


@pytest.mark.usefixtures("glossary")
@hostile
@given(changes=edits(*EDIT), htmx=st.booleans())
def test_it_refuses_a_tampered_edit_with_a_reason(own_highlight, changes, htmx):
    data = edited(EDIT, changes)
    client = client_for(own_highlight.owner)
    with rolled_back():
        before = snapshot()
        url = f"/highlights/{own_highlight.pk}/edit/"
        response = client.post(url, data, headers=FROM_PANEL if htmx else {})
        if response.status_code in (200, 302):
            own_highlight.refresh_from_db()
            assert own_highlight.note == last(data.get("note", "")).rstrip()
        else:
            assert_refused(response, before)


@hostile
@given(changes=edits("assignment"), htmx=st.booleans())
@example(changes={"assignment": "99999999999999999999"}, htmx=False)
@example(changes={"assignment": DROP}, htmx=True)
@example(changes={"assignment": "the other class's"}, htmx=False)
def test_it_refuses_a_tampered_move_into_an_assignment_with_a_reason(
    own_highlight, assignment, other_classroom, make_assignment, document, changes, htmx
):
    elsewhere = make_assignment(other_classroom, documents=[document])
    if changes.get("assignment") == "the other class's":
        changes = {"assignment": str(elsewhere.pk)}
    data = edited({"assignment": str(assignment.pk)}, changes)
    client = client_for(own_highlight.owner)
    with rolled_back():
        before = snapshot()
        url = f"/highlights/{own_highlight.pk}/move/"
        response = client.post(url, data, headers=HTMX if htmx else {})
        own_highlight.refresh_from_db()
        if response.status_code in (200, 302):
            assert own_highlight.assignment == assignment  # the one it could be moved into
        else:
            assert_refused(response, before)
            assert own_highlight.assignment is None


@hostile
@given(
    pk=st.one_of(path_id, st.just("the classmate's")),
    action=st.sampled_from(["", "edit/", "delete/", "hide/", "replies/", "move/", "marks/"]),
)
def test_a_highlight_address_with_a_bad_id_changes_nothing(
    student, classmates_highlight, pk, action
):
    if pk == "the classmate's":
        pk = classmates_highlight.pk
    client = client_for(student)
    with rolled_back():
        before = snapshot()
        for method in (client.get, client.post):
            response = method(f"/highlights/{pk}/{action}", {"text": "Hi", "hidden": "1"})
            assert response.status_code in (400, 403, 404, 405)
            assert snapshot() == before
            if response.status_code != 405:
                assert_told_why(response)


# Tags ---------------------------------------------------------------------------------


@hostile
@given(slug=hostile_text.filter(lambda text: text and "/" not in text and len(text) < 2000))
@example(slug="a\x00b")
def test_a_tag_page_for_any_name_is_found_or_not_found(own_highlight, slug):
    response = client_for(own_highlight.owner).get(f"/tags/{quote_from_bytes(slug.encode())}/")
    assert response.status_code == (400 if "\x00" in slug else response.status_code)
    assert response.status_code in (200, 400, 404)
    if response.status_code != 200:
        assert_told_why(response)


@hostile
@given(changes=edits("tags", "assignment"))
@example(changes={"tags": "mot\x00"})
def test_tag_suggestions_answer_any_typing(assignment, own_highlight, changes):
    query = edited({"tags": "mot", "assignment": str(assignment.pk)}, changes)
    response = client_for(own_highlight.owner).get("/tag-suggestions/", query)
    if has_nul(query):
        assert response.status_code == 400  # refused before it reaches the database
        assert_told_why(response)
        return
    assert response.status_code == 200
    assert b"<script" not in response.content


@pytest.mark.parametrize(("existing", "new"), [("ß", "\u1e9e"), ("k", "\u212a"), ("i", "\u0130")])
def test_a_tag_that_differs_from_another_only_in_case_is_saved(
    document, student, make_highlight, existing, new
):
    make_highlight(student, "Gimpo airfield", tags=[existing])
    url = f"/documents/{document.slug}/highlights/new/"
    response = client_for(student).post(url, selection(document, tags=new))
    assert response.status_code == 302


# The glossary ---------------------------------------------------------------------------

ENTRY = {
    "kind": "person",
    "name": "Zed Quill",
    "slug": "",
    "summary": "A name made up for this test.",
    "aliases": "Zed Quill",
    "short_forms": "",
    "other_names": "",
    "wikidata": "",
    "born": "1912",
    "died": "1994-07-08",
    "latitude": "",
    "longitude": "",
}


@pytest.mark.usefixtures("glossary", "classroom")
@hostile
@given(changes=edits(*ENTRY))
def test_it_refuses_a_tampered_new_glossary_entry_with_a_reason(teacher, changes):
    data = edited(ENTRY, changes)
    client = client_for(teacher)
    with rolled_back():
        before = snapshot()
        response = client.post("/glossary/new/", data)
        if is_redirect_home(response):
            entry = GlossaryEntry.objects.get(slug=response["Location"].split("/")[2])
            assert entry.summary == last(data["summary"]).strip()
        else:
            assert_refused(response, before)


@pytest.mark.usefixtures("glossary", "classroom")
@hostile
@given(changes=edits(*ENTRY), htmx=st.booleans())
def test_it_refuses_a_tampered_glossary_edit_with_a_reason(teacher, changes, htmx):
    data = edited(ENTRY, changes)
    client = client_for(teacher)
    with rolled_back():
        before = snapshot()
        response = client.post("/glossary/joseph-stalin/edit/", data, headers=HTMX if htmx else {})
        if response.status_code == 200 and htmx:
            assert response["HX-Redirect"].startswith("/glossary/")
        elif not is_redirect_home(response):
            assert_refused(response, before)


@pytest.mark.usefixtures("glossary", "classroom")
@hostile
@given(absorbed=st.one_of(change, path_id), confirmed=st.one_of(st.just("1"), change))
def test_it_refuses_a_tampered_merge_with_a_reason(teacher, absorbed, confirmed):
    data = {} if absorbed is DROP else {"absorbed": absorbed}
    if confirmed is not DROP:
        data["confirmed"] = confirmed
    client = client_for(teacher)
    with rolled_back():
        before = snapshot()
        response = client.post("/glossary/joseph-stalin/merge/", data)
        if response.status_code == 200 and "What moves to" in response.content.decode():
            assert snapshot() == before, "the step that asks for confirmation changed something"
        elif not is_redirect_home(response):
            assert_refused(response, before)


# Classes and assignments ---------------------------------------------------------------


@hostile
@given(changes=edits("name"))
def test_it_refuses_a_tampered_class_with_a_reason(teacher, changes):
    data = edited({"name": "History 103"}, changes)
    client = client_for(teacher)
    with rolled_back():
        before = snapshot()
        response = client.post("/classes/new/", data)
        if is_redirect_home(response):
            made = Classroom.objects.get(pk=response["Location"].split("/")[2])
            assert made.name == " ".join(last(data["name"]).split())
        else:
            assert_refused(response, before)


@hostile
@given(changes=edits("code"))
def test_it_refuses_a_tampered_join_code_with_a_reason(classroom, outsider, changes):
    data = edited({"code": classroom.join_code.lower()}, changes)
    client = client_for(outsider)
    with rolled_back():
        before = snapshot()
        response = client.post("/join/", data)
        if is_redirect_home(response):
            # Only the class's own code, however spaced, hyphenated or cased, leads on.
            typed = "".join(last(data["code"]).replace("-", " ").split()).upper()
            assert typed == classroom.join_code
            assert response["Location"] == f"/join/{classroom.join_code}/"
        else:
            assert_refused(response, before)


SIGN_UP = {
    "name": "Ji-woo Han",
    "username": "jiwoo",
    "email": "",
    "password1": "pusan-perimeter-1950",
    "password2": "pusan-perimeter-1950",
}


@hostile
@given(changes=edits(*SIGN_UP))
def test_it_refuses_a_tampered_sign_up_with_a_reason(classroom, changes):
    data = edited(SIGN_UP, changes)
    client = client_for(None)
    with rolled_back():
        before = snapshot()
        response = client.post(f"/join/{classroom.join_code}/", data)
        if is_redirect_home(response):
            made = get_user_model().objects.get(pk=client.session["_auth_user_id"])
            assert made.memberships.get().classroom == classroom
            assert made.check_password(last(data["password1"]))
        else:
            assert_refused(response, before)


@hostile
@given(name=st.one_of(hostile_text, st.lists(hostile_text, min_size=2, max_size=3)))
def test_a_user_name_is_suggested_for_any_name(classroom, name):
    response = client_for(None).get(f"/join/{classroom.join_code}/user-name/", {"name": name})
    if has_nul({"name": name}):
        assert response.status_code == 400  # the middleware's, before any view
        return
    assert response.status_code == 200
    suggestion = re.search(r"<strong>([^<]+)</strong>", response.content.decode())
    if suggestion:  # readable and safe: lower-case letters, digits, dots and hyphens
        assert re.fullmatch(r"[a-z0-9][a-z0-9.-]*", suggestion[1])


@hostile
@given(
    roster=st.one_of(hostile_text, st.lists(hostile_text, min_size=1, max_size=8).map("\n".join))
)
@example(roster="Ana, ana@example.org, 1\nBen,,2")
@example(roster="\r0")  # a lone carriage return once broke the CSV reader
def test_a_roster_of_anything_makes_accounts_or_says_why(teacher, classroom, roster):
    client = client_for(teacher)
    with rolled_back():
        before = snapshot()
        response = client.post(f"/classes/{classroom.pk}/students/new/", {"students": roster})
        if response.status_code == 200:
            made = classroom.memberships.filter(role="student").count() - 2
            assert made == response.content.decode().count('class="login-card"') > 0
        else:
            assert_refused(response, before)


# "Import annotations": a file of anything, shaped like annotations or not.
IMPORT_KEYS = [
    *["@context", "id", "type", "motivation", "creator", "created", "modified", "generator"],
    *["uri", "text", "tags", "user", "references", "permissions", "rows", "items"],
    *["target", "source", "selector", "exact", "prefix", "suffix", "start", "end"],
    *["body", "purpose", "value", "nickname", "korea:visibility", "korea:inReplyTo"],
]
json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    hostile_text,
    st.sampled_from(
        [
            "Stalin was hardly surprised.",
            "TextQuoteSelector",
            "TextPositionSelector",
            "replying",
            "urn:uuid:00000000-0000-0000-0000-000000000000",
            "acct:student@hypothes.is",
            "https://x.example/documents/stalin-and-korean-war/",
        ]
    ),
)
json_value = st.recursive(
    json_leaf,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(IMPORT_KEYS), hostile_text), inner, max_size=6),
    ),
    max_leaves=25,
)


def import_file(content: bytes) -> BytesIO:
    sent = BytesIO(content)
    sent.name = "work.json"
    return sent


@hostile
@given(
    content=st.one_of(
        st.binary(max_size=300),
        json_value.map(lambda value: json.dumps(value).encode()),
        json_value.map(lambda value: json.dumps({"rows": [value]}).encode()),
    )
)
@example(
    content=b'{"rows": [{"uri": "x", "target": [{"selector": [{"type": "TextQuoteSelector"}]}]}]}'
)
@example(content=b'[{"target": {"selector": {"type": "TextQuoteSelector", "exact": 5}}}]')
@example(content=b'[{"motivation": "replying", "target": [], "body": "x"}]')
def test_an_annotations_file_of_anything_is_imported_or_refused_with_a_reason(
    teacher, classroom, document, content
):
    client = client_for(teacher)
    with rolled_back():
        before = snapshot()
        response = client.post(f"/classes/{classroom.pk}/import/", {"file": import_file(content)})
        if response.status_code == 200:  # read: what became of each annotation is listed
            assert "What was imported" in response.content.decode()
        else:
            assert_refused(response, before)


@hostile
@given(
    user_id=st.one_of(path_id, st.sampled_from(["the student's", "the outsider's"])),
    changes=edits("unexpected"),
)
def test_unlocking_any_student_id_unlocks_the_student_or_says_why(
    teacher, classroom, student, outsider, user_id, changes
):
    ids = {"the student's": student.pk, "the outsider's": outsider.pk}
    client = client_for(teacher)
    with rolled_back():
        for user in (student, outsider):
            LogInLock.objects.create(
                username=user.username, password_fingerprint=user.get_session_auth_hash()
            )
        before = snapshot()
        url = f"/classes/{classroom.pk}/students/{ids.get(user_id, user_id)}/unlock/"
        response = client.post(url, edited({}, changes))
        if user_id == "the student's":
            assert is_redirect_home(response)
            assert list(LogInLock.objects.values_list("username", flat=True)) == ["outsider"]
        else:
            assert response.status_code in (400, 404)
            assert_refused(response, before)


@hostile
@given(changes=edits("name", "join_enabled", "join_code_expires", "time_zone"))
def test_it_refuses_tampered_class_settings_with_a_reason(teacher, classroom, changes):
    valid = {"name": "History 101 B", "join_enabled": "on", "time_zone": "America/New_York"}
    data = edited(valid, changes)
    client = client_for(teacher)
    with rolled_back():
        before = snapshot()
        response = client.post(f"/classes/{classroom.pk}/settings/", data)
        if not is_redirect_home(response):
            assert_refused(response, before)


@pytest.fixture
def class_work(student, assignment, make_highlight):
    """History 101's work tagged "motive" and "evidence", for its tag page."""
    return make_highlight(student, PHRASE, tags=["motive", "evidence"], assignment=assignment)


@hostile
@given(changes=edits("new_name"), htmx=st.booleans())
@example(changes={"new_name": "Motive"}, htmx=False)  # a change of case only
@example(changes={"new_name": "\u212a"}, htmx=True)
def test_renaming_a_class_tag_to_anything_renames_it_or_says_why(
    teacher, classroom, class_work, changes, htmx
):
    data = edited({"new_name": "cause"}, changes)
    tag = Tag.objects.get(name="motive")
    client = client_for(teacher)
    with rolled_back():
        before = snapshot()
        response = client.post(
            f"/classes/{classroom.pk}/tags/{tag.pk}/rename/", data, headers=HTMX if htmx else {}
        )
        if response.status_code == 302 or "HX-Redirect" in response:
            names = set(class_work.tags.names())
            assert "evidence" in names and len(names) == 2, names  # renamed, none lost
            assert TaggedHighlight.objects.count() == 2
        else:
            assert_refused(response, before)


@hostile
@given(into=st.one_of(change, path_id), tag_id=st.one_of(st.just("motive"), path_id))
def test_merging_a_class_tag_into_anything_merges_it_or_says_why(
    teacher, classroom, class_work, into, tag_id
):
    data = {} if into is DROP else {"into": into}
    if tag_id == "motive":
        tag_id = Tag.objects.get(name="motive").pk
    client = client_for(teacher)
    with rolled_back():
        before = snapshot()
        response = client.post(f"/classes/{classroom.pk}/tags/{tag_id}/merge/", data)
        if is_redirect_home(response):
            assert list(class_work.tags.names()) == ["evidence"]
        else:
            assert_refused(response, before)


@hostile
@given(changes=edits("suggested_tags"))
def test_a_classs_suggested_tags_take_anything_or_say_why(teacher, classroom, changes):
    data = edited({"suggested_tags": "cause, motive"}, changes)
    client = client_for(teacher)
    with rolled_back():
        before = snapshot()
        response = client.post(f"/classes/{classroom.pk}/tags/", data)
        if is_redirect_home(response):
            classroom.refresh_from_db()
            assert all(0 < len(name) <= 50 for name in classroom.suggested_tags)
        else:
            assert_refused(response, before)


@hostile
@given(changes=edits("school", "message"))
def test_it_refuses_a_tampered_request_to_teach_with_a_reason(student, changes):
    data = edited({"school": "Busan High", "message": "History"}, changes)
    client = client_for(student)
    with rolled_back():
        before = snapshot()
        response = client.post("/accounts/teach/", data)
        if not is_redirect_home(response):
            assert_refused(response, before)


@hostile
@given(changes=edits("password", "new_password1", "new_password2"))
def test_account_pages_refuse_tampered_passwords_with_a_reason(student, changes):
    client = client_for(student)
    for url, valid in (
        ("/accounts/delete/", {"password": PASSWORD}),
        (
            "/accounts/password/set/",
            {"new_password1": "inchon-1950", "new_password2": "inchon-1950"},
        ),
    ):
        data = edited(valid, changes)
        with rolled_back():
            before = snapshot()
            response = client.post(url, data)
            if not is_redirect_home(response):
                assert_refused(response, before)
        client.force_login(student)  # the account is back: a deletion was rolled back


@hostile
@given(changes=edits("time_zone"))
@example(changes={"time_zone": "America/New_York "})
@example(changes={"time_zone": "../../etc/passwd"})
def test_it_refuses_a_tampered_time_zone_with_a_reason(student, changes):
    data = edited({"time_zone": "Asia/Seoul"}, changes)
    client = client_for(student)
    with rolled_back():
        before = snapshot()
        response = client.post("/accounts/", data)
        if response.status_code == 302:
            assert Account.objects.get(user=student).time_zone == last(data["time_zone"])
        else:
            assert_refused(response, before)


@hostile
@given(changes=edits("time_zone"))
def test_a_tampered_time_zone_at_log_in_logs_in_and_is_not_kept(student, changes):
    data = edited({"username": student.username, "password": PASSWORD}, changes)
    with rolled_back():
        response = Client(raise_request_exception=True).post("/accounts/login/", data)
        assert response.status_code in (302, 400)  # 400: a NUL anywhere is refused
        zone = Account.objects.filter(user=student).values_list("time_zone", flat=True).first()
        if zone:
            assert zone == last(data.get("time_zone")) and zone in time_zone_names()


TOKEN = {"name": "Zotero", "scope": "read", "expires": "30"}


@hostile
@given(changes=edits(*TOKEN))
@example(changes={"expires": "36500"})
@example(changes={"scope": "READ"})
def test_a_new_access_token_takes_anything_or_says_why(student, changes):
    data = edited(TOKEN, changes)
    client = client_for(student)
    with rolled_back():
        before = snapshot()
        response = client.post("/accounts/tokens/", data)
        if is_redirect_home(response):
            token = AccessToken.objects.get()
            assert token.name == " ".join(last(data["name"]).split())
            assert (token.expires - token.created).days in (7, 30, 90, 365)
        else:
            assert_refused(response, before)


@hostile
@given(pk=st.one_of(path_id, st.just("the classmate's")))
def test_a_token_address_with_a_bad_id_changes_nothing(student, classmate, pk):
    client = client_for(student)
    with rolled_back():
        theirs, _ = create_token(owner=classmate, name="Theirs", scope="read", days=7)
        pk = theirs.pk if pk == "the classmate's" else pk
        before = snapshot()
        for method in (client.get, client.post):
            response = method(f"/accounts/tokens/{pk}/revoke/")
            assert response.status_code in (400, 404)
            assert snapshot() == before
            assert_told_why(response)


@hostile
@given(header=st.one_of(hostile_text, hostile_text.map(lambda text: f"Bearer {text}")))
@example(header="Bearer")
@example(header="Bearer kr_" + "\x00" * 43)
@example(header="bEaReR   kr_abc  ")
def test_any_authorization_header_is_refused_with_a_reason_or_ignored(student, header):
    with rolled_back():
        before = snapshot()
        response = client_for(None).get(
            "/export/annotations.jsonld", headers={"Authorization": header}
        )
        if response.status_code == 401:
            body = response.json()
            assert body["error"] == "invalid_token" and body["error_description"]
            assert response["WWW-Authenticate"] == 'Bearer error="invalid_token"'
        else:  # not a Bearer token: the request is anonymous's, sent to log in
            assert response.status_code == 302 and response.url.startswith("/accounts/login/")
        assert snapshot() == before


ASSIGNMENT = {
    "title": "Read closely",
    "instructions": "Two passages.",
    "documents": [],
    "due": "2030-06-01T09:00",
    "min_highlights": "2",
    "suggested_tags": "motive",
    "required_entries": [],
    "visibility": "class",
}


@hostile
@given(changes=edits(*ASSIGNMENT))
@example(changes={"due": "9999-12-31T23:59", "min_highlights": "32768"})
def test_it_refuses_a_tampered_assignment_with_a_reason(document, teacher, classroom, changes):
    data = edited({**ASSIGNMENT, "documents": [str(document.pk)]}, changes)
    client = client_for(teacher)
    with rolled_back():
        before = snapshot()
        response = client.post(f"/classes/{classroom.pk}/assignments/new/", data)
        if is_redirect_home(response):
            made = Assignment.objects.get(pk=response["Location"].split("/")[2])
            assert made.instructions == last(data.get("instructions", "")).strip()
        else:
            assert_refused(response, before)


@hostile
@given(changes=edits(*ASSIGNMENT))
@example(changes={"documents": ["1", "1", "-1"], "due": "2030-02-30T09:00"})
def test_deep_linking_refuses_a_tampered_assignment_with_a_reason(documents, lti_platform, changes):
    from tests.lti_platform import deep_link

    client = Client(raise_request_exception=True)
    assert deep_link(client, lti_platform).url == "/lti/deep-link/"
    data = edited({**ASSIGNMENT, "documents": [str(d.pk) for d in documents.values()]}, changes)
    with rolled_back():
        before = snapshot()
        response = client.post("/lti/deep-link/", data)
        if response.status_code == 200 and b'id="lti-deep-link-return"' in response.content:
            made = Assignment.objects.get()
            assert made.instructions == last(data.get("instructions", "")).strip()
        else:
            assert_refused(response, before)


# Moderation: hiding and replying -------------------------------------------------------


@hostile
@given(changes=edits("text", "hidden"))
def test_hide_and_reply_take_anything_or_say_why(teacher, shared_work, changes):
    data = edited({"text": "Which date does the cable give?", "hidden": "1"}, changes)
    client = client_for(teacher)
    with rolled_back():
        before = snapshot()
        response = client.post(f"/highlights/{shared_work.pk}/replies/", data)
        if is_redirect_home(response):
            assert Reply.objects.get().text == last(data["text"]).strip()
        else:
            assert_refused(response, before)
        response = client.post(f"/highlights/{shared_work.pk}/hide/", data)
        assert is_redirect_home(response)
        hidden = ClassHide.objects.filter(highlight=shared_work).exists()
        assert hidden == (last(data.get("hidden")) != "0")


# Questions: "Same question" and "Helpful", and the answer ------------------------------


@pytest.fixture
def asked(shared_work):
    """The student's shared highlight, made a question."""
    Highlight.objects.filter(pk=shared_work.pk).update(is_question=True)
    shared_work.is_question = True
    return shared_work


@hostile
@given(changes=edits("kind", "pressed"), htmx=st.booleans())
@example(changes={"kind": "SAME_QUESTION"}, htmx=False)
@example(changes={"pressed": "true"}, htmx=True)
def test_marks_take_anything_or_say_why(classmate, asked, changes, htmx):
    data = edited({"kind": "same_question", "pressed": "1"}, changes)
    client = client_for(classmate)
    with rolled_back():
        before = snapshot()
        response = client.post(f"/highlights/{asked.pk}/marks/", data, headers=HTMX if htmx else {})
        if response.status_code == 422:
            assert_refused(response, before)
        else:
            assert response.status_code == (200 if htmx else 302)
            marked = HighlightMark.objects.filter(highlight=asked, person=classmate)
            assert list(marked.values_list("kind", flat=True)) == (
                [last(data["kind"])] if last(data["pressed"]) == "1" else []
            )


@hostile
@given(changes=edits("answer"))
def test_an_answer_takes_anything_and_marks_or_unmarks(teacher, classroom, asked, changes):
    data = edited({"answer": "1"}, changes)
    reply = Reply.objects.create(
        highlight=asked, author=teacher, text="The cable.", classroom=classroom
    )
    client = client_for(teacher)
    with rolled_back():
        response = client.post(f"/replies/{reply.pk}/answer/", data)
        assert is_redirect_home(response)
        reply.refresh_from_db()
        assert reply.is_answer == (last(data.get("answer")) != "0")


@hostile
@given(pk=path_id)
def test_an_answer_address_with_a_bad_id_changes_nothing(teacher, asked, pk):
    client = client_for(teacher)
    with rolled_back():
        before = snapshot()
        response = client.post(f"/replies/{pk}/answer/", {"answer": "1"})
        assert response.status_code in (400, 404)
        assert_refused(response, before)


@hostile
@given(changes=edits("text", "parent"))
@example(changes={"parent": "9" * 30})
@example(changes={"parent": "\x00"})
def test_a_classmates_reply_or_answer_takes_anything_or_says_why(
    classmate, classroom, student, shared_work, changes
):
    client = client_for(classmate)
    with rolled_back():
        asked = Reply.objects.create(
            highlight=shared_work, author=student, text="Which cable?", classroom=classroom
        )
        data = edited({"text": "The one of 14 May.", "parent": str(asked.pk)}, changes)
        before = snapshot()
        response = client.post(f"/highlights/{shared_work.pk}/replies/", data)
        if is_redirect_home(response):
            made = Reply.objects.exclude(pk=asked.pk).get()
            assert made.text == last(data["text"]).strip()
            assert made.parent_id in (None, asked.pk)
        else:
            assert_refused(response, before)


@hostile
@given(changes=edits("text"), htmx=st.booleans())
def test_editing_a_reply_takes_anything_or_says_why(
    classmate, classroom, shared_work, changes, htmx
):
    data = edited({"text": "Which cable, in fact?"}, changes)
    client = client_for(classmate)
    with rolled_back():
        reply = Reply.objects.create(
            highlight=shared_work, author=classmate, text="Which cable?", classroom=classroom
        )
        before = snapshot()
        response = client.post(f"/replies/{reply.pk}/edit/", data, headers=HTMX if htmx else {})
        reply.refresh_from_db()
        if response.status_code in (200, 302):
            assert reply.text == last(data["text"]).strip()
        else:
            assert_refused(response, before)


@hostile
@given(pk=path_id, action=st.sampled_from(["edit/", "delete/"]))
def test_a_reply_address_with_a_bad_id_changes_nothing(
    classmate, classroom, shared_work, pk, action
):
    client = client_for(classmate)
    with rolled_back():
        # Not the classmate's: should the id be its own, it is 403, not a change.
        Reply.objects.create(
            highlight=shared_work, author=shared_work.owner, text="Theirs", classroom=classroom
        )
        before = snapshot()
        for method in (client.get, client.post):
            response = method(f"/replies/{pk}/{action}", {"text": "Hi"})
            assert response.status_code in (400, 403, 404)
            assert snapshot() == before
            assert_told_why(response)


@hostile
@given(changes=edits("hidden"))
def test_hide_all_of_a_students_highlights_takes_anything_or_says_why(
    teacher, classroom, student, shared_work, changes
):
    data = edited({"hidden": "1"}, changes)
    client = client_for(teacher)
    with rolled_back():
        before = snapshot()
        response = client.post(f"/classes/{classroom.pk}/students/{student.pk}/hide/", data)
        if is_redirect_home(response):
            hidden = ClassHide.objects.filter(highlight=shared_work).exists()
            assert hidden == (last(data["hidden"]) == "1")
        else:
            assert_refused(response, before)


# Notifications and the live reading view ------------------------------------------------


@hostile
@given(page=change, junk=st.dictionaries(hostile_text.filter(bool), hostile_text, max_size=2))
@example(page="9" * 5000, junk={})
def test_the_notifications_page_takes_any_page_and_mark_all_read_any_body(
    teacher, student, classroom, shared_work, page, junk
):
    client = client_for(student)
    query = {**junk} if page is DROP else {**junk, "page": page}
    with rolled_back():
        add_reply(highlight=shared_work, author=teacher, text="Where?", classroom=classroom.pk)
        response = client.get("/notifications/", query)
        if has_nul(query):
            assert response.status_code == 400
            assert_told_why(response)
            return
        assert response.status_code == 200
        response = client.post("/notifications/read/", query)
        assert is_redirect_home(response)
        assert not Notification.objects.unread().exists()


@hostile
@given(changes=edits("since", "hidden", "key"), in_assignment=st.booleans())
@example(changes={"since": "1" * 19 + ".0"}, in_assignment=False)
@example(changes={"since": "\uff11.\uff12"}, in_assignment=True)
def test_a_live_pages_poll_takes_any_token_or_says_why(
    document, student, classmate, assignment, shared_work, make_highlight, changes, in_assignment
):
    """No write limit: a poll writes nothing (it is a GET). With the page's key or any
    other, answered before the session (annotations.live.PollShortcut) or by the view."""
    url = f"/documents/{document.slug}/changes/"
    if in_assignment:
        url = f"/assignments/{assignment.pk}/documents/{document.slug}/changes/"
    assignment_id = assignment.pk if in_assignment else None
    key = poll_key(classmate.pk, document.pk, assignment_id, url)  # the page's own
    query = edited({"since": "0.0", "hidden": "1", "key": key}, changes)
    client = client_for(classmate)
    with rolled_back():
        before = snapshot()
        response = client.get(url, query)
        assert snapshot() == before
        if response.status_code in (200, 304):
            assert isinstance(Since.parse(response["Live-Since"]), Since)
        else:
            assert response.status_code == 400
            assert_told_why(response)


# Grades for the LMS: "Send grades" ------------------------------------------------------


@pytest.fixture
def in_lms(assignment, student, classmate):
    """The assignment, linked to an LMS course the student and classmate launched from."""
    return link_to_lms(assignment, student, classmate).assignment


@hostile
@given(changes=edits("confirm"), pk=st.one_of(st.none(), path_id))
def test_send_grades_takes_any_body_or_address_and_queues_or_says_why(teacher, in_lms, changes, pk):
    assignment = in_lms
    client = client_for(teacher)
    with rolled_back():
        before = snapshot()
        response = client.post(f"/assignments/{pk or assignment.pk}/grades/", edited({}, changes))
        if pk is None or (pk.isascii() and pk.isdigit() and int(pk) == assignment.pk):
            assert is_redirect_home(response)
            assert GradeSend.objects.filter(state="pending").count() == 2
        else:
            assert response.status_code in (400, 404)  # 400: a NUL in the address
            assert_refused(response, before)


# Exports and list pages ----------------------------------------------------------------

EXPORT = {
    "q": "",
    "classroom": "",
    "assignment": "",
    "document": "stalin-and-korean-war",
    "student": "student",
    "tag": "motive",
    "entry": "joseph-stalin",
    "since": "2020-01-01",
    "until": "2040-01-01",
    "excel": "1",
    "mine": "",
}


@hostile
@given(changes=edits(*EXPORT), kind=st.sampled_from([".csv", "-all.csv", ".jsonld"]))
@example(changes={"classroom": "99999999999999999999", "since": "0001-01-01"}, kind=".csv")
@example(changes={"mine": "1"}, kind=".jsonld")
def test_export_filters_export_or_say_why(teacher, assignment, shared_work, changes, kind):
    ids = {"classroom": str(assignment.classroom_id), "assignment": str(assignment.pk)}
    query = edited({**EXPORT, **ids}, changes)
    client = client_for(teacher)
    with rolled_back():
        before = snapshot()
        response = client.get(f"/export/annotations{kind}", query)
        if response.status_code == 200:
            b"".join(response.streaming_content)
        else:
            assert response.status_code == 400
            assert_told_why(response)
        assert snapshot() == before


@pytest.mark.django_db
@hostile
@given(changes=edits("q", "term", "format"))
@example(changes={"term": "revision\x00"})
def test_the_vocabulary_reads_no_input_and_answers_any_query(changes):
    """/ns and /ns.jsonld read nothing from the request: any query gets the same answer."""
    client = client_for(None)
    context = client.get("/ns.jsonld").content
    query = edited({}, changes)
    for path in ("/ns", "/ns.jsonld"):
        response = client.get(path, query)
        if has_nul(query):
            assert response.status_code == 400  # refused before it reaches a view
            assert_told_why(response)
            continue
        assert response.status_code == 200
        assert path == "/ns" or response.content == context


@pytest.mark.usefixtures("glossary")
@hostile
@given(changes=edits("q", "kind"))
@example(changes={"q": "Stal\x00"})
def test_glossary_search_answers_any_query(changes):
    query = edited({"q": "Stalin", "kind": ["person", "place"]}, changes)
    response = client_for(None).get("/glossary/", query)
    if has_nul(query):
        assert response.status_code == 400  # refused before it reaches the database
        assert_told_why(response)
        return
    assert response.status_code == 200


SEARCH = {
    "q": "Gimpo airfield",
    "document": "stalin-and-korean-war",
    "tag": "",
    "entry": "",
    "student": "student",
    "since": "2020-01-01",
    "until": "2040-01-01",
    "page": "1",
}
# websearch_to_tsquery's syntax, misused.
WEBSEARCH_GARBAGE = ['"', "-", "or or", '"unclosed', "- - -", "a or", "!", "&|!", "<->", ":*"]


@hostile
@given(
    changes=st.one_of(
        edits("q", "assignment", *SEARCH),
        st.sampled_from(WEBSEARCH_GARBAGE + ["x" * 10_000]).map(lambda q: {"q": q}),
    )
)
@example(changes={"q": '"'})
@example(changes={"q": "or or"})
@example(changes={"q": "x" * 10_000})
@example(changes={"q": "Gimpo\x00"})
def test_search_answers_any_query_or_says_why(teacher, assignment, shared_work, changes):
    query = edited({**SEARCH, "assignment": str(assignment.pk)}, changes)
    client = client_for(teacher)
    with rolled_back():
        before = snapshot()
        response = client.get("/search/", query)
        body = response.content.decode()
        if has_nul(query):
            assert response.status_code == 400  # refused before it reaches the database
            assert_told_why(response)
        elif "found." not in body:
            assert response.status_code == 200
            assert error_messages(body), "no results and no reason"
        assert snapshot() == before


@hostile
@given(
    at=st.one_of(change, numberish),
    junk=st.dictionaries(hostile_text.filter(bool), hostile_text, max_size=2),
)
def test_list_pages_take_any_parameters(document, teacher, assignment, shared_work, at, junk):
    pages = {
        f"/documents/{document.slug}/highlights/": {} if at is DROP else {"at": at},
        "/highlights/": {},
        f"/assignments/{assignment.pk}/": {},
        f"/assignments/{assignment.pk}/documents/{document.slug}/": {},
        f"/classes/{assignment.classroom_id}/": {},
    }
    client = client_for(teacher)
    with rolled_back():
        before = snapshot()
        for url, query in pages.items():
            response = client.get(url, {**junk, **query})
            if has_nul({**junk, **query}):
                assert response.status_code == 400, url  # a NUL is refused at the door
                continue
            assert response.status_code == 200, url
        assert snapshot() == before


@hostile
@given(student_id=st.one_of(numberish, hostile_text))
@example(student_id="9" * 5000)
def test_a_teacher_narrows_an_article_to_any_student_id_or_is_told_why(
    document, teacher, assignment, student_id
):
    url = f"/assignments/{assignment.pk}/documents/{document.slug}/"
    response = client_for(teacher).get(url, {"student": student_id})
    assert response.status_code in (200, 400, 404)
    if response.status_code != 200:
        assert_told_why(response)


# Installing Korea Reader in an LMS -------------------------------------------------

PLATFORM = {
    **MOODLE,
    "name": "District Moodle",
    "audience": "",
}


@hostile
@given(changes=edits(*PLATFORM))
@example(changes={"issuer": "https://a.example;frame-ancestors *", "client_id": "a\x0bb"})
def test_it_refuses_a_tampered_platform_with_a_reason(staff, changes):
    data = edited(PLATFORM, changes)
    client = client_for(staff)
    with rolled_back():
        before = snapshot()
        response = client.post("/lti/platforms/", data)
        if not is_redirect_home(response):
            assert_refused(response, before)


@hostile
@given(changes=edits("active", "deployment"))
def test_turning_a_platform_on_or_off_takes_anything_or_says_why(staff, changes):
    registration, _ = register_platform(**PLATFORM)
    valid = {"active": "0", "deployment": str(registration.deployments.get().pk)}
    client = client_for(staff)
    with rolled_back():
        before = snapshot()
        response = client.post(f"/lti/platforms/{registration.pk}/", edited(valid, changes))
        if not is_redirect_home(response):
            assert_refused(response, before)


@hostile
@given(changes=edits("key", "openid_configuration", "registration_token"))
@example(changes={"openid_configuration": "https://a.example;script-src *"})
def test_dynamic_registration_takes_any_query_or_says_why(staff, changes):
    """With a good link or without; the configuration URLs here lead nowhere."""
    key = make_link(staff=staff, origin="http://testserver").split("key=")[1]
    valid = {"key": key, "openid_configuration": "https://lms.example.org/openid-configuration"}
    query = edited(valid, changes)
    with rolled_back():
        before = snapshot()
        response = client_for(None).get("/lti/register/", query)
        assert response.status_code in (400, 403, 502) or has_nul(query)
        assert_refused(response, before)
        assert "script-src *" not in response.get("Content-Security-Policy", "")


# Raw requests: bytes that are not UTF-8, surrogates, wrong content types ---------------

FORM_ENCODED = "application/x-www-form-urlencoded"
RAW_QUERIES = [
    "/export/annotations.csv?student=",
    "/search/?q=",
    "/documents/stalin-and-korean-war/highlights/new/?exact=",
    "/documents/stalin-and-korean-war/highlights/?at=",
    "/accounts/login/?next=",
]


@hostile
@given(raw=st.binary(max_size=200), where=st.sampled_from(RAW_QUERIES))
@example(
    raw=b"\xed\xa0\x80", where=RAW_QUERIES[1]
)  # a lone surrogate, in the UTF-8 form UTF-8 forbids
@example(raw=b"\xff\xfe\x00", where=RAW_QUERIES[0])
def test_a_query_string_of_any_bytes_is_answered(documents, teacher, raw, where):
    response = client_for(teacher).get(where + quote_from_bytes(raw))
    assert response.status_code in (200, 400, 422)
    if response.status_code != 200:
        assert_told_why(response)


@hostile
@given(
    body=st.binary(max_size=300).map(lambda raw: b"visibility=private&note=" + raw),
    content_type=st.sampled_from([FORM_ENCODED, "application/json", "multipart/form-data"]),
)
@example(body=b"visibility=private&note=%ED%A0%80%FF%00", content_type=FORM_ENCODED)
@example(body=b"visibility=private&note=%ED%A0%80%FF", content_type=FORM_ENCODED)
def test_a_body_of_any_bytes_is_refused_or_saved_as_text(own_highlight, body, content_type):
    client = client_for(own_highlight.owner)
    with rolled_back():
        before = snapshot()
        url = f"/highlights/{own_highlight.pk}/edit/"
        response = client.generic("POST", url, body, content_type=content_type)
        if response.status_code == 302:
            own_highlight.refresh_from_db()
            # Text the database and every page can hold: no NUL, no lone surrogate.
            assert "\x00" not in own_highlight.note
            own_highlight.note.encode("utf-8")
        else:
            assert response.status_code in (400, 422)
            assert_refused(response, before)


def test_a_file_where_a_note_belongs_is_not_read_as_the_note(own_highlight):
    note = BytesIO(b"<script>alert(1)</script>")
    note.name = "note.html"
    client = client_for(own_highlight.owner)
    response = client.post(
        f"/highlights/{own_highlight.pk}/edit/", {"note": note, "visibility": "private"}
    )
    assert response.status_code == 302
    own_highlight.refresh_from_db()
    assert own_highlight.note == ""


# Logging in ---------------------------------------------------------------------------

LOGIN = {"username": "student", "password": PASSWORD, "next": "/glossary/"}


@hostile
@given(changes=edits(*LOGIN))
@example(changes={"username": "x" * 256, "password": "wrong"})
def test_a_tampered_login_is_refused_with_a_reason(student, changes):
    data = edited(LOGIN, changes)
    client = Client(raise_request_exception=True)
    with rolled_back():
        before = snapshot()
        response = client.post("/accounts/login/", data)
        if response.status_code == 302:
            assert is_redirect_home(response)
        else:
            assert_refused(response, before)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"username": "", "password": PASSWORD}, "User name: This field is required."),
        ({"username": "stu\x00dent", "password": PASSWORD}, "User name: Null characters"),
        ({"username": "student", "password": "\x00"}, "Password: Null characters"),
        ({"username": "student", "password": "wrong"}, "Please enter a correct"),
    ],
)
def test_a_refused_login_says_why(student, data, message):
    client = Client()
    response = client.post("/accounts/login/", data)
    assert response.status_code == 200
    assert any(message in text for text in error_messages(response.content.decode()))
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("header", ["HTTP_USER_AGENT", "HTTP_ACCEPT"])
def test_a_failed_login_with_a_nul_in_a_header_is_refused(student, header):
    client = Client(**{header: "evil\x00"})
    response = client.post("/accounts/login/", {"username": "student", "password": "wrong"})
    assert response.status_code == 200


def test_a_failed_login_with_a_forged_address_is_refused(settings, student):
    settings.BEHIND_TLS_PROXY = True
    client = Client(HTTP_X_FORWARDED_FOR="not-an-address")
    response = client.post("/accounts/login/", {"username": "student", "password": "wrong"})
    assert response.status_code == 200


# LTI: what reaches /lti/login/ and /lti/launch/ is the LMS's (or anyone's) to forge.

GARBAGE_TOKENS = [
    "",
    "not-a-token",
    "a.b.c",
    "eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0.",  # alg none, no signature
    "\u00e9\u00e9.\u00e9\u00e9.\u00e9\u00e9",
    "x" * 100_000 + ".y.z",
    "<script>alert(1)</script>.e30.e30",
]


@pytest.mark.parametrize("token", GARBAGE_TOKENS, ids=range(len(GARBAGE_TOKENS)))
def test_a_garbage_id_token_is_refused_with_a_reason(lti_platform, token):
    from lti_tool.models import LtiUser

    client = client_for(None)
    params = lti_platform.login_params("Learner")
    redirect = client.get("/lti/login/", {**params, "lti1p3_new_window": "1"})
    state = dict(p.split("=", 1) for p in redirect["Location"].split("?", 1)[1].split("&"))["state"]
    before = snapshot()
    response = client.post("/lti/launch/", {"id_token": token, "state": state})
    assert response.status_code in (400, 403)
    assert error_messages(response.content.decode()), "a refusal with no message"
    assert snapshot() == before
    assert not LtiUser.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"state": "state-x"},
        {"id_token": "a.b.c"},
        {"id_token": ["a", "b"], "state": ["1", "2"]},
    ],
    ids=["nothing", "state only", "token only", "repeated"],
)
def test_a_launch_missing_its_fields_is_a_clear_400_or_403(lti_platform, data):
    client = client_for(None)
    before = snapshot()
    response = client.post("/lti/launch/", data)
    assert response.status_code in (400, 403)
    assert error_messages(response.content.decode())
    assert snapshot() == before


def test_a_huge_launch_is_refused_and_changes_nothing(lti_platform):
    client = client_for(None)
    before = snapshot()
    response = client.post("/lti/launch/", {"id_token": "x" * 3_000_000, "state": "s"})
    assert_refused(response, before)


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"iss": "https://unknown.example", "login_hint": "h", "target_link_uri": "x"},
        {"login_hint": "h", "target_link_uri": "http://testserver/lti/launch/"},
        {"iss": "\u00e9" * 5000, "login_hint": "<b>", "target_link_uri": "javascript:1"},
    ],
    ids=["nothing", "unknown issuer", "no issuer", "garbage"],
)
def test_a_bad_lti_login_is_a_clear_400(lti_platform, query):
    for method in ("get", "post"):
        response = getattr(client_for(None), method)("/lti/login/", query)
        assert response.status_code == 400
        assert "The sign-in from the course could not start" in response.content.decode()


# The roster from the LMS (annotations/lti/roster.py): NRPS's answer is the LMS's to get
# wrong; whatever it lists, the sync takes what it can read or says why, never a 500.

member_value = st.one_of(
    hostile_text,
    st.integers(),
    st.none(),
    st.lists(hostile_text, max_size=2),
    st.dictionaries(hostile_text, hostile_text, max_size=2),
)
MEMBER = {
    "user_id": "Learner:ana",
    "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
    "status": "Active",
    "name": "Ana Silva",
    "given_name": "Ana",
    "family_name": "Silva",
}
member_fields = ("user_id", "roles", "status", "name", "given_name", "family_name", "email")
# A member as the LMS should send it, with one to three fields changed, or not a member.
hostile_member = st.one_of(
    st.builds(
        edited,
        st.just(MEMBER),
        st.dictionaries(
            st.sampled_from(member_fields), st.one_of(change, member_value), max_size=3
        ),
    ),
    member_value,
)


@pytest.fixture
def lms_teacher(lti_platform):
    """A teacher launched from the simulator's course: their client and the class."""
    from lti_tool.models import Key

    from annotations.lti.models import ClassLink
    from tests.lti_platform import launch

    lti_platform.tool_jwks = Key.objects.as_jwks()
    client = client_for(None)
    launch(client, lti_platform, "Instructor", login_hint="Instructor:grace")
    return client, ClassLink.objects.get().classroom


@hostile
@given(members=st.lists(hostile_member, max_size=4))
@example(members=[{**MEMBER, "name": "Ana\x00", "family_name": "x" * 100_000}])
@example(members=[{**MEMBER, "user_id": "Learner:ana\x00"}, {**MEMBER, "user_id": "x" * 300}])
@example(members=[{**MEMBER, "roles": "Learner"}, {**MEMBER, "status": None}])
def test_a_roster_of_anything_from_the_lms_syncs_or_says_why(lti_platform, lms_teacher, members):
    client, classroom = lms_teacher
    with rolled_back():
        lti_platform.members = members
        before = snapshot()
        response = client.post(f"/classes/{classroom.pk}/roster/sync/", follow=True)
        page = response.content.decode()
        assert response.status_code == 200
        assert "Roster synced from Test LMS" in page or "could not be read" in page
        if "could not be read" in page:
            assert snapshot() == before
        assert classroom.memberships.filter(role="teacher").exists()


@hostile
@given(pk=path_id, changes=edits("unexpected"))
def test_sync_roster_takes_any_class_id_or_says_why(teacher, classroom, pk, changes):
    client = client_for(teacher)
    with rolled_back():
        before = snapshot()
        response = client.post(f"/classes/{pk}/roster/sync/", edited({}, changes))
        assert response.status_code in (400, 404)  # 400: a NUL in the address
        assert_refused(response, before)


# The Web Annotation Protocol: what a tool POSTs and PUTs to /annotations/ ----------------

json_value = st.one_of(
    hostile_text,
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
    st.lists(hostile_text, max_size=3),
    st.dictionaries(st.sampled_from(["type", "value", "id", "source"]), hostile_text, max_size=2),
)
# Where in an annotation a hostile value goes: (the object it is in, its key).
ANNOTATION_PLACES = {
    "type": ("annotation", "type"),
    "motivation": ("annotation", "motivation"),
    "canonical": ("annotation", "canonical"),
    "bodyValue": ("annotation", "bodyValue"),
    "visibility": ("annotation", "korea:visibility"),
    "question": ("annotation", "korea:question"),
    "assignment": ("annotation", "korea:assignment"),
    "target": ("annotation", "target"),
    "body": ("annotation", "body"),
    "note": ("note", "value"),
    "note_format": ("note", "format"),
    "note_purpose": ("note", "purpose"),
    "tag": ("tag", "value"),
    "source": ("target", "source"),
    "revision": ("target", "korea:revision"),
    "selector": ("target", "selector"),
    "exact": ("quote", "exact"),
    "prefix": ("quote", "prefix"),
    "suffix": ("quote", "suffix"),
    "selector_type": ("quote", "type"),
    "start": ("position", "start"),
    "end": ("position", "end"),
}
annotation_changes = st.dictionaries(
    st.sampled_from(list(ANNOTATION_PLACES)),
    st.one_of(json_value, st.just(DROP)),
    min_size=1,
    max_size=3,
)


def tool_annotation(document, changes: dict) -> dict:
    """A highlight as a tool sends it (tests/test_annotation_protocol.py), changed."""
    start = document.text.index(PHRASE)
    parts = {
        "note": {"type": "TextualBody", "value": "Why?", "purpose": "commenting"},
        "tag": {"type": "TextualBody", "value": "motive", "purpose": "tagging"},
        "quote": {
            "type": "TextQuoteSelector",
            "exact": PHRASE,
            "prefix": document.text[start - 32 : start],
            "suffix": document.text[start + len(PHRASE) : start + len(PHRASE) + 32],
        },
        "position": {"type": "TextPositionSelector", "start": start, "end": start + len(PHRASE)},
    }
    parts["target"] = {
        "source": "http://testserver" + document.get_absolute_url(),
        "selector": [parts["quote"], parts["position"]],
    }
    parts["annotation"] = {
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "type": "Annotation",
        "motivation": "commenting",
        "body": [parts["note"], parts["tag"]],
        "target": parts["target"],
    }
    for name, value in changes.items():
        part, key = ANNOTATION_PLACES[name]
        if value is DROP:
            parts[part].pop(key, None)
        else:
            parts[part][key] = value
    return parts["annotation"]


def assert_refused_in_json(response, before: dict) -> None:
    """A refusal the Protocol explains: a 4xx with `{"error": "..."}`, nothing written."""
    assert 400 <= response.status_code < 500, response.status_code
    said = response.json()["error"]
    assert isinstance(said, str) and said.strip()
    assert snapshot() == before, "a refused request changed the database"


@pytest.mark.usefixtures("glossary")
@hostile
@given(changes=annotation_changes)
@example(changes={"motivation": ["commenting", "tagging"]})
@example(changes={"selector_type": ["TextQuoteSelector"]})
@example(changes={"note_format": ["text/plain"]})
@example(changes={"type": 5})
@example(changes={"source": "http://[::1"})
@example(changes={"note": "Why\x00?"})
@example(changes={"canonical": "urn:uuid:" + "0" * 32 + "\x00"})
@example(changes={"start": 10**30, "end": 10**30 + 5})
def test_a_tools_new_highlight_is_made_or_refused_in_json(document, student, changes):
    data = tool_annotation(document, changes)
    client = client_for(student)
    with rolled_back():
        before = snapshot()
        response = client.post("/annotations/", data, content_type="application/ld+json")
        if response.status_code == 201:
            made = Highlight.objects.get()
            assert made.owner == student
            assert made.exact == made.document.text[made.start : made.end]
            assert response.json()["id"] == f"http://testserver/annotations/{made.client_key}"
        else:
            assert_refused_in_json(response, before)


@hostile
@given(body=st.one_of(st.binary(max_size=200), hostile_text.map(str.encode)))
@example(body=b'{"type": "Annotation", "target": {"source": "\\u0000"}}')
@example(body=b"\xff\xfe{}")
def test_a_body_of_anything_is_refused_in_json(document, student, body):
    client = client_for(student)
    with rolled_back():
        before = snapshot()
        response = client.post("/annotations/", body, content_type="application/json")
        assert_refused_in_json(response, before)


@pytest.mark.usefixtures("glossary")
@hostile
@given(changes=annotation_changes, if_match=st.one_of(st.just("ETAG"), hostile_text))
@example(changes={"bodyValue": None, "body": 0}, if_match="ETAG")
def test_a_tools_edit_is_made_or_refused_in_json(
    document, student, own_highlight, changes, if_match
):
    url = f"/annotations/{own_highlight.client_key}"
    client = client_for(student)
    etag = client.get(url)["ETag"]
    data = tool_annotation(document, changes)
    headers = {"If-Match": etag if if_match == "ETAG" else if_match}
    with rolled_back():
        before = snapshot()
        response = client.put(url, data, content_type="application/ld+json", headers=headers)
        if response.status_code == 200:
            own_highlight.refresh_from_db()
            assert response.json()["id"] == f"http://testserver{url}"
            assert own_highlight.exact == PHRASE  # its target stays
        else:
            assert_refused_in_json(response, before)


@hostile
@given(key=st.one_of(st.uuids().map(str), hostile_text, path_id).filter(bool))  # "": the container
def test_an_annotation_address_of_anything_is_found_or_not(student, own_highlight, key):
    client = client_for(student)
    with rolled_back():
        before = snapshot()
        for method in (client.get, client.delete):
            response = method(f"/annotations/{quote_from_bytes(key.encode())}")
            assert response.status_code in (400, 404)
            assert snapshot() == before
