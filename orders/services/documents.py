"""The customer's documents: checked by content (tecnosign.uploads), stored privately, kept or purged by retention."""

import hashlib
import logging
from datetime import timedelta

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from tecnosign.audit.services import SYSTEM, Actor, audit_record
from tecnosign.errors import DomainError
from tecnosign.uploads import UploadRefused, upload_check

from ..models import Document, Order
from .transitions import order_transition

logger = logging.getLogger(__name__)
S = Order.Status
D = Document.Kind

UPLOAD_STATES = {S.PAID, S.DOCUMENTS_RECEIVED, S.SCHEDULED, S.NO_SHOW, S.REJECTED}
# Orders that ended without a certificate: their documents are purged after DOCUMENT_PURGE_DAYS.
ENDED_WITHOUT_ISSUANCE = {S.CANCELLED, S.PAYMENT_EXPIRED, S.REJECTED}


class DocumentRefused(DomainError):
    code = "document_refused"


def required_kinds(order: Order) -> list[str]:
    return [D.IDENTITY, D.COMPANY_ARTICLES] if order.is_company else [D.IDENTITY]


def current_documents(order: Order):
    return order.documents.filter(superseded_at__isnull=True, purged_at__isnull=True).order_by("kind", "uploaded_at")


def missing_kinds(order: Order) -> list[str]:
    present = set(current_documents(order).values_list("kind", flat=True))
    return [kind for kind in required_kinds(order) if kind not in present]


def _sha256(uploaded: UploadedFile) -> str:
    digest = hashlib.sha256()
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    return digest.hexdigest()


def document_attach(
    *,
    order: Order,
    kind: str,
    uploaded: UploadedFile,
    actor: Actor,
    identity_type: str = "",
    replaces: Document | None = None,
) -> Document:
    """Store one file for the order; with `replaces`, the old file leaves the dossier but stays audited."""
    kind = D(kind)
    if kind not in required_kinds(order):
        raise DocumentRefused("Este tipo de documento não se aplica a este pedido.")
    if kind == D.IDENTITY and identity_type not in Document.IdentityType.values:
        raise DocumentRefused("Informe qual é o documento de identidade (RG, CNH, passaporte…).")
    try:
        content_type = upload_check(uploaded)
    except UploadRefused as error:
        raise DocumentRefused(error.message, code=error.code) from error
    digest = _sha256(uploaded)
    original_name = (uploaded.name or "documento")[-255:]

    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.status not in UPLOAD_STATES:
            raise DocumentRefused(
                f"O pedido está em “{locked.get_status_display()}”: não é possível enviar documentos agora."
            )
        if replaces is not None:
            replaced = Document.objects.filter(
                pk=replaces.pk, order=locked, superseded_at__isnull=True, purged_at__isnull=True
            ).update(superseded_at=timezone.now())
            if not replaced:
                raise DocumentRefused("O arquivo a substituir não faz mais parte do pedido. Atualize a página.")
        document = Document(
            order=locked,
            kind=kind,
            identity_type=identity_type if kind == D.IDENTITY else "",
            original_name=original_name,
            content_type=content_type,
            size=uploaded.size,
            sha256=digest,
        )
        document.file.save(original_name, uploaded, save=False)
        try:
            document.save()
            audit_record(
                action="document.replaced" if replaces else "document.uploaded",
                obj=locked,
                actor=actor,
                before={"document": replaces.pk, "name": replaces.original_name} if replaces else {},
                after={
                    "document": document.pk,
                    "kind": kind.value,
                    "name": original_name,
                    "sha256": digest,
                    "content_type": content_type,
                    "size": uploaded.size,
                },
            )
            if locked.status == S.PAID and not missing_kinds(locked):
                order_transition(order=locked, to=S.DOCUMENTS_RECEIVED, actor=actor, note="Documentos enviados")
            elif locked.status == S.REJECTED and kind == D.IDENTITY:
                order_transition(
                    order=locked, to=S.DOCUMENTS_RECEIVED, actor=actor, note="Novo documento após a recusa"
                )
        except BaseException:
            # Whatever stopped the transaction, the stored file must not outlive its row.
            document.file.delete(save=False)
            raise
    return document


def retention_ends(order: Order):
    """When the order's documents may be purged, or None while they must be kept."""
    if order.status in ENDED_WITHOUT_ISSUANCE:
        return order.status_changed_at + timedelta(days=settings.DOCUMENT_PURGE_DAYS)
    return None


def documents_purge(*, now=None) -> int:
    """Delete the files of orders that ended without a certificate, once their short retention is over.

    Dossiers of orders that reached issuance are never touched here: they are kept for the regulated period.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.DOCUMENT_PURGE_DAYS)
    candidates = Document.objects.filter(
        purged_at__isnull=True, order__status__in=ENDED_WITHOUT_ISSUANCE, order__status_changed_at__lt=cutoff
    ).select_related("order")
    purged = 0
    for document in candidates.iterator():
        with transaction.atomic():
            locked = Document.objects.select_for_update().select_related("order").get(pk=document.pk)
            if locked.purged_at or locked.order.status not in ENDED_WITHOUT_ISSUANCE:
                continue
            _purge(locked, now=now, actor=SYSTEM, note=f"Retenção de {settings.DOCUMENT_PURGE_DAYS} dias encerrada")
            purged += 1
    if purged:
        logger.info("purged %s documents of orders that ended without issuance", purged)
    return purged


def _purge(document: Document, *, now, actor: Actor, note: str) -> None:
    """Delete the (locked) document's file, keep its row as the record that it existed, and audit it."""
    name = document.file.name
    document.file.delete(save=False)
    document.purged_at = now
    document.save(update_fields=["file", "purged_at"])
    audit_record(
        action="document.purged",
        obj=document.order,
        actor=actor,
        before={"document": document.pk, "file": name},
        after={"purged_at": now.isoformat()},
        note=note + " (pedido sem emissão)",
    )


def documents_purge_for_holder(*, order: Order, actor: Actor) -> int:
    """The holder asked for deletion (LGPD art. 18, VI): the files of an order that ended without issuance go now,
    not at the end of DOCUMENT_PURGE_DAYS. Dossiers of issued orders are never touched (ICP-Brasil retention)."""
    if order.status not in ENDED_WITHOUT_ISSUANCE:
        return 0
    now, purged = timezone.now(), 0
    with transaction.atomic():
        for document in Document.objects.select_for_update().filter(order=order, purged_at__isnull=True).order_by("pk"):
            _purge(document, now=now, actor=actor, note="Eliminação pedida pelo titular")
            purged += 1
    return purged
