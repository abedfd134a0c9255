from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from annotations.throttles import write_limit
from annotations.views import accounts, tokens

urlpatterns = [
    # Ours first: they replace Django's reset page (mail may not be configured) and add
    # the account pages.
    path("accounts/", accounts.account, name="account"),
    path("accounts/delete/", accounts.account_delete, name="account_delete"),
    path("accounts/password/set/", accounts.password_set, name="password_set"),
    path("accounts/password_reset/", accounts.password_reset, name="password_reset"),
    # Django's own, counted like every other change to one's account (hashing is slow).
    path(
        "accounts/password_change/",
        write_limit("account")(auth_views.PasswordChangeView.as_view()),
        name="password_change",
    ),
    path("accounts/tokens/", tokens.access_tokens, name="access_tokens"),
    path(
        "accounts/tokens/<int:pk>/revoke/", tokens.access_token_revoke, name="access_token_revoke"
    ),
    path("accounts/teach/", accounts.teach_request, name="teach_request"),
    path("accounts/teach/requests/", accounts.teacher_requests, name="teacher_requests"),
    path(
        "accounts/teach/requests/<int:pk>/",
        accounts.teacher_request_decide,
        name="teacher_request_decide",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("lti/", include("annotations.lti.urls")),
    path("", include("annotations.urls")),
]
