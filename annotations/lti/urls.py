"""The tool's URLs, under /lti/ (contracts in DESIGN.md)."""

from django.urls import path

from annotations.lti import views
from annotations.views import lti_install

urlpatterns = [
    # The tool, as the LMS calls it.
    path("login/", views.login, name="lti_login"),
    path("launch/", views.launch, name="lti_launch"),
    path("jwks/", views.jwks, name="lti_jwks"),
    path("deep-link/", views.deep_link, name="lti_deep_link"),
    # Installing it: dynamic registration, Canvas's developer key, the staff's pages.
    path("register/", lti_install.lti_register, name="lti_register"),
    path("canvas.json", lti_install.lti_canvas_json, name="lti_canvas_json"),
    path("platforms/", lti_install.lti_platforms, name="lti_platforms"),
    path("platforms/<int:pk>/", lti_install.lti_platform, name="lti_platform"),
    path("platforms/link/", lti_install.lti_registration_link, name="lti_registration_link"),
]
