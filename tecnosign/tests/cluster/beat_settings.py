"""Settings of a `celery beat` of the cluster test: production (redbeat; the short lock timeout comes from
BEAT_LOCK_TIMEOUT in the environment), plus a probe task every PROBE_PERIOD seconds and the outbox sweep every few
seconds (it re-sends what a killed worker or web node left unsent; once a minute in production). Each probe message
carries the time the beat sent it (`sent_at`), so the test measures the beats, not the queue behind them."""

import os
import time

from celery.signals import before_task_publish

from tecnosign.settings import *  # noqa: F403

PROBE_PERIOD = float(os.environ["TECNOSIGN_TEST_PROBE_PERIOD"])
CELERY_BEAT_SCHEDULE = {
    **CELERY_BEAT_SCHEDULE,  # noqa: F405
    "outbox-sweep": {**CELERY_BEAT_SCHEDULE["outbox-sweep"], "schedule": 3.0},  # noqa: F405
    "cluster-probe": {"task": "tecnosign.tests.cluster_probe", "schedule": PROBE_PERIOD},
}


def _stamp_probe(sender=None, headers=None, **kwargs):
    if sender == "tecnosign.tests.cluster_probe" and headers is not None:
        headers["sent_at"] = time.time()


before_task_publish.connect(_stamp_probe, weak=False)
