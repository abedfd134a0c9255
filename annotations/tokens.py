"""Personal access tokens: tools act for a person with `Authorization: Bearer <token>`.

A person makes and revokes tokens on /accounts/tokens/ (annotations/views/tokens.py). The
secret is "kr_" and 256 random bits; it is shown once and only its SHA-256 is kept
(docs/SECURITY.md says why a plain hash is enough for a secret that cannot be guessed).

`BearerTokens`, placed after Django's AuthenticationMiddleware, honours a token only on
the URLs made for tools (TOOL_URLS: the Annotation Protocol and the JSON-LD export); the
HTML site never sees one, so a token cannot open /accounts/ or change a password. There,
a valid token sets `request.user` to its owner and `request.token` to its row, and the
request is exempt from CSRF: it carries no cookie a browser would send for another site.
Everywhere else, and without a Bearer header, `request.token` is None and the session and
CSRF apply as before. A bad token gets 401; failed tries are throttled per address.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import Resolver404, resolve
from django.utils import timezone

from annotations.models import AccessToken, TokenScope
from annotations.throttles import (
    LimitReached,
    count_token_failure,
    token_failures_reached,
    too_many_token_failures,
)
from annotations.validators import TOKEN_MARK, TOKEN_SHOWN_LENGTH

# The URL names a token opens: what tools use, never a page of the HTML site.
TOOL_URLS = frozenset({"annotation-container", "annotation", "export_jsonld"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# (days, label) for the "Expires" field: no token lives for ever.
EXPIRY_CHOICES = [(7, "In 7 days"), (30, "In 30 days"), (90, "In 90 days"), (365, "In a year")]
# last_used is written at most this often: one UPDATE a minute for a busy tool.
LAST_USED_EVERY = timedelta(minutes=1)
# Where the secret waits, in the session, for the one page that shows it.
NEW_TOKEN = "new_access_token"
SECRET_LENGTH = len(TOKEN_MARK) + 43  # token_urlsafe(32): 43 characters


def new_secret() -> str:
    return TOKEN_MARK + secrets.token_urlsafe(32)


def digest_of(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def can_write(request: HttpRequest) -> bool:
    """Whether the request may change things: a session may, a token only if read-write."""
    token = getattr(request, "token", None)
    return token is None or token.scope == TokenScope.READ_WRITE


# Writes


@transaction.atomic
def create_token(*, owner, name: str, scope: str, days: int) -> tuple[AccessToken, str]:
    """A new token and its secret, or LimitReached past TOKENS_PER_ACCOUNT live ones. The
    owner's row is locked first, so that tokens made at once are counted in turn."""
    get_user_model().objects.select_for_update().filter(pk=owner.pk).first()
    cap = settings.TOKENS_PER_ACCOUNT
    if AccessToken.objects.filter(owner=owner).live().count() >= cap:
        raise LimitReached(
            f"You have {cap} tokens in use, the most one account may have.",
            "Revoke one you no longer need, then make the new one.",
        )
    secret = new_secret()
    now = timezone.now()
    token = AccessToken.objects.create(
        owner=owner,
        name=name,
        scope=scope,
        shown=secret[:TOKEN_SHOWN_LENGTH],
        digest=digest_of(secret),
        created=now,
        expires=now + timedelta(days=days),
    )
    return token, secret


def revoke_token(*, token: AccessToken) -> bool:
    """Revoke the token for good; False if it was revoked already."""
    return bool(revoke_tokens(AccessToken.objects.filter(pk=token.pk)))


def revoke_tokens(tokens) -> int:
    """Revoke these tokens for good (staff, in the admin: an account's lost tokens); how
    many were still unrevoked."""
    return tokens.filter(revoked__isnull=True).update(revoked=timezone.now())


# Authentication


def for_tools(request: HttpRequest) -> bool:
    """Whether the request is for one of the URLs made for tools (TOOL_URLS)."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    return match.url_name in TOOL_URLS


def _refusal(status: int, error: str, description: str, challenge: str) -> JsonResponse:
    response = JsonResponse({"error": error, "error_description": description}, status=status)
    response["WWW-Authenticate"] = challenge
    return response


def invalid_token(description: str) -> JsonResponse:
    return _refusal(401, "invalid_token", description, 'Bearer error="invalid_token"')


def read_only_token() -> JsonResponse:
    return _refusal(
        403,
        "insufficient_scope",
        "This token may only read. Make a read-and-write token on /accounts/tokens/ to change "
        "annotations. Nothing was changed.",
        f'Bearer error="insufficient_scope", scope="{TokenScope.READ_WRITE}"',
    )


def find_token(secret: str) -> tuple[AccessToken | None, str]:
    """The live token with this secret (and its owner), or None and why not."""
    unknown = "The token is not one this site made. Send it as “Authorization: Bearer kr_…”."
    if not secret.startswith(TOKEN_MARK) or len(secret) != SECRET_LENGTH:
        return None, unknown
    token = AccessToken.objects.select_related("owner").filter(digest=digest_of(secret)).first()
    if token is None or not token.owner.is_active:
        return None, unknown
    if token.revoked is not None:
        return None, "The token was revoked. Make a new one on /accounts/tokens/."
    if token.expires <= timezone.now():
        return None, "The token has expired. Make a new one on /accounts/tokens/."
    return token, ""


def note_use(token: AccessToken) -> None:
    """Record when the token was last used: at most one UPDATE a minute."""
    now = timezone.now()
    if token.last_used is not None and now - token.last_used < LAST_USED_EVERY:
        return
    stale = Q(last_used__isnull=True) | Q(last_used__lt=now - LAST_USED_EVERY)
    AccessToken.objects.filter(stale, pk=token.pk).update(last_used=now)
    token.last_used = now


def bearer_secret(request: HttpRequest) -> str | None:
    """The token of an `Authorization: Bearer` header (the scheme in any case), or None."""
    scheme, _, secret = request.headers.get("Authorization", "").strip().partition(" ")
    return secret.strip() if scheme.lower() == "bearer" else None


def _owner_of(token: AccessToken):
    async def auser():
        return token.owner

    return auser


class BearerTokens:
    """Middleware: a valid token on a tools' URL stands for its owner (module docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.token = None
        secret = bearer_secret(request)
        if secret is None or not for_tools(request):
            return self.get_response(request)
        if token_failures_reached(request):
            return too_many_token_failures(request)
        token, why = find_token(secret)
        if token is None:
            count_token_failure(request)
            return invalid_token(why)
        if request.method not in SAFE_METHODS and token.scope != TokenScope.READ_WRITE:
            return read_only_token()
        note_use(token)
        request.user = token.owner
        request.auser = _owner_of(token)
        request.token = token
        # What csrf_exempt does for a view, for this request alone: Django's own
        # CsrfViewMiddleware reads this flag and stays in place for every other request.
        request._dont_enforce_csrf_checks = True
        return self.get_response(request)
