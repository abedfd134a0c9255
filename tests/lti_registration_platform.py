"""A learning platform's side of LTI Dynamic Registration, on 127.0.0.1, for the tests:
its OpenID configuration, a registration endpoint that records what it receives (and
refuses when told), and a page playing the LMS that frames the tool's registration page
and shows what it was told by postMessage. The lead folds it into tests/lti_platform.py.

    with RegistrationPlatform() as platform:
        platform.configuration_url   # what the LMS passes as openid_configuration
        platform.received            # [(method, path, headers, body)], in order
        platform.refuse_registration = 401
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

CLIENT_ID = "simulated-client-1"
DEPLOYMENT_ID = "simulated-deployment-1"
REGISTRATION_TOKEN = "registration-token-123"
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"


class RegistrationPlatform:
    def __init__(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.platform = self
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.received: list[tuple[str, str, dict, object]] = []
        # What the tests change: fields of the configuration (None removes one), the
        # registration endpoint's refusal, and its answer.
        self.configuration_changes: dict = {}
        self.refuse_registration: int | None = None
        self.answer_changes: dict = {}
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def configuration_url(self) -> str:
        return f"{self.origin}/mod/lti/openid-configuration.php"

    def configuration(self) -> dict:
        origin = self.origin
        configuration = {
            "issuer": origin,
            "authorization_endpoint": f"{origin}/mod/lti/auth.php",
            "token_endpoint": f"{origin}/mod/lti/token.php",
            "jwks_uri": f"{origin}/mod/lti/certs.php",
            "registration_endpoint": f"{origin}/mod/lti/openid-registration.php",
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid"],
            "response_types_supported": ["id_token"],
            "subject_types_supported": ["public", "pairwise"],
            "claims_supported": ["sub", "iss", "name", "given_name", "family_name"],
            PLATFORM_CONFIGURATION: {
                "product_family_code": "moodle",
                "version": "4.5",
                "messages_supported": [
                    {"type": "LtiResourceLinkRequest"},
                    {"type": "LtiDeepLinkingRequest"},
                ],
            },
        }
        configuration.update(self.configuration_changes)
        return {key: value for key, value in configuration.items() if value is not None}

    def registrations(self) -> list[tuple[dict, object]]:
        """(headers, body) of each registration the tool sent."""
        return [
            (headers, body)
            for method, path, headers, body in self.received
            if method == "POST" and path.endswith("openid-registration.php")
        ]

    def __enter__(self) -> RegistrationPlatform:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join()


class _Handler(BaseHTTPRequestHandler):
    server: ThreadingHTTPServer

    def log_message(self, format, *args) -> None:  # quiet in the test output
        pass

    @property
    def platform(self) -> RegistrationPlatform:
        return self.server.platform

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        self.platform.received.append(("GET", path, dict(self.headers), None))
        if path == "/mod/lti/openid-configuration.php":
            self._json(200, self.platform.configuration())
        elif path == "/lms":
            self._lms_page(parse_qs(urlsplit(self.path).query).get("tool", [""])[0])
        else:
            self._json(404, {"error": "not_found"})

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw)
        except ValueError:
            body = raw.decode(errors="replace")
        self.platform.received.append(("POST", path, dict(self.headers), body))
        if path != "/mod/lti/openid-registration.php":
            self._json(404, {"error": "not_found"})
        elif self.platform.refuse_registration:
            self._json(self.platform.refuse_registration, {"error": "invalid_token"})
        else:
            tool = dict(body.get(TOOL_CONFIGURATION, {})) if isinstance(body, dict) else {}
            tool["deployment_id"] = DEPLOYMENT_ID
            answer = {**(body if isinstance(body, dict) else {}), "client_id": CLIENT_ID}
            answer[TOOL_CONFIGURATION] = tool
            answer.update(self.platform.answer_changes)
            self._json(200, answer)

    def _json(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _lms_page(self, tool_url: str) -> None:
        """The LMS's tool registration dialog: the tool in a frame; what the tool posts
        to it is written into the page, as an LMS would close the dialog."""
        page = f"""<!doctype html><html lang="en"><head><title>LMS</title>
<link rel="icon" href="data:,"></head><body>
<h1>Register a tool</h1><p id="told">Waiting</p>
<iframe title="Tool registration" src="{tool_url}" width="800" height="400"></iframe>
<script>
window.addEventListener("message", function (event) {{
  document.getElementById("told").textContent = JSON.stringify(event.data);
}});
</script></body></html>""".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)
