"""`manage.py lti_register`: an administrator's registration of an LMS (docs/LTI.md)."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from lti_tool.models import LtiDeployment, LtiRegistration

FLAGS = {
    "issuer": "https://canvas.instructure.com",
    "client_id": "10000000000042",
    "deployment_id": "7:abc123",
    "auth_login_url": "https://sso.canvaslms.com/api/lti/authorize_redirect",
    "auth_token_url": "https://sso.canvaslms.com/login/oauth2/token",
    "keyset_url": "https://sso.canvaslms.com/api/lti/security/jwks",
}


def register(**changes) -> str:
    out = StringIO()
    options = {**FLAGS, **changes}
    argv = [
        item for key, value in options.items() for item in (f"--{key.replace('_', '-')}", value)
    ]
    call_command("lti_register", *argv, stdout=out)
    return out.getvalue()


def rows() -> list:
    return [
        *LtiRegistration.objects.values_list(
            "issuer", "client_id", "name", "auth_url", "token_url", "keyset_url", "is_active"
        ),
        *LtiDeployment.objects.values_list("registration__client_id", "deployment_id", "is_active"),
    ]


@pytest.mark.django_db
def test_it_registers_a_platform_and_an_active_deployment_and_says_what_to_paste():
    out = register(tool_origin="https://reader.example.org")

    registration = LtiRegistration.objects.get()
    assert (registration.issuer, registration.client_id) == (FLAGS["issuer"], FLAGS["client_id"])
    assert registration.name == FLAGS["issuer"]
    assert registration.auth_url == FLAGS["auth_login_url"]
    assert registration.token_url == FLAGS["auth_token_url"]
    assert registration.keyset_url == FLAGS["keyset_url"]
    assert registration.is_active
    deployment = LtiDeployment.objects.get()
    assert (deployment.registration, deployment.deployment_id) == (registration, "7:abc123")
    assert deployment.is_active
    assert "Registered" in out
    assert "https://reader.example.org/lti/login/" in out
    assert "https://reader.example.org/lti/launch/" in out
    assert "https://reader.example.org/lti/jwks/" in out


@pytest.mark.django_db
def test_it_is_idempotent_and_updates_what_changed():
    register()
    before = rows()
    out = register()
    assert rows() == before
    assert "Updated" in out

    register(keyset_url="https://sso.canvaslms.com/api/lti/security/jwks2", name="District Canvas")
    registration = LtiRegistration.objects.get()
    assert registration.keyset_url.endswith("/jwks2")
    assert registration.name == "District Canvas"

    register(deployment_id="8:def456")
    assert sorted(LtiDeployment.objects.values_list("deployment_id", "is_active")) == [
        ("7:abc123", True),
        ("8:def456", True),
    ]
    assert LtiRegistration.objects.count() == 1


@pytest.mark.django_db
def test_running_it_again_reactivates_what_staff_turned_off():
    register()
    LtiRegistration.objects.update(is_active=False)
    LtiDeployment.objects.update(is_active=False)
    register()
    assert LtiRegistration.objects.get().is_active
    assert LtiDeployment.objects.get().is_active


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"issuer": "canvas.instructure.com"}, "--issuer: The issuer must be a whole URL"),
        (
            {"auth_login_url": "http://lms.example.org/auth"},
            "--auth-login-url: The authentication login URL must start with https://",
        ),
        ({"keyset_url": "javascript:alert(1)"}, "--keyset-url: The keyset URL must be a whole URL"),
        ({"client_id": "1000 42"}, "--client-id: The client ID has spaces"),
        ({"deployment_id": ""}, "--deployment-id: This field is required."),
        ({"client_id": "x" * 256}, "--client-id: Ensure this value has at most 255"),
        ({"name": "<b>Canvas</b>"}, "--name: Name must be plain text"),
    ],
)
@pytest.mark.django_db
def test_it_refuses_bad_input_with_a_message_and_changes_nothing(changes, message):
    register()
    before = rows()
    with pytest.raises(CommandError) as refused:
        register(**{**changes, "name": changes.get("name", "Renamed")})
    assert message in str(refused.value)
    assert "Nothing was changed." in str(refused.value)
    assert rows() == before


@pytest.mark.django_db
def test_it_lets_a_platform_on_this_machine_use_http():
    register(
        issuer="http://127.0.0.1:9001",
        auth_login_url="http://127.0.0.1:9001/auth",
        auth_token_url="http://localhost:9001/token",
        keyset_url="http://127.0.0.1:9001/jwks",
    )
    assert LtiRegistration.objects.get().issuer == "http://127.0.0.1:9001"
