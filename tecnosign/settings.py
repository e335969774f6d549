"""TecnoSign settings: one module, driven by environment variables.

Unset variables fall back to the embedded defaults used by `make run`: SQLite, Celery running tasks
in-process, console e-mail. Production sets DEBUG=0 and the variables listed in the README; secrets
have no default there.
"""

import os
from datetime import date
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("TECNOSIGN_VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-never-use-in-production-0123456789abcdefghij"  # noqa: S105 (DEBUG only)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# Absolute base URL used in e-mails, certificates (CRL/OCSP) and links sent outside a request.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "tecnosign.audit",
    "tecnosign.notifications",
    "orders",
    "scheduling",
    "issuance",
    "revocation",
    "tokens",
    "partners",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "tecnosign.urls"
WSGI_APPLICATION = "tecnosign.wsgi.application"
ASGI_APPLICATION = "tecnosign.asgi.application"

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
            ],
        },
    },
]

# Database: DATABASE_URL (postgres://…) in production and CI; SQLite file when unset.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis carries work (Celery) and the shared cache; the database stays the source of truth.
REDIS_URL = env_str("REDIS_URL")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env_str("CACHE_URL", REDIS_URL),
            "KEY_PREFIX": "tecnosign",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: in-process (eager) when there is no broker, so `make run` needs nothing running.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TIMEZONE = "America/Sao_Paulo"
CELERY_BEAT_SCHEDULE = {
    "outbox-sweep": {"task": "notifications.outbox_sweep", "schedule": 60.0},
    "audit-seal": {"task": "audit.seal", "schedule": 60.0},
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "pt-br"
LANGUAGES = [("pt-br", "Português (Brasil)")]
TIME_ZONE = "America/Sao_Paulo"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# E-mail: console in development; any anymail ESP in production through EMAIL_BACKEND and ANYMAIL_*.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "TecnoSign <nao-responda@tecnosign.com.br>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
ANYMAIL = {key.removeprefix("ANYMAIL_"): value for key, value in os.environ.items() if key.startswith("ANYMAIL_")}
STAFF_ALERT_EMAILS = env_list("STAFF_ALERT_EMAILS", ["operacao@tecnosign.com.br"])

LOGIN_URL = "partner-login"
LOGIN_REDIRECT_URL = "partners:dashboard"
LOGOUT_REDIRECT_URL = "home"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 8)
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# ---------------------------------------------------------------------------------------------------
# Product rules (ICP-BRASIL.md). Values marked configurable there come from the CA's practice statement.
# ---------------------------------------------------------------------------------------------------

# No certificate of the V5 chain may be valid past this date; longer products are issued shortened.
ICP_CHAIN_END = date.fromisoformat(env_str("ICP_CHAIN_END", "2029-03-02"))

# Who may be validated by videoconference: "seed" = 12-month products or biometrics on file;
# "biometrics" = only holders with biometrics on file (PSBio or CNH from 2016).
VIDEOCONFERENCE_ELIGIBILITY_RULE = env_str("VIDEOCONFERENCE_ELIGIBILITY_RULE", "seed")

# Failed order look-ups allowed per client IP in the window before the form is locked.
ORDER_LOOKUP_MAX_FAILURES = env_int("ORDER_LOOKUP_MAX_FAILURES", 10)
ORDER_LOOKUP_WINDOW_SECONDS = env_int("ORDER_LOOKUP_WINDOW_SECONDS", 15 * 60)
# How long the "open your order" link in e-mails stays valid.
ORDER_ACCESS_LINK_MAX_AGE = env_int("ORDER_ACCESS_LINK_MAX_AGE", 60 * 60 * 24 * 30)

LGPD_CONSENT_VERSION = "2026-07"


# Number of reverse proxies in front of the app that append to X-Forwarded-For (0: use REMOTE_ADDR).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# ---------------------------------------------------------------------------------------------------
# Videoconference booking (scheduling app). Times are Brasília time; see scheduling/checks.py for limits.
# ---------------------------------------------------------------------------------------------------
BOOKING_SLOT_MINUTES = env_int("BOOKING_SLOT_MINUTES", 30)  # one certificate per slot; 15–30 minutes
BOOKING_DAYS_AHEAD = env_int("BOOKING_DAYS_AHEAD", 14)  # how far the booking page looks ahead
BOOKING_LEAD_MINUTES = env_int("BOOKING_LEAD_MINUTES", 60)  # earliest bookable slot from now
BOOKING_CHANGE_CUTOFF_MINUTES = env_int("BOOKING_CHANGE_CUTOFF_MINUTES", 120)  # reschedule/cancel until then
BOOKING_TOLERANCE_MINUTES = env_int("BOOKING_TOLERANCE_MINUTES", 10)  # the seed's no-show tolerance
# "jitsi": a fresh room with an unguessable name per booking; "agent": each agent's fixed Teams/Zoom/Webex link.
VIDEOCONFERENCE_PROVIDER = env_str("VIDEOCONFERENCE_PROVIDER", "jitsi")
JITSI_BASE_URL = env_str("JITSI_BASE_URL", "https://meet.jit.si").rstrip("/")
# WhatsApp reminders: off unless enabled; the backend is a dotted path (console prints them, for development).
WHATSAPP_ENABLED = env_bool("WHATSAPP_ENABLED", False)
WHATSAPP_BACKEND = env_str("WHATSAPP_BACKEND", "tecnosign.notifications.whatsapp.ConsoleBackend")
CELERY_BEAT_SCHEDULE["booking-timers"] = {"task": "scheduling.timers_due", "schedule": 60.0}
