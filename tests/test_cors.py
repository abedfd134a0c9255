"""Tools on other sites (annotations/cors.py): the tools' URLs answer any origin without
credentials, preflights included; the HTML site answers none."""

import pytest
from django.test import Client

from annotations.tokens import create_token

ORIGIN = "https://tool.example"


@pytest.fixture
def bearer(student) -> dict:
    _, secret = create_token(owner=student, name="A web tool", scope="read-write", days=7)
    return {"Authorization": f"Bearer {secret}", "Origin": ORIGIN}


@pytest.mark.parametrize("path", ["/annotations/", "/export/annotations.jsonld"])
def test_a_preflight_on_a_tools_url_is_answered_without_a_token(db, path):
    response = Client().options(
        path,
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "authorization, content-type, if-match",
        },
    )

    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "PUT" in response["Access-Control-Allow-Methods"].split(", ")
    allowed = response["Access-Control-Allow-Headers"].lower().split(", ")
    assert {"authorization", "content-type", "if-match"} <= set(allowed)
    assert "Access-Control-Allow-Credentials" not in response


def test_a_tool_on_another_site_reads_the_container_and_its_headers(student, bearer):
    response = Client().get("/annotations/", headers=bearer)

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    exposed = response["Access-Control-Expose-Headers"].split(", ")
    assert {"ETag", "Link", "Allow", "Location", "WWW-Authenticate"} <= set(exposed)
    assert "Access-Control-Allow-Credentials" not in response


def test_a_refused_token_is_readable_by_the_tool_too(db):
    response = Client().get(
        "/annotations/", headers={"Authorization": "Bearer kr_wrong", "Origin": ORIGIN}
    )

    assert response.status_code == 401
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response.json()["error"] == "invalid_token"


@pytest.mark.parametrize("path", ["/", "/accounts/", "/accounts/tokens/", "/search/"])
def test_the_html_site_answers_no_other_site(student, path):
    client = Client()
    client.force_login(student)

    response = client.get(path, headers={"Origin": ORIGIN})
    preflight = client.options(
        path, headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"}
    )

    assert "Access-Control-Allow-Origin" not in response
    assert "Access-Control-Allow-Origin" not in preflight


def test_a_request_of_the_sites_own_carries_no_cors_headers(student, bearer):
    del bearer["Origin"]

    response = Client().get("/annotations/", headers=bearer)

    assert response.status_code == 200
    assert not [name for name in response.headers if name.startswith("Access-Control-")]
