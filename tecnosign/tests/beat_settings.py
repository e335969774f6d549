"""Settings of the `celery beat` subprocesses tecnosign/tests/test_beat_lock.py starts and kills.

The production module (so the scheduler and its lock are the deployed ones), with every scheduled task sent to a
queue of the test's own (`TECNOSIGN_TEST_BEAT_QUEUE`, which no worker consumes) and a probe task every second. The
lock timeout is short through its environment variable (BEAT_LOCK_TIMEOUT), the key prefix the test's own.
"""

import os

from tecnosign.settings import *  # noqa: F403

_QUEUE = os.environ["TECNOSIGN_TEST_BEAT_QUEUE"]
CELERY_BEAT_SCHEDULE = {
    **{
        name: {**entry, "options": {**entry.get("options", {}), "queue": _QUEUE}}
        for name, entry in CELERY_BEAT_SCHEDULE.items()  # noqa: F405
    },
    "beat-probe": {"task": "tecnosign.tests.beat_probe", "schedule": 1.0, "options": {"queue": _QUEUE}},
}
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
