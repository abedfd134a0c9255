"""The tool's URLs, under /lti/ (contracts in DESIGN.md)."""

from django.urls import path

from annotations.lti import views

urlpatterns = [
    path("login/", views.login, name="lti_login"),
    path("launch/", views.launch, name="lti_launch"),
    path("jwks/", views.jwks, name="lti_jwks"),
]
