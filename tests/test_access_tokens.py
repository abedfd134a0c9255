"""Personal access tokens (issue 18): made and revoked on /accounts/tokens/, the secret
shown once and stored as its SHA-256; sent by tools as `Authorization: Bearer` and
honoured only on the tools' URLs, where CSRF does not apply; a read token never writes;
bad tokens get 401 and are throttled per address; axes does not count them."""

import hashlib
import json
import re
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from annotations.models import AccessToken
from annotations.tokens import (
    NEW_TOKEN,
    can_write,
    create_token,
    find_token,
    note_use,
    revoke_token,
)
from tests.helpers import HTMX, PASSWORD, PHRASE

URL = "/accounts/tokens/"
EXPORT = "/export/annotations.jsonld"
SECRET = re.compile(r'value="(kr_[A-Za-z0-9_-]{43})"')
NEW = {"name": "Zotero", "scope": "read", "expires": "30"}
CHALLENGE = 'Bearer error="invalid_token"'


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def token_for(user, scope: str = "read", days: int = 30) -> tuple[AccessToken, str]:
    return create_token(owner=user, name=f"{scope} tool", scope=scope, days=days)


def revoke_url(token: AccessToken) -> str:
    return f"/accounts/tokens/{token.pk}/revoke/"


def export(client: Client, secret: str, **extra):
    response = client.get(EXPORT, headers=bearer(secret), **extra)
    if response.streaming:
        response.content_text = b"".join(response.streaming_content).decode()
    return response


def refusal(response) -> dict:
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)


# Making a token


def test_it_shows_the_secret_once_and_keeps_only_its_hash(client, student):
    client.force_login(student)

    made = client.post(URL, NEW)

    assert made.status_code == 302 and made.url == URL
    page = client.get(URL)
    html = page.content.decode()
    secret = SECRET.search(html)[1]
    assert "no-store" in page["Cache-Control"]
    assert re.search(
        r'id="new-token"[^>]*readonly autofocus aria-describedby="new-token-hint"', html
    )
    assert "shown only this once" in html
    assert re.search(
        r'<ul class="messages" role="status">\s*<li[^>]*>The token “Zotero” is made', html
    )
    token = AccessToken.objects.get()
    assert (token.owner, token.name, token.scope) == (student, "Zotero", "read")
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert token.shown == secret[:9] and f"<code>{secret[:9]}…</code>" in html
    stored = AccessToken.objects.values_list().get()
    assert not any(secret in str(value) for value in stored)
    assert timedelta(days=30) - (token.expires - token.created) < timedelta(seconds=1)
    assert NEW_TOKEN not in client.session

    again = client.get(URL).content.decode()

    assert secret not in again and "Your new token" not in again
    assert '<th scope="row">Zotero</th>' in again


def test_a_reload_of_the_post_makes_no_second_secret_appear(client, student):
    client.force_login(student)
    client.post(URL, NEW)
    first = SECRET.search(client.get(URL).content.decode())[1]

    client.post(URL, {**NEW, "name": "Script"})
    second = SECRET.search(client.get(URL).content.decode())[1]

    assert first != second
    assert AccessToken.objects.count() == 2


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "  "}, "This field is required."),
        ({"name": "<b>x</b>"}, "Token name must be plain text"),
        ({"name": "x" * 101}, "at most 100 characters"),
        ({"scope": "admin"}, "Select a valid choice"),
        ({"expires": "0"}, "Select a valid choice"),
        ({"expires": "99999"}, "Select a valid choice"),
    ],
)
def test_it_refuses_a_bad_form_with_a_reason_and_makes_nothing(client, student, changes, message):
    client.force_login(student)

    response = client.post(URL, {**NEW, **changes})

    assert response.status_code == 422
    assert message in response.content.decode()
    assert not AccessToken.objects.exists()


def test_htmx_gets_the_form_alone_to_correct(client, student):
    client.force_login(student)

    response = client.post(URL, {**NEW, "name": ""}, headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 422
    assert html.lstrip().startswith('<form method="post" action="/accounts/tokens/"')
    assert "<h1>" not in html


def test_it_caps_the_tokens_in_use(settings, client, student):
    settings.TOKENS_PER_ACCOUNT = 2
    client.force_login(student)
    revoked, _ = token_for(student)
    revoked.revoked = timezone.now()
    revoked.save()
    expired, _ = token_for(student)
    AccessToken.objects.filter(pk=expired.pk).update(
        created=timezone.now() - timedelta(days=9), expires=timezone.now() - timedelta(days=2)
    )
    for name in ("one", "two"):
        assert client.post(URL, {**NEW, "name": name}).status_code == 302

    response = client.post(URL, {**NEW, "name": "three"})

    assert response.status_code == 429
    html = response.content.decode()
    assert "You have 2 tokens in use, the most one account may have." in html
    assert "Revoke one you no longer need" in html
    assert not AccessToken.objects.filter(name="three").exists()


def test_the_list_shows_ones_own_tokens_in_few_queries(
    client, student, classmate, django_assert_max_num_queries
):
    for number in range(5):
        create_token(owner=student, name=f"Tool {number}", scope="read", days=7)
    create_token(owner=classmate, name="Classmate's tool", scope="read", days=7)
    client.force_login(student)

    with django_assert_max_num_queries(12):
        html = client.get(URL).content.decode()

    assert all(f"Tool {number}" in html for number in range(5))
    assert "Classmate" not in html
    assert html.count(">Active</td>") == 5


def test_the_list_shows_every_token_in_use_before_the_others(monkeypatch, client, student):
    monkeypatch.setattr("annotations.views.tokens.LISTED", 3)
    in_use, _ = create_token(owner=student, name="The one in use", scope="read", days=7)
    for number in range(4):
        token, _ = create_token(owner=student, name=f"Revoked {number}", scope="read", days=7)
        revoke_token(token=token)
    expired, _ = create_token(owner=student, name="Expired", scope="read", days=7)
    AccessToken.objects.filter(pk=expired.pk).update(expires=timezone.now())
    client.force_login(student)

    html = client.get(URL).content.decode()

    names = re.findall(r'<th scope="row">([^<]*)</th>', html)
    assert names == ["The one in use", "Expired", "Revoked 3"]
    assert "Older tokens that are revoked or expired are not listed." in html


def test_the_account_page_links_to_the_tokens(client, student):
    client.force_login(student)
    assert (
        '<a href="/accounts/tokens/">Access tokens</a>' in client.get("/accounts/").content.decode()
    )


def test_anonymous_visitors_are_sent_to_log_in(client, student):
    token, _ = token_for(student)
    for url in (URL, revoke_url(token)):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_other_methods_are_refused(client, student):
    client.force_login(student)
    token, _ = token_for(student)
    assert client.put(URL).status_code == 405
    assert client.delete(revoke_url(token)).status_code == 405


# Revoking


def test_it_revokes_after_a_page_to_confirm(client, student):
    token, secret = token_for(student)
    client.force_login(student)
    listed = client.get(URL).content.decode()
    assert f'href="{revoke_url(token)}">Revoke' in listed

    confirm = client.get(revoke_url(token))
    assert confirm.status_code == 200
    assert "Revoke the token “read tool”?" in confirm.content.decode()
    assert AccessToken.objects.get().revoked is None

    response = client.post(revoke_url(token))

    assert response.status_code == 302 and response.url == URL
    token.refresh_from_db()
    assert token.revoked is not None
    page = client.get(URL).content.decode()
    assert "is revoked: tools using it are refused from now on." in page
    assert ">Revoked</td>" in page and revoke_url(token) not in page
    assert export(Client(), secret).status_code == 401


def test_revoking_twice_changes_nothing(client, student):
    token, _ = token_for(student)
    client.force_login(student)
    client.post(revoke_url(token))
    token.refresh_from_db()
    first = token.revoked

    response = client.post(revoke_url(token), follow=True)

    token.refresh_from_db()
    assert token.revoked == first
    assert "was revoked already" in response.content.decode()


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_users_token_is_not_there(client, student, classmate, staff, method):
    token, secret = token_for(student)
    for someone in (classmate, staff):
        client.force_login(someone)
        assert getattr(client, method)(revoke_url(token)).status_code == 404
    assert client.get("/accounts/tokens/99999999999999999999/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked is None
    assert export(Client(), secret).status_code == 200


# Using a token


def test_a_token_reads_the_json_ld_export_as_its_owner(student, classmate, make_highlight):
    make_highlight(student, PHRASE, note="Mine alone")
    make_highlight(classmate, "Kim Il-sung had reported", note="The classmate's")
    _, secret = token_for(student)

    response = export(Client(), secret)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/ld+json")
    assert "Mine alone" in response.content_text
    assert "The classmate's" not in response.content_text


def test_the_token_and_not_the_session_says_who_asks(client, student, classmate, make_highlight):
    make_highlight(student, PHRASE, note="The student's")
    _, secret = token_for(student)
    client.force_login(classmate)

    response = export(client, secret)

    assert "The student's" in response.content_text


def test_a_request_without_a_token_is_the_sessions(client, student, make_highlight):
    make_highlight(student, PHRASE, note="The student's")
    client.force_login(student)
    response = client.get(EXPORT)
    assert response.status_code == 200
    request = response.wsgi_request
    assert request.token is None and request.user == student


def test_a_token_request_is_its_owners_in_async_code_too(student):
    _, secret = token_for(student)
    request = export(Client(), secret).wsgi_request
    assert request.token.owner == student
    assert async_to_sync(request.auser)() == student


def test_it_records_when_a_token_was_last_used(student):
    token, secret = token_for(student)
    assert token.last_used is None

    export(Client(), secret)

    token.refresh_from_db()
    assert timezone.now() - token.last_used < timedelta(seconds=10)


def test_last_used_costs_one_update_a_minute_at_most(student):
    token, _ = token_for(student)
    with CaptureQueriesContext(connection) as first:
        note_use(token)
    with CaptureQueriesContext(connection) as soon:
        note_use(token)
    token.last_used -= timedelta(minutes=2)
    with CaptureQueriesContext(connection) as later:
        note_use(token)

    assert [query["sql"].split()[0] for query in first.captured_queries] == ["UPDATE"]
    assert soon.captured_queries == []
    assert len(later.captured_queries) == 1


@pytest.mark.parametrize(
    ("spoil", "said"),
    [
        ("expired", "The token has expired."),
        ("revoked", "The token was revoked."),
        ("inactive", "The token is not one this site made."),
        ("unknown", "The token is not one this site made."),
        ("malformed", "The token is not one this site made."),
        ("empty", "The token is not one this site made."),
    ],
)
def test_a_bad_token_gets_401_and_a_reason(student, spoil, said):
    token, secret = token_for(student)
    now = timezone.now()
    if spoil == "expired":
        AccessToken.objects.filter(pk=token.pk).update(
            created=now - timedelta(days=8), expires=now - timedelta(seconds=1)
        )
    elif spoil == "revoked":
        AccessToken.objects.filter(pk=token.pk).update(revoked=now)
    elif spoil == "inactive":
        student.is_active = False
        student.save()
    secret = {"unknown": "kr_" + "A" * 43, "malformed": "kr_<script>", "empty": ""}.get(
        spoil, secret
    )

    response = export(Client(), secret)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == CHALLENGE
    assert refusal(response) == {"error": "invalid_token", "error_description": said + (
        " Send it as “Authorization: Bearer kr_…”." if "not one" in said
        else " Make a new one on /accounts/tokens/."
    )}  # fmt: skip


def test_the_scheme_is_read_in_any_case(student):
    _, secret = token_for(student)
    response = Client().get(EXPORT, headers={"Authorization": f"bearer {secret}"})
    assert response.status_code == 200


def test_a_token_expires_at_its_time(student):
    token, secret = token_for(student, days=7)
    AccessToken.objects.filter(pk=token.pk).update(expires=timezone.now() + timedelta(hours=1))
    assert export(Client(), secret).status_code == 200
    AccessToken.objects.filter(pk=token.pk).update(expires=timezone.now())
    assert export(Client(), secret).status_code == 401


# Read and write


def test_can_write_is_true_for_a_session_and_a_read_write_token_only(student):
    request = RequestFactory().post("/annotations/")
    request.token = None
    assert can_write(request)
    request.token, _ = token_for(student, "read-write")
    assert can_write(request)
    request.token, _ = token_for(student, "read")
    assert not can_write(request)


def test_a_read_token_may_not_post_to_a_tools_url(student):
    _, secret = token_for(student, "read")
    client = Client(enforce_csrf_checks=True)

    response = client.post(EXPORT, headers=bearer(secret))

    assert response.status_code == 403
    assert refusal(response)["error"] == "insufficient_scope"
    assert "This token may only read." in refusal(response)["error_description"]
    assert response["WWW-Authenticate"] == 'Bearer error="insufficient_scope", scope="read-write"'


def test_a_read_write_token_is_exempt_from_csrf_on_a_tools_url(student):
    """A POST to the export is no write: it passes CSRF and its view answers 405."""
    _, secret = token_for(student, "read-write")
    client = Client(enforce_csrf_checks=True)

    response = client.post(EXPORT, headers=bearer(secret))

    assert response.status_code == 405


def test_a_session_without_the_csrf_token_is_still_refused_there(student):
    client = Client(enforce_csrf_checks=True)
    client.force_login(student)

    response = client.post(EXPORT)

    assert response.status_code == 403
    assert "CSRF" in response.content.decode()


# Never on the HTML site


@pytest.mark.parametrize("url", ["/accounts/", URL, "/highlights/", "/accounts/password_change/"])
def test_a_token_opens_no_page_of_the_site(student, url):
    _, secret = token_for(student, "read-write")

    response = Client().get(url, headers=bearer(secret))

    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    assert response.wsgi_request.token is None


def test_a_token_changes_no_password_nor_makes_tokens(student):
    _, secret = token_for(student, "read-write")
    client = Client(enforce_csrf_checks=True)
    before = student.password
    change = {
        "old_password": PASSWORD,
        "new_password1": "x-Seoul-1950",
        "new_password2": "x-Seoul-1950",
    }

    changed = client.post("/accounts/password_change/", change, headers=bearer(secret))
    made = client.post(URL, NEW, headers=bearer(secret))

    assert (changed.status_code, made.status_code) == (403, 403)  # CSRF: no session here
    student.refresh_from_db()
    assert student.password == before
    assert AccessToken.objects.count() == 1


def test_a_bad_token_on_the_site_is_not_looked_at(client, student):
    client.force_login(student)
    response = client.get("/accounts/", headers=bearer("kr_wrong"))
    assert response.status_code == 200  # the session applies there


# Throttles


def test_wrong_tokens_are_throttled_per_address(settings, student):
    settings.TOKEN_FAILURES_PER_ADDRESS = "3/h"
    _, secret = token_for(student)
    client = Client()
    for _ in range(3):
        assert export(client, "kr_" + "B" * 43).status_code == 401

    refused = export(client, secret)
    elsewhere = export(client, secret, REMOTE_ADDR="192.0.2.7")

    assert refused.status_code == 429
    assert refusal(refused)["error_description"] == (
        "Too many wrong tokens came from this address: at most 3 an hour. "
        "Try again in an hour. Nothing was changed."
    )
    assert elsewhere.status_code == 200


def test_a_good_token_is_not_counted_as_a_failure(settings, student):
    settings.TOKEN_FAILURES_PER_ADDRESS = "1/h"
    _, secret = token_for(student)
    for _ in range(3):
        assert export(Client(), secret).status_code == 200


def test_a_tokens_requests_count_at_its_owners_rate(settings, student):
    settings.WRITE_LIMITS = {**settings.WRITE_LIMITS, "exports": "1/m"}
    _, secret = token_for(student)
    client = Client()
    client.force_login(student)
    assert client.get(EXPORT).status_code == 200  # the session's request counts too

    response = export(Client(), secret)

    assert response.status_code == 429
    assert refusal(response)["error_description"].startswith("Exports: at most 1 a minute")
    assert int(response["Retry-After"]) >= 1


def test_bearer_failures_are_not_log_in_attempts(settings, student):
    settings.TOKEN_FAILURES_PER_ADDRESS = "100/h"
    for _ in range(settings.AXES_FAILURE_LIMIT + 2):
        assert export(Client(), "kr_" + "C" * 43).status_code == 401

    assert not AccessAttempt.objects.exists()
    logged_in = Client().post(
        "/accounts/login/", {"username": student.username, "password": PASSWORD}
    )
    assert logged_in.status_code == 302 and not logged_in.url.startswith("/accounts/login/")


def test_the_tokens_page_is_rate_limited(settings, client, student):
    settings.WRITE_LIMITS = {**settings.WRITE_LIMITS, "tokens": "1/m"}
    client.force_login(student)
    assert client.post(URL, NEW).status_code == 302

    response = client.post(URL, {**NEW, "name": "Again"})

    assert response.status_code == 429
    assert "Making and revoking access tokens: at most 1 a minute" in response.content.decode()
    assert AccessToken.objects.count() == 1


# The database


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", ""),
        ("scope", "admin"),
        ("digest", "kr_the-secret-itself"),
        ("shown", "xx_abcde"),
        ("expires", "before"),
        ("revoked", "before"),
    ],
)
def test_the_database_keeps_a_token_whole(student, field, value):
    token, _ = token_for(student)
    if value == "before":
        value = token.created - timedelta(seconds=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        AccessToken.objects.filter(pk=token.pk).update(**{field: value})


def test_two_tokens_cannot_share_a_digest(student):
    token, _ = token_for(student)
    other, _ = token_for(student)
    with pytest.raises(IntegrityError), transaction.atomic():
        AccessToken.objects.filter(pk=other.pk).update(digest=token.digest)


def test_deleting_the_account_deletes_its_tokens(student):
    token_for(student)
    student.delete()
    assert not AccessToken.objects.exists()


def test_staff_see_tokens_in_the_admin_without_their_secrets_and_revoke_them(client, student):
    token, secret = create_token(owner=student, name="Lost laptop", scope="read-write", days=7)
    admin_user = get_user_model().objects.create_superuser("root", password="x" * 12)
    client.force_login(admin_user)

    listed = client.get("/admin/annotations/accesstoken/").content.decode()
    add = client.get("/admin/annotations/accesstoken/add/")
    revoked = client.post(
        "/admin/annotations/accesstoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
        follow=True,
    )

    assert "Lost laptop" in listed and token.shown in listed
    assert secret not in listed and token.digest not in listed
    assert add.status_code == 403  # only its owner makes a token
    assert "1 revoked" in revoked.content.decode()
    token.refresh_from_db()
    assert token.revoked is not None
    assert find_token(secret)[0] is None
