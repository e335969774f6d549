"""The cluster test's periodic task: each run noted once (by task id: a redelivery is the same run) in Redis, with the
beat that sent it and when it sent it (the `sent_at` header its settings add; else when a worker ran it)."""

import json
import time

import redis
from celery import shared_task
from django.conf import settings

RUNS_KEY = "cluster:probe-runs"


@shared_task(name="tecnosign.tests.cluster_probe", bind=True)
def cluster_probe(self) -> str:
    client = redis.Redis.from_url(settings.REDIS_URL)
    origin = getattr(self.request, "origin", None) or ""
    sent_at = getattr(self.request, "sent_at", None)
    run = {"origin": origin, "at": float(sent_at or time.time()), "stamped": sent_at is not None}
    client.hsetnx(RUNS_KEY, self.request.id, json.dumps(run))
    return "noted"
