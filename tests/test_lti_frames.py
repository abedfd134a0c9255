"""Inside the LMS's frame: the LTI pages name the registered platforms in frame-ancestors;
every other page keeps 'none' and X-Frame-Options DENY. And our key pair exists once."""

import pytest
from django.core.management import call_command
from lti_tool.models import Key, LtiRegistration

from tests.helpers import csp_directive
from tests.lti_platform import launch


def frame_ancestors(response) -> str:
    return "frame-ancestors " + csp_directive(response, "frame-ancestors")


@pytest.mark.parametrize("method", ["get", "post"])
def test_it_lets_the_registered_platforms_frame_the_lti_login(client, lti_platform, method):
    LtiRegistration.objects.create(
        name="Inactive",
        issuer="https://old.example",
        client_id="c",
        auth_url="https://old.example/a",
        token_url="https://old.example/t",
        keyset_url="https://old.example/k",
        is_active=False,
    )
    params = lti_platform.login_params("Learner")

    response = getattr(client, method)("/lti/login/", params)

    assert response.status_code == 200
    assert frame_ancestors(response) == f"frame-ancestors {lti_platform.issuer}"
    assert "X-Frame-Options" not in response
    assert "Open in a new window" in response.content.decode()


def test_it_lets_them_frame_a_launch_refusal_too(client, lti_platform):
    response = client.post("/lti/launch/", {"id_token": "a.b.c", "state": "s"})

    assert frame_ancestors(response) == f"frame-ancestors {lti_platform.issuer}"
    assert "X-Frame-Options" not in response


@pytest.mark.parametrize("url", ["/", "/accounts/login/", "/lti/jwks/"])
def test_every_other_page_refuses_any_frame(client, lti_platform, url):
    response = client.get(url)

    assert frame_ancestors(response) == "frame-ancestors 'none'"
    assert response["X-Frame-Options"] == "DENY"


def test_without_a_registration_the_lti_pages_refuse_frames_too(client, db):
    response = client.get("/lti/login/")

    assert frame_ancestors(response) == "frame-ancestors 'none'"
    assert response["X-Frame-Options"] == "DENY"


def test_lti_keys_makes_a_pair_only_when_none_is_active(db):
    call_command("lti_keys")
    call_command("lti_keys")
    assert Key.objects.active().count() == 1

    call_command("rotate_keys", "--deactivate-after", "0")
    assert Key.objects.count() == 2
    call_command("lti_keys")
    assert Key.objects.active().count() == 1


def test_a_launched_session_is_framed_by_its_platform_alone(client, lti_platform):
    LtiRegistration.objects.create(
        name="Another LMS",
        issuer="https://other-lms.example",
        client_id="c",
        auth_url="https://other-lms.example/auth",
        token_url="https://other-lms.example/token",
        keyset_url="https://other-lms.example/jwks",
    )
    landing = launch(client, lti_platform, "Learner").url

    for url in (landing, "/", "/glossary/"):
        response = client.get(url)
        assert frame_ancestors(response) == f"frame-ancestors {lti_platform.issuer}", url
        assert "X-Frame-Options" not in response

    client.post("/accounts/logout/")
    response = client.get("/")
    assert frame_ancestors(response) == "frame-ancestors 'none'"
    assert response["X-Frame-Options"] == "DENY"


def test_an_ordinary_session_keeps_refusing_frames(client, lti_platform, classroom, student):
    client.force_login(student)

    response = client.get(f"/classes/{classroom.pk}/")

    assert frame_ancestors(response) == "frame-ancestors 'none'"
    assert response["X-Frame-Options"] == "DENY"
