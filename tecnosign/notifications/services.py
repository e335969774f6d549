"""The one way the portal sends messages: `notify()` writes an outbox row, a task delivers it after commit."""

import logging
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, models, transaction
from django.db.models import F, Q
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone, translation

from tecnosign.audit.services import Actor, audit_record
from tecnosign.queue import enqueue_task_on_commit

from .models import OutboxMessage
from .sms import sms_send
from .whatsapp import whatsapp_send

logger = logging.getLogger(__name__)


def _stale_claim() -> timedelta:
    """A claim older than this was abandoned by a dead worker and may be taken again. It must exceed the send
    task's hard time limit: a live worker's claim must never look abandoned."""
    return timedelta(seconds=settings.OUTBOX_STALE_CLAIM_SECONDS)


MAX_ATTEMPTS = 6


def _render(kind: str, context: dict) -> tuple[str, str, str]:
    base = f"notifications/{kind}"
    context = {"site_url": settings.SITE_URL, **context}
    with translation.override(settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string(f"{base}/subject.txt", context).split())
        text = render_to_string(f"{base}/body.txt", context).strip() + "\n"
        try:
            html = render_to_string(f"{base}/body.html", context)
        except TemplateDoesNotExist:
            html = ""
    return subject, text, html


def notify(
    kind: str,
    *,
    to: str,
    key: str,
    context: dict,
    channel: str = OutboxMessage.Channel.EMAIL,
    obj: models.Model | None = None,
    attachments: list[dict] | None = None,
    secrets: list[str] | None = None,
) -> OutboxMessage:
    """Queue message `kind` for `to`, once per `key` (e.g. "order:42:created").

    Call it inside the transaction that made the change: the row commits with it, and delivery is
    scheduled after commit. A second call with the same key returns the existing message. `secrets` are the
    one-time links or codes in the context: delivered, but masked wherever staff read the message.
    """
    subject, text, html = _render(kind, context)
    try:
        with transaction.atomic():
            message = OutboxMessage.objects.create(
                key=key,
                channel=channel,
                kind=kind,
                recipient=to,
                subject=subject,
                body_text=text,
                body_html=html,
                attachments=attachments or [],
                secrets=[secret for secret in secrets or [] if secret],
                object_ref=f"{obj._meta.label_lower}:{obj.pk}" if obj is not None else "",
            )
    except IntegrityError:
        return OutboxMessage.objects.get(key=key)
    enqueue_task_on_commit("notifications.send", message.pk)
    return message


def outbox_claim(message_id: int) -> OutboxMessage | None:
    """Take the message for delivery; None when it is sent, failed, or being sent by a live worker."""
    now = timezone.now()
    claimable = Q(status=OutboxMessage.Status.PENDING) | Q(
        status=OutboxMessage.Status.SENDING, claimed_at__lt=now - _stale_claim()
    )
    claimed = OutboxMessage.objects.filter(claimable, pk=message_id).update(
        status=OutboxMessage.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    return OutboxMessage.objects.get(pk=message_id) if claimed else None


def _deliver_email(message: OutboxMessage) -> None:
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.recipient],
        headers={"X-TecnoSign-Message": message.key},
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    for attachment in message.attachments:
        email.attach(attachment["filename"], attachment["content"], attachment["mimetype"])
    email.send(fail_silently=False)


def _deliver_whatsapp(message: OutboxMessage) -> None:
    whatsapp_send(to=message.recipient, text=message.body_text)


def _deliver_sms(message: OutboxMessage) -> None:
    sms_send(to=message.recipient, text=message.body_text)


DELIVERY = {
    OutboxMessage.Channel.EMAIL: _deliver_email,
    OutboxMessage.Channel.WHATSAPP: _deliver_whatsapp,
    OutboxMessage.Channel.SMS: _deliver_sms,
}

REDACTED = "[oculto]"


def outbox_redact(message: OutboxMessage, text: str) -> str:
    """`text` (a body of `message`) as staff may read it: every one-time link or code replaced."""
    for secret in sorted(message.secrets, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


def outbox_deliver(message: OutboxMessage) -> None:
    DELIVERY[message.channel](message)
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxMessage.Status.SENT, sent_at=timezone.now(), last_error=""
    )


def outbox_release(message: OutboxMessage, error: str) -> bool:
    """Record a failed attempt. Returns True when it may be retried, False when it is given up."""
    final = message.attempts >= MAX_ATTEMPTS
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxMessage.Status.FAILED if final else OutboxMessage.Status.PENDING,
        last_error=error[:2000],
        claimed_at=None,
    )
    if final:
        logger.error("outbox message %s given up after %s attempts: %s", message.key, message.attempts, error)
    return not final


def outbox_due_ids(*, limit: int = 500) -> list[int]:
    """Messages a publish or a worker lost: pending for a while, or claimed by a worker that died."""
    now = timezone.now()
    return list(
        OutboxMessage.objects.filter(
            Q(status=OutboxMessage.Status.PENDING, created_at__lt=now - timedelta(seconds=30))
            | Q(status=OutboxMessage.Status.SENDING, claimed_at__lt=now - _stale_claim())
        )
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )


def outbox_retry(*, message_ids: Iterable[int], actor: Actor) -> list[int]:
    """Staff send given-up messages again: only FAILED ones go back to pending, with a fresh attempt count.

    Each one is audited (who asked, the error it had); delivery is queued after commit. A message that is pending,
    being sent or already sent is left alone, so a retry never sends twice. Returns the ids put back in the queue.
    """
    with transaction.atomic():
        failed = list(
            OutboxMessage.objects.select_for_update()
            .filter(pk__in=list(message_ids), status=OutboxMessage.Status.FAILED)
            .order_by("pk")
        )
        OutboxMessage.objects.filter(pk__in=[message.pk for message in failed]).update(
            status=OutboxMessage.Status.PENDING, attempts=0, claimed_at=None
        )
        for message in failed:
            audit_record(
                action="outbox.retried",
                obj=message,
                actor=actor,
                before={"status": message.status, "attempts": message.attempts},
                after={"status": OutboxMessage.Status.PENDING, "attempts": 0},
                note=message.last_error[:500],
            )
            enqueue_task_on_commit("notifications.send", message.pk)
    return [message.pk for message in failed]


ERASED = "[eliminado]"


def outbox_forget(*, obj: models.Model, actor: Actor) -> int:
    """The holder asked for deletion: the messages about `obj` keep their kind, channel, status and dates (the record
    that they were sent) and lose recipient, subject, bodies and attachments. Messages still to be sent are left
    alone. Returns how many were emptied; audited on `obj`."""
    object_ref = f"{obj._meta.label_lower}:{obj.pk}"
    with transaction.atomic():
        forgotten = (
            OutboxMessage.objects.filter(object_ref=object_ref)
            .exclude(status__in=[OutboxMessage.Status.PENDING, OutboxMessage.Status.SENDING])
            .exclude(recipient=ERASED)
            .update(
                recipient=ERASED,
                subject=ERASED,
                body_text=ERASED,
                body_html="",
                attachments=[],
                secrets=[],
                last_error="",
            )
        )
        if forgotten:
            audit_record(action="outbox.forgotten", obj=obj, actor=actor, after={"messages": forgotten})
    return forgotten
