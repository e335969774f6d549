import logging

from celery import shared_task
from django.conf import settings

from .payments.gateways import WebhookRejected
from .payments.gateways.sandbox import SIGNATURE_HEADER, sign
from .services.holder_confirmation import holder_confirmations_expire
from .services.link_visits import link_visits_fold
from .services.payments import payments_expire, payments_reconcile_recent, webhook_receive
from .services.refunds import refund_send, refunds_retry
from .services.retention import retention_run

logger = logging.getLogger(__name__)


@shared_task(name="orders.sandbox_deliver_webhook", acks_late=True)
def sandbox_deliver_webhook(body: str) -> str:
    """The sandbox gateway posting its webhook: signed now, verified and applied by the same service."""
    raw = body.encode()
    headers = {SIGNATURE_HEADER: sign(raw, secret=settings.SANDBOX_WEBHOOK_SECRET)}
    try:
        return webhook_receive(gateway_name="sandbox", body=raw, headers=headers)
    except WebhookRejected as error:
        # Final (the sandbox not allowed here, a wrong secret): a retry would be refused the same way.
        logger.warning("sandbox webhook refused: %s", error.message)
        return "rejected"


@shared_task(name="orders.payments_expire")
def expire_payments() -> dict:
    return payments_expire()


@shared_task(name="orders.payments_reconcile")
def reconcile_payments() -> dict:
    """Every 10 minutes: pay what a lost Pix callback missed (the PSP's statement of received Pix, read back)."""
    return payments_reconcile_recent()


@shared_task(name="orders.holder_confirmations_expire")
def expire_holder_confirmations() -> int:
    return holder_confirmations_expire()


@shared_task(name="orders.retention_run", acks_late=True)
def run_retention() -> int:
    """Daily: delete the files the retention rules let go (each once: a purged row is not due again)."""
    return retention_run()


@shared_task(name="orders.refund_send", acks_late=True, soft_time_limit=60, time_limit=90)
def send_refund(refund_pk: int) -> str:
    """Ask the gateway for one refund; a failure is recorded and retried by `orders.refunds_retry`."""
    return refund_send(refund_pk)


@shared_task(name="orders.refunds_retry", acks_late=True, soft_time_limit=300, time_limit=360)
def retry_refunds() -> int:
    """Every minute: failed refunds due for another attempt, sent ones due for a read-back."""
    return refunds_retry()


@shared_task(name="orders.link_visits_fold", acks_late=True, soft_time_limit=50, time_limit=60)
def fold_link_visits() -> int:
    """The link pages' Redis visit counters into the partners' statistics (idempotent: a double beat adds nothing)."""
    return link_visits_fold()
