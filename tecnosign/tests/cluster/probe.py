"""The cluster test's periodic task: each run noted once (by task id: a redelivery is the same run) in Redis, with the
beat that sent it and when a worker ran it."""

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
    client.hsetnx(RUNS_KEY, self.request.id, json.dumps({"origin": origin, "at": time.time()}))
    return "noted"
