"""What `manage.py check --deploy` says beside Django's own (docs/DEPLOY.md runs it)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks

DEVELOPMENT_HOSTS = {"127.0.0.1", "localhost", "::1"}


@checks.register(deploy=True)
def vocabulary_is_this_sites(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """VOCABULARY_URL left at the development server's address: every exported file would
    name its korea: terms by an address that answers nowhere else (docs/EXPORT.md)."""
    if urlsplit(settings.VOCABULARY_URL).hostname not in DEVELOPMENT_HOSTS:
        return []
    return [
        checks.Warning(
            f"VOCABULARY_URL is {settings.VOCABULARY_URL}, the development server's "
            "address: exported files would name their korea: terms by it.",
            hint="Set VOCABULARY_URL to https://<your host>/ns (docs/DEPLOY.md).",
            id="annotations.W001",
        )
    ]
