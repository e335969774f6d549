"""The customer's documents: checked by content (tecnosign.uploads), stored privately, kept or purged by retention
(services/retention.py)."""

import hashlib

from django.apps import apps
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from tecnosign.audit.services import Actor, audit_record
from tecnosign.errors import DomainError
from tecnosign.uploads import UploadRefused, upload_check

from ..models import Document, Order
from .transitions import order_transition

S = Order.Status
D = Document.Kind

UPLOAD_STATES = {S.PAID, S.DOCUMENTS_RECEIVED, S.SCHEDULED, S.NO_SHOW, S.REJECTED}
# Orders that ended without a certificate: their files are purged after DOCUMENT_PURGE_DAYS (services/retention.py).
ENDED_WITHOUT_ISSUANCE = {S.CANCELLED, S.PAYMENT_EXPIRED, S.REJECTED}


class DocumentRefused(DomainError):
    code = "document_refused"


def accepted_kinds(order: Order) -> list[str]:
    """The kinds of document that belong to this order (the upload form offers these)."""
    return [D.IDENTITY, D.COMPANY_ARTICLES] if order.is_company else [D.IDENTITY]


def identity_document_waiver(order: Order) -> str:
    """Why this order needs no identity document, or "" when it does.

    DOC-ICP-05.02 item 2.1.5 (IN ITI 05/2021): a positive biometric match of the holder's face against an official
    base, made in the videoconference, replaces the identity documents. `orders` imports none of the apps that hold
    such a match: each says so through an `order_identity_document_waiver(order) -> str` method on its AppConfig
    (scheduling: a positive PSBio answer in the order's appointment), as `order_deadlines` does.
    """
    for config in apps.get_app_configs():
        provider = getattr(config, "order_identity_document_waiver", None)
        if provider is not None and (reason := provider(order)):
            return reason
    return ""


def required_kinds(order: Order) -> list[str]:
    """The kinds the order must have: the identity document unless a positive biometric match waived it."""
    kinds = accepted_kinds(order)
    if identity_document_waiver(order):
        kinds = [kind for kind in kinds if kind != D.IDENTITY]
    return kinds


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
    if kind not in accepted_kinds(order):
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


def document_details_read(*, document: Document, actor: Actor) -> None:
    """A staff member read a document's details in the admin: the holder's data, so the read is audited."""
    audit_record(action="document.details_viewed", obj=document.order, actor=actor, after={"document": document.pk})


def documents_listed_audit(*, order: Order, actor: Actor, files_visible: bool) -> None:
    """A staff page listed the holder's documents (names, kinds; links for whoever may open them): audited."""
    audit_record(action="document.listed", obj=order, actor=actor, after={"files_visible": files_visible})


def document_open_for_staff(*, document: Document, actor: Actor):
    """A staff member opens an identity document (the caller checked they may): each opening is audited, with
    whether a superuser did it, before the file is handed out. Returns the open file."""
    audit_record(
        action="document.viewed",
        obj=document.order,
        actor=actor,
        after={"document": document.pk, "superuser": bool(getattr(actor.user, "is_superuser", False))},
    )
    return document.file.open("rb")


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
