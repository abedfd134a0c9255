"""/lti/canvas.json: Canvas's developer key (LTI Key, "Enter URL" or "Paste JSON")."""

import json

import pytest

AGS_AND_NRPS = {
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
    "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
}


@pytest.mark.django_db
def test_it_gives_canvas_the_tools_urls_scopes_and_placements(client, settings):
    settings.ALLOWED_HOSTS = ["reader.example.org"]
    response = client.get("/lti/canvas.json", HTTP_HOST="reader.example.org", secure=True)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    key = json.loads(response.content)
    assert key["title"] == "Korea Reader"
    assert key["description"]
    assert key["oidc_initiation_url"] == "https://reader.example.org/lti/login/"
    assert key["target_link_uri"] == "https://reader.example.org/lti/launch/"
    assert key["public_jwk_url"] == "https://reader.example.org/lti/jwks/"
    assert set(key["scopes"]) == AGS_AND_NRPS
    (canvas,) = key["extensions"]
    assert canvas["platform"] == "canvas.instructure.com"
    assert canvas["privacy_level"] == "public"
    assert canvas["domain"] == "reader.example.org"
    placements = {
        placement["placement"]: placement for placement in canvas["settings"]["placements"]
    }
    assert set(placements) == {"link_selection", "assignment_selection"}
    for placement in placements.values():
        assert placement["message_type"] == "LtiDeepLinkingRequest"
        assert placement["target_link_uri"] == "https://reader.example.org/lti/launch/"


@pytest.mark.django_db
def test_it_is_public_and_read_only(client):
    assert client.get("/lti/canvas.json").status_code == 200
    assert client.post("/lti/canvas.json").status_code == 405
