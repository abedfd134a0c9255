"""The Web Annotation Protocol's server MUSTs over real HTTP: gunicorn on 127.0.0.1 with
production settings (tests/app_server.py), a tool sending a personal access token, as
web-platform-tests' annotation-protocol server tests would. What the test client checks
in detail (tests/test_annotation_protocol.py), checked here through a real socket and a
real WSGI server, which may change headers (HEAD, redirects, lengths) on the way."""

import json
import urllib.error
import urllib.request

import pytest

from annotations.export import JSONLD_CONTENT_TYPE as JSONLD
from annotations.tokens import create_token
from tests.app_server import database_url, production_environment, serve
from tests.test_annotation_protocol import new_annotation


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the test reads a redirect itself


def send(url: str, method: str = "GET", body: dict | None = None, **headers):
    """(status, headers, body bytes) of one request; errors are answers too."""
    data = json.dumps(body).encode() if body is not None else None
    if data is not None:
        headers.setdefault("Content-Type", JSONLD)
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    opener = urllib.request.build_opener(NoRedirects)
    try:
        with opener.open(request, timeout=20) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as answer:
        return answer.code, answer.headers, answer.read()


@pytest.mark.django_db(transaction=True)
def test_the_protocols_server_musts_hold_over_http(document, student, tmp_path):
    _, secret = create_token(owner=student, name="wpt", scope="read-write", days=7)
    bearer = {"Authorization": f"Bearer {secret}", "Accept": JSONLD}

    with serve(production_environment(database_url()), workers=1, log=tmp_path / "g.log") as app:
        container = app.url + "/annotations/"

        # The container's address ends in a slash; without it, a redirect there.
        status, headers, _ = send(app.url + "/annotations", **bearer)
        assert status in (301, 308) and headers["Location"].endswith("/annotations/")

        # GET, HEAD and OPTIONS, with the Protocol's headers.
        status, headers, body = send(container, **bearer)
        assert status == 200
        assert headers["Content-Type"] == JSONLD
        assert 'rel="type"' in headers["Link"] and "ldp#BasicContainer" in headers["Link"]
        assert {"GET", "HEAD", "OPTIONS", "POST"} <= set(headers["Allow"].split(", "))
        assert "Accept" in headers["Vary"] and headers["ETag"]
        assert json.loads(body)["total"] == 0
        status, head, body = send(container, "HEAD", **bearer)
        assert (status, body, head["ETag"]) == (200, b"", headers["ETag"])
        status, headers, _ = send(container, "OPTIONS")
        assert status == 200 and "POST" in headers["Allow"] and headers["Accept-Post"]

        # POST: 201, the new annotation's address (under the container) in Location.
        status, headers, body = send(
            container, "POST", new_annotation(document, base=app.url), **bearer
        )
        assert status == 201, body[:500]
        location, etag = headers["Location"], headers["ETag"]
        assert location.startswith(container) and json.loads(body)["id"] == location

        # The annotation: GET with its ETag, 406 for a type it does not serve.
        status, headers, body = send(location, **bearer)
        assert (status, headers["ETag"]) == (200, etag)
        assert "ldp#Resource" in headers["Link"]
        assert send(location, **{**bearer, "Accept": "text/html"})[0] == 406

        # PUT replaces it given the current ETag; a stale one is 412, none 428.
        annotation = json.loads(body)
        annotation["body"] = {"type": "TextualBody", "value": "Edited", "purpose": "commenting"}
        assert send(location, "PUT", annotation, **bearer)[0] == 428
        status, headers, _ = send(location, "PUT", annotation, **bearer, **{"If-Match": etag})
        assert status == 200 and headers["ETag"] != etag
        assert send(location, "PUT", annotation, **bearer, **{"If-Match": etag})[0] == 412

        # DELETE: 204, and it is gone.
        status, _, body = send(location, "DELETE", **bearer)
        assert (status, body) == (204, b"")
        assert send(location, **bearer)[0] == 404

        # A tool on another site: a preflight answered, the answer readable from anywhere.
        status, headers, _ = send(
            container,
            "OPTIONS",
            Origin="https://tool.example",
            **{"Access-Control-Request-Method": "POST"},
        )
        assert status == 204 and headers["Access-Control-Allow-Origin"] == "*"
