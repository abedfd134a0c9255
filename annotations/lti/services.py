"""pylti1p3's ServiceConnector for a platform, its access token cached until it expires.

pylti1p3 signs the client-credentials assertion and asks the platform's token endpoint
for an access token, but keeps the token only in the connector object. Here it is kept
in the database cache (shared by every process, the sender's included) until a minute
before the platform says it expires, so several sends share one token; a token the
platform refuses is forgotten (`forget_token`) and the next request fetches a new one.
"""

import hashlib

import requests
from django.core.cache import cache
from lti_tool.models import LtiRegistration
from pylti1p3.service_connector import ServiceConnector

TIMEOUT_SECONDS = 10  # per request to the platform; a send waiting longer is retried later
EARLY_SECONDS = 60  # a token is dropped this long before the platform says it expires


class _Session(requests.Session):
    """A session with a timeout on every request, which keeps the last response (the
    token endpoint's says how long its token lasts)."""

    last_response: requests.Response | None = None

    def request(self, method, url, **kwargs):
        kwargs.setdefault("timeout", TIMEOUT_SECONDS)
        self.last_response = super().request(method, url, **kwargs)
        return self.last_response


def _token_key(registration: LtiRegistration, scopes) -> str:
    digest = hashlib.sha256("|".join(sorted(scopes)).encode()).hexdigest()[:32]
    return f"lti-access-token:{registration.pk}:{digest}"


class CachedTokenConnector(ServiceConnector):
    def __init__(self, registration: LtiRegistration):
        self._registration_row = registration
        session = _Session()
        session.headers["User-Agent"] = "Korea Reader (LTI 1.3 tool)"
        super().__init__(registration.to_registration(), requests_session=session)

    def get_access_token(self, scopes) -> str:
        key = _token_key(self._registration_row, scopes)
        token = cache.get(key)
        if token is None:
            self._access_tokens.clear()
            token = super().get_access_token(scopes)
            expires_in = self._requests_session.last_response.json().get("expires_in", 3600)
            cache.set(key, token, max(int(expires_in) - EARLY_SECONDS, 1))
        return token

    def forget_token(self, scopes) -> None:
        cache.delete(_token_key(self._registration_row, scopes))


def service_connector(registration: LtiRegistration) -> CachedTokenConnector:
    return CachedTokenConnector(registration)
