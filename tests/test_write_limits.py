"""What one account may write: a rate per account for every write (WRITE_LIMITS), and
caps checked in the writes themselves (HIGHLIGHTS_PER_ARTICLE, NEW_TAGS_PER_DAY). Past
one: 429 in the site's own page, or for htmx the message put into the form that was sent,
and nothing changed.

The counters live in the database cache, so each test starts from none.
"""

import re
import uuid

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.converters import IntConverter, SlugConverter, UUIDConverter

from annotations.models import AccessToken, ClassHide, Highlight, Reply, Tag
from annotations.writes import create_highlight
from tests.helpers import FROM_PANEL, PHRASE, add_highlight, make_user, partial_html, place
from tests.helpers import selection as posted

SECOND = "Incheon landing"
THIRD = "Gimpo airfield"

# Views that accept a POST with no write_limit, and why that is safe.
EXEMPT = {
    "login": "django-axes counts failed log-ins (AXES_* settings)",
    "logout": "ends the session, and writes nothing of the account's",
    "password_reset_confirm": "needs the one-time token mailed for the account",
}


def create_url(document) -> str:
    return f"/documents/{document.slug}/highlights/new/"


def limit(settings, name: str, rate: str) -> None:
    settings.WRITE_LIMITS = {**settings.WRITE_LIMITS, name: rate}


def state() -> tuple:
    return (
        sorted(Highlight.objects.values_list("pk", "note", "visibility")),
        sorted(ClassHide.objects.values_list("highlight", "classroom")),
        sorted(Tag.objects.values_list("name", flat=True)),
        Reply.objects.count(),
        AccessToken.objects.count(),
    )


def named_patterns(patterns=None, prefix=""):
    """(name, pattern) for every URL outside the admin, included ones too."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue  # staff only, behind the admin's own log-in, which axes throttles
            yield from named_patterns(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            yield pattern.name, pattern


def sample_url(name: str, pattern: URLPattern) -> str:
    """The URL with arguments that name nothing that exists."""
    kwargs = {}
    for argument, converter in pattern.pattern.converters.items():
        if isinstance(converter, IntConverter):
            kwargs[argument] = 999999
        elif isinstance(converter, SlugConverter):
            kwargs[argument] = "no-such-thing"
        elif isinstance(converter, UUIDConverter):
            kwargs[argument] = uuid.UUID(int=0)
        else:
            kwargs[argument] = "NOSUCHCODE"
    return reverse(name, kwargs=kwargs)


def test_it_limits_every_view_that_accepts_a_post(db):
    """A view a logged-in teacher (staff too) may POST to without 405 carries a
    write_limit, or is exempt above with its reason: a new view cannot forget."""
    user = make_user("curious", "Cory", "Curious")
    user.is_staff = True
    user.save()
    unlimited = []
    for name, pattern in named_patterns():
        assert name, f"a URL without a name: {pattern}"
        client = Client()
        client.force_login(user)
        url = sample_url(name, pattern)
        response = client.post(url, {})
        if response.status_code == 405 or name in EXEMPT:
            continue
        # The view the URL is served by (Django's auth URLs are included after ours).
        if getattr(resolve(url).func, "write_limit", None) is None:
            unlimited.append(name)
    assert unlimited == []


def test_it_limits_every_export(db):
    """Exports are GETs, but each reads every highlight the viewer may see."""
    for name in ["export_csv", "export_csv_all", "export_jsonld"]:
        callback = get_resolver().resolve(reverse(name)).func
        assert callback.write_limit == "exports"


# The rate per account


def test_it_refuses_a_highlight_past_the_rate_with_the_page_and_changes_nothing(
    settings, client, document, student
):
    limit(settings, "highlights", "2/m")
    client.force_login(student)
    for phrase in [PHRASE, SECOND]:
        assert client.post(create_url(document), posted(document, phrase)).status_code == 302
    before = state()

    response = client.post(create_url(document), posted(document, THIRD, note="Mine"))

    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    html = response.content.decode()
    assert '<nav aria-label="Main">' in html  # the site's own page
    assert "<h1>Too many tries</h1>" in html
    assert re.search(
        r'<p role="alert">Saving, changing or deleting highlights: at most 2 a minute, '
        r"and that many came just now\. Try again in a minute\.</p>",
        html,
    )
    assert "Nothing was changed." in html
    assert state() == before


@pytest.mark.parametrize(
    ("rate", "said"),
    [
        ("1/10m", "at most 1 in 10 minutes, and that many came just now. Try again in 10 minutes."),
        ("1/h", "at most 1 an hour, and that many came just now. Try again in an hour."),
        ("1/d", "at most 1 a day, and that many came just now. Try again tomorrow."),
    ],
)
def test_it_says_when_to_try_again_in_the_limits_period(
    settings, client, document, student, rate, said
):
    limit(settings, "highlights", rate)
    client.force_login(student)
    client.post(create_url(document), posted(document))

    response = client.post(create_url(document), posted(document, SECOND))

    assert said in response.content.decode()


def test_it_counts_per_account(settings, client, document, student, classmate):
    limit(settings, "highlights", "1/m")
    client.force_login(student)
    assert client.post(create_url(document), posted(document)).status_code == 302
    assert client.post(create_url(document), posted(document, SECOND)).status_code == 429

    client.force_login(classmate)
    assert client.post(create_url(document), posted(document)).status_code == 302


def test_it_counts_edits_and_deletes_with_saves(settings, client, document, student):
    limit(settings, "highlights", "2/m")
    client.force_login(student)
    highlight = add_highlight(student, document, PHRASE, note="Before")
    edit = {"note": "After", "tags": "", "visibility": "private"}
    assert client.post(f"/highlights/{highlight.pk}/edit/", edit).status_code == 302
    assert client.post(create_url(document), posted(document, SECOND)).status_code == 302
    before = state()

    edited = client.post(f"/highlights/{highlight.pk}/edit/", {**edit, "note": "Again"})
    deleted = client.post(f"/highlights/{highlight.pk}/delete/")

    assert (edited.status_code, deleted.status_code) == (429, 429)
    assert state() == before


def test_it_does_not_count_opening_the_editor(settings, client, document, student):
    limit(settings, "highlights", "1/m")
    client.force_login(student)
    query = {k: v for k, v in posted(document).items() if k in {"start", "end", "exact"}}
    for _ in range(3):
        assert client.get(create_url(document), query).status_code == 200
    assert client.post(create_url(document), posted(document)).status_code == 302


def test_it_shows_htmx_the_message_in_the_form_sent(settings, client, document, student):
    limit(settings, "highlights", "1/m")
    client.force_login(student)
    client.post(create_url(document), posted(document), headers=FROM_PANEL)
    before = state()

    response = client.post(
        create_url(document), posted(document, SECOND, note="Kept"), headers=FROM_PANEL
    )

    html = partial_html(response, 429)
    assert html.startswith('<p class="limit-message" role="alert">Saving, changing or deleting')
    assert "Try again in a minute. Nothing was changed; what you typed is still here." in html
    # Put at the top of the form itself: the form, and the note in it, stay on the page.
    assert (response["HX-Retarget"], response["HX-Reswap"]) == ("this", "afterbegin")
    assert state() == before


def test_base_lets_htmx_swap_a_429(client, document):
    page = client.get(document.get_absolute_url()).content.decode()
    assert '{"code": "429", "swap": true}, {"code": "[45]..", "swap": false' in page


@pytest.fixture
def scene(student, classmate, teacher, classroom, document, make_highlight):
    """One request of each kind of write; the second of a kind is refused at 1/m."""
    staff = make_user("staff", "Sam", "Staff")
    staff.is_staff = True
    staff.save()
    shared = make_highlight(student, PHRASE, visibility="class")
    return {
        # Any member of the class replies (issue 17): a classmate, here.
        "replies": ("post", classmate, f"/highlights/{shared.pk}/replies/", {"text": "Why?"}),
        "notifications": ("post", student, "/notifications/read/", {}),
        "hides": ("post", teacher, f"/highlights/{shared.pk}/hide/", {"hidden": "1"}),
        "marks": (
            "post",
            classmate,
            f"/highlights/{shared.pk}/marks/",
            {"kind": "helpful", "pressed": "1"},
        ),
        "classes": ("post", teacher, "/classes/new/", {"name": "History 102"}),
        "class_tags": (
            "post",
            teacher,
            f"/classes/{classroom.pk}/tags/",
            {"suggested_tags": "cause"},
        ),
        "roster": (
            "post",
            teacher,
            f"/classes/{classroom.pk}/students/new/",
            {"students": "Ada Lovelace"},
        ),
        "imports": ("post", teacher, f"/classes/{classroom.pk}/import/", {}),
        "joins": ("post", classmate, f"/join/{classroom.join_code}/", {}),
        "account": ("post", student, "/accounts/", {"time_zone": "Asia/Seoul"}),
        "exports": ("get", student, "/export/annotations.csv", {}),
        "glossary": ("post", teacher, "/glossary/new/", {}),
        "corrections": ("post", teacher, f"/documents/{document.slug}/corrections/", {}),
        "lti_platforms": ("post", staff, "/lti/platforms/", {}),
        "tokens": (
            "post",
            student,
            "/accounts/tokens/",
            {"name": "Zotero", "scope": "read", "expires": "7"},
        ),
        # The Web Annotation Protocol's writes (a form, not JSON: refused, and counted).
        "annotations": ("post", student, "/annotations/", {}),
    }


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("replies", "Posting, editing or deleting replies"),
        ("notifications", "Marking notifications read"),
        ("hides", "Hiding and showing highlights"),
        ("marks", "Marking highlights “Same question” or “Helpful”, and replies as answers"),
        ("classes", "Changing classes, assignments and students"),
        ("class_tags", "Changing a class&#x27;s tags"),
        ("roster", "Adding students"),
        ("imports", "Importing annotations"),
        ("joins", "Joining classes"),
        ("account", "Changing your account"),
        ("exports", "Exports"),
        ("glossary", "Changing the glossary"),
        ("corrections", "Correcting articles"),
        ("lti_platforms", "Registering learning platforms"),
        ("tokens", "Making and revoking access tokens"),
        ("annotations", "Writing annotations through the Web Annotation Protocol"),
    ],
)
def test_each_limit_refuses_the_next_try_and_changes_nothing(settings, client, scene, name, words):
    limit(settings, name, "1/m")
    method, user, url, data = scene[name]
    client.force_login(user)
    first = getattr(client, method)(url, data)
    assert first.status_code != 429
    before = state()

    response = getattr(client, method)(url, data)

    assert response.status_code == 429
    html = response.content.decode()
    assert f'<p role="alert">{words}: at most 1 a minute' in html
    assert "<h1>Too many tries</h1>" in html
    assert state() == before


@pytest.mark.parametrize("action", ["edit", "delete"])
def test_the_replies_limit_counts_editing_and_deleting_a_reply_too(
    settings, client, student, classmate, classroom, make_highlight, action
):
    limit(settings, "replies", "1/m")
    shared = make_highlight(student, PHRASE, visibility="class")
    client.force_login(classmate)
    assert client.post(f"/highlights/{shared.pk}/replies/", {"text": "Why?"}).status_code == 302
    reply = Reply.objects.get()

    response = client.post(f"/replies/{reply.pk}/{action}/", {"text": "Why, then?"})

    assert response.status_code == 429
    assert (
        '<p role="alert">Posting, editing or deleting replies: at most 1 a minute'
        in response.content.decode()
    )
    assert list(Reply.objects.values_list("text", flat=True)) == ["Why?"]


def test_the_limits_are_high_enough_for_a_lively_class(settings):
    """A student makes two or three highlights a minute at most; a teacher adds a whole
    roster in one POST."""
    assert settings.WRITE_LIMITS["highlights"] == "30/m"
    assert settings.HIGHLIGHTS_PER_ARTICLE == 500
    assert settings.NEW_TAGS_PER_DAY == 50


# The cap on highlights per article


def test_it_refuses_a_highlight_past_the_cap_on_one_article(
    settings, client, documents, document, student
):
    settings.HIGHLIGHTS_PER_ARTICLE = 2
    client.force_login(student)
    add_highlight(student, document, PHRASE)
    add_highlight(student, document, SECOND)
    before = state()

    response = client.post(create_url(document), posted(document, THIRD, tags="brand new"))

    assert response.status_code == 429
    html = response.content.decode()
    assert f"You have 2 highlights on “{document.title}”, the most one account" in html
    assert "Delete some you no longer need to make room." in html
    assert state() == before
    other = next(d for d in documents.values() if d != document)
    phrase = other.text[100:130]
    assert client.post(create_url(other), posted(other, phrase)).status_code == 302


def test_the_cap_is_shown_to_htmx_in_the_editor(settings, client, document, student):
    settings.HIGHLIGHTS_PER_ARTICLE = 1
    client.force_login(student)
    add_highlight(student, document, PHRASE)

    response = client.post(create_url(document), posted(document, SECOND), headers=FROM_PANEL)

    html = partial_html(response, 429)
    assert "the most one account may have on one article" in html
    assert response["HX-Retarget"] == "this"
    assert Highlight.objects.count() == 1


def test_a_retried_save_is_not_refused_by_the_cap(settings, client, document, student):
    """The browser resending a save it never saw answered gets its highlight back."""
    settings.HIGHLIGHTS_PER_ARTICLE = 1
    client.force_login(student)
    data = posted(document)
    assert client.post(create_url(document), data).status_code == 302

    assert client.post(create_url(document), data).status_code == 302
    assert Highlight.objects.count() == 1


def test_an_import_is_not_capped(settings, document, student):
    """An administrator's restore (manage.py import_annotations) brings back all that was
    there; what an account sends is capped."""
    from annotations.throttles import LimitReached  # here: the file runs on older code too

    settings.HIGHLIGHTS_PER_ARTICLE = 0
    with pytest.raises(LimitReached):
        create_highlight(owner=student, document=document, anchor=place(document, PHRASE))
    create_highlight(owner=student, document=document, anchor=place(document, PHRASE), capped=False)
    assert Highlight.objects.count() == 1


# The cap on new tags a day


def test_it_refuses_new_tags_past_the_days_cap_and_keeps_tags_in_use_free(
    settings, client, document, student, classmate
):
    settings.NEW_TAGS_PER_DAY = 2
    Tag.objects.create(name="evidence")
    client.force_login(student)
    made = client.post(create_url(document), posted(document, tags="motive, Evidence, cable"))
    assert made.status_code == 302  # two new, one in use
    before = state()

    refused = client.post(create_url(document), posted(document, SECOND, tags="question"))

    assert refused.status_code == 429
    html = refused.content.decode()
    assert "You have made 2 new tags today, and one account may make 2 a day." in html
    assert "Try again tomorrow, or choose tags from the suggestions." in html
    assert state() == before  # neither the highlight nor its tag
    in_use = posted(document, SECOND, tags="MOTIVE, cable, evidence")
    assert client.post(create_url(document), in_use).status_code == 302
    client.force_login(classmate)  # the cap is the account's
    assert client.post(create_url(document), posted(document, tags="question")).status_code == 302


def test_an_edit_is_held_to_the_new_tags_cap(settings, client, document, student):
    settings.NEW_TAGS_PER_DAY = 1
    highlight = add_highlight(student, document, PHRASE, note="Before", tags=["evidence"])
    client.force_login(student)
    edit = {"note": "After", "tags": "evidence, one, two", "visibility": "private"}
    before = state()

    response = client.post(f"/highlights/{highlight.pk}/edit/", edit)

    assert response.status_code == 429
    assert state() == before
    edit["tags"] = "evidence, one"
    assert client.post(f"/highlights/{highlight.pk}/edit/", edit).status_code == 302
    assert sorted(Highlight.objects.get().tags.names()) == ["evidence", "one"]
