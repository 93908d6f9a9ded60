"""The one settings module. Every value that differs between a laptop, CI and production is
read from the environment through the small helpers below, which fail loudly on a bad value
instead of guessing."""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

import dj_database_url
import django_stubs_ext
from celery.schedules import crontab
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# Lets annotations such as ModelForm[Team] work at run time, not only for mypy.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"Set the environment variable {name}.")
    return value


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    lowered = raw.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean; use 1/0, true/false, yes/no.")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} is below the minimum of {minimum}.")
    return value


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", default=False)

# Production (DEBUG off) must be told its secret and its hosts; a laptop gets safe defaults.
if DEBUG:
    SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-never-use-in-production")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
else:
    SECRET_KEY = env_str("SECRET_KEY", "")
    if not SECRET_KEY:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")

CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Our own apps, from the top down (docs/architecture.md): the front door, the features, the
# foundation. Each may import only those below it; tests/test_architecture.py holds them to it.
PROJECT_APPS = [
    "dialoog",
    "nudges",
    "practice",
    "planning",
    "focusgroups",
    "interviews",
    "surveys",
    "interventions",
    "schools",
]
INSTALLED_APPS = [
    *PROJECT_APPS,
    # Before the admin, as modeltranslation asks; it registers each app's translation.py.
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    # Single sign-on with the school's own account (docs/sso.md); the apps (client id and
    # secret) are rows in the database, linked to a board in schools.SignInProvider.
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.microsoft",
    "allauth.socialaccount.providers.google",
    "django_htmx",
    "template_partials",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_celery_beat",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "dialoog.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "dialoog.middleware.LanguageMiddleware",
    "dialoog.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "dialoog.middleware.IdleTimeoutMiddleware",
    "dialoog.middleware.RequireTwoFactorMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "dialoog.urls"
WSGI_APPLICATION = "dialoog.wsgi.application"

TEMPLATES: list[dict[str, Any]] = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dialoog.context_processors.navigation",
            ],
            "builtins": ["template_partials.templatetags.partials"],
        },
    }
]

# PostgreSQL everywhere: development, tests, CI and production run the same engine. Without
# DATABASE_URL, `make run` and `make test` start a private server whose socket is in
# var/postgres (scripts/devdb.py) and point DATABASE_URL at it; the default below is that
# socket, so `manage.py shell` beside a running `make run` reaches the same database.
DATABASES = {
    "default": dj_database_url.parse(
        env_str(
            "DATABASE_URL",
            f"postgres://postgres@{quote(str(BASE_DIR / 'var' / 'postgres'), safe='')}/dialoog",
        ),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60, minimum=0),
    )
}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (postgres://...).")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "").strip()

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "dialoog.cache.RedisCache",  # Django's, one client per pool
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "dialoog",
            # A Redis that does not answer must not hold a page up for long.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(BASE_DIR / "var" / "cache"),
        }
    }

# Sessions are kept in the database and read from the cache (Redis, or the file cache without
# it), so a page costs the same queries on every machine (see dialoog/sessions.py).
SESSION_ENGINE = "dialoog.sessions"

AUTH_USER_MODEL = "schools.User"
AUTHENTICATION_BACKENDS = [
    # Django's ModelBackend under the project's name (sessions remember it; dialoog/auth.py).
    "schools.auth.Backend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

# django-allauth: e-mail is the login; nobody signs up by themselves (a leader adds people);
# teachers can log in with a code sent by e-mail; leaders can add TOTP (see schools.adapters).
ACCOUNT_ADAPTER = "schools.adapters.AccountAdapter"
MFA_ADAPTER = "schools.adapters.MFAAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[dialoog] "
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "dialoog"

# Single sign-on (docs/sso.md): a provider only ever signs in an account the school made
# (schools.sso.SocialAccountAdapter decides); allauth's own matching by e-mail stays off, as
# it would wipe the person's password. Tokens are not kept: the sign-in needs them once.
SOCIALACCOUNT_ADAPTER = "schools.sso.SocialAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_QUERY_EMAIL = True
SOCIALACCOUNT_PROVIDERS: dict[str, dict[str, Any]] = {
    "openid_connect": {"OAUTH_PKCE_ENABLED": True},
    "google": {"SCOPE": ["openid", "email", "profile"], "OAUTH_PKCE_ENABLED": True},
    "microsoft": {"SCOPE": ["User.Read"], "OAUTH_PKCE_ENABLED": True},
}

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Nederlands")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
# Translated model texts (schools.i18n): a text ``name`` is stored as ``name_nl`` and ``name_en``
# and reads in the active language, Dutch when the English is empty.
MODELTRANSLATION_DEFAULT_LANGUAGE = "nl"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("nl",)
_TEXT_LANGUAGES = {
    "nl": pgettext_lazy("language of a text", "Dutch"),
    "en": pgettext_lazy("language of a text", "English"),
}
# "name (Dutch)", "name (English)" in forms and the admin (modeltranslation's own is "name [nl]").
MODELTRANSLATION_BUILD_LOCALIZED_VERBOSE_NAME = lambda name, language: format_lazy(  # noqa: E731
    "{} ({})", name, _TEXT_LANGUAGES[language]
)
TIME_ZONE = "Europe/Amsterdam"
USE_TZ = True

STATIC_URL = "/static/"
# Where collectstatic writes and WhiteNoise serves from in production; the production-stack
# test points it at a temporary folder so it leaves the work tree's staticfiles/ alone.
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "dialoog.storage.StaticStorage"
        )
    },
}

# E-mail: in development kept in var/mail, one line each on the console and listed at
# /dev/mail/ (dialoog/devmail.py); SMTP in production; tests use Django's locmem backend.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "dialoog.devmail.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "dialoog <noreply@dialoog.invalid>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery. Redis when REDIS_URL is set; otherwise kombu's filesystem transport, a real broker
# (the worker really runs, nothing is eager) that needs no server for `make run`.
CELERY_BROKER_DIR = BASE_DIR / "var" / "celery"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, Any] = {"visibility_timeout": 3600}
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "dialoog")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Synced into django-celery-beat's tables at beat start; editable in the admin afterwards.
CELERY_BEAT_SCHEDULE = {
    "send-due-invitations": {"task": "surveys.tasks.send_due_invitations", "schedule": 300.0},
    "delete-stale-drafts": {"task": "surveys.tasks.delete_stale_drafts", "schedule": 3600.0},
    "prune-cancelled-activities": {
        "task": "planning.tasks.prune_cancelled_activities",
        "schedule": 24 * 3600.0,
    },
    # Opens the ballot boxes of rounds that closed and counts them into tallies (surveys.ballots,
    # surveys.retention): results appear about a minute after closing.
    "tally-closed-rounds": {"task": "surveys.tasks.tally_closed_rounds", "schedule": 60.0},
    # The turnout leaders see, as of every full hour (surveys.anonymity.Turnout).
    "record-turnout": {"task": "surveys.tasks.record_turnout", "schedule": crontab(minute=0)},
    # AVG: deletes what has passed each school's retention period (schools.retention).
    "purge-expired-data": {
        "task": "schools.tasks.purge_expired_data",
        "schedule": crontab(minute=15, hour=3),
    },
    # Creates due nudges and sweeps pending e-mails into the queue (the outbox, see nudges).
    "scan-nudges": {"task": "nudges.tasks.scan_nudges", "schedule": 300.0},
    "send-nudge-digests": {
        "task": "nudges.tasks.send_digests",
        "schedule": crontab(minute=30, hour=7, day_of_week="1-5"),
    },
}
# Nudges: a claimed e-mail whose worker has not finished after this many seconds is taken to
# be from a worker that died and may be claimed again. Far below the visibility timeout.
NUDGE_CLAIM_TIMEOUT = env_int("NUDGE_CLAIM_TIMEOUT", 900, minimum=1)
# At most this many e-mails are queued per sweep; the rest follow on the next beat.
NUDGE_SWEEP_LIMIT = env_int("NUDGE_SWEEP_LIMIT", 2000, minimum=1)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=True)
    # Behind a TLS-terminating proxy that sets X-Forwarded-Proto. Plain HTTP is redirected,
    # except the health check, which a load balancer calls over HTTP.
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# A logged-in person is logged out after this long without a request
# (dialoog.middleware.IdleTimeoutMiddleware). The session itself lives Django's two weeks, so
# a teacher answering through an e-mailed link can come back to an unfinished questionnaire.
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 60, minimum=1)

# Content-Security-Policy: every script comes from the app itself and none is inline. Inline
# style attributes stay allowed (SVG charts, htmx's indicator style); they cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "object-src": [NONE],
    }
}

# Anonymity: the smallest group whose answers may be shown together (product.md).
ANONYMITY_THRESHOLD_DEFAULT = env_int("ANONYMITY_THRESHOLD_DEFAULT", 5, minimum=3)

# The sealed ballot box (surveys/ballots.py): drafts and sent questionnaires are encrypted with
# a key the database does not hold. Comma-separated Fernet keys; the first seals, every one
# opens, so a new key goes in front and the old one stays until `manage.py reseal_ballots` has
# run (docs/privacy.md, "Key rotation"). Make one with
#   python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"
# Production must set it; a laptop gets a key derived from its (development) SECRET_KEY.
BALLOT_KEYS = env_list("BALLOT_KEYS")
if not BALLOT_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured("BALLOT_KEYS must be set when DEBUG is off.")
    BALLOT_KEYS = [
        base64.urlsafe_b64encode(
            hashlib.sha256(f"dialoog ballots {SECRET_KEY}".encode()).digest()
        ).decode()
    ]
for _key in BALLOT_KEYS:
    try:
        if len(base64.urlsafe_b64decode(_key.encode())) != 32:
            raise ValueError
    except ValueError:  # (binascii.Error is one)
        raise ImproperlyConfigured(
            "BALLOT_KEYS holds a value that is not a Fernet key (32 bytes, url-safe base64)."
        ) from None

# Health check: how long /healthz waits for the broker before calling it down.
HEALTHZ_BROKER_TIMEOUT = env_int("HEALTHZ_BROKER_TIMEOUT", 2, minimum=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_tokens": {"()": "dialoog.logging.RedactTokensFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact_tokens"]},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
