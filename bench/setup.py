"""Django for benchmarks: production settings (DEBUG off) on a database of their own."""

import os
from urllib.parse import urlsplit, urlunsplit

BENCH_DATABASE = "korea_reader_bench"


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def _ensure_database(url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def bench_django(database: str = BENCH_DATABASE) -> None:
    """Configure and set up Django against a benchmark database, migrated.

    Each benchmark may name its own database, so that two can run at once without one
    clearing the other's data.
    """
    from korea_reader import embedded_db

    base_url = os.environ.get("DATABASE_URL") or embedded_db.ensure_running()
    _ensure_database(base_url, database)
    os.environ["DATABASE_URL"] = _with_database(base_url, database)
    # As in production: DEBUG off (no query logging, no template debugging).
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "benchmark-only-not-a-secret-" + "x" * 30)
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "korea_reader.settings")

    import django
    from django.conf import settings

    django.setup()
    # Plain static storage: no collectstatic manifest is needed to render pages here.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
