"""/lti/platforms/: staff register learning platforms by hand, turn them and their
deployments on and off, make registration links, and see the tool's URLs to paste."""

import pytest
from lti_tool.models import LtiDeployment, LtiRegistration

from annotations.lti.registrations import register_platform
from tests.helpers import HTMX, MOODLE, make_user

PLATFORM = {
    **MOODLE,
    "name": "District Moodle",
    "audience": "",
}


@pytest.fixture
def platform(db) -> LtiRegistration:
    registration, _ = register_platform(**PLATFORM)
    return registration


def rows() -> list:
    return [
        *LtiRegistration.objects.values_list("issuer", "client_id", "name", "is_active"),
        *LtiDeployment.objects.values_list("deployment_id", "is_active"),
    ]


def test_it_lists_platforms_with_their_deployments_and_the_tools_urls(client, staff, platform):
    client.force_login(staff)
    response = client.get("/lti/platforms/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "District Moodle" in html
    assert "3 (active)" in html
    assert "http://testserver/lti/login/" in html
    assert "http://testserver/lti/launch/" in html
    assert "http://testserver/lti/jwks/" in html
    assert "http://testserver/lti/canvas.json" in html
    assert "Register platform" in html


def test_it_registers_a_platform_from_the_form(client, staff):
    client.force_login(staff)
    response = client.post("/lti/platforms/", PLATFORM)
    registration = LtiRegistration.objects.get()
    assert response.status_code == 302
    assert response.url == f"/lti/platforms/{registration.pk}/"
    assert (registration.name, registration.client_id) == ("District Moodle", "Xc7Gq2")
    assert LtiDeployment.objects.get().is_active


@pytest.mark.parametrize("htmx", [False, True])
def test_it_refuses_a_bad_url_with_the_form_and_changes_nothing(client, staff, platform, htmx):
    client.force_login(staff)
    before = rows()
    response = client.post(
        "/lti/platforms/",
        {**PLATFORM, "keyset_url": "http://moodle.example.org/certs", "client_id": "other"},
        headers=HTMX if htmx else {},
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert "The keyset URL must start with https://" in html
    assert ("<h1>" in html) is not htmx  # the form alone for htmx
    assert rows() == before


def test_only_staff_see_it(client, platform):
    client.force_login(make_user("teacher", "Grace", "Park"))
    assert client.get("/lti/platforms/").status_code == 403
    assert client.get(f"/lti/platforms/{platform.pk}/").status_code == 403
    assert client.get("/lti/platforms/link/").status_code == 403
    client.logout()
    assert client.get("/lti/platforms/").url.startswith("/accounts/login/")


def test_it_deactivates_and_activates_a_platform(client, staff, platform):
    client.force_login(staff)
    response = client.post(f"/lti/platforms/{platform.pk}/", {"active": "0"}, follow=True)
    assert "District Moodle is inactive." in response.content.decode()
    assert not LtiRegistration.objects.get().is_active
    assert "Activate platform" in response.content.decode()
    client.post(f"/lti/platforms/{platform.pk}/", {"active": "1"})
    assert LtiRegistration.objects.get().is_active


def test_it_deactivates_one_deployment(client, staff, platform):
    other = LtiDeployment.objects.create(registration=platform, deployment_id="4", is_active=True)
    client.force_login(staff)
    response = client.post(
        f"/lti/platforms/{platform.pk}/", {"active": "0", "deployment": other.pk}, follow=True
    )
    assert "Deployment 4 is inactive." in response.content.decode()
    assert sorted(LtiDeployment.objects.values_list("deployment_id", "is_active")) == [
        ("3", True),
        ("4", False),
    ]


def test_another_platforms_deployment_is_not_found_and_nothing_changes(client, staff, platform):
    elsewhere, _ = register_platform(**{**PLATFORM, "client_id": "other", "deployment_id": "9"})
    theirs = elsewhere.deployments.get()
    client.force_login(staff)
    before = rows()
    response = client.post(
        f"/lti/platforms/{platform.pk}/", {"active": "0", "deployment": theirs.pk}
    )
    assert response.status_code == 404
    assert rows() == before


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"active": "maybe"},
        {"active": "0", "deployment": "x"},
        {"active": "0", "deployment": "0"},
    ],
)
def test_a_tampered_activation_says_why_and_changes_nothing(client, staff, platform, data):
    client.force_login(staff)
    before = rows()
    response = client.post(f"/lti/platforms/{platform.pk}/", data)
    assert response.status_code == 422
    assert "Choose to activate or to deactivate." in response.content.decode()
    assert rows() == before


def test_an_unknown_platform_is_not_found(client, staff):
    client.force_login(staff)
    assert client.get("/lti/platforms/999999/").status_code == 404
    assert client.get(f"/lti/platforms/{2**63}/").status_code == 404


def test_it_makes_a_new_registration_link_kept_from_caches(client, staff):
    client.force_login(staff)
    response = client.get("/lti/platforms/link/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="http://testserver/lti/register/?key=' in html
    assert "no-store" in response["Cache-Control"]
    assert client.post("/lti/platforms/link/").status_code == 405


def test_the_staff_menu_links_to_it(client, staff):
    client.force_login(staff)
    assert 'href="/lti/platforms/">Learning platforms</a>' in client.get("/").content.decode()
