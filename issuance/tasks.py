"""Celery tasks: thin, idempotent, acks_late; each reloads by id and calls a service."""

import logging
import random

from celery import shared_task

from .backends import CaUnavailable
from .services.handoff import issuance_request_poll, issuance_request_send
from .services.monitor import issuance_monitor
from .services.publication import crl_publish, crl_publish_if_due

logger = logging.getLogger(__name__)


@shared_task(bind=True, name="issuance.submit", acks_late=True, max_retries=8, soft_time_limit=60, time_limit=90)
def submit_issuance_request(self, request_id: int) -> str:
    try:
        return issuance_request_send(request_id=request_id)
    except CaUnavailable as exc:
        if self.request.is_eager or self.request.retries >= self.max_retries:
            # The row stays queued: the monitor's sweep sends it again later.
            logger.warning("issuance request %s: CA unavailable, left for the sweep: %s", request_id, exc)
            return "unavailable"
        countdown = min(30 * 2**self.request.retries, 900) + random.randint(0, 15)  # noqa: S311 (jitter)
        raise self.retry(exc=exc, countdown=countdown) from exc


@shared_task(name="issuance.poll", acks_late=True, soft_time_limit=60, time_limit=90)
def poll_issuance_request(request_id: int) -> str:
    return issuance_request_poll(request_id=request_id)


@shared_task(name="issuance.monitor", acks_late=True, soft_time_limit=120, time_limit=180)
def monitor_issuance_requests() -> dict:
    report = issuance_monitor()
    return {name: len(ids) for name, ids in vars(report).items()}


@shared_task(name="issuance.publish_crl", acks_late=True, soft_time_limit=120, time_limit=180)
def publish_crl() -> int:
    return crl_publish().number


@shared_task(name="issuance.publish_crl_if_due", acks_late=True, soft_time_limit=120, time_limit=180)
def publish_crl_if_due() -> int | None:
    published = crl_publish_if_due()
    return published.number if published else None
