"""TecnoSign settings: one module, driven by environment variables.

Unset variables fall back to the embedded defaults used by `make run`: SQLite, Celery running tasks
in-process, console e-mail. Production sets DEBUG=0 and the variables listed in the README; secrets
have no default there.
"""

import base64
import hashlib
import os
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
import django
from csp import constants as csp_constants
from django.core.exceptions import ImproperlyConfigured

from tecnosign.served import served_site_url

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

# Absolute base URL used in e-mails, certificates (CRL/OCSP) and links sent outside a request. Unset, it is the
# address `manage.py runserver` serves (`make run PORT=8300` → http://127.0.0.1:8300; the Makefile passes the same
# to the set-up commands), else http://127.0.0.1:8000.
SITE_URL = (env_str("SITE_URL") or served_site_url(sys.argv) or "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "tecnosign.accounts.admin_site.StaffAdminConfig",  # the admin behind the second factor and the login throttle
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
    "tecnosign.audit",
    "tecnosign.notifications",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "tecnosign.accounts",
    "orders",
    "scheduling",
    "issuance",
    "revocation",
    "tokens",
    "renewal",  # expiry reminders and renewal orders: above issuance and scheduling, below partners
    "partners",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI / ReDoc assets served from our static files, no CDN
    "tecnosign.helpcenter",
    "privacy",  # the holders' LGPD rights and the privacy notice: reads every app, so after them all
    "tecnosign.observability",  # /metrics, /readyz and the workers' heartbeat: reads every app too
    "dashboard",  # the management dashboard: reads every app (read-only)
]

MIDDLEWARE = [
    "tecnosign.logcontext.RequestContextMiddleware",  # X-Request-ID in and out; request id, order, staff user in logs
    "tecnosign.metrics.RequestMetricsMiddleware",  # requests, latency and errors per view (Prometheus)
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # Content-Security-Policy (CONTENT_SECURITY_POLICY below), nonces per request
    "tecnosign.security_headers.SecurityHeadersMiddleware",  # Permissions-Policy
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "tecnosign.caching.PrivatePagesNoStoreMiddleware",  # personal data and documents: Cache-Control no-store
    "tecnosign.outage.DatabaseUnavailableMiddleware",  # a database outage is a 503 in Portuguese, never a 500
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "tecnosign.uploads.UploadLimitMiddleware",  # before the CSRF check reads the body: too large is refused unread
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): a second factor in this session
    "django.contrib.messages.middleware.MessageMiddleware",
    # Staff: idle sessions end, and the admin and staff files need a verified second factor (tecnosign.accounts).
    "tecnosign.accounts.middleware.StaffAccountMiddleware",
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
if not env_str("DATABASE_URL"):
    VAR_DIR.mkdir(parents=True, exist_ok=True)
# DB_PGBOUNCER=1: DATABASE_URL names a PgBouncer in transaction mode, where consecutive transactions of one
# connection may run on different server connections, so nothing may rely on session state between transactions.
# The portal takes no advisory lock and SETs only LOCAL (transaction-scoped) values; `.iterator()` would use a
# server-side cursor (a named cursor WITH HOLD outside a transaction), so those are disabled; and the pooler keeps
# the server connections, so each request's connection to it is closed at the end (DB_CONN_MAX_AGE then defaults
# to 0). Run `manage.py migrate` against PostgreSQL itself (README, "Running at scale").
DB_PGBOUNCER = env_bool("DB_PGBOUNCER", False)
# tecnosign.row_versions PREPAREs its statements on each connection (not behind PgBouncer, which cannot keep them).
ROW_VERSIONS_PREPARE = env_bool("ROW_VERSIONS_PREPARE", True)
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0 if DB_PGBOUNCER else 60),
        conn_health_checks=True,
    )
}
if DB_PGBOUNCER:
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis carries work (Celery) and the shared cache; the database stays the source of truth.
REDIS_URL = env_str("REDIS_URL")
# The link pages' visit counters in Redis (orders.services.link_visits), folded into the statistics every minute.
LINK_VISITS_KEY_PREFIX = "tecnosign:link-visits:"

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "tecnosign.cache.ResilientRedisCache",  # a Redis outage degrades to cache misses
            "LOCATION": env_str("CACHE_URL", REDIS_URL),
            "KEY_PREFIX": "tecnosign",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: in-process (eager) when there is no broker, so `make run` needs nothing running.
# The in-memory transport is named with its host: eager tasks still take a producer from kombu's pool, whose
# connection, given none, warns "No hostname was supplied" on every task.
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# An unacknowledged task (its worker killed) goes back to the queue after this many seconds. It must exceed the
# longest retry countdown (an hour) and task time limit, or Redis hands a waiting task to a second worker.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600)}
CELERY_TIMEZONE = "America/Sao_Paulo"
# One beat whatever the replicas (celery-redbeat): the schedule (CELERY_BEAT_SCHEDULE, below) is written to Redis at
# start, and only the beat holding the lock sends tasks. Another beat waits for the lock, trying every
# CELERY_BEAT_MAX_LOOP_INTERVAL seconds; the holder renews it at each tick, so when the holder dies a standby takes
# over within BEAT_LOCK_TIMEOUT plus one loop. Without Redis (`make run`, eager tasks) Celery's own scheduler.
if REDIS_URL:
    CELERY_BEAT_SCHEDULER = "tecnosign.beat.Scheduler"
CELERY_REDBEAT_REDIS_URL = env_str("BEAT_REDIS_URL", REDIS_URL)
# Its own Redis options (not the broker's): a Redis blip is retried for 30 s before the beat gives up.
CELERY_REDBEAT_REDIS_OPTIONS = {"retry_period": 30, "socket_timeout": 5, "socket_connect_timeout": 5}
CELERY_REDBEAT_KEY_PREFIX = env_str("BEAT_KEY_PREFIX", "tecnosign:redbeat")
CELERY_REDBEAT_LOCK_TIMEOUT = env_int("BEAT_LOCK_TIMEOUT", 150)
CELERY_BEAT_MAX_LOOP_INTERVAL = max(1, CELERY_REDBEAT_LOCK_TIMEOUT // 5)

# Argon2id first (memory-hard, OWASP's first choice) for staff, partners and the customers' issuance and
# revocation passwords, at OWASP's minimum parameters (tecnosign/hashers.py: about 20 ms of CPU a hash instead of
# Django's 220, measured under 50 concurrent buyers by bench/pages.py --checkout); it reads every "argon2$" hash.
# The others only read hashes made before.
PASSWORD_HASHERS = [
    "tecnosign.hashers.Argon2idOwaspHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

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
# DRF's pt-BR catalog re-translates some of Django's own form messages (and worse: "O arquivo submetido está
# vázio"). Django's catalog, added again as a locale path, outranks installed apps, so its wording wins.
LOCALE_PATHS = [BASE_DIR / "locale", Path(django.__file__).resolve().parent / "conf" / "locale"]

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
# Customers' documents go to "private": a local directory that has no URL at all, or an S3-compatible
# bucket (private ACL) through django-storages when PRIVATE_STORAGE=s3.
PRIVATE_STORAGE_ROOT = Path(env_str("PRIVATE_STORAGE_ROOT", str(VAR_DIR / "private")))
# Every private file is encrypted at rest (tecnosign.storage, tecnosign.filecrypto): a data key per file, wrapped by
# the first of these master keys (base64 of 32 random bytes, comma-separated; every one still opens the files it
# wrapped). The database never holds them. Required with DEBUG off (orders.checks); DEBUG derives a dev-only key.
PRIVATE_STORAGE_MASTER_KEYS = env_list("PRIVATE_STORAGE_MASTER_KEYS", []) or (
    [base64.b64encode(hashlib.sha256(b"tecnosign-private-storage-dev:" + SECRET_KEY.encode()).digest()).decode()]
    if DEBUG
    else []
)
if env_str("PRIVATE_STORAGE") == "s3":
    _PRIVATE_STORAGE = {
        "BACKEND": "tecnosign.storage.PrivateS3Storage",
        "OPTIONS": {
            "bucket_name": env_str("PRIVATE_S3_BUCKET"),
            "endpoint_url": env_str("PRIVATE_S3_ENDPOINT_URL") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": 60,
            "file_overwrite": False,
            # Server-side encryption requested on every PUT (on top of the portal's own encryption): AES256 (SSE-S3)
            # by default, or aws:kms with PRIVATE_S3_KMS_KEY_ID.
            "object_parameters": {
                "ServerSideEncryption": env_str("PRIVATE_S3_SERVER_SIDE_ENCRYPTION", "AES256"),
                **({"SSEKMSKeyId": env_str("PRIVATE_S3_KMS_KEY_ID")} if env_str("PRIVATE_S3_KMS_KEY_ID") else {}),
            },
        },
    }
else:
    _PRIVATE_STORAGE = {
        "BACKEND": "tecnosign.storage.PrivateFileSystemStorage",
        # Only the portal's own user reads documents: folders 0700, files 0600, whatever the process umask.
        "OPTIONS": {
            "location": PRIVATE_STORAGE_ROOT,
            "file_permissions_mode": 0o600,
            "directory_permissions_mode": 0o700,
        },
    }
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": _PRIVATE_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Messages (tecnosign.notifications). E-mail: console in development; any anymail ESP in production through
# EMAIL_BACKEND and ANYMAIL_*.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "TecnoSign <nao-responda@tecnosign.com.br>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
ANYMAIL = {key.removeprefix("ANYMAIL_"): value for key, value in os.environ.items() if key.startswith("ANYMAIL_")}
# SMS carries the one-time codes that prove the holder controls the mobile on file; the backend is a dotted path to
# a class with `send(to=, text=)` (tecnosign/notifications/sms.py), the console one printing them for development.
SMS_BACKEND = env_str("SMS_BACKEND", "tecnosign.notifications.sms.ConsoleBackend")
# WhatsApp reminders: off unless enabled; the backend is a dotted path (console prints them, for development).
WHATSAPP_ENABLED = env_bool("WHATSAPP_ENABLED", False)
WHATSAPP_BACKEND = env_str("WHATSAPP_BACKEND", "tecnosign.notifications.whatsapp.ConsoleBackend")
STAFF_ALERT_EMAILS = env_list("STAFF_ALERT_EMAILS", ["operacao@tecnosign.com.br"])
# An outbox message claimed this long ago by a worker that never finished (killed) is sent again by the sweep.
OUTBOX_STALE_CLAIM_SECONDS = env_int("OUTBOX_STALE_CLAIM_SECONDS", 10 * 60)

LOGIN_URL = "partner-login"  # staff sign in at /admin/login/, which the admin's own views send them to
LOGIN_REDIRECT_URL = "partners:dashboard"
LOGOUT_REDIRECT_URL = "home"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 8)
# Sessions read from the cache (Redis) and written through to the database: a customer's page no longer costs a
# query for its session, and a Redis outage falls back to the table (tecnosign.cache degrades to misses).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# The order and booking pages kept per session while the rows they show are unchanged (tecnosign.page_cache).
SESSION_PAGE_CACHE = env_bool("SESSION_PAGE_CACHE", True)
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy on every answer (django-csp). Scripts and <style> elements only from the portal's own
# static files or carrying the request's nonce (the API docs' init code), so an injected <script> or <style> does not
# run. Style *attributes* are allowed (`style-src-attr`): they cannot run code or read the page, whatever they load is
# bound by `img-src`/`font-src` 'self', and the templates and the admin's widgets use them. No page may be framed by
# another site (`frame-ancestors`; staff previews frame the portal's own files, which say so themselves), nothing is
# loaded from another origin, and violations are reported to /csp-report/ (tecnosign.security_headers). A view that
# needs more says so with django-csp's `csp_update` (the token pages reach the local agent on 127.0.0.1).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'none'"],
        "script-src": ["'self'", csp_constants.NONCE],
        "style-src": ["'self'", csp_constants.NONCE],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],  # the PIX QR code is a data: URI
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-src": ["'self'"],
        "manifest-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
        "report-uri": "/csp-report/",
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Number of reverse proxies in front of the app that append to X-Forwarded-For (0: use REMOTE_ADDR).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# CPF, CNPJ and e-mail never in a log line or an error report in clear: every handler masks them (tecnosign.logmask).
# Django's own `django` logger is given the masking handlers too (its defaults would print and mail unmasked).
# LOG_FORMAT: "json" (one object per line, with the request id, order number and staff user id: tecnosign.logcontext)
# is production's default; "plain" is DEBUG's (`make run`), for a person reading a terminal.
LOG_FORMAT = env_str("LOG_FORMAT", "plain" if DEBUG else "json")
if LOG_FORMAT not in ("json", "plain"):
    raise ImproperlyConfigured("LOG_FORMAT must be 'json' or 'plain'.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "personal_data": {"()": "tecnosign.logmask.PersonalDataFilter"},
        "request_context": {"()": "tecnosign.logcontext.RequestContextFilter"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "tecnosign.logcontext.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["personal_data", "request_context"],
        },
        "mail_admins": {
            "class": "tecnosign.logmask.MaskingAdminEmailHandler",
            "level": "ERROR",
            "filters": ["require_debug_false", "personal_data"],
        },
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": ["mail_admins"], "level": "INFO", "propagate": True},
        "django.db.backends": {"level": "WARNING"},
        # One line per request and per task (start and end): the events the request id ties together.
        "tecnosign.request": {"level": env_str("LOG_REQUESTS_LEVEL", "INFO")},
        "tecnosign.task": {"level": env_str("LOG_REQUESTS_LEVEL", "INFO")},
    },
}

# Observability (tecnosign.metrics, tecnosign.observability, README "Observability") ------------------------------
# /metrics answers a scraper sending `Authorization: Bearer <METRICS_TOKEN>`, or staff with the permission
# observability.view_metrics (second factor verified); anyone else gets a 401. Empty: staff only.
METRICS_TOKEN = env_str("METRICS_TOKEN")
# A Celery worker serves its own metrics on this port from `worker_ready` (0: none). With a prefork pool set
# PROMETHEUS_MULTIPROC_DIR (read by prometheus-client itself) so the children's counts reach it.
CELERY_WORKER_METRICS_PORT = env_int("CELERY_WORKER_METRICS_PORT", 0)
PROMETHEUS_MULTIPROC_DIR = env_str("PROMETHEUS_MULTIPROC_DIR")
# The workers' heartbeat (a beat task a worker runs) and the age past which /readyz calls them stale.
WORKER_HEARTBEAT_SECONDS = env_int("WORKER_HEARTBEAT_SECONDS", 60)
WORKER_HEARTBEAT_STALE_SECONDS = env_int("WORKER_HEARTBEAT_STALE_SECONDS", 180)
# Error reports to Sentry when SENTRY_DSN is set (tecnosign.sentry): personal data masked before sending.
SENTRY_DSN = env_str("SENTRY_DSN")
SENTRY_ENVIRONMENT = env_str("SENTRY_ENVIRONMENT")
SENTRY_RELEASE = env_str("SENTRY_RELEASE")
SENTRY_TRACES_SAMPLE_RATE = float(env_str("SENTRY_TRACES_SAMPLE_RATE", "0"))
if SENTRY_DSN:
    from tecnosign.sentry import init_sentry

    init_sentry(
        dsn=SENTRY_DSN,
        environment=SENTRY_ENVIRONMENT,
        release=SENTRY_RELEASE,
        traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
    )

# ---------------------------------------------------------------------------------------------------
# Orders (orders/): product rules, the order page's access, payments, documents. Values marked configurable in
# ICP-BRASIL.md come from the CA's practice statement.
# ---------------------------------------------------------------------------------------------------

# No certificate of the V5 chain may be valid past this date; longer products are issued shortened.
ICP_CHAIN_END = date.fromisoformat(env_str("ICP_CHAIN_END", "2029-03-02"))

# Who may be validated by videoconference: "seed" = 12-month products or biometrics on file;
# "biometrics" = only holders with biometrics on file (PSBio or CNH from 2016).
VIDEOCONFERENCE_ELIGIBILITY_RULE = env_str("VIDEOCONFERENCE_ELIGIBILITY_RULE", "seed")
# Online renewal (renewal/) signed with the current certificate: ICP-BRASIL.md says A3 or higher; a CA whose DPC also
# accepts A1 (signed from the customer's own PKCS#12 through the agent) turns this on.
RENEWAL_ONLINE_ALLOW_A1 = env_bool("RENEWAL_ONLINE_ALLOW_A1", False)

# Failed order look-ups allowed per client IP in the window before the form is locked.
ORDER_LOOKUP_MAX_FAILURES = env_int("ORDER_LOOKUP_MAX_FAILURES", 10)
ORDER_LOOKUP_WINDOW_SECONDS = env_int("ORDER_LOOKUP_WINDOW_SECONDS", 15 * 60)
# Wrong mobile codes allowed on one holder link (orders.services.holder_links) before that link is void.
HOLDER_LINK_CODE_MAX_FAILURES = env_int("HOLDER_LINK_CODE_MAX_FAILURES", 5)
# A partner's order waits this long for its holder (each confirmation link lives this long; once the last one
# lapses unused, the order is cancelled), and the partner may have at most this many links sent a day per order.
HOLDER_CONFIRMATION_DAYS = env_int("HOLDER_CONFIRMATION_DAYS", 7)
HOLDER_CONFIRMATION_LINKS_PER_DAY = env_int("HOLDER_CONFIRMATION_LINKS_PER_DAY", 3)
# How long the one-time "open your order" link in e-mails stays valid (orders.services.access).
ORDER_ACCESS_LINK_HOURS = env_int("ORDER_ACCESS_LINK_HOURS", 48)
# "Send me a link" (order access, urgent revocation, reissue confirmation) per order/certificate and per client IP
# in the window: against mail and SMS bombing only. Keep every link's lifetime at least the window: then whoever
# hits a per-order limit has, by that very limit, sent the holder links that are still valid.
HOLDER_LINK_SEND_MAX_PER_ORDER = env_int("HOLDER_LINK_SEND_MAX_PER_ORDER", 5)
HOLDER_LINK_SEND_MAX_PER_IP = env_int("HOLDER_LINK_SEND_MAX_PER_IP", 30)
HOLDER_LINK_SEND_WINDOW_SECONDS = env_int("HOLDER_LINK_SEND_WINDOW_SECONDS", 60 * 60)

# The privacy notice's version (templates/privacy/notice/<version>.html): recorded with each holder's consent. A new
# text is a new template and a new version here; the earlier ones stay readable at /privacidade/aviso/<version>/.
LGPD_CONSENT_VERSION = "2026-07"
# Who controls the holders' data, and the DPO ("encarregado") they write to: shown on the notice and in each export.
LGPD_CONTROLLER_NAME = env_str("LGPD_CONTROLLER_NAME", "TecnoSign Certificação Digital Ltda.")
LGPD_DPO_NAME = env_str("LGPD_DPO_NAME", "Encarregado de Proteção de Dados da TecnoSign")
LGPD_DPO_EMAIL = env_str("LGPD_DPO_EMAIL", "privacidade@tecnosign.com.br")
# Tax records of a sale (name, CPF/CNPJ, payment) outlive a deletion request this long after the payment.
FISCAL_RECORDS_RETENTION_YEARS = env_int("FISCAL_RECORDS_RETENTION_YEARS", 5)

# Payments.
# The gateway that creates charges. "sandbox" is built in (test cards, confirmed through its own signed webhook) and
# is the default only with DEBUG on: in production there is no default, the deployment names its gateway, and the
# sandbox is refused at start-up (orders.checks) unless SANDBOX_ALLOWED=1 marks a staging deployment, where test
# payments (and `load_demo`'s accounts) are wanted. Never set SANDBOX_ALLOWED where real customers pay.
PAYMENT_GATEWAY = env_str("PAYMENT_GATEWAY", "sandbox" if DEBUG else "")
# One gateway per method when they differ (Pix through the API Pix of a bank, boleto and card through a PSP); each
# falls back to PAYMENT_GATEWAY. A payment is always read back, refunded and reconciled by the gateway that made it.
PAYMENT_GATEWAY_PIX = env_str("PAYMENT_GATEWAY_PIX", "")
PAYMENT_GATEWAY_BOLETO = env_str("PAYMENT_GATEWAY_BOLETO", "")
PAYMENT_GATEWAY_CARD = env_str("PAYMENT_GATEWAY_CARD", "")
SANDBOX_ALLOWED = env_bool("SANDBOX_ALLOWED", False)
SANDBOX_WEBHOOK_SECRET = env_str("SANDBOX_WEBHOOK_SECRET", "dev-sandbox-webhook-secret" if DEBUG else "")
WEBHOOK_TOLERANCE_SECONDS = env_int("WEBHOOK_TOLERANCE_SECONDS", 300)
PIX_KEY = env_str("PIX_KEY", "pagamentos@tecnosign.com.br")
PIX_MERCHANT_NAME = env_str("PIX_MERCHANT_NAME", "TecnoSign Certificacao")
PIX_MERCHANT_CITY = env_str("PIX_MERCHANT_CITY", "Sao Paulo")
PIX_EXPIRY_MINUTES = env_int("PIX_EXPIRY_MINUTES", 30)
# The api_pix gateway (orders.payments.gateways.api_pix): any PSP's API Pix (Bacen's standard), README "Going live:
# Pix (API Pix)". OAuth2 client credentials and a client certificate (mTLS); the secret and the key from the environment
# or from files, never the database.
PIX_API_BASE_URL = env_str("PIX_API_BASE_URL", "")
PIX_API_TOKEN_URL = env_str("PIX_API_TOKEN_URL", "")
PIX_API_CLIENT_ID = env_str("PIX_API_CLIENT_ID", "")
PIX_API_CLIENT_SECRET = env_str("PIX_API_CLIENT_SECRET", "")
PIX_API_CLIENT_SECRET_FILE = env_str("PIX_API_CLIENT_SECRET_FILE", "")
PIX_API_CERT_FILE = env_str("PIX_API_CERT_FILE", "")
PIX_API_KEY_FILE = env_str("PIX_API_KEY_FILE", "")
PIX_API_CA_FILE = env_str("PIX_API_CA_FILE", "")
# The URL registered with the PSP (`manage.py pix_webhook_register`); the PSP posts to <it>/pix.
PIX_WEBHOOK_URL = env_str("PIX_WEBHOOK_URL", "")
# The reverse proxy terminates the PSP's mTLS and sets this header to SUCCESS (nginx: $ssl_client_verify); optionally
# the fingerprints (hex, colons optional; the digest the proxy computes: SHA-1 with nginx's $ssl_client_fingerprint) of
# the PSP's client certificates allowed, read from the second header.
PIX_WEBHOOK_CLIENT_VERIFY_HEADER = env_str("PIX_WEBHOOK_CLIENT_VERIFY_HEADER", "X-SSL-Client-Verify")
PIX_WEBHOOK_CLIENT_FINGERPRINT_HEADER = env_str("PIX_WEBHOOK_CLIENT_FINGERPRINT_HEADER", "X-SSL-Client-Fingerprint")
PIX_WEBHOOK_CLIENT_FINGERPRINTS = env_list("PIX_WEBHOOK_CLIENT_FINGERPRINTS", [])
# Reconciliation: every run reads the PSP's received Pix over this many hours back.
PIX_RECONCILE_HOURS = env_int("PIX_RECONCILE_HOURS", 2)
BOLETO_BANK_CODE = env_str("BOLETO_BANK_CODE", "001")
BOLETO_DUE_BUSINESS_DAYS = env_int("BOLETO_DUE_BUSINESS_DAYS", 3)
BOLETO_CLEARING_BUSINESS_DAYS = env_int("BOLETO_CLEARING_BUSINESS_DAYS", 2)
# A card paid on a provider's hosted checkout (Mercado Pago's Checkout Pro): how long its page may be paid.
CARD_CHECKOUT_EXPIRY_MINUTES = env_int("CARD_CHECKOUT_EXPIRY_MINUTES", 60)


# Mercado Pago (gateway "mercadopago": boleto and card). See the README, "Going live: boleto and card".
MERCADOPAGO_ACCESS_TOKEN = env_str("MERCADOPAGO_ACCESS_TOKEN") or (
    Path(env_str("MERCADOPAGO_ACCESS_TOKEN_FILE")).read_text(encoding="utf-8").strip()
    if env_str("MERCADOPAGO_ACCESS_TOKEN_FILE")
    else ""
)
MERCADOPAGO_WEBHOOK_SECRET = env_str("MERCADOPAGO_WEBHOOK_SECRET") or (
    Path(env_str("MERCADOPAGO_WEBHOOK_SECRET_FILE")).read_text(encoding="utf-8").strip()
    if env_str("MERCADOPAGO_WEBHOOK_SECRET_FILE")
    else ""
)
MERCADOPAGO_API_URL = env_str("MERCADOPAGO_API_URL", "https://api.mercadopago.com").rstrip("/")
# The portal's public webhook URL, sent with every charge (Mercado Pago calls it); the same URL goes in its panel.
MERCADOPAGO_NOTIFICATION_URL = env_str("MERCADOPAGO_NOTIFICATION_URL", f"{SITE_URL}/payments/webhooks/mercadopago/")
MERCADOPAGO_MAX_INSTALLMENTS = env_int("MERCADOPAGO_MAX_INSTALLMENTS", 12)

# Refunds: a support refund above this (reais) waits for a second staff member's approval; a failed refund is retried
# with back-off (REFUND_RETRY_MINUTES, doubling) up to REFUND_MAX_ATTEMPTS, then shown to staff.
REFUND_FOUR_EYES_ABOVE = Decimal(env_str("REFUND_FOUR_EYES_ABOVE", "500.00"))
REFUND_MAX_ATTEMPTS = env_int("REFUND_MAX_ATTEMPTS", 5)
REFUND_RETRY_MINUTES = env_int("REFUND_RETRY_MINUTES", 5)
WITHDRAWAL_DAYS = env_int("WITHDRAWAL_DAYS", 7)

# Documents.
DOCUMENT_MAX_BYTES = env_int("DOCUMENT_MAX_BYTES", 10 * 1024 * 1024)
DOCUMENT_MAX_FILES_PER_UPLOAD = env_int("DOCUMENT_MAX_FILES_PER_UPLOAD", 5)
# Photos above this many pixels are refused before they are decoded (a small PNG may inflate to gigabytes).
DOCUMENT_MAX_IMAGE_PIXELS = env_int("DOCUMENT_MAX_IMAGE_PIXELS", 70_000_000)
# Retention (orders/services/retention.py; ICP-BRASIL.md "Videoconference validation evidence"). The files of orders
# that never reached a certificate go this many days after the order ended:
DOCUMENT_PURGE_DAYS = env_int("DOCUMENT_PURGE_DAYS", 90)
# Copies of identity documents and the holders' terms (and the dossier that holds them) are kept this many years
# after the certificate ends (expiry or revocation); other records this many. The figures of DOC-ICP-05 as it stood
# under Res. 75/2010; the CA's DPC has the last word.
RETENTION_DOCUMENTS_YEARS = env_int("RETENTION_DOCUMENTS_YEARS", 10)
RETENTION_RECORDS_YEARS = env_int("RETENTION_RECORDS_YEARS", 6)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# ---------------------------------------------------------------------------------------------------
# Tokens and the local agent (tokens/).
# ---------------------------------------------------------------------------------------------------

# Where the self-service page looks for the customer's agent first (`python -m tokens.agent` default port).
TOKENS_AGENT_DEFAULT_URL = env_str("TOKENS_AGENT_DEFAULT_URL", "http://127.0.0.1:47115")
# Fernet keys sealing workstation secrets and job PINs (first seals, all open); empty: derived from SECRET_KEY.
TOKENS_SEALING_KEYS = env_list("TOKENS_SEALING_KEYS", [])
# A job's sealed PINs/PUKs open only this long after the request; a job not started by then fails.
TOKEN_JOB_SECRETS_TTL = env_int("TOKEN_JOB_SECRETS_TTL", 600)
# Longest a job may drive its agent (RSA key generation on a card can take a minute).
TOKEN_JOB_RUN_LIMIT = env_int("TOKEN_JOB_RUN_LIMIT", 300)

# ---------------------------------------------------------------------------------------------------
# Issuance and publication (issuance/): the CA backend, the 24 h hand-off, A1 delivery, CRL and OCSP.
# ---------------------------------------------------------------------------------------------------

# "local": the embedded CA (root + issuing CA made by `manage.py ca_init`); "external": a real AC's HTTP API.
CA_BACKEND = env_str("CA_BACKEND", "local")
# Encrypts the local CA's private keys at rest (issuance/pki/keys.py). Required outside DEBUG, and then at least 20
# characters, not common (issuance.checks at start-up, and again at every use).
CA_KEY_PASSPHRASE = env_str("CA_KEY_PASSPHRASE") or ("dev-only-ca-passphrase" if DEBUG else "")
# Argon2id cost of the key that seals each CA key (RFC 9106's second recommendation: 64 MiB, 3 passes, 4 lanes).
# Each stored key records its own parameters; `manage.py ca_rewrap_keys` re-wraps keys made with other values.
CA_KEY_KDF_MEMORY_KIB = env_int("CA_KEY_KDF_MEMORY_KIB", 64 * 1024)
CA_KEY_KDF_TIME_COST = env_int("CA_KEY_KDF_TIME_COST", 3)
CA_KEY_SIZE = env_int("CA_KEY_SIZE", 4096)
# Where the local CA's private keys live (issuance/pki/keystore.py): "database" (sealed in CertificateAuthority rows,
# the default), "secret" (sealed files in CA_KEYS_DIR, a read-only Kubernetes Secret volume; `manage.py ca_init
# --export-keys DIR` writes them) or "pkcs11" (made on an HSM token by `ca_init`, non-extractable; signed on the token).
CA_KEY_STORE = env_str("CA_KEY_STORE", "database").lower()
CA_KEYS_DIR = env_str("CA_KEYS_DIR")
CA_PKCS11_MODULE = env_str("CA_PKCS11_MODULE")
CA_PKCS11_TOKEN_LABEL = env_str("CA_PKCS11_TOKEN_LABEL")
CA_PKCS11_PIN = (
    Path(env_str("CA_PKCS11_PIN_FILE")).read_text(encoding="utf-8").strip()
    if env_str("CA_PKCS11_PIN_FILE")
    else env_str("CA_PKCS11_PIN")
)
# The local CA releases a submitted request after this many seconds (0: at once).
LOCAL_CA_RELEASE_DELAY_SECONDS = env_int("LOCAL_CA_RELEASE_DELAY_SECONDS", 0)
EXTERNAL_CA_URL = env_str("EXTERNAL_CA_URL").rstrip("/")
EXTERNAL_CA_TOKEN = env_str("EXTERNAL_CA_TOKEN")
EXTERNAL_CA_TIMEOUT_SECONDS = env_int("EXTERNAL_CA_TIMEOUT_SECONDS", 10)
# The registration authority's CNPJ, written in every subject (DOC-ICP-04: OU=<CNPJ of the AR>).
ICP_AR_CNPJ = env_str("ICP_AR_CNPJ", "24680135000103")
# The CA has this long from the hand-off to release; staff are warned at the second number.
ISSUANCE_SLA_HOURS = env_int("ISSUANCE_SLA_HOURS", 24)
ISSUANCE_SLA_WARN_HOURS = env_int("ISSUANCE_SLA_WARN_HOURS", 20)
ISSUANCE_POLL_INTERVAL_SECONDS = env_int("ISSUANCE_POLL_INTERVAL_SECONDS", 60)
# A1 (issuance/services/a1.py): the key is made on the customer's computer (the browser, or the local agent), never
# here. The only RSA size accepted in its request; the PBKDF2-HMAC-SHA256 iterations the page (or the agent) uses for
# the .pfx's key bag and certificates, and for its MAC; how long a confirmed issuance password lets the page send it.
A1_KEY_SIZE = env_int("A1_KEY_SIZE", 2048)
A1_PKCS12_KDF_ROUNDS = env_int("A1_PKCS12_KDF_ROUNDS", 200_000)
A1_AUTHORISATION_MINUTES = env_int("A1_AUTHORISATION_MINUTES", 15)
# Wrong issuance passwords allowed per order before the form locks, and for how long.
A1_PASSWORD_MAX_FAILURES = env_int("A1_PASSWORD_MAX_FAILURES", 5)
A1_PASSWORD_LOCK_MINUTES = env_int("A1_PASSWORD_LOCK_MINUTES", 30)
# A3 on the token (issuance/services/a3.py): the only RSA size accepted in a token's CSR, and how long the
# issuance password, once confirmed on the order page, lets that browser send the CSR.
A3_KEY_SIZE = env_int("A3_KEY_SIZE", 2048)
A3_AUTHORISATION_MINUTES = env_int("A3_AUTHORISATION_MINUTES", 15)
# DPC values (ICP-BRASIL.md "Revocation"): a CRL at least every 6 h, nextUpdate 12 h ahead.
CRL_PUBLISH_INTERVAL_HOURS = env_int("CRL_PUBLISH_INTERVAL_HOURS", 6)
CRL_NEXT_UPDATE_HOURS = env_int("CRL_NEXT_UPDATE_HOURS", 12)
OCSP_NEXT_UPDATE_MINUTES = env_int("OCSP_NEXT_UPDATE_MINUTES", 60)

# ---------------------------------------------------------------------------------------------------
# Partners' REST API (partners/api/).
# ---------------------------------------------------------------------------------------------------
# The API answers JSON only, authenticated by a partner's API token (never the session: no CSRF surface).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["partners.api.authentication.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["partners.api.permissions.IsApprovedPartner"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "partners.api.pagination.PagePagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": ["partners.api.throttling.ApiTokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api_token": env_str("PARTNER_API_RATE", "120/min")},
    "EXCEPTION_HANDLER": "tecnosign.api_errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "TecnoSign — API de parceiros",
    "DESCRIPTION": (
        "Links de venda, produtos e preços, pedidos dos clientes e extrato de comissões. "
        "Autenticação: `Authorization: Bearer <chave>` (crie a chave na área do parceiro). "
        "Um pedido feito pela API aguarda a confirmação do titular (`awaiting_holder`): as senhas e o "
        "consentimento LGPD são dados só por ele, no link que enviamos ao seu e-mail."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {"OrderStatusEnum": "orders.models.Order.Status"},
}

# ---------------------------------------------------------------------------------------------------
# Videoconference booking (scheduling app). Times are Brasília time; see scheduling/checks.py for limits.
# ---------------------------------------------------------------------------------------------------
BOOKING_SLOT_MINUTES = env_int("BOOKING_SLOT_MINUTES", 30)  # one certificate per slot; 15–30 minutes
BOOKING_DAYS_AHEAD = env_int("BOOKING_DAYS_AHEAD", 14)  # how far the booking page looks ahead
# Earliest bookable slot from now; `make run` (DEBUG) books 5 minutes ahead, so the demo can be walked at once.
BOOKING_LEAD_MINUTES = env_int("BOOKING_LEAD_MINUTES", 5 if DEBUG else 60)
BOOKING_CHANGE_CUTOFF_MINUTES = env_int("BOOKING_CHANGE_CUTOFF_MINUTES", 120)  # reschedule/cancel until then
BOOKING_TOLERANCE_MINUTES = env_int("BOOKING_TOLERANCE_MINUTES", 10)  # the seed's no-show tolerance
# A validation shorter than this, or started before the booked time, is flagged in the verification centre: the
# verifier approves it only with a note saying why it is sound.
VALIDATION_MIN_MINUTES = env_int("VALIDATION_MIN_MINUTES", 3)
# "jitsi": a fresh room with an unguessable name per booking; "agent": each agent's fixed Teams/Zoom/Webex link.
VIDEOCONFERENCE_PROVIDER = env_str("VIDEOCONFERENCE_PROVIDER", "jitsi")
JITSI_BASE_URL = env_str("JITSI_BASE_URL", "https://meet.jit.si").rstrip("/")
# The biometric base the holder's face is matched against during the videoconference (scheduling/biometrics/):
# "sandbox" answers by rule on the CPF (development and staging only, like the sandbox gateway, and their default);
# "psbio" is the CA's PSBio query over HTTPS, with the AR's credentials and client certificate (paths to PEM files).
BIOMETRIC_BACKEND = env_str("BIOMETRIC_BACKEND") or ("sandbox" if DEBUG or SANDBOX_ALLOWED else "psbio")
PSBIO_URL = env_str("PSBIO_URL").rstrip("/")
PSBIO_USERNAME = env_str("PSBIO_USERNAME")
PSBIO_PASSWORD = env_str("PSBIO_PASSWORD")
PSBIO_CLIENT_CERT = env_str("PSBIO_CLIENT_CERT")
PSBIO_CLIENT_KEY = env_str("PSBIO_CLIENT_KEY")
PSBIO_CA_BUNDLE = env_str("PSBIO_CA_BUNDLE")
PSBIO_TIMEOUT_SECONDS = env_int("PSBIO_TIMEOUT_SECONDS", 15)

# ---------------------------------------------------------------------------------------------------
# Revocation and guarantees (revocation/).
# ---------------------------------------------------------------------------------------------------
# Wrong revocation passwords allowed per certificate and per client IP in the window, and how long the lock then
# lasts. Counted in the database (revocation.PasswordThrottle): a restart or a cache flush lifts no lock.
REVOCATION_PASSWORD_MAX_FAILURES = env_int("REVOCATION_PASSWORD_MAX_FAILURES", 5)
REVOCATION_PASSWORD_WINDOW_MINUTES = env_int("REVOCATION_PASSWORD_WINDOW_MINUTES", 15)
REVOCATION_LOCK_MINUTES = env_int("REVOCATION_LOCK_MINUTES", 15)

# Urgent revocation ("minha chave foi comprometida"): how long its link (and SMS code) is valid.
URGENT_REVOCATION_LINK_MINUTES = env_int("URGENT_REVOCATION_LINK_MINUTES", 120)
# A same-holder guarantee reissue: how long the link (with its SMS code) that lets the holder confirm it, and the
# "Não fui eu" link, are valid; and how long a confirmed reissue is held, the holder told, before the hand-off.
REISSUE_LINK_HOURS = env_int("REISSUE_LINK_HOURS", 72)
REISSUE_NOTICE_MINUTES = env_int("REISSUE_NOTICE_MINUTES", 120)

# ---------------------------------------------------------------------------------------------------
# Audit log checkpoints (tecnosign/audit/checkpoints.py).
# ---------------------------------------------------------------------------------------------------
# The chain's head, signed with Ed25519 every few minutes and kept outside the database, so that whoever owns the
# tables cannot rewrite history and recompute the keyless chain unnoticed (`manage.py verify_audit_log`).
# Keys: a PEM value, a path to a PEM file, or the raw 32-byte key in base64. The private key signs (required when
# DEBUG is off: a system check); the public keys verify (comma-separated, to keep an old key after a rotation; empty:
# the signing key's own). An auditor needs only the public key. DEBUG derives a dev-only key from SECRET_KEY.
AUDIT_CHECKPOINT_SIGNING_KEY = env_str("AUDIT_CHECKPOINT_SIGNING_KEY") or (
    base64.b64encode(hashlib.sha256(b"tecnosign-audit-checkpoint-dev:" + SECRET_KEY.encode()).digest()).decode()
    if DEBUG
    else ""
)
AUDIT_CHECKPOINT_VERIFY_KEY = env_list("AUDIT_CHECKPOINT_VERIFY_KEY", [])
# Where checkpoints go, one write-once object each: a directory (files created exclusively, read-only) or
# s3://bucket/prefix (S3 Object Lock in compliance mode, kept AUDIT_CHECKPOINT_RETENTION_DAYS).
AUDIT_CHECKPOINT_SINK = env_str("AUDIT_CHECKPOINT_SINK", str(VAR_DIR / "audit-checkpoints"))
AUDIT_CHECKPOINT_S3_ENDPOINT_URL = env_str("AUDIT_CHECKPOINT_S3_ENDPOINT_URL")
AUDIT_CHECKPOINT_RETENTION_DAYS = env_int("AUDIT_CHECKPOINT_RETENTION_DAYS", 3660)
# Events sealed since the last checkpoint are protected by the chain alone: this is the window.
AUDIT_CHECKPOINT_INTERVAL_SECONDS = env_int("AUDIT_CHECKPOINT_INTERVAL_SECONDS", 300)

# Staff and partner accounts (tecnosign/accounts) ----------------------------------------------------------------
# Wrong passwords at /admin/login/ and /parceiros/entrar/, counted in the database (accounts.LoginThrottle) per
# account (the username typed) and per client IP, claimed before the password is checked: past the limit in the window
# the form refuses without checking the password, until the lock ends or staff unlock it in the admin.
LOGIN_MAX_FAILURES = env_int("LOGIN_MAX_FAILURES", 10)
LOGIN_MAX_FAILURES_PER_IP = env_int("LOGIN_MAX_FAILURES_PER_IP", 30)
LOGIN_WINDOW_MINUTES = env_int("LOGIN_WINDOW_MINUTES", 15)
LOGIN_LOCK_MINUTES = env_int("LOGIN_LOCK_MINUTES", 15)
# Partner password-reset e-mails per client IP and per address typed in any hour (the same table, its own scopes).
PASSWORD_RESET_MAX_PER_HOUR = env_int("PASSWORD_RESET_MAX_PER_HOUR", 5)
# A staff session unused this long ends (the next request signs the user out).
STAFF_SESSION_IDLE_MINUTES = env_int("STAFF_SESSION_IDLE_MINUTES", 30)
# The second factor (django-otp): TOTP apps, passkeys and security keys (django-otp-webauthn), recovery codes.
OTP_TOTP_ISSUER = "TecnoSign"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # the admin never shows a TOTP key or a recovery code
# WebAuthn binds a passkey to a host name (the RP ID) and accepts ceremonies only from these origins; by default the
# host and origin of SITE_URL. An IP address is no valid RP ID: for SITE_URL on 127.0.0.1 (`make run`), passkeys work
# at http://localhost on the same port. Changing the RP ID voids every passkey registered before.
_SITE = urlsplit(SITE_URL)
_SITE_HOST = "localhost" if (_SITE.hostname or "").replace(".", "").isdigit() else (_SITE.hostname or "localhost")
OTP_WEBAUTHN_RP_ID = env_str("WEBAUTHN_RP_ID", _SITE_HOST)
OTP_WEBAUTHN_ALLOWED_ORIGINS = env_list(
    "WEBAUTHN_ORIGINS", [f"{_SITE.scheme}://{_SITE_HOST}" + (f":{_SITE.port}" if _SITE.port else "")]
)
OTP_WEBAUTHN_RP_NAME = "TecnoSign"
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False  # a passkey is the second factor, after the password
OTP_WEBAUTHN_EXCEPTION_LOGGER_NAME = "tecnosign.accounts.webauthn"

# ---------------------------------------------------------------------------------------------------
# Beat: every scheduled task, in one place. Each scans rows with a due time and a status and claims them, so a
# missed beat is caught up by the next and a double beat sends nothing twice.
# ---------------------------------------------------------------------------------------------------
CELERY_BEAT_SCHEDULE = {
    "outbox-sweep": {"task": "notifications.outbox_sweep", "schedule": 60.0},
    "audit-seal": {"task": "audit.seal", "schedule": 60.0},
    "audit-checkpoint": {"task": "audit.checkpoint", "schedule": float(AUDIT_CHECKPOINT_INTERVAL_SECONDS)},
    "payments-expire": {"task": "orders.payments_expire", "schedule": 15 * 60.0},
    "payments-reconcile": {"task": "orders.payments_reconcile", "schedule": 10 * 60.0},
    "refunds-retry": {"task": "orders.refunds_retry", "schedule": 60.0},
    "link-visits-fold": {"task": "orders.link_visits_fold", "schedule": 60.0},
    "holder-confirmations-expire": {"task": "orders.holder_confirmations_expire", "schedule": 15 * 60.0},
    "retention": {"task": "orders.retention_run", "schedule": 24 * 60 * 60.0},
    "booking-timers": {"task": "scheduling.timers_due", "schedule": 60.0},
    "issuance-monitor": {"task": "issuance.monitor", "schedule": 60.0},
    "issuance-crl": {"task": "issuance.publish_crl_if_due", "schedule": 600.0},
    "reissue-handoffs": {"task": "revocation.reissue_handoffs_due", "schedule": 60.0},
    "token-jobs-sweep": {"task": "tokens.jobs_sweep", "schedule": 300.0},
    # A heartbeat nobody takes is useless later: it expires rather than piling up while the workers are away.
    "worker-heartbeat": {
        "task": "observability.worker_heartbeat",
        "schedule": float(WORKER_HEARTBEAT_SECONDS),
        "options": {"expires": float(WORKER_HEARTBEAT_SECONDS)},
    },
    "renewal-reminders": {"task": "renewal.reminders_due", "schedule": 60 * 60.0},
}
