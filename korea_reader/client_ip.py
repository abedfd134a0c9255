"""Who is trying to log in, for log-in throttling (django-axes): their address and name.

Behind the TLS proxy of docs/DEPLOY.md, REMOTE_ADDR is the proxy's own address, the same
for every student; the proxy appends the client's address to X-Forwarded-For, so the last
entry is the one to trust (earlier ones are whatever the client claimed). An entry that is
not an address at all was not written by the proxy: then REMOTE_ADDR stands.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest

USERNAME_LENGTH = 150  # Django's User.username


def client_ip(request: HttpRequest) -> str:
    """The client's address, an IPv6 one as its /64: one household or device is given a
    whole /64, so counting single IPv6 addresses would give a guesser millions of them."""
    address = request.META.get("REMOTE_ADDR", "")
    if settings.BEHIND_TLS_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        address = forwarded.rsplit(",", 1)[-1].strip() or address
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        # Not an address at all: not written by the proxy, so REMOTE_ADDR stands.
        return request.META.get("REMOTE_ADDR", "")
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False).network_address)
    return str(parsed)


def attempted_username(request: HttpRequest, credentials: dict | None) -> str:
    """The user name a log-in tried, cut to what an account's can be and without NULs."""
    name = (credentials or {}).get("username") or request.POST.get("username", "")
    return str(name).replace("\x00", "")[:USERNAME_LENGTH]
