"""Production settings for the fault test's gunicorn, which renders pages without collectstatic.

The hashed-manifest storage refuses to render `{% static %}` until collectstatic has
written its manifest; the test fetches no static files, so plain storage stands in and
nothing is written to the checkout. Everything else is korea_reader.settings, read from
the environment as in production.
"""

from korea_reader.settings import *  # noqa: F403

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
