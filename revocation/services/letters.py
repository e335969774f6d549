"""Forgotten revocation password: the letter the portal fills in, its signed and notarised scan, the staff review."""

import hashlib

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from issuance.models import Certificate
from orders.services.access import order_access_url
from tecnosign.audit.services import Actor, audit_record
from tecnosign.errors import DomainError
from tecnosign.notifications.services import notify
from tecnosign.uploads import UploadRefused, upload_check

from ..models import RevocationRequest
from .details import Details, details_for_reissue, reason_check
from .revoke import guarantee_now, revocation_apply, revocation_check

R = RevocationRequest.Status


class LetterRefused(DomainError):
    code = "letter_refused"


def letter_open(certificate: Certificate) -> RevocationRequest | None:
    return RevocationRequest.objects.filter(certificate=certificate, status__in=RevocationRequest.OPEN).first()


def letter_request_create(*, certificate: Certificate, details: Details, actor: Actor) -> RevocationRequest:
    """Start a request by letter: the reason (and what a reissue needs) now, the signed letter later."""
    order = revocation_check(certificate)
    reason = reason_check(order, details.reason)
    fields = details_for_reissue(order, details, guarantee_now(order, reason))
    try:
        with transaction.atomic():
            request = RevocationRequest.objects.create(
                order=order,
                certificate=certificate,
                channel=RevocationRequest.Channel.LETTER,
                status=R.AWAITING_LETTER,
                reason=reason,
                **fields,
            )
            audit_record(
                action="revocation.letter_requested",
                obj=order,
                actor=actor,
                after={"request": request.pk, "certificate": certificate.serial, "reason": reason.value},
            )
    except IntegrityError:
        raise LetterRefused(
            "Já existe um pedido de revogação por carta em andamento para este certificado. Baixe a carta ou "
            "envie-a assinada abaixo.",
            code="letter_already_open",
        ) from None
    return request


def letter_cancel(*, request: RevocationRequest, actor: Actor) -> None:
    """The customer gives up a letter not sent yet (e.g. to pick another reason)."""
    with transaction.atomic():
        if not RevocationRequest.objects.filter(pk=request.pk, status=R.AWAITING_LETTER).update(status=R.CLOSED):
            raise LetterRefused("Este pedido por carta não pode mais ser cancelado.")
        audit_record(
            action="revocation.letter_cancelled", obj=request.order, actor=actor, after={"request": request.pk}
        )


def letter_upload(*, request: RevocationRequest, uploaded: UploadedFile, actor: Actor) -> RevocationRequest:
    """Store the signed, notarised scan (a sound PDF/JPEG/PNG by content) and put the request in the staff's queue."""
    try:
        content_type = upload_check(uploaded)  # the same check as the customers' documents
    except UploadRefused as error:
        raise LetterRefused(error.message, code=error.code) from error
    digest = hashlib.sha256()
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    with transaction.atomic():
        locked = RevocationRequest.objects.select_for_update().select_related("order").get(pk=request.pk)
        if locked.status != R.AWAITING_LETTER:
            raise LetterRefused(
                f"Este pedido está “{locked.get_status_display()}”: não é possível enviar a carta agora."
            )
        now = timezone.now()
        locked.letter_content_type = content_type
        locked.letter_original_name = (uploaded.name or "carta")[-255:]
        locked.letter_size = uploaded.size
        locked.letter_sha256 = digest.hexdigest()
        locked.letter_uploaded_at = now
        locked.status = R.UNDER_REVIEW
        locked.letter.save(locked.letter_original_name, uploaded, save=False)
        try:
            locked.save()
            audit_record(
                action="revocation.letter_uploaded",
                obj=locked.order,
                actor=actor,
                after={
                    "request": locked.pk,
                    "name": locked.letter_original_name,
                    "sha256": locked.letter_sha256,
                    "content_type": content_type,
                    "size": uploaded.size,
                },
            )
            for address in settings.STAFF_ALERT_EMAILS:
                notify(
                    "staff_revocation_letter",
                    to=address,
                    key=f"revocation:{locked.pk}:letter-uploaded:{address}",
                    obj=locked.order,
                    context={"request": locked, "order": locked.order, "site_url": settings.SITE_URL},
                )
        except BaseException:
            # Whatever stopped the transaction, the stored file must not outlive its row.
            locked.letter.delete(save=False)
            raise
    return locked


def letter_file_open(*, request: RevocationRequest, actor: Actor):
    """Staff open the uploaded letter (the caller checked the permission): audited, then the open file."""
    audit_record(action="revocation.letter_viewed", obj=request.order, actor=actor, after={"request": request.pk})
    return request.letter.open("rb")


def letter_approve(*, request: RevocationRequest, actor: Actor) -> RevocationRequest:
    """Staff checked the signature and the notary's seal: revoke, with the guarantee as of the letter's arrival."""
    with transaction.atomic():
        locked = RevocationRequest.objects.select_for_update().get(pk=request.pk)
        if locked.status != R.UNDER_REVIEW:
            raise LetterRefused(f"{locked.reference} está “{locked.get_status_display()}”: nada a aprovar.")
        locked.reviewed_by = actor.user
        locked.reviewed_at = timezone.now()
        # The customer did their part when the signed letter arrived; the time staff take does not cost them the
        # guarantee.
        return revocation_apply(request=locked, at=locked.letter_uploaded_at, actor=actor)


def letter_refuse(*, request: RevocationRequest, reason: str, actor: Actor) -> RevocationRequest:
    reason = (reason or "").strip()
    if not reason:
        raise LetterRefused("Informe o motivo da recusa: ele é enviado ao cliente.", field="refusal_reason")
    with transaction.atomic():
        now = timezone.now()
        if not RevocationRequest.objects.filter(pk=request.pk, status=R.UNDER_REVIEW).update(
            status=R.REFUSED, refusal_reason=reason, reviewed_by=actor.user, reviewed_at=now
        ):
            raise LetterRefused(f"{request.reference} não está em análise: nada a recusar.")
        refused = RevocationRequest.objects.select_related("order", "certificate").get(pk=request.pk)
        order = refused.order
        audit_record(
            action="revocation.letter_refused",
            obj=order,
            actor=actor,
            before={"status": R.UNDER_REVIEW.value},
            after={"request": refused.pk, "status": R.REFUSED.value},
            note=reason,
        )
        access_url = order_access_url(order)
        notify(
            "revocation_letter_refused",
            to=order.email,
            key=f"revocation:{refused.pk}:refused",
            obj=order,
            context={"order": order, "request": refused, "access_url": access_url},
            secrets=[access_url],
        )
    return refused
