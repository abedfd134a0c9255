"""Korea Reader settings, all read from environment variables.

Production-safe by default: DEBUG is off unless DEBUG=1, and then SECRET_KEY must be set.
`make run` and `make test` set DEBUG=1 for development. See README.md and docs/DEPLOY.md.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
import dj_email_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be 1/0, true/false, yes/no or on/off, not {raw!r}.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None


def env_list(name: str, default: str) -> list[str]:
    """A comma-separated list; blanks around items are ignored."""
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Production needs a long random value, e.g. from "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`. "
            "For local development set DEBUG=1 (make run does)."
        )
    SECRET_KEY = "development-only-insecure-key"  # only ever with DEBUG on

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
for origin in CSRF_TRUSTED_ORIGINS:
    if "://" not in origin:
        raise ImproperlyConfigured(
            f"CSRF_TRUSTED_ORIGINS entries need a scheme, e.g. https://{origin}, not {origin!r}."
        )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.postgres",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "taggit",
    "axes",
    "lti_tool",  # django-lti: LTI registrations, deployments and keys
    "annotations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "korea_reader.middleware.RefuseNulCharacters",
    # Before the session: a live page's poll with nothing new costs one query (annotations/live.py).
    "annotations.live.PollShortcut",
    # Other sites' tools on the tools' URLs only, around everything that may refuse them
    # (a bad token's 401 included), with no credentials (annotations/cors.py).
    "annotations.cors.OpenToTools",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Right after the session's user: a personal access token stands for its owner on the
    # tools' URLs only (annotations/tokens.py), before anything reads request.user. Its
    # CSRF exemption still reaches CsrfViewMiddleware, whose check runs in process_view.
    "annotations.tokens.BearerTokens",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "annotations.middleware.ChooseOwnPassword",
    "annotations.middleware.ActivateTimeZone",
    "annotations.middleware.LogInAgainThenCarryOn",
    "csp.middleware.CSPMiddleware",
    # After CSP: in a session an LTI launch began, its LMS may frame the pages.
    "annotations.lti.frames.FrameForLaunchingPlatform",
    # Last, as django-axes asks: it turns a locked-out login into its own response.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # First, so that a locked-out user name is refused before its password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "korea_reader.urls"
WSGI_APPLICATION = "korea_reader.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "annotations.notifications.badge",
            ],
        },
    },
]

# The embedded server (korea_reader/embedded_db.py) stands in when DATABASE_URL is unset.
DATABASE_URL = env_str("DATABASE_URL", "")
if not DATABASE_URL:
    from korea_reader import embedded_db

    try:
        DATABASE_URL = embedded_db.ensure_running()
    except embedded_db.EmbeddedPostgresError as err:
        raise ImproperlyConfigured(f"Embedded PostgreSQL: {err}") from None

if not DATABASE_URL.startswith(("postgres://", "postgresql://")):
    raise ImproperlyConfigured(
        "DATABASE_URL must be a PostgreSQL URL (postgresql://user:password@host:port/name); "
        "Korea Reader runs on PostgreSQL only."
    )
DATABASES = {
    "default": {
        **dj_database_url.parse(
            DATABASE_URL, conn_max_age=env_int("CONN_MAX_AGE", 60), conn_health_checks=True
        ),
        # Lets two test runs share one server (e.g. test_korea_reader_2); default test_<name>.
        "TEST": {"NAME": env_str("TEST_DATABASE_NAME", "") or None},
    }
}
# Prepared statements: with server-side binding psycopg prepares what a connection runs a
# fifth time, and PostgreSQL plans it once for the connection instead of at every request
# (every access check and write runs the same few statements; docs/PERFORMANCE.md).
# DATABASE_PREPARED_STATEMENTS=0 behind a pooler that cannot keep them for a connection,
# such as PgBouncer in transaction mode without max_prepared_statements (docs/DEPLOY.md).
if env_bool("DATABASE_PREPARED_STATEMENTS", True):
    DATABASES["default"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        "server_side_binding": True,
        "prepare_threshold": 5,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# "Cold War" and "cold war" are one tag (annotations.Tag enforces it in the database too).
TAGGIT_CASE_INSENSITIVE = True

LOGIN_URL = "login"
# Teachers land on their classes, students on their assignments (annotations.views.home).
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "library"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Development serves from static/ directly; production from collectstatic's output.
STATIC_ROOT = None if DEBUG else Path(env_str("STATIC_ROOT", "") or BASE_DIR / "staticfiles")
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed, compressed files in production (after collectstatic); plain in development.
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Security: secure cookies and HTTPS in production; each can be overridden for a
# deployment behind a proxy that terminates TLS (see docs/DEPLOY.md).
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY", False)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Inside an LMS's frame (LTI) we are a third party: the session and CSRF cookies reach
# the frame only as SameSite=None, which browsers accept only with Secure. On wherever
# the cookies are secure (production); LTI_COOKIES_IN_FRAME=0 keeps Django's Lax, and LMS
# users then open Korea Reader in a new window. CSRF tokens still guard every POST.
LTI_COOKIES_IN_FRAME = env_bool(
    "LTI_COOKIES_IN_FRAME", SESSION_COOKIE_SECURE and CSRF_COOKIE_SECURE
)
if LTI_COOKIES_IN_FRAME:
    if not (SESSION_COOKIE_SECURE and CSRF_COOKIE_SECURE):
        raise ImproperlyConfigured(
            "LTI_COOKIES_IN_FRAME needs secure cookies (SESSION_COOKIE_SECURE and "
            "CSRF_COOKIE_SECURE): browsers drop SameSite=None cookies without Secure."
        )
    SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "None"
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Everything from our own origin, nothing inline: no 'unsafe-inline', no 'unsafe-eval'
# (htmx is configured in base.html not to need either). Script-set element.style, as the
# highlighter positions its editor, is not inline style and stays allowed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Login throttling (django-axes): five failures lock a user name *at one address* for 15
# minutes, so a class sharing a school's address is not locked out by one guesser, nor is
# a student by someone guessing from elsewhere. Behind a proxy the client's address is the
# one the proxy appended to X-Forwarded-For (korea_reader.client_ip).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "korea_reader.client_ip.client_ip"
# What a failed log-in records as the user name: at most what an account's can be.
AXES_USERNAME_CALLABLE = "korea_reader.client_ip.attempted_username"
AXES_VERBOSE = False
# And LOGIN_FAILURES_PER_USERNAME failures of one user name from any addresses, within the
# same cool-off, lock that name everywhere until its password changes or its teacher
# unlocks it (annotations/log_in_locks.py): one new address a guess gets no further.
LOGIN_FAILURES_PER_USERNAME = env_int("LOGIN_FAILURES_PER_USERNAME", 30)
if LOGIN_FAILURES_PER_USERNAME <= AXES_FAILURE_LIMIT:
    raise ImproperlyConfigured(
        "LOGIN_FAILURES_PER_USERNAME must be above AXES_FAILURE_LIMIT, or one guesser at one "
        "address would lock a user name everywhere."
    )
AXES_HANDLER = "annotations.log_in_locks.LogInLockHandler"
AXES_LOCKOUT_CALLABLE = "annotations.log_in_locks.lockout_response"
# A log-in refused during a lock tried no password: it neither counts nor prolongs the lock.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False

# Throttles for what anyone may try without an account (annotations/throttles.py), counted
# in the database cache so that every app server sees the same counts. A rate is
# "number/period" (s, m, h, d). Wrong join codes are counted per address; sign-ups per
# address and per class code, high enough for a class of 30 behind one school address.
JOIN_FAILURES_PER_ADDRESS = env_str("JOIN_FAILURES_PER_ADDRESS", "20/h")
SIGNUPS_PER_ADDRESS = env_str("SIGNUPS_PER_ADDRESS", "100/h")
SIGNUPS_PER_CODE = env_str("SIGNUPS_PER_CODE", "100/h")
# Wrong, expired or revoked access tokens one address may send (annotations/tokens.py):
# a token has 256 random bits, so this only keeps a guesser from costing us lookups.
TOKEN_FAILURES_PER_ADDRESS = env_str("TOKEN_FAILURES_PER_ADDRESS", "30/h")
# The IRI of Korea Reader's own vocabulary, the korea: terms of the JSON-LD export: where
# this server answers with their definitions (/ns, and /ns.jsonld the JSON-LD context).
# Fixed here, not taken from a request's host, so that a file means the same whichever
# address it was downloaded from (docs/EXPORT.md, "Our vocabulary").
VOCABULARY_URL = env_str("VOCABULARY_URL", "http://127.0.0.1:8000/ns")
if not VOCABULARY_URL.startswith(("http://", "https://")) or any(
    mark in VOCABULARY_URL for mark in "#? "
):
    raise ImproperlyConfigured(
        "VOCABULARY_URL must be the address of /ns on your site, e.g. "
        f"https://reader.example.org/ns (no # or ?), not {VOCABULARY_URL!r}."
    )
# What one account may write, per account (annotations/throttles.py, write_limit): rates
# no real student or teacher meets, each WRITE_LIMIT_<NAME> in the environment. And caps
# checked in the writes themselves. See "Limits" in docs/DEPLOY.md.
WRITE_LIMITS = {
    name: env_str(f"WRITE_LIMIT_{name.upper()}", default)
    for name, default in {
        "highlights": "30/m",
        "replies": "20/m",
        "notifications": "30/m",
        "hides": "60/m",
        "marks": "60/m",
        "glossary": "30/m",
        "corrections": "10/m",
        "classes": "60/m",
        "class_tags": "30/m",
        "roster": "10/m",
        "imports": "5/m",
        "joins": "20/m",
        "account": "10/m",
        "exports": "10/m",
        "password_resets": "10/h",
        "lti_platforms": "10/m",
        "lti": "600/m",  # LMS launches, by address: a school's lesson starting at once
        "tokens": "10/m",
        "annotations": "30/m",  # the Web Annotation Protocol's POST, PUT and DELETE
    }.items()
}
# How often an open reading view asks for classmates' new highlights and replies, in
# seconds (annotations/live.py); only while its tab is visible.
LIVE_POLL_SECONDS = env_int("LIVE_POLL_SECONDS", 15)
# LTI id tokens: seconds of clock difference allowed between the LMS and us (exp, iat).
LTI_CLOCK_SKEW = env_int("LTI_CLOCK_SKEW", 60)
HIGHLIGHTS_PER_ARTICLE = env_int("HIGHLIGHTS_PER_ARTICLE", 500)
NEW_TAGS_PER_DAY = env_int("NEW_TAGS_PER_DAY", 50)
# Personal access tokens one account may have in use (neither revoked nor expired).
TOKENS_PER_ACCOUNT = env_int("TOKENS_PER_ACCOUNT", 20)
CACHES = {
    "default": {
        "BACKEND": "korea_reader.cache.DatabaseCache",
        "LOCATION": "korea_reader_cache",
    },
    # The throttles' and write limits' counters, in an UNLOGGED table (migration 0028): a
    # count is worth nothing after a crash (PostgreSQL empties the table then), so the
    # count every write makes waits for no flush of the write-ahead log.
    "counts": {
        "BACKEND": "korea_reader.cache.DatabaseCache",
        "LOCATION": "korea_reader_counts",
    },
}

# Mail, for password resets: EMAIL_URL (smtp://user:password@host:587/?tls=True, read by
# dj-email-url) or the usual EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD,
# EMAIL_USE_TLS. Without either, development prints mail on the console and production
# sends none: the reset page then tells people to ask their teacher.
EMAIL_URL = env_str("EMAIL_URL", "")
EMAIL_HOST = env_str("EMAIL_HOST", "")
if EMAIL_URL:
    vars().update(dj_email_url.parse(EMAIL_URL))
elif EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
elif DEBUG:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
EMAIL_CONFIGURED = bool(EMAIL_URL or EMAIL_HOST or DEBUG)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Korea Reader <noreply@localhost>")

# Preloading is a commitment for the whole domain; a school decides it, not the default.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # Lockouts are warnings; each ordinary log-in need not be logged.
    "loggers": {"axes": {"level": "WARNING"}},
}
