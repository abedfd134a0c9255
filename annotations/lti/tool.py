"""django-lti and pylti1p3, set up as Korea Reader needs them.

pylti1p3 makes the id token's checks (state, format, registration by issuer and client
id, signature against the platform's JWKS, deployment, message type and version); what
it leaves out is added here, still through it:

- the nonce is used once: pylti1p3 only checks that the login issued it, so the same
  id token and state could be posted again; a launch that validates deletes its nonce,
  and one whose nonce is already gone is refused (two at once: one wins the delete);
- the platform's JWKS is cached (pylti1p3 fetched it on every launch), and fetched once
  more when the token names a key the cached set does not hold (the platform rotated);
- `exp` and `iat` are required, with a small skew (LTI_CLOCK_SKEW seconds) for clocks
  that differ; `azp`, when present or when `aud` lists several, must be our client id.

The registration is found by issuer and client id (our /lti/login/ carries no
registration uuid; django-lti's DjangoToolConfig does that when given none).
"""

import hashlib

import jwt
from django.conf import settings
from django.http import HttpRequest
from lti_tool.models import LtiLaunch
from lti_tool.utils import DjangoToolConfig
from pylti1p3.contrib.django import DjangoCacheDataStorage, DjangoMessageLaunch
from pylti1p3.exception import LtiException

UNKNOWN_KEY = "Unable to find public key"
REPLAYED = "Invalid Nonce"
JWKS_CACHE_SECONDS = 3600


class ReaderMessageLaunch(DjangoMessageLaunch):
    _refetched = False

    def validate(self):
        super().validate()
        if not self._use_nonce():
            self._validated = False
            raise LtiException(REPLAYED)
        return self

    def _use_nonce(self) -> bool:
        service = self._session_service
        key = service.data_storage._prepare_key(
            service._get_key("nonce", self._jwt["body"]["nonce"])
        )
        return bool(service.data_storage._get_cache().delete(key))

    def validate_registration(self):
        super().validate_registration()
        body = self._get_jwt_body()
        aud, azp = body.get("aud"), body.get("azp")
        several = isinstance(aud, list) and len(aud) > 1
        if (azp is not None or several) and azp != self._registration.get_client_id():
            raise LtiException("azp is not our client id")
        return self

    def get_public_key(self):
        try:
            return super().get_public_key()
        except LtiException as error:
            if str(error) != UNKNOWN_KEY or self._refetched:
                raise
        self._refetched = True
        url = self._registration.get_key_set_url()
        cache_key = "key-set-url-" + hashlib.md5(url.encode("utf-8")).hexdigest()
        storage = self._public_key_cache_data_storage
        storage._get_cache().delete(storage._prepare_key(cache_key))
        self._registration.set_key_set(None)
        return super().get_public_key()

    def validate_jwt_signature(self):
        public_key, key_alg = self.get_public_key()
        try:
            jwt.decode(
                self._get_id_token(),
                public_key,
                algorithms=[key_alg],
                leeway=settings.LTI_CLOCK_SKEW,
                options={"verify_aud": False, "require": ["exp", "iat"]},
            )
        except jwt.InvalidTokenError as error:
            raise LtiException(f"Can't decode id_token: {error}") from error
        return self


def validated_launch(request: HttpRequest) -> LtiLaunch:
    """The launch the request posts, every check made; LtiException says which failed."""
    message_launch = ReaderMessageLaunch(
        request, DjangoToolConfig(), launch_data_storage=DjangoCacheDataStorage()
    )
    message_launch.set_public_key_caching(DjangoCacheDataStorage(), JWKS_CACHE_SECONDS)
    message_launch.validate()
    return LtiLaunch(message_launch)
