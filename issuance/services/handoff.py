"""The 24 h hand-off: a verified order goes to the CA, the CA releases it, the customer is told how to issue."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from orders.models import Order, Product
from orders.services.access import order_access_url
from orders.services.holds import order_block
from orders.services.transitions import order_transition
from tecnosign.audit.services import SYSTEM, Actor, audit_record
from tecnosign.errors import DomainError
from tecnosign.notifications.services import notify
from tecnosign.queue import enqueue_task_on_commit

from ..backends import CaError, CaRejected, CaUnavailable, NegativeListAnswer, Submission, get_backend
from ..models import IssuanceRequest
from ..pki.names import HolderIdentity

logger = logging.getLogger(__name__)
S = IssuanceRequest.Status


class IssuanceNotAllowed(DomainError):
    code = "issuance_not_allowed"


def identity_from_order(order: Order) -> HolderIdentity:
    product = order.product
    return HolderIdentity(
        holder_type=product.holder_type,
        person_name=order.person_name,
        person_cpf=order.person_cpf,
        person_birth_date=order.person_birth_date,
        email=order.email,
        policy_oid=product.policy_oid,
        validity_months=product.validity_months,
        pis_nis=order.pis_nis,
        cei=order.cei,
        company_name=order.company_name if product.is_for_company else "",
        cnpj=order.cnpj if product.is_for_company else "",
    )


def delivery_kind(product: Product) -> str:
    """How the customer gets the certificate: "a1" (file), "a3_delivery" (media shipped to them), "a3_own"."""
    if product.is_software:
        return "a1"
    return "a3_delivery" if product.needs_media_delivery else "a3_own"


def issuance_submit(order: Order, *, actor: Actor = SYSTEM) -> IssuanceRequest:
    """Hand a `verified` order to the CA. Call it inside the transaction that verified the order.

    Idempotent: a second call returns the same request. The CA is contacted by a task after commit.
    """
    status = Order.objects.filter(pk=order.pk).values_list("status", flat=True).first()
    if status != Order.Status.VERIFIED:
        existing = IssuanceRequest.objects.filter(order=order).first()
        if existing is not None:  # handed off before (and maybe released since)
            return existing
        raise IssuanceNotAllowed(f"O pedido {order.number} ainda não foi aprovado pela central de verificação.")
    if not order.product.policy_oid:
        raise IssuanceNotAllowed(
            f"O produto {order.product.name} não tem a política de certificado (OID) cadastrada.", field="product"
        )
    now = timezone.now()
    try:
        with transaction.atomic():
            request = IssuanceRequest.objects.create(
                order=order,
                backend=settings.CA_BACKEND,
                submitted_at=now,
                sla_deadline=now + timedelta(hours=settings.ISSUANCE_SLA_HOURS),
            )
    except IntegrityError:
        return IssuanceRequest.objects.get(order=order)
    audit_record(
        action="issuance.queued",
        obj=order,
        actor=actor,
        after={"request": request.pk, "backend": request.backend, "sla_deadline": request.sla_deadline.isoformat()},
        note="Enviado à Autoridade Certificadora",
    )
    enqueue_task_on_commit("issuance.submit", request.pk)
    return request


def issuance_requests_resend(*, request_ids: list[int]) -> list[int]:
    """Staff send again the requests the CA has not accepted yet (still queued); the others are left alone.

    Nothing changes in the rows: the task sends each one once (`issuance_request_send` claims it). Returns the ids
    queued."""
    queued = list(
        IssuanceRequest.objects.filter(pk__in=list(request_ids), status=S.QUEUED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for pk in queued:
        enqueue_task_on_commit("issuance.submit", pk)
    return queued


def issuance_request_send(*, request_id: int) -> str:
    """Give a queued request to the CA, once. Raises CaUnavailable (only) for the task to retry later."""
    now = timezone.now()
    failure: CaError | None = None
    with transaction.atomic():
        # skip_locked: a second worker holding the same id leaves it to the first instead of waiting.
        request = (
            IssuanceRequest.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("order__product")
            .filter(pk=request_id, status=S.QUEUED)
            .first()
        )
        if request is None:
            return "skipped"
        order = request.order
        try:
            backend = get_backend(request.backend)
            # The Lista Negativa again, right before the CA gets the request: the list may have changed since the
            # agent's check. A hit stops the order here; nothing is submitted.
            screening = backend.negative_list_check(cpf=order.person_cpf, cnpj=order.cnpj)
            if screening.listed:
                _negative_list_hit(request, screening, now=now)
                return "blocked"
            audit_record(
                action="negative_list.checked",
                obj=order,
                after={"stage": "handoff", "listed": False, "reference": screening.reference},
            )
            submission = backend.submit(
                request_key=request.key, order_number=order.number, identity=identity_from_order(order)
            )
        except CaRejected as exc:
            submission = Submission(reference="", status=Submission.REJECTED, message=str(exc))
        except CaError as exc:
            failure = exc
            IssuanceRequest.objects.filter(pk=request.pk).update(
                attempts=F("attempts") + 1, last_attempt_at=now, last_error=str(exc)[:2000]
            )
        if failure is None:
            rejected = submission.status == Submission.REJECTED
            IssuanceRequest.objects.filter(pk=request.pk).update(
                status=S.REJECTED if rejected else S.SUBMITTED,
                external_reference=submission.reference or None,
                accepted_at=None if rejected else now,
                attempts=F("attempts") + 1,
                last_attempt_at=now,
                last_error=submission.message[:2000],
            )
            audit_record(
                action="issuance.rejected" if rejected else "issuance.submitted",
                obj=order,
                after={"reference": submission.reference, "status": submission.status},
                note=submission.message,
            )
            if rejected:
                alert_staff("issuance_rejected", request, occasion="rejected", error=submission.message)
    if isinstance(failure, CaUnavailable):
        raise failure  # for the task to retry with back-off
    if failure is not None:
        # Our configuration or the CA's records are wrong: people must look, retrying now will not help.
        # The request stays queued; the monitor's sweep sends it again once that is fixed.
        logger.error("issuance request %s could not be sent: %s", request_id, failure)
        alert_staff_now("issuance_send_failed", request_id, occasion="send-failed", error=str(failure))
        return "failed"
    if submission.status == Submission.RELEASED:
        issuance_release(request_id=request_id)
    return submission.status


def _negative_list_hit(request: IssuanceRequest, screening: NegativeListAnswer, *, now) -> None:
    """The holder is on the CA's Lista Negativa at the hand-off: the request ends rejected, the order is stopped."""
    order = request.order
    IssuanceRequest.objects.filter(pk=request.pk).update(
        status=S.REJECTED,
        attempts=F("attempts") + 1,
        last_attempt_at=now,
        last_error=f"Titular na Lista Negativa da AC (consulta {screening.reference}): {screening.reason}"[:2000],
    )
    audit_record(
        action="negative_list.checked",
        obj=order,
        after={"stage": "handoff", "listed": True, "reference": screening.reference},
        note=screening.reason,
    )
    order_block(order=order, stage="handoff", reference=screening.reference, reason=screening.reason, actor=SYSTEM)


def issuance_request_poll(*, request_id: int) -> str:
    """Ask the CA where a submitted request stands; release or reject it accordingly."""
    request = IssuanceRequest.objects.filter(pk=request_id, status=S.SUBMITTED).first()
    if request is None:
        return "skipped"
    try:
        submission = get_backend(request.backend).poll(request.external_reference)
    except CaError as exc:
        IssuanceRequest.objects.filter(pk=request.pk).update(last_error=str(exc)[:2000])
        logger.warning("polling issuance request %s failed: %s", request.pk, exc)
        return "error"
    if submission.status == Submission.RELEASED:
        issuance_release(request_id=request.pk)
    elif submission.status == Submission.REJECTED:
        with transaction.atomic():
            if IssuanceRequest.objects.filter(pk=request.pk, status=S.SUBMITTED).update(
                status=S.REJECTED, last_error=submission.message[:2000]
            ):
                audit_record(action="issuance.rejected", obj=request.order, note=submission.message)
                alert_staff("issuance_rejected", request, occasion="rejected", error=submission.message)
    return submission.status


def issuance_release(*, request_id: int, actor: Actor = SYSTEM) -> IssuanceRequest | None:
    """The CA released the request: the order becomes `released` and the customer gets the instructions."""
    with transaction.atomic():
        now = timezone.now()
        if not IssuanceRequest.objects.filter(pk=request_id, status=S.SUBMITTED).update(
            status=S.RELEASED, released_at=now
        ):
            return None  # released already, or not in a state the CA can release
        request = IssuanceRequest.objects.select_related("order__product").get(pk=request_id)
        order = order_transition(
            order=request.order,
            to=Order.Status.RELEASED,
            actor=actor,
            note=f"Liberado pela Autoridade Certificadora (protocolo {request.external_reference})",
        )
        access_url = order_access_url(order)
        notify(
            "issuance_released",
            to=order.email,
            key=f"issuance:{request.pk}:released",
            obj=order,
            context={
                "order": order,
                "product": order.product,
                "kind": delivery_kind(order.product),
                "access_url": access_url,
            },
            secrets=[access_url],
        )
    return request


def issuance_mark_media_delivered(*, request: IssuanceRequest, actor: Actor) -> bool:
    """Staff record that the A3 token/card reached the customer. Returns False when it was recorded before."""
    product = request.order.product
    if delivery_kind(product) != "a3_delivery":
        raise IssuanceNotAllowed(f"O pedido {request.order.number} não tem mídia para entregar ({product.name}).")
    with transaction.atomic():
        now = timezone.now()
        if not IssuanceRequest.objects.filter(pk=request.pk, media_delivered_at__isnull=True).update(
            media_delivered_at=now, media_delivered_by=actor.user
        ):
            return False
        order = request.order
        audit_record(action="issuance.media_delivered", obj=order, actor=actor, after={"at": now.isoformat()})
        access_url = order_access_url(order)
        notify(
            "issuance_media_delivered",
            to=order.email,
            key=f"issuance:{request.pk}:media-delivered",
            obj=order,
            context={"order": order, "product": product, "access_url": access_url},
            secrets=[access_url],
        )
    return True


def alert_staff(kind: str, request: IssuanceRequest, *, occasion: str, **context) -> None:
    """One message per staff address per request and occasion, whatever the retries (call inside a transaction)."""
    order = request.order
    for address in settings.STAFF_ALERT_EMAILS:
        notify(
            kind,
            to=address,
            key=f"issuance:{request.pk}:{occasion}:{address}",
            obj=order,
            context={"order": order, "request": request, **context},
        )


def alert_staff_now(kind: str, request_id: int, *, occasion: str, **context) -> None:
    request = IssuanceRequest.objects.select_related("order__product").get(pk=request_id)
    with transaction.atomic():
        alert_staff(kind, request, occasion=occasion, **context)
