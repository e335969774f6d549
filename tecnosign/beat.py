"""The beat's scheduler: celery-redbeat (the schedule in Redis, one beat sending at a time behind a Redis lock).

RedBeat reads its options under their own names (`redbeat_lock_timeout`), outside the `CELERY_` namespace the portal's
Celery settings live in: this subclass hands them over from settings (`CELERY_REDBEAT_*`) before it starts.
The scheduler is made (and talks to Redis) before Celery's `beat_init` signal, so it runs the start-up checks itself
first: an unsafe configuration is refused before the beat writes a schedule or takes the lock.
"""

from django.conf import settings
from redbeat import RedBeatScheduler

OPTIONS = ("redis_url", "redis_options", "key_prefix", "lock_timeout")


class Scheduler(RedBeatScheduler):
    def __init__(self, app, *args, **kwargs):
        from tecnosign.celery import refuse_unsafe_start

        refuse_unsafe_start()
        app.conf.update({f"redbeat_{name}": getattr(settings, f"CELERY_REDBEAT_{name.upper()}") for name in OPTIONS})
        super().__init__(app, *args, **kwargs)
