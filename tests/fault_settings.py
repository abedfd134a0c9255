"""Production settings for gunicorn started without collectstatic (tests/app_server.py).

The hashed-manifest storage refuses to render `{% static %}` until collectstatic has
written its manifest; the fault test and the two-app-servers test fetch no static files,
so plain storage stands in and nothing is written to the checkout. Everything else is
korea_reader.settings, read from the environment as in production.
"""

from korea_reader.settings import *  # noqa: F403

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
