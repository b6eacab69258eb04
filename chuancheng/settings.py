"""Settings for chuancheng, read from the environment.

One file, as in healthchecks: a developer checks the code out and it runs on SQLite. Production is
selected with CHUANCHENG_ENV=production and then SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL must be
given; `manage.py check --deploy --fail-level WARNING` passes with them.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.lower() in ("1", "true", "yes", "on")


ENVIRONMENT = env("CHUANCHENG_ENV", "development")
PRODUCTION = ENVIRONMENT == "production"

if PRODUCTION:
    for required in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"):
        if not env(required):
            raise ImproperlyConfigured(f"CHUANCHENG_ENV=production needs {required} in the environment")
    SECRET_KEY = env("SECRET_KEY")
    DEBUG = False
    ALLOWED_HOSTS = [h.strip() for h in env("ALLOWED_HOSTS").split(",") if h.strip()]
else:
    SECRET_KEY = env("SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production-chuancheng-传承")
    DEBUG = env_bool("DEBUG", True)
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver", "[::1]"]
    # `make run HOST=0.0.0.0` (or a LAN address) is reached by whatever name or address the
    # other machine uses, which the development server cannot know in advance.
    if env("RUN_HOST", "127.0.0.1") not in ("127.0.0.1", "localhost", "::1", "[::1]"):
        ALLOWED_HOSTS = ["*"]

# The key that encrypts personal identifiers at rest (see docs/security.md). It is separate from
# SECRET_KEY so that rotating the session key does not make stored ID numbers unreadable.
FIELD_ENCRYPTION_KEY = env("FIELD_ENCRYPTION_KEY") or ("" if PRODUCTION else "dev-only-field-key-chuancheng")
if PRODUCTION and not FIELD_ENCRYPTION_KEY:
    raise ImproperlyConfigured("CHUANCHENG_ENV=production needs FIELD_ENCRYPTION_KEY in the environment")

# The Ed25519 key that signs certificates' QR codes (certificates/signing.py): PEM, or the base64
# of the 32 raw bytes. Outside production it is derived from SECRET_KEY when unset.
CERTIFICATE_SIGNING_KEY = env("CERTIFICATE_SIGNING_KEY", "")
if PRODUCTION and not CERTIFICATE_SIGNING_KEY:
    raise ImproperlyConfigured("CHUANCHENG_ENV=production needs CERTIFICATE_SIGNING_KEY in the environment")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    # Two factors for administrators (accounts/mfa.py): TOTP devices and recovery codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_ratelimit",
    "ninja",  # in INSTALLED_APPS so the API docs use its bundled Swagger files, not a CDN
    "django_tasks",
    "django_tasks_db",
    "chuancheng",
    "accounts",
    "workflow",
    "portal",
    "jobs",
    "techniques",
    "masters",
    "cases",
    "notifications",
    "certificates",
    "apprenticeships",
    "teaching",
    "evaluations",
    "lineage",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "chuancheng.headers.SecurityHeadersMiddleware",  # CSP, Permissions-Policy, no-store (issue 13 §11)
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "workflow.context.AuditContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # NUL bytes and unreadable multipart bodies: a 400 before any view (chuancheng/middleware.py).
    "chuancheng.middleware.RequestSanityMiddleware",
    # A service's refusal becomes a message and a way back (chuancheng/errors.py).
    "chuancheng.errors.DomainErrorMiddleware",
    "accounts.middleware.SessionLifetimeMiddleware",
    "accounts.middleware.PasswordExpiryMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Axes last, as its documentation asks: it turns a lock-out into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "chuancheng.urls"
WSGI_APPLICATION = "chuancheng.wsgi.application"

TEMPLATES = [
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
                "portal.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(env("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if env("DATABASE_ROLE") and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Connect as a login role and act as the runtime role (SET ROLE on every new connection): the
    # runtime role holds the privileges (deploy/postgres-roles.sql) and needs no password of its own.
    # CI runs the PostgreSQL suite this way, so the application is tested with exactly those grants.
    DATABASES["default"].setdefault("OPTIONS", {})["assume_role"] = env("DATABASE_ROLE")
if env("TEST_DATABASE_NAME"):
    # Lets two test runs share one PostgreSQL server without dropping each other's database.
    DATABASES["default"]["TEST"] = {"NAME": env("TEST_DATABASE_NAME")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the dev server and a task worker read while the other writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses a locked-out username before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Administrators' permissions in the Django admin follow their duty (三权分立).
    "accounts.duties.DutyBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "accounts.validators.UserAttributeSimilarityValidator"},
    {"NAME": "accounts.validators.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "accounts.validators.CommonPasswordValidator"},
    {"NAME": "accounts.validators.NumericPasswordValidator"},
    # Issue 13 §10: not spaces alone, at least two kinds of character, none of the last five.
    {"NAME": "accounts.validators.WhitespaceOnlyValidator"},
    {"NAME": "accounts.validators.CharacterClassesValidator", "OPTIONS": {"min_classes": 2}},
    {"NAME": "accounts.validators.PasswordHistoryValidator", "OPTIONS": {"count": 5}},
]
# How many password hashes each account keeps for PasswordHistoryValidator.
PASSWORD_HISTORY_COUNT = 5
# Staff and admin passwords expire (accounts/passwords.py): superusers, Django-admin users and
# these roles are sent to change theirs this many days after it was set (0: never).
PASSWORD_MAX_AGE_DAYS = int(env("PASSWORD_MAX_AGE_DAYS", "90"))
PASSWORD_EXPIRY_ROLES = ["office_staff", "unit_admin"]

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal:workbench"
LOGOUT_REDIRECT_URL = "portal:home"

# The cache lives in the database too (a table made by accounts migration 0003), so every app
# process sees the same entries and a write seen by one is seen by all. It holds derived figures
# only (the technique database's facet counts); Redis or memcached can replace it here.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "chuancheng_cache",
        "TIMEOUT": 300,
        "OPTIONS": {"MAX_ENTRIES": 5000},
    },
    # Rate-limit counts (RATE_LIMITS below): a table of their own, made by accounts migration 0005.
    "ratelimit": {
        "BACKEND": "accounts.cache.CountingDatabaseCache",
        "LOCATION": "chuancheng_ratelimit",
        "OPTIONS": {"MAX_ENTRIES": 200_000},
    },
}

# Sessions: 30 minutes idle (the cookie is renewed on every request), 12 hours at most from
# sign-in (accounts.middleware.SessionLifetimeMiddleware). Stored in the database, so any app
# process can serve any request.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_ABSOLUTE_LIFETIME = 12 * 60 * 60
# At most this many signed-in sessions per account; a new sign-in ends the oldest (issue 13 §10).
MAX_SESSIONS_PER_USER = int(env("MAX_SESSIONS_PER_USER", "3"))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# django-axes: within 15 minutes, five failures lock the username and fifty lock the client address,
# each for 15 minutes (issue 13 §9). The address's threshold is high on purpose: county health
# bureaus and township clinics reach us through shared government NAT addresses, and one person's
# typing must not lock a whole office out; fifty still stops a password sprayer going through
# many usernames from one address. accounts/lockout.py applies the two thresholds.
AXES_FAILURE_LIMIT = 5
AXES_IP_FAILURE_LIMIT = int(env("AXES_IP_FAILURE_LIMIT", "50"))
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_HANDLER = "accounts.lockout.AccountAndAddressHandler"
AXES_IPWARE_PROXY_COUNT = int(env("PROXY_COUNT", "0")) or None
AXES_ENABLE_ACCESS_FAILURE_LOG = True

# Rate limits (issue 13 §9), counted by django-ratelimit in their own database cache table, so
# every app process shares the counts and the technique facets' cache can never evict them.
# accounts/cache.py makes the count's increment atomic on both engines (django-ratelimit's check
# E003 refuses Django's own DatabaseCache for lack of it); W001 only says that the library's
# authors test with memcached and Redis.
RATELIMIT_USE_CACHE = "ratelimit"
RATELIMIT_IP_META_KEY = "accounts.ratelimits.client_ip"
RATE_LIMITS = {
    # A password reset: per address typed and per client address.
    "password_reset_email": env("RATE_LIMIT_PASSWORD_RESET_EMAIL", "5/h"),
    "password_reset_ip": env("RATE_LIMIT_PASSWORD_RESET_IP", "30/h"),
    # The public certificate verification pages and the public searches, per client address.
    "public_verify_ip": env("RATE_LIMIT_PUBLIC_VERIFY_IP", "60/m"),
    "public_search_ip": env("RATE_LIMIT_PUBLIC_SEARCH_IP", "120/m"),
    # Each API token.
    "api_token": env("RATE_LIMIT_API_TOKEN", "600/m"),
    # The region picker's look-ups (a few per word typed), per client address.
    "region_lookup_ip": env("RATE_LIMIT_REGION_LOOKUP_IP", "300/m"),
    # Text-message codes at registration: each one costs money and reaches a stranger's phone,
    # so per number and per client address (issue 12 §1).
    "sms_code_phone": env("RATE_LIMIT_SMS_CODE_PHONE", "5/h"),
    "sms_code_ip": env("RATE_LIMIT_SMS_CODE_IP", "20/h"),
    # Registrations, per client address.
    "register_ip": env("RATE_LIMIT_REGISTER_IP", "20/h"),
}
# Text messages (verification codes) go through this class (accounts/sms.py), as e-mail goes
# through EMAIL_BACKEND. The console backend writes them to the log: for development and the demo;
# production names its gateway's adapter, a subclass of accounts.sms.BaseSmsBackend.
# Unset in production: self-registration stays closed until a gateway adapter is named, for the
# console backend would write every code to the log instead of to a phone (accounts/checks.py).
SMS_BACKEND = env("SMS_BACKEND", "" if PRODUCTION else "accounts.sms.ConsoleSmsBackend")
# A code is good for this long and for this many wrong tries.
SMS_CODE_LIFETIME_SECONDS = int(env("SMS_CODE_LIFETIME_SECONDS", str(10 * 60)))
SMS_CODE_MAX_ATTEMPTS = int(env("SMS_CODE_MAX_ATTEMPTS", "5"))
# Personal API tokens stop working this many days after they are made.
API_TOKEN_LIFETIME_DAYS = int(env("API_TOKEN_LIFETIME_DAYS", "90"))
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "media")))
# Behind nginx: the internal location that sends a file once lib/files.serve_file has said yes
# (deploy/nginx/chuancheng-locations.conf). Empty: Django streams the file itself.
FILES_X_ACCEL_PREFIX = env("FILES_X_ACCEL_PREFIX", "")
# Job outputs (error workbooks, exports) are deleted this many days after the job (expire_job_outputs).
JOB_OUTPUT_DAYS = int(env("JOB_OUTPUT_DAYS", "7"))
# An export of more rows than this is written by a background job with a progress bar.
EXPORT_INLINE_MAX_ROWS = int(env("EXPORT_INLINE_MAX_ROWS", "2000"))
# The audit log's hash chain (workflow/services.py): its own key, kept apart from the database;
# rows are kept at least this many days (180 is also the floor: Cybersecurity Law art. 21).
AUDIT_CHAIN_KEY = env("AUDIT_CHAIN_KEY", "")
# Keys the chain was sealed with before AUDIT_CHAIN_KEY was rotated, comma-separated: verify_audit
# proves the older rows with them (docs/security.md, "Rotating the chain key").
AUDIT_CHAIN_RETIRED_KEYS = [key for key in env("AUDIT_CHAIN_RETIRED_KEYS", "").split(",") if key.strip()]
AUDIT_RETENTION_DAYS = int(env("AUDIT_RETENTION_DAYS", "180"))
STORAGES = {
    # Files go through the storage API only, so object storage can replace the disk.
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

TASKS = {
    "default": {
        "BACKEND": env("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if PRODUCTION else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
# Absolute links in emails and certificates' QR codes point here (lib/urls.py). Unset, a page
# links to the host it was asked on, so `make run PORT=8010` prints codes that lead to port 8010.
SITE_URL = env("SITE_URL", "")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "chuancheng@localhost")
PASSWORD_RESET_TIMEOUT = 60 * 60  # one hour

DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
CSRF_FAILURE_VIEW = "portal.views.csrf_failure"

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_TRUSTED_ORIGINS = [o for o in (env("CSRF_TRUSTED_ORIGINS", "") or "").split(",") if o]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
}
