"""One's personal access tokens, for tools: making one (its secret shown once), revoking."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from annotations.access import get_token_for_user
from annotations.models import AccessToken
from annotations.pages import form_page
from annotations.people_forms import AccessTokenForm
from annotations.throttles import write_limit
from annotations.tokens import NEW_TOKEN, create_token, revoke_token

LISTED = 50  # tokens on the page: every one in use (TOKENS_PER_ACCOUNT at most), then others


@login_required
@never_cache  # the one response that holds a new secret is kept by no cache, nor the back button
@require_http_methods(["GET", "POST"])
@write_limit("tokens")
def access_tokens(request: HttpRequest) -> HttpResponse:
    """The list of one's tokens and the form for a new one. After a POST the secret waits
    in the session for the next GET, which shows it once: a reload shows it no more."""
    form = AccessTokenForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        data = form.cleaned_data
        token, secret = create_token(
            owner=request.user, name=data["name"], scope=data["scope"], days=data["expires"]
        )
        request.session[NEW_TOKEN] = {"pk": token.pk, "secret": secret}
        messages.success(request, f"The token “{token.name}” is made: copy it now.")
        return redirect("access_tokens")
    new = request.session.pop(NEW_TOKEN, None) if request.method == "GET" else None
    tokens = list(AccessToken.objects.filter(owner=request.user).in_list_order()[: LISTED + 1])
    context = {
        "form": form,
        "tokens": tokens[:LISTED],
        "more": len(tokens) > LISTED,
        "new_token": new,
    }
    return form_page(request, "annotations/access_tokens.html", context, partial="form")


@login_required
@require_http_methods(["GET", "POST"])
@write_limit("tokens")
def access_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """A page to confirm (so it works without JavaScript); the POST revokes for good."""
    token = get_token_for_user(request, pk)
    if request.method == "POST":
        if revoke_token(token=token):
            messages.success(
                request,
                f"The token “{token.name}” is revoked: tools using it are refused from now on.",
            )
        else:
            messages.info(request, f"The token “{token.name}” was revoked already.")
        return redirect("access_tokens")
    return TemplateResponse(request, "annotations/access_token_revoke.html", {"token": token})
