"""Enqueueing Celery tasks after commit, without failing the request when the broker is away.

The database is the source of truth: every queued effect also exists as a row (outbox message,
scheduled reminder, issuance request) that a beat task sweeps, so a lost publish is caught up later.
"""

import logging
from functools import partial

from django.db import transaction
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def _argument_kinds(args: tuple, kwargs: dict) -> str:
    """What a task was given, never the values: arguments carry sealed PINs, webhook bodies, e-mail addresses."""
    kinds = [type(value).__name__ for value in args]
    kinds += [f"{name}={type(value).__name__}" for name, value in sorted(kwargs.items())]
    return ", ".join(kinds)


def _publish(task, args: tuple, kwargs: dict) -> None:
    try:
        task.apply_async(args=args, kwargs=kwargs, retry=False)
    except (OperationalError, RedisError, ConnectionError) as exc:
        logger.warning(
            "broker unavailable, %s(%s) left for the sweep: %s",
            task.name,
            _argument_kinds(args, kwargs),
            exc,  # the connection error says which broker address failed, nothing of the message
        )


def enqueue_on_commit(task, *args, **kwargs) -> None:
    transaction.on_commit(partial(_publish, task, args, kwargs))
