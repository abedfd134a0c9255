"""The platform's services (NRPS, AGS) through pylti1p3, with its access token kept.

pylti1p3's ServiceConnector signs our client assertion and asks the platform's token
endpoint for an access token (OAuth2 client credentials), but keeps the token on the
connector only, so each request would ask again. Here it is kept in the cache (in
PostgreSQL, shared by every app server) until shortly before the platform says it
expires; a token the platform then refuses (401) is dropped and asked for once more.
Every request to the platform has a timeout, so an LMS that hangs fails instead.
"""

import hashlib

import requests
from django.core.cache import cache
from lti_tool.models import LtiRegistration
from pylti1p3.exception import LtiServiceException
from pylti1p3.service_connector import ServiceConnector

TIMEOUT = 10  # seconds, for each request to the platform
EARLY = 60  # seconds before its expiry a token is asked for again


class _Session(requests.Session):
    def request(self, method, url, **kwargs):
        kwargs.setdefault("timeout", TIMEOUT)
        return super().request(method, url, **kwargs)


class CachedServiceConnector(ServiceConnector):
    def __init__(self, registration: LtiRegistration):
        super().__init__(registration.to_registration(), requests_session=_Session())
        self._token_url = registration.token_url
        where = f"{registration.client_id} {registration.token_url}".encode()
        self._cache_prefix = f"lti-token:{registration.pk}:{hashlib.sha256(where).hexdigest()}"
        self._expires_in = None
        self._requests_session.hooks["response"].append(self._note_expiry)

    def _key(self, scopes) -> str:
        scopes = "|".join(sorted(scopes)).encode()
        return f"{self._cache_prefix}:{hashlib.sha256(scopes).hexdigest()}"

    def _note_expiry(self, response, **kwargs):
        if response.ok and response.url == self._token_url:
            answer = response.json()
            expires_in = answer.get("expires_in") if isinstance(answer, dict) else None
            self._expires_in = expires_in if isinstance(expires_in, int) else None

    def get_access_token(self, scopes) -> str:
        token = cache.get(self._key(scopes))
        if token is not None:
            return token
        token = super().get_access_token(scopes)
        # Without an expiry, the token is not kept beyond this connector.
        if self._expires_in is not None and self._expires_in > EARLY:
            cache.set(self._key(scopes), token, self._expires_in - EARLY)
        return token

    def make_service_request(self, scopes, url, *args, **kwargs):
        try:
            return super().make_service_request(scopes, url, *args, **kwargs)
        except LtiServiceException as error:
            refused_token = error.response.status_code == 401
            if not refused_token or error.response.url == self._token_url:
                raise  # a refused assertion is not sent again
        self.forget_token(scopes)
        return super().make_service_request(scopes, url, *args, **kwargs)

    def forget_token(self, scopes) -> None:
        """Drop the token for these scopes (the platform refused it): the next request
        asks for a new one."""
        cache.delete(self._key(scopes))
        self._access_tokens.clear()


def service_connector(registration: LtiRegistration) -> ServiceConnector:
    """pylti1p3's connector to the platform's services, its access token cached."""
    return CachedServiceConnector(registration)
