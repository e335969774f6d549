import logging.config
import os
import sys

from celery import Celery, signals
from django.core.exceptions import ImproperlyConfigured

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tecnosign.settings")

app = Celery("tecnosign")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _observe() -> None:
    """Request ids through the task headers into the workers' logs; task counts and timings into the metrics."""
    from . import logcontext, metrics

    logcontext.connect_celery_signals()
    metrics.connect_celery_signals()


_observe()


@signals.setup_logging.connect
def use_the_portal_logging(loglevel=None, **kwargs) -> None:
    """The worker and beat log through `settings.LOGGING` (CPF, CNPJ and e-mail masked), not Celery's own handlers:
    connecting this signal stops Celery from replacing the root logger's handlers. Celery's own records (the
    worker's "ready.", each task's outcome) keep the level the command line asked for (`-l INFO`)."""
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)
    if loglevel:
        logging.getLogger("celery").setLevel(loglevel)


@signals.worker_init.connect
@signals.beat_init.connect
def refuse_unsafe_start(**kwargs) -> None:
    """The worker and beat run no `manage.py check`: refuse to start on a configuration the checks reject."""
    from .startup import refuse_unsafe_start as refuse

    try:
        refuse()
    except ImproperlyConfigured as error:
        # Celery may have redirected sys.stderr into its logger by now, and it logs and ignores any exception a
        # signal handler raises but SystemExit: so the real stderr, then exit.
        print(error, file=sys.__stderr__, flush=True)
        raise SystemExit(1) from error


@signals.worker_ready.connect
def first_heartbeat(**kwargs) -> None:
    """A worker that has just started is alive: /readyz need not wait for the next beat."""
    from django.conf import settings

    if settings.REDIS_URL:
        import redis

        from .observability.heartbeat import heartbeat_write

        try:
            heartbeat_write()
        except redis.RedisError as error:  # the broker is away: beat's next heartbeat will do
            logging.getLogger(__name__).warning("first heartbeat not written: %s", error)
