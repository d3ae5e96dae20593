"""pingan settings: one file, driven by the environment.

Development defaults (DEBUG on, SQLite in the data directory) need no variables at all.
Production: set PINGAN_ENV=production, SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL and
PINGAN_FIELD_KEYS; `pingan check --deploy` must then be clean.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from .env import envbool, envint, envlist, envstr

BASE_DIR = Path(__file__).resolve().parent.parent  # the pingan package
REPO_DIR = BASE_DIR.parent
DATA_DIR = Path(envstr("PINGAN_DATA_DIR", str(REPO_DIR / "var"))).resolve()

PRODUCTION = envstr("PINGAN_ENV", "development") == "production"
DEBUG = envbool("DEBUG", not PRODUCTION)
TESTING = envbool("PINGAN_TESTING", False)

SECRET_KEY = envstr("SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set when PINGAN_ENV=production")
    SECRET_KEY = "dev-only-insecure-key-change-me-0123456789-abcdefghijklmnopqrstuvwxyz"  # noqa: S105

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "template_partials",
    "django_htmx",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "pingan.core",
    "pingan.orgs",
    "pingan.corrections",
    "pingan.disputes",
    "pingan.court",
    "pingan.procuratorate",
    "pingan.policing",
    "pingan.statistics",
]

MIDDLEWARE = [
    "pingan.core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "pingan.core.middleware.ApiErrorBodyMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "pingan.orgs.twofactor.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "pingan.config.urls"
WSGI_APPLICATION = "pingan.config.wsgi.application"
ASGI_APPLICATION = "pingan.config.asgi.application"

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
                "pingan.orgs.context_processors.navigation",
            ],
        },
    }
]

# --- database -------------------------------------------------------------------------------
DATA_DIR.mkdir(parents=True, exist_ok=True)
DATABASE_URL = envstr("DATABASE_URL", f"sqlite:///{DATA_DIR / 'pingan.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=envint("DB_CONN_MAX_AGE", 60))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers and the single writer run side by side; IMMEDIATE takes the write lock
        # at BEGIN so two writers queue on busy_timeout instead of failing with "database locked".
        # busy_timeout comes first: switching a new file to WAL takes a lock that several
        # processes opening it at once must wait for.
        "init_command": (
            "PRAGMA busy_timeout=10000; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
            " PRAGMA foreign_keys=ON;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"].setdefault("TEST", {})["NAME"] = envstr("PINGAN_TEST_SQLITE", "") or None
    if DATABASES["default"]["TEST"]["NAME"] is None:
        del DATABASES["default"]["TEST"]["NAME"]
IS_POSTGRES = DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "orgs.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login lockout (django-axes): after N failures the username+IP pair is locked for a cool-off.
AXES_FAILURE_LIMIT = envint("PINGAN_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = envint("PINGAN_LOGIN_COOLOFF_MINUTES", 30) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked.html"
AXES_ENABLED = envbool("PINGAN_AXES_ENABLED", True)
SESSION_COOKIE_AGE = envint("PINGAN_SESSION_SECONDS", 8 * 3600)

# --- i18n / time ----------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"  # display; the database stores UTC (USE_TZ)
USE_TZ = True

# --- static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]  # pingan/static: the site's own CSS (not an app's)
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
MEDIA_ROOT = DATA_DIR / "media"

# --- background work ------------------------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- security -------------------------------------------------------------------------------
# Field encryption keys, newest first (Fernet, url-safe base64 of 32 bytes). Rotation: put the new
# key first, run `pingan rotate-keys`, then drop the old key. See README "Key rotation".
PINGAN_FIELD_KEYS = envlist("PINGAN_FIELD_KEYS", [])
if not PINGAN_FIELD_KEYS:
    if PRODUCTION:
        raise ImproperlyConfigured("PINGAN_FIELD_KEYS must be set when PINGAN_ENV=production")
    PINGAN_FIELD_KEYS = ["ZGV2LW9ubHktZmllbGQta2V5LTMyLWJ5dGVzLWxvbmc="]  # dev only
PINGAN_HASH_PEPPER = envstr("PINGAN_HASH_PEPPER", SECRET_KEY)

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the cookie-free meta tag, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = envbool("PINGAN_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_SSL_REDIRECT = envbool("PINGAN_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = envint("PINGAN_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = envbool("PINGAN_HSTS_PRELOAD", False)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SILENCED_SYSTEM_CHECKS = [] if envbool("PINGAN_HSTS_PRELOAD", False) else ["security.W021"]
# Covering indexes (INCLUDE) serve PostgreSQL's index-only counts; SQLite indexes their key
# columns and ignores the rest, which is what we want there, so its warning is noise at install.
SILENCED_SYSTEM_CHECKS += ["models.W040"]

# Content Security Policy: everything is served by us; no CDNs, no inline scripts.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- logging (structured: one JSON object per line) -----------------------------------------
LOG_LEVEL = envstr("PINGAN_LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "pingan.core.logging.JsonFormatter"}},
    "filters": {"request_id": {"()": "pingan.core.logging.RequestIdFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["request_id"]}
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.server": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

# --- pingan ---------------------------------------------------------------------------------
PINGAN_DISTRICT_CODE = envstr("PINGAN_DISTRICT_CODE", "520204000000")
PINGAN_BACKUP_DIR = Path(envstr("PINGAN_BACKUP_DIR", str(DATA_DIR / "backups")))
PINGAN_WORKER_STALE_SECONDS = envint("PINGAN_WORKER_STALE_SECONDS", 120)
# Outbox (core/outbox.py): retries back off base·2^(n-1) seconds; after MAX_ATTEMPTS an event is
# given up (kept, with its error); a claim older than CLAIM_TIMEOUT is taken as a dead worker's.
PINGAN_OUTBOX_MAX_ATTEMPTS = envint("PINGAN_OUTBOX_MAX_ATTEMPTS", 8)
PINGAN_OUTBOX_BACKOFF_SECONDS = envint("PINGAN_OUTBOX_BACKOFF_SECONDS", 30)
PINGAN_OUTBOX_CLAIM_TIMEOUT_SECONDS = envint("PINGAN_OUTBOX_CLAIM_TIMEOUT_SECONDS", 300)

# --- disputes -------------------------------------------------------------------------------
# Attachments: allowed file types (by extension and sniffed content) and the size limit.
PINGAN_DISPUTE_ATTACHMENT_TYPES = envlist("PINGAN_DISPUTE_ATTACHMENT_TYPES", ["pdf", "jpg", "jpeg", "png", "docx", "xlsx"])
PINGAN_DISPUTE_ATTACHMENT_MAX_BYTES = envint("PINGAN_DISPUTE_ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024)
# Excel ledger import: refuse files above the row limit; above the inline limit run on the worker.
PINGAN_DISPUTE_IMPORT_MAX_ROWS = envint("PINGAN_DISPUTE_IMPORT_MAX_ROWS", 50_000)
PINGAN_DISPUTE_IMPORT_INLINE_ROWS = envint("PINGAN_DISPUTE_IMPORT_INLINE_ROWS", 500)
PINGAN_DISPUTE_IMPORT_MAX_BYTES = envint("PINGAN_DISPUTE_IMPORT_MAX_BYTES", 20 * 1024 * 1024)
