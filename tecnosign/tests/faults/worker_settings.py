"""Settings of the Celery worker subprocesses the fault tests start and kill.

The production module (so the worker is the one deployed), with e-mail written to files the test reads back
(`TECNOSIGN_TEST_MAIL_DIR`) and the broker scanning for abandoned tasks every second instead of every 100 s.
"""

import os

from tecnosign.settings import *  # noqa: F403

EMAIL_BACKEND = "tecnosign.tests.faults.mail.HoldingEmailBackend"
EMAIL_FILE_PATH = os.environ["TECNOSIGN_TEST_MAIL_DIR"]
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,  # noqa: F405
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
