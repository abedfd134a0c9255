"""Inside the LMS's frame: the LTI pages name the registered platforms in frame-ancestors;
every other page keeps 'none' and X-Frame-Options DENY. And our key pair exists once."""

import pytest
from django.core.management import call_command
from lti_tool.models import Key, LtiRegistration


def frame_ancestors(response) -> str:
    policy = response["Content-Security-Policy"]
    return next(part.strip() for part in policy.split(";") if "frame-ancestors" in part)


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
