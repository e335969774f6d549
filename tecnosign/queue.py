"""Enqueueing Celery tasks after commit, by name, without failing the request when the broker is away.

The database is the source of truth: every queued effect also exists as a row (outbox message,
scheduled reminder, issuance request) that a beat task sweeps, so a lost publish is caught up later.

Services name the task they want (`enqueue_task_on_commit("issuance.submit", request.pk)`) instead of importing
its `tasks` module (as Zulip's `queue_event_on_commit` does): tasks import services, never the reverse, so no import
cycle needs hiding inside a function. The name is resolved through the Celery app's registry, so the task runs in
this process when `CELERY_TASK_ALWAYS_EAGER` is on (`make run`, tests without Redis), as `task.delay()` would.
"""

import logging
import threading
from functools import partial

from celery import current_app
from django.db import transaction
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError

from .logcontext import bind, current_context, unbind

logger = logging.getLogger(__name__)
_discovery = threading.Lock()


def _argument_kinds(args: tuple, kwargs: dict) -> str:
    """What a task was given, never the values: arguments carry sealed PINs, webhook bodies, e-mail addresses."""
    kinds = [type(value).__name__ for value in args]
    kinds += [f"{name}={type(value).__name__}" for name, value in sorted(kwargs.items())]
    return ", ".join(kinds)


def registered_task(name: str):
    """The task registered under `name`. The apps' `tasks` modules are imported by Celery's autodiscovery, which
    the worker runs at start; a web process runs it here the first time a task is asked for. (Not through
    `loader.import_default_modules()`: its Django fix-up runs `django.setup()` and every system check again.)"""
    tasks = current_app.tasks
    if name not in tasks:
        # Celery's discovery returns nothing at all to a second thread while a first is still importing (its "race
        # protection"): threads take turns here, and look again once it is their turn.
        with _discovery:
            if name not in tasks:
                current_app.autodiscover_tasks(force=True)  # imports each installed app's `tasks` module
    return tasks[name]


def _publish(name: str, args: tuple, kwargs: dict, context: dict) -> None:
    # The context of the code that asked (its request id goes into the message's headers), whenever the commit is.
    tokens = bind(**context)
    try:
        registered_task(name).apply_async(args=args, kwargs=kwargs, retry=False)
    except (OperationalError, RedisError, ConnectionError) as exc:
        logger.warning(
            "broker unavailable, %s(%s) left for the sweep: %s",
            name,
            _argument_kinds(args, kwargs),
            exc,  # the connection error says which broker address failed, nothing of the message
        )
    finally:
        unbind(tokens)


def enqueue_task_on_commit(name: str, *args, **kwargs) -> None:
    """Publish the task registered as `name` once the current transaction commits (at once outside one).

    An unknown name raises here, inside the caller's transaction, rather than after the commit where nobody sees it.
    """
    registered_task(name)
    transaction.on_commit(partial(_publish, name, args, kwargs, current_context()))
