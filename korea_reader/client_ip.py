"""The address a request came from, for login throttling (django-axes).

Behind the TLS proxy of docs/DEPLOY.md, REMOTE_ADDR is the proxy's own address, the same
for every student; the proxy appends the client's address to X-Forwarded-For, so the last
entry is the one to trust (earlier ones are whatever the client claimed).
"""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    if settings.BEHIND_TLS_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        last = forwarded.rsplit(",", 1)[-1].strip()
        if last:
            return last
    return request.META.get("REMOTE_ADDR", "")
