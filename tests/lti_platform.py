"""An LTI 1.3 platform (an LMS) on 127.0.0.1, for the tests: what Korea Reader talks to.

`Platform` has its own RSA key and serves, from a thread on a free port:

- `/jwks`: its public keys (the tool checks id tokens against them);
- `/auth`: the OIDC authorization endpoint. It receives the tool's login redirect, checks
  `redirect_uri`, `client_id` and `login_hint`, and answers with a form that posts
  `id_token` and `state` to the tool's launch URL (and submits itself in a browser);
- `/token`: OAuth2 client credentials with a JWT assertion, checked against the tool's
  JWKS (`tool_jwks`, a dict or a URL);
- `/nrps/<context>`: the course's members (Names and Role Provisioning Services), a page
  at a time, the next page in a `Link: <...>; rel="next"` header;
- `/ags/<context>/lineitems` and `.../lineitems/<n>/scores`: line items and scores
  (Assignment and Grade Services).
- `/deep_link_return`: deep linking's return URL. It verifies the tool's signed
  LtiDeepLinkingResponse against the tool's JWKS, records it (`deep_links`) and makes a
  link of the course (`links`) and a line item for each ltiResourceLink in it;
  `deep_linking_claims()` makes a launch the LtiDeepLinkingRequest, `link_claims(n)` a
  launch of link n; `/course/add` and `/course/link?n=` frame those launches.

Every request is recorded (`requests`: method, path, query, media type, body), and
`fail_next(path, n)` makes the next n requests to a path answer 500. A test may also sign
an id token itself (`id_token(claims, header=..., key=...)`) to tamper with it.

Kept as one class that later tests grow (deep linking, roster sync, grade passback).
"""

from __future__ import annotations

import html
import json
import re
import secrets
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import jwt
import requests
from jwcrypto.jwk import JWK

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
DEEP_LINKING = "https://purl.imsglobal.org/spec/lti-dl/claim/"
ROLES = {
    "Learner": "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner",
    "Instructor": "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor",
    "TeachingAssistant": (
        "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"
    ),
}
SCORE_MEDIA_TYPE = "application/vnd.ims.lis.v1.score+json"
LINE_ITEM_MEDIA_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
MEMBERSHIP_MEDIA_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"


def new_key(kid: str | None = None) -> JWK:
    return JWK.generate(kty="RSA", size=2048, kid=kid or secrets.token_hex(8))


@dataclass
class Recorded:
    method: str
    path: str
    query: dict
    media_type: str
    body: bytes
    headers: dict


@dataclass
class Platform:
    client_id: str = "korea-reader-client"
    deployment_id: str = "deployment-1"
    context_id: str = "course-1950"
    context_title: str = "Korean War seminar"
    tool_jwks: dict | str | None = None  # our public keys, or the URL serving them
    members_per_page: int = 2
    key: JWK = field(default_factory=new_key)
    requests: list[Recorded] = field(default_factory=list)
    members: list[dict] = field(default_factory=list)
    line_items: list[dict] = field(default_factory=list)
    scores: list[dict] = field(default_factory=list)
    failures: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, float] = field(default_factory=dict)
    login_hints: set[str] = field(default_factory=set)
    launch_url: str = ""  # the tool's /lti/launch/, as the platform registered it
    login_url: str = ""  # the tool's /lti/login/, which /course frames
    host: str = "127.0.0.1"  # the name in the platform's URLs (it listens on 127.0.0.1)
    claims_for_hint: dict[str, dict] = field(default_factory=dict)
    deep_links: list[dict] = field(default_factory=list)  # the tool's answers, verified
    links: list[dict] = field(default_factory=list)  # the course's links they made

    # Lifecycle.

    def start(self) -> Platform:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    @property
    def issuer(self) -> str:
        return f"http://{self.host}:{self._server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.issuer + path

    @property
    def auth_url(self) -> str:
        return self.url("/auth")

    @property
    def token_url(self) -> str:
        return self.url("/token")

    @property
    def keyset_url(self) -> str:
        return self.url("/jwks")

    def register_with_tool(self, *, active: bool = True):
        """Korea Reader's side, as an administrator sets it up: our key pair (if none),
        this platform's registration and its deployment."""
        from lti_tool.models import Key, LtiDeployment, LtiRegistration

        if not Key.objects.active().exists():
            Key.objects.generate()
        registration = LtiRegistration.objects.create(
            name="Test LMS",
            issuer=self.issuer,
            client_id=self.client_id,
            auth_url=self.auth_url,
            token_url=self.token_url,
            keyset_url=self.keyset_url,
        )
        LtiDeployment.objects.create(
            registration=registration, deployment_id=self.deployment_id, is_active=active
        )
        return registration

    def course_page(self, role: str, claims: dict | None = None) -> bytes:
        """The LMS's page for the course, with Korea Reader in a frame, for `role` (the
        launch carries `claims` too, when given)."""
        params = self.login_params(role)
        if claims:
            self.claims_for_hint[params["login_hint"]] = claims
        src = self.login_url + "?" + urllib.parse.urlencode(params)
        return (
            "<!DOCTYPE html><html lang='en'><head><title>Course</title></head><body>"
            f"<h1>{html.escape(self.context_title)}</h1>"
            f'<iframe title="Korea Reader" src="{html.escape(src)}" width="1000" height="700">'
            "</iframe></body></html>"
        ).encode()

    def jwks(self) -> dict:
        public = json.loads(self.key.export_public())
        return {"keys": [{**public, "alg": "RS256", "use": "sig"}]}

    def fail_next(self, path: str, times: int = 1) -> None:
        self.failures[path] = self.failures.get(path, 0) + times

    def received(self, path: str) -> list[Recorded]:
        return [request for request in self.requests if request.path == path]

    # Id tokens.

    def launch_claims(self, role: str = "Learner", *, nonce: str, sub: str = "", **extra) -> dict:
        """The claims of a resource-link launch by a person in `role` (a key of ROLES, or
        a role as the LMS sends it); `extra` adds or replaces claims, None leaves one out."""
        now = int(time.time())
        sub = sub or f"{role.lower()}-1"
        claims = {
            "iss": self.issuer,
            "aud": self.client_id,
            "azp": self.client_id,
            "sub": sub,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            "name": f"Ji-woo {role}",
            "given_name": "Ji-woo",
            "family_name": role,
            LTI + "message_type": "LtiResourceLinkRequest",
            LTI + "version": "1.3.0",
            LTI + "deployment_id": self.deployment_id,
            LTI + "target_link_uri": self.launch_url,
            LTI + "roles": [ROLES.get(role, role)],
            LTI + "context": {
                "id": self.context_id,
                "title": self.context_title,
                "label": "HIST 1950",
                "type": ["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"],
            },
            LTI + "resource_link": {"id": "link-1", "title": "Stalin and the Korean War"},
            LTI + "custom": {},
            "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice": {
                "context_memberships_url": self.url(f"/nrps/{self.context_id}"),
                "service_versions": ["2.0"],
            },
        }
        claims.update(extra)
        return {name: value for name, value in claims.items() if value is not None}

    def id_token(self, claims: dict, *, header: dict | None = None, key: JWK | None = None) -> str:
        """`claims` signed with the platform's key (or `key`), kid in the header unless
        `header` says otherwise (a `kid` of None leaves it out)."""
        key = key or self.key
        headers = {"kid": self.key.get("kid")}
        headers.update(header or {})
        if headers.get("kid") is None:
            headers.pop("kid")
        pem = key.export_to_pem(private_key=True, password=None)
        return jwt.encode(claims, pem, algorithm="RS256", headers=headers)

    def authorize(self, query: dict) -> dict:
        """What the authorization endpoint answers to the tool's login redirect: the form
        fields (`id_token`, `state`) it posts to `redirect_uri`. Raises ValueError for a
        request it refuses."""
        if query.get("client_id") != self.client_id:
            raise ValueError("unknown client_id")
        if query.get("redirect_uri") != self.launch_url:
            raise ValueError("redirect_uri is not the registered launch URL")
        hint = query.get("login_hint", "")
        if hint not in self.login_hints:
            raise ValueError("unknown login_hint")
        if query.get("response_type") != "id_token" or query.get("scope") != "openid":
            raise ValueError("not an OIDC implicit flow request")
        role = hint.split(":", 1)[0]
        extra = self.claims_for_hint.get(hint, {})
        claims = self.launch_claims(role, nonce=query["nonce"], sub=hint, **extra)
        return {"id_token": self.id_token(claims), "state": query["state"]}

    def login_params(self, role: str = "Learner", *, login_hint: str = "") -> dict:
        """What the LMS sends to the tool's login initiation URL for a person in `role`."""
        hint = login_hint or f"{role}:{secrets.token_hex(4)}"
        self.login_hints.add(hint)
        return {
            "iss": self.issuer,
            "client_id": self.client_id,
            "login_hint": hint,
            "target_link_uri": self.launch_url,
            "lti_deployment_id": self.deployment_id,
        }

    # The services.

    def _check_assertion(self, assertion: str) -> bool:
        keys = self.tool_jwks
        if isinstance(keys, str):
            keys = requests.get(keys, timeout=10).json()
        try:
            kid = jwt.get_unverified_header(assertion).get("kid")
            for key in (keys or {}).get("keys", []):
                if key.get("kid") == kid:
                    public = JWK(**key).export_to_pem()
                    jwt.decode(
                        assertion,
                        public,
                        algorithms=["RS256"],
                        audience=[self.token_url, self.issuer],
                        issuer=self.client_id,
                    )
                    return True
        except jwt.InvalidTokenError:
            return False
        return False

    def token(self, form: dict) -> tuple[int, dict]:
        if form.get("grant_type") != "client_credentials":
            return 400, {"error": "unsupported_grant_type"}
        assertion_type = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        if form.get("client_assertion_type") != assertion_type:
            return 400, {"error": "invalid_request"}
        if not self._check_assertion(form.get("client_assertion", "")):
            return 401, {"error": "invalid_client"}
        access_token = secrets.token_urlsafe(16)
        self.tokens[access_token] = time.time() + 3600
        return 200, {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": 3600,
            "scope": form.get("scope", ""),
        }

    def authorized(self, headers) -> bool:
        scheme, _, token = headers.get("Authorization", "").partition(" ")
        return scheme == "Bearer" and self.tokens.get(token, 0) > time.time()

    def _page(self, path: str, query: dict, rows: list, media_type: str) -> tuple[list, dict]:
        """One page of `rows` (`members_per_page` long), the next one in a Link header."""
        offset = int(query.get("offset", "0") or 0)
        headers = {"Content-Type": media_type}
        if offset + self.members_per_page < len(rows):
            following = f"{self.url(path)}?offset={offset + self.members_per_page}"
            headers["Link"] = f'<{following}>; rel="next"'
        return rows[offset : offset + self.members_per_page], headers

    def memberships(self, path: str, query: dict) -> tuple[int, dict, dict]:
        page, headers = self._page(path, query, self.members, MEMBERSHIP_MEDIA_TYPE)
        body = {
            "id": self.url(path),
            "context": {"id": self.context_id, "title": self.context_title},
            "members": page,
        }
        return 200, headers, body

    # Deep linking: the teacher adds Korea Reader to a module; the tool answers with links.

    @property
    def deep_link_return_url(self) -> str:
        return self.url("/deep_link_return")

    def deep_linking_claims(self, data: str | None = "course-1950-module-3") -> dict:
        """What turns a launch into an LtiDeepLinkingRequest (no resource link), with
        `data` for the tool to echo (None: no data)."""
        settings = {
            "deep_link_return_url": self.deep_link_return_url,
            "accept_types": ["ltiResourceLink"],
            "accept_presentation_document_targets": ["iframe", "window"],
            "accept_multiple": False,
            "auto_create": True,
            "data": data,
        }
        return {
            LTI + "message_type": "LtiDeepLinkingRequest",
            LTI + "resource_link": None,
            DEEP_LINKING + "deep_linking_settings": {
                k: v for k, v in settings.items() if v is not None
            },
        }

    def _tool_keys(self) -> dict:
        keys = self.tool_jwks
        return requests.get(keys, timeout=10).json() if isinstance(keys, str) else keys or {}

    def verify_tool_jwt(self, token: str) -> dict:
        """The claims of a JWT the tool signed (its JWKS), for this platform (aud) from our
        client (iss); jwt.InvalidTokenError otherwise."""
        kid = jwt.get_unverified_header(token).get("kid")
        for key in self._tool_keys().get("keys", []):
            if key.get("kid") == kid:
                public = JWK(**key).export_to_pem()
                return jwt.decode(
                    token, public, algorithms=["RS256"], audience=self.issuer, issuer=self.client_id
                )
        raise jwt.InvalidTokenError(f"no key {kid!r} in the tool's JWKS")

    def receive_deep_link(self, form: dict) -> tuple[int, bytes]:
        """The return endpoint: the tool's LtiDeepLinkingResponse, verified and recorded
        (`deep_links`); each ltiResourceLink becomes a link of the course (`links`), its
        lineItem a line item, as an LMS makes them."""
        try:
            claims = self.verify_tool_jwt(form.get("JWT", ""))
        except jwt.InvalidTokenError as error:
            return 400, f"Refused: {error}".encode()
        self.deep_links.append(claims)
        titles = []
        for item in claims.get(DEEP_LINKING + "content_items", []):
            if item.get("type") != "ltiResourceLink":
                continue
            number = len(self.links) + 1
            line_item = None
            if "lineItem" in item:
                line_item = self.url(f"/ags/{self.context_id}/lineitems/{number}")
                self.line_items.append({**item["lineItem"], "id": line_item})
            self.links.append({"id": f"link-dl-{number}", "item": item, "line_item": line_item})
            titles.append(f"<li>{html.escape(item.get('title') or '')}</li>")
        page = (
            "<!DOCTYPE html><html lang='en'><head><title>Added</title></head><body>"
            f"<h1>Added to the module</h1><ul>{''.join(titles)}</ul></body></html>"
        )
        return 200, page.encode()

    def link_claims(self, number: int = 0) -> dict:
        """The extra claims of a launch of the course's link `number` (one deep linking
        made): its resource link, custom claim, target and gradebook column (AGS)."""
        link = self.links[number]
        item = link["item"]
        ags = {
            "scope": [
                "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
                "https://purl.imsglobal.org/spec/lti-ags/scope/score",
            ],
            "lineitems": self.url(f"/ags/{self.context_id}/lineitems"),
        }
        if link["line_item"]:
            ags["lineitem"] = link["line_item"]
        return {
            LTI + "target_link_uri": item.get("url") or self.launch_url,
            LTI + "resource_link": {"id": link["id"], "title": item.get("title", "")},
            LTI + "custom": item.get("custom", {}),
            "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": ags,
        }

    def course_page_for(self, path: str, query: dict) -> bytes:
        """/course/add: the teacher adds Korea Reader to a module (deep linking);
        /course/link?n=0: the course's link that deep linking made, launched."""
        role = query.get("role", "Instructor" if path == "/course/add" else "Learner")
        if path == "/course/add":
            return self.course_page(role, self.deep_linking_claims())
        return self.course_page(role, self.link_claims(int(query.get("n", "0"))))

    # The roster (NRPS), as a test sets it.

    def member(self, sub: str, role: str = "Learner", status: str = "Active", **fields) -> dict:
        """One member of the course as NRPS lists it; `sub` is also the login hint a
        launch by this person uses (launch(..., login_hint=sub))."""
        given, _, family = (fields.pop("name", "") or f"Ji-woo {sub}").partition(" ")
        return {
            "user_id": sub,
            "roles": [ROLES.get(role, role)],
            "status": status,
            "name": f"{given} {family}".strip(),
            "given_name": given,
            "family_name": family,
            **fields,
        }

    # Grades (Assignment and Grade Services).

    def ags_claim(self, line_item: str = "", *, scope=("lineitem", "score")) -> dict:
        """The AGS endpoint claim of a launch, `line_item` a path (e.g. one of
        `add_line_item`) or none; as extra claims for `launch_claims`/`claims_for_hint`."""
        claim = {
            "scope": [f"https://purl.imsglobal.org/spec/lti-ags/scope/{name}" for name in scope],
            "lineitems": self.url(f"/ags/{self.context_id}/lineitems"),
        }
        if line_item:
            claim["lineitem"] = self.url(line_item)
        return {"https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": claim}

    def add_line_item(self, **fields) -> str:
        """A line item the course has already (as deep linking makes it); its path."""
        path = f"/ags/{self.context_id}/lineitems/{len(self.line_items) + 1}"
        self.line_items.append(
            {"scoreMaximum": 100, "label": "Reading", **fields, "id": self.url(path)}
        )
        return path

    held_together = False  # whether `hold_scores`'s posts were indeed in flight at once

    def hold_scores(self, parties: int) -> None:
        """The next `parties` score posts wait for one another (up to 5 s): senders that
        post at the same moment."""
        self._hold = threading.Barrier(parties, timeout=5)
        self._holding = parties

    def _wait_for_other_scores(self) -> None:
        hold = getattr(self, "_hold", None)
        with _HOLD_LOCK:
            if hold is None or self._holding == 0:
                return
            self._holding -= 1
        try:
            hold.wait()
            self.held_together = True
        except threading.BrokenBarrierError:
            pass


_HOLD_LOCK = threading.Lock()


def _handler(platform: Platform):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def _record(self) -> tuple[str, dict, bytes]:
            parsed = urllib.parse.urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            query = dict(urllib.parse.parse_qsl(parsed.query))
            platform.requests.append(
                Recorded(
                    self.command,
                    parsed.path,
                    query,
                    self.headers.get("Content-Type", "").split(";")[0],
                    body,
                    dict(self.headers),
                )
            )
            return parsed.path, query, body

        def _failing(self, path: str) -> bool:
            if platform.failures.get(path, 0) > 0:
                platform.failures[path] -= 1
                self._send(500, {"error": "failing as the test asked"})
                return True
            return False

        def _send(self, status: int, body, headers: dict | None = None) -> None:
            headers = {"Content-Type": "application/json", **(headers or {})}
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            path, query, _ = self._record()
            if self._failing(path):
                return
            if path == "/jwks":
                return self._send(200, platform.jwks())
            if path == "/favicon.ico":
                return self._send(200, b"", {"Content-Type": "image/x-icon"})
            if path == "/auth":
                return self._auth(query)
            if path == "/course":
                page = platform.course_page(query.get("role", "Learner"))
                return self._send(200, page, {"Content-Type": "text/html; charset=utf-8"})
            if path in ("/course/add", "/course/link"):
                page = platform.course_page_for(path, query)
                return self._send(200, page, {"Content-Type": "text/html; charset=utf-8"})
            if not platform.authorized(self.headers):
                return self._send(401, {"error": "no valid access token"})
            if path.startswith("/nrps/"):
                status, headers, body = platform.memberships(path, query)
                return self._send(status, body, headers)
            if path.endswith("/lineitems"):
                media_type = "application/vnd.ims.lis.v2.lineitemcontainer+json"
                page, headers = platform._page(path, query, platform.line_items, media_type)
                return self._send(200, page, headers)
            return self._send(404, {"error": "not found"})

        def do_POST(self) -> None:
            path, query, body = self._record()
            if self._failing(path):
                return
            if path == "/auth":
                return self._auth(dict(urllib.parse.parse_qsl(body.decode())))
            if path == "/token":
                status, answer = platform.token(dict(urllib.parse.parse_qsl(body.decode())))
                return self._send(status, answer)
            if path == "/deep_link_return":
                status, page = platform.receive_deep_link(dict(parse_qsl(body.decode())))
                return self._send(status, page, {"Content-Type": "text/html; charset=utf-8"})
            if not platform.authorized(self.headers):
                return self._send(401, {"error": "no valid access token"})
            if path.endswith("/lineitems"):
                item = {**json.loads(body), "id": self.url_for_item(path)}
                platform.line_items.append(item)
                return self._send(201, item, {"Content-Type": LINE_ITEM_MEDIA_TYPE})
            if path.endswith("/scores"):
                platform._wait_for_other_scores()
                platform.scores.append({"line_item": path, **json.loads(body)})
                return self._send(200, {})
            return self._send(404, {"error": "not found"})

        def url_for_item(self, path: str) -> str:
            return platform.url(f"{path}/{len(platform.line_items) + 1}")

        def _auth(self, query: dict) -> None:
            try:
                fields = platform.authorize(query)
            except ValueError as refusal:
                return self._send(
                    400, f"Refused: {refusal}".encode(), {"Content-Type": "text/plain"}
                )
            inputs = "".join(
                f'<input type="hidden" name="{name}" value="{html.escape(value)}">'
                for name, value in fields.items()
            )
            page = (
                "<!DOCTYPE html><html><head><title>LMS</title></head><body>"
                f'<form id="launch" method="post" action="{html.escape(query["redirect_uri"])}">'
                f'{inputs}<button type="submit">Continue</button></form>'
                "<script>document.getElementById('launch').submit()</script></body></html>"
            )
            return self._send(200, page.encode(), {"Content-Type": "text/html; charset=utf-8"})

    return Handler


# Driving a launch through Django's test client.


def log_in_from_lms(client, platform, role="Learner", login_hint="") -> dict:
    """The LMS's login initiation; the tool's redirect to the platform's auth endpoint,
    as its query (state, nonce, redirect_uri, ...)."""
    params = platform.login_params(role, login_hint=login_hint)
    response = client.get("/lti/login/", {**params, "lti1p3_new_window": "1"})
    assert response.status_code == 302, response.content
    assert response.url.startswith(platform.auth_url)
    return dict(parse_qsl(urlsplit(response.url).query))


def launch(client, platform, role="Learner", login_hint=""):
    fields = platform.authorize(log_in_from_lms(client, platform, role, login_hint))
    return client.post("/lti/launch/", fields)


def deep_link(client, platform, role="Instructor", login_hint="", **settings):
    """A deep-linking launch (the teacher adds Korea Reader to a module) by `role`."""
    hint = login_hint or f"{role}:{secrets.token_hex(4)}"
    platform.claims_for_hint[hint] = platform.deep_linking_claims(**settings)
    return launch(client, platform, role, hint)


RETURN_FORM = re.compile(
    r'<form method="post" action="([^"]+)" id="lti-deep-link-return">\s*'
    r'<input type="hidden" name="JWT" value="([^"]+)">'
)


def hand_back(platform, response) -> requests.Response:
    """What the browser does with the tool's answer page: post its JWT to the LMS."""
    action, token = RETURN_FORM.search(response.content.decode()).groups()
    return requests.post(html.unescape(action), data={"JWT": token}, timeout=10)
