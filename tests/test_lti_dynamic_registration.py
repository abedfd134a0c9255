"""/lti/register/: LTI Dynamic Registration against a platform on 127.0.0.1
(tests/lti_registration_platform.py), with a one-time link staff made."""

import logging
from urllib.parse import urlencode

import pytest
from django.core import signing
from lti_tool.models import LtiDeployment, LtiRegistration

from annotations.lti.dynamic import LINK_SALT, make_link
from tests.helpers import csp_directive
from tests.lti_registration_platform import (
    CLIENT_ID,
    DEPLOYMENT_ID,
    REGISTRATION_TOKEN,
    TOOL_CONFIGURATION,
    RegistrationPlatform,
)

SCOPES = {
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
    "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
}


@pytest.fixture
def platform():
    with RegistrationPlatform() as platform:
        yield platform


@pytest.fixture
def link(staff) -> str:
    return make_link(staff=staff, origin="http://testserver")


def opened_by_the_lms(client, link: str, platform, **changes):
    """The LMS opens the link, adding its configuration URL and token (3.3)."""
    query = {
        "openid_configuration": platform.configuration_url,
        "registration_token": REGISTRATION_TOKEN,
        **changes,
    }
    query = {name: value for name, value in query.items() if value is not None}
    return client.get(f"{link}&{urlencode(query)}")


def rows() -> list:
    return [
        *LtiRegistration.objects.values_list("issuer", "client_id", "is_active"),
        *LtiDeployment.objects.values_list("deployment_id", "is_active"),
    ]


def test_it_registers_with_the_platform_and_keeps_what_it_answers(client, link, platform):
    response = opened_by_the_lms(client, link, platform)

    html = response.content.decode()
    assert response.status_code == 200, html
    assert "Korea Reader is registered; you can close this window." in html
    assert '<script src="/static/js/lti_registered.js" defer></script>' in html
    registration = LtiRegistration.objects.get()
    assert registration.issuer == platform.origin
    assert registration.client_id == CLIENT_ID
    assert registration.auth_url == f"{platform.origin}/mod/lti/auth.php"
    assert registration.token_url == f"{platform.origin}/mod/lti/token.php"
    assert registration.keyset_url == f"{platform.origin}/mod/lti/certs.php"
    assert registration.name == f"moodle ({platform.origin})"
    assert registration.is_active
    deployment = LtiDeployment.objects.get()
    assert (deployment.deployment_id, deployment.is_active) == (DEPLOYMENT_ID, True)


def test_it_sends_the_tools_registration_as_the_spec_asks(client, link, platform):
    opened_by_the_lms(client, link, platform)

    configuration_request = platform.received[0]
    assert configuration_request[:2] == ("GET", "/mod/lti/openid-configuration.php")
    ((headers, body),) = platform.registrations()
    assert headers["Authorization"] == f"Bearer {REGISTRATION_TOKEN}"
    assert headers["Content-Type"] == "application/json"
    assert body["application_type"] == "web"
    assert body["response_types"] == ["id_token"]
    assert body["grant_types"] == ["implicit", "client_credentials"]
    assert body["initiate_login_uri"] == "http://testserver/lti/login/"
    assert body["redirect_uris"] == ["http://testserver/lti/launch/"]
    assert body["client_name"] == "Korea Reader"
    assert body["jwks_uri"] == "http://testserver/lti/jwks/"
    assert body["token_endpoint_auth_method"] == "private_key_jwt"
    assert set(body["scope"].split()) == SCOPES
    tool = body[TOOL_CONFIGURATION]
    assert tool["domain"] == "testserver"
    assert tool["target_link_uri"] == "http://testserver/lti/launch/"
    assert {"iss", "sub", "name"} <= set(tool["claims"])
    assert [message["type"] for message in tool["messages"]] == [
        "LtiResourceLinkRequest",
        "LtiDeepLinkingRequest",
    ]


def test_the_platform_may_frame_the_page_and_no_one_else(client, link, platform):
    response = opened_by_the_lms(client, link, platform)
    assert csp_directive(response, "frame-ancestors") == platform.origin
    assert "X-Frame-Options" not in response
    assert response["Cross-Origin-Opener-Policy"] == "unsafe-none"


def test_a_link_is_used_once(client, link, platform):
    opened_by_the_lms(client, link, platform)
    before = rows()
    response = opened_by_the_lms(client, link, platform)
    assert response.status_code == 403
    assert "This registration link was used already." in response.content.decode()
    assert len(platform.registrations()) == 1
    assert rows() == before


def refused(client, link, platform, message: str, caplog, status=502, **changes) -> None:
    before = rows()
    with caplog.at_level(logging.WARNING, logger="annotations.lti.dynamic"):
        response = opened_by_the_lms(client, link, platform, **changes)
    html = response.content.decode()
    assert response.status_code == status, html
    assert message in html
    assert "Nothing was registered." in html
    assert "lti_registered.js" not in html
    assert rows() == before
    assert any("LTI dynamic registration refused" in record.message for record in caplog.records)


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("", "This is not a registration link"),
        ("made-up", "This is not a registration link"),
    ],
)
def test_it_refuses_without_a_staff_link(db, client, platform, caplog, key, message):
    refused(client, f"/lti/register/?key={key}", platform, message, caplog, status=403)
    assert platform.received == []


def test_it_refuses_a_link_of_someone_no_longer_staff(client, staff, link, platform, caplog):
    staff.is_staff = False
    staff.save()
    refused(client, link, platform, "can no longer register platforms", caplog, status=403)


def test_it_refuses_an_old_link(client, staff, platform, caplog):
    key = signing.dumps({"by": staff.pk, "once": "x"}, salt=LINK_SALT)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("annotations.lti.dynamic.LINK_DAYS", 0)  # any age is too old
        refused(client, f"/lti/register/?key={key}", platform, "days old", caplog, status=403)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"openid_configuration": None}, "configuration URL is missing"),
        ({"openid_configuration": "not a url"}, "must be a whole URL"),
        ({"openid_configuration": "http://lms.example.org/config"}, "must start with https://"),
    ],
)
def test_it_refuses_a_bad_configuration_url(client, link, platform, caplog, changes, message):
    refused(client, link, platform, message, caplog, status=400, **changes)


def test_it_refuses_a_platform_it_cannot_reach(client, link, platform, caplog):
    url = platform.configuration_url.replace(platform.origin, "http://127.0.0.1:9")
    refused(client, link, platform, "could not be reached", caplog, openid_configuration=url)


@pytest.mark.parametrize(
    ("configuration", "message"),
    [
        ({"registration_endpoint": None}, "lacks registration_endpoint"),
        ({"jwks_uri": None, "token_endpoint": ""}, "lacks token_endpoint, jwks_uri"),
        ({"issuer": "https://moodle.example.org"}, "names an issuer its own address does not"),
        ({"issuer": "http://127.0.0.1"}, "names an issuer its own address does not"),
        ({"issuer": "{origin}/moodle"}, "names an issuer its own address does not"),
        ({"jwks_uri": "ftp://127.0.0.1/certs"}, "must be a whole URL"),
    ],
)
def test_it_refuses_a_configuration_that_lacks_or_lies(
    client, link, platform, caplog, configuration, message
):
    platform.configuration_changes = {
        name: value.format(origin=platform.origin) if isinstance(value, str) else value
        for name, value in configuration.items()
    }
    refused(client, link, platform, message, caplog)
    assert platform.registrations() == []


def test_it_says_when_the_platform_refuses_and_the_link_may_be_tried_again(
    client, link, platform, caplog
):
    platform.refuse_registration = 401
    refused(client, link, platform, "The platform refused", caplog)
    assert "HTTP 401" in opened_by_the_lms(client, link, platform).content.decode()

    platform.refuse_registration = None
    response = opened_by_the_lms(client, link, platform)
    assert response.status_code == 200
    assert LtiRegistration.objects.get().client_id == CLIENT_ID


def test_it_refuses_an_answer_without_a_client_id(client, link, platform, caplog):
    platform.answer_changes = {"client_id": ""}
    refused(client, link, platform, "sent back no client id", caplog)


def test_an_issuer_with_a_path_the_configuration_is_under_is_accepted(client, link, platform):
    platform.configuration_changes = {"issuer": f"{platform.origin}/mod"}
    assert opened_by_the_lms(client, link, platform).status_code == 200
    assert LtiRegistration.objects.get().issuer == f"{platform.origin}/mod"


def test_a_platform_that_names_no_deployment_is_registered_without_one(client, link, platform):
    platform.answer_changes = {TOOL_CONFIGURATION: {}}
    assert opened_by_the_lms(client, link, platform).status_code == 200
    assert LtiRegistration.objects.get().client_id == CLIENT_ID
    assert not LtiDeployment.objects.exists()


def test_it_answers_only_get(client, link):
    assert client.post(link).status_code == 405


@pytest.mark.parametrize(
    "answer",
    [{"client_id": "x" * 256}, {"client_id": "two words"}, {"client_id": ["a", "list"]}],
)
def test_it_refuses_an_answer_it_cannot_keep(client, link, platform, caplog, answer):
    platform.answer_changes = answer
    message = "cannot keep" if isinstance(answer["client_id"], str) else "no client id"
    refused(client, link, platform, message, caplog)


def test_odd_shapes_in_the_configuration_are_not_a_server_error(client, link, platform):
    platform.configuration_changes = {
        "https://purl.imsglobal.org/spec/lti-platform-configuration": ["not", "an", "object"],
        "authorization_server": 42,
    }
    response = opened_by_the_lms(client, link, platform)
    assert response.status_code == 200
    registration = LtiRegistration.objects.get()
    assert (registration.name, registration.audience) == (platform.origin, "42")


def test_registrations_are_limited_per_address(client, settings, staff, platform):
    settings.WRITE_LIMITS = {**settings.WRITE_LIMITS, "lti_platforms": "1/m"}
    opened_by_the_lms(client, make_link(staff=staff, origin="http://testserver"), platform)
    response = opened_by_the_lms(
        client, make_link(staff=staff, origin="http://testserver"), platform
    )
    assert response.status_code == 429
    assert "Registering learning platforms: at most 1 a minute" in response.content.decode()
    assert len(platform.registrations()) == 1
