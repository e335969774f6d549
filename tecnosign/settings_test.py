"""Test settings: the production module, with only what tests need overridden."""

import os
import tempfile

from .settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tasks run in-process unless a test starts a real worker (see the `celery_worker` fixture).
CELERY_TASK_ALWAYS_EAGER = True
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SITE_URL = "http://testserver"
STAFF_ALERT_EMAILS = ["operacao@tecnosign.test"]
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 (whitenoise warns when it is missing)
# Close connections after each request/task so a worker thread never keeps the test database open.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
# Uploaded documents of the test run go to a throwaway directory.
STORAGES["private"]["OPTIONS"]["location"] = Path(tempfile.mkdtemp(prefix="tecnosign-private-"))  # noqa: F405
WHATSAPP_BACKEND = "tecnosign.notifications.whatsapp.LocmemBackend"
SMS_BACKEND = "tecnosign.notifications.sms.LocmemBackend"
# pytest-django runs the suite with DEBUG off: the sandbox is its gateway, as on a staging deployment.
SANDBOX_ALLOWED = True
# The suite runs with DEBUG off, so the CA passphrase must pass production's policy; and the CA keys' Argon2id is
# made cheap, as the password hasher is (a CA is made for most issuance tests; each key records its parameters).
CA_KEY_PASSPHRASE = "test-suite-only-ca-passphrase-0123456789"  # noqa: S105 (tests only)
CA_KEY_KDF_MEMORY_KIB = 256
CA_KEY_KDF_TIME_COST = 1
# The suite books with production's lead time (`make run`'s short one is for the demo).
BOOKING_LEAD_MINUTES = env_int("BOOKING_LEAD_MINUTES", 60)  # noqa: F405

# pytest-xdist's workers share the test Redis: each keeps its own visit counters (their link ids overlap).
LINK_VISITS_KEY_PREFIX = f"tecnosign-test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}:link-visits:"
