"""The holder's electronic dossier, sealed when the verifier approves; checked by `manage.py verify_audit_log`.

One zip, written once: the term and its acceptance, the identity documents (or none, when the biometric match waived
them), the face capture and the biometric result (with the base's face, when it returned one), the Lista Negativa
query, the checklist with the agent's and the verifier's names and times, and the order's audit entries. Its
`manifest.json` lists every other file's SHA-256; the manifest's own SHA-256 goes into the audit chain
(`dossier.sealed`), which is hashed and checkpointed outside the database. So a later change of any file — or of the
manifest to match it — no longer agrees with the chain, and `dossiers_verify` says which.
"""

import hashlib
import io
import json
import zipfile
from collections.abc import Iterator

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from orders.models import Document, Order
from orders.services.documents import current_documents
from tecnosign.audit.models import AuditEvent
from tecnosign.audit.services import Actor, SealedFilesReport, audit_record
from tecnosign.filecrypto import DecryptionFailed

from ..models import IMAGE_EXTENSIONS, Booking, SealedDossier, Validation, Verification

MANIFEST = "manifest.json"
FORMAT = "tecnosign-dossie/1"


def _json(data) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True, default=str).encode()


def _person(user) -> dict | None:
    if user is None:
        return None
    return {"id": user.pk, "username": user.get_username(), "name": user.get_full_name() or user.get_username()}


def _when(moment) -> str | None:
    return timezone.localtime(moment).isoformat() if moment else None


def _read(field) -> bytes:
    with field.open("rb") as stored:
        return stored.read()


def _audit_entries(order: Order, booking_ids: list[int]) -> list[dict]:
    """The order's audit entries and its bookings' (those sealed so far carry their chain hash)."""
    events = AuditEvent.objects.filter(
        Q(object_type="orders.order", object_id=str(order.pk))
        | Q(object_type="scheduling.booking", object_id__in=[str(pk) for pk in booking_ids])
    ).order_by("id")
    return [
        {
            "id": event.pk,
            "at": _when(event.created_at),
            "actor": event.actor_label,
            "ip": event.ip,
            "action": event.action,
            "object": f"{event.object_type}:{event.object_id}",
            "before": event.before,
            "after": event.after,
            "note": event.note,
            "chain_position": event.chain_position,
            "hash": event.hash or None,
        }
        for event in events
    ]


def _pieces(verification: Verification) -> dict[str, bytes]:
    validation: Validation = verification.validation
    booking: Booking = validation.booking
    order: Order = validation.order
    files: dict[str, bytes] = {}

    term = getattr(order, "holder_term", None)
    if term is not None:
        files["termo/termo-de-titularidade.pdf"] = _read(term.file)
        files["termo/aceite.json"] = _json(
            {
                "version": term.version,
                "method": term.get_method_display(),
                "accepted_at": _when(term.accepted_at),
                "ip": term.ip,
                "user_agent": term.user_agent,
                "sha256": term.sha256,
            }
        )

    documents = list(current_documents(order))
    for number, document in enumerate(documents, start=1):
        extension = Document.EXTENSIONS.get(document.content_type, "")
        files[f"documentos/{number:02d}-{document.kind}{extension}"] = _read(document.file)
    files["documentos/documentos.json"] = _json(
        {
            "waived": validation.documents_waived,
            "waived_because": (
                f"consulta biométrica positiva, protocolo {validation.biometric_match.protocol}"
                if validation.documents_waived and validation.biometric_match
                else None
            ),
            "documents": [
                {
                    "kind": document.get_kind_display(),
                    "identity_type": document.get_identity_type_display() or None,
                    "original_name": document.original_name,
                    "uploaded_at": _when(document.uploaded_at),
                    "sha256": document.sha256,
                }
                for document in documents
            ],
        }
    )

    capture = validation.face_capture
    if capture is not None:
        files[f"biometria/face-capturada{IMAGE_EXTENSIONS[capture.content_type]}"] = _read(capture.file)
        files["biometria/captura.json"] = _json(
            {
                "captured_at": _when(capture.captured_at),
                "captured_by": _person(capture.captured_by),
                "sha256": capture.sha256,
                "width": capture.width,
                "height": capture.height,
            }
        )
    match = validation.biometric_match
    if match is not None:
        if match.base_face:
            files[f"biometria/face-da-base{IMAGE_EXTENSIONS[match.base_face_content_type]}"] = _read(match.base_face)
        files["biometria/consulta.json"] = _json(
            {
                "backend": match.backend,
                "reference": str(match.reference),
                "cpf": match.cpf,
                "result": match.get_result_display(),
                "protocol": match.protocol,
                "name_in_base": match.name_in_base,
                "name_matches": match.name_matches,
                "queried_at": _when(match.queried_at),
                "queried_by": _person(match.queried_by),
                "base_face_sha256": match.base_face_sha256 or None,
            }
        )
    negative = validation.negative_list_check
    if negative is not None:
        files["lista-negativa.json"] = _json(
            {
                "listed": negative.listed,
                "reference": negative.reference,
                "checked_at": _when(negative.checked_at),
                "checked_by": _person(negative.checked_by),
            }
        )

    files["validacao.json"] = _json(
        {
            "order": order.number,
            "product": order.product.name,
            "holder": {
                "name": order.holder_name,
                "document": order.holder_document,
                "person_name": order.person_name,
                "person_cpf": order.person_cpf,
                "birth_date": order.person_birth_date,
            },
            "videoconference": {
                "booking": booking.pk,
                "agent": _person(booking.agent),
                "starts_at": _when(booking.starts_at),
                "started_at": _when(booking.started_at),
                "started_by": _person(booking.started_by),
                "eligibility_basis": booking.eligibility_basis,
            },
            "validation": {
                "id": validation.pk,
                "outcome": validation.get_outcome_display(),
                "recorded_by": _person(validation.recorded_by),
                "started_at": _when(validation.started_at),
                "finished_at": _when(validation.finished_at),
                "duration_seconds": validation.duration_seconds,
                "note": validation.note,
                "checklist": {
                    "document": "dispensado (biometria positiva)"
                    if validation.documents_waived
                    else validation.check_document,
                    "holder_in_person": validation.check_holder_in_person,
                    "legal_representative": validation.check_legal_representative
                    if validation.requires_legal_representative
                    else None,
                    "environment": validation.check_environment,
                },
            },
            "verification": {
                "verifier": _person(verification.verifier),
                "outcome": verification.get_outcome_display(),
                "decided_at": _when(verification.decided_at),
            },
        }
    )
    booking_ids = list(order.bookings.values_list("pk", flat=True))
    files["auditoria.json"] = _json(_audit_entries(order, booking_ids))
    return files


def _manifest(order: Order, files: dict[str, bytes], sealed_at) -> bytes:
    return _json(
        {
            "format": FORMAT,
            "order": order.number,
            "sealed_at": _when(sealed_at),
            "files": {
                name: {"sha256": hashlib.sha256(content).hexdigest(), "size": len(content)}
                for name, content in sorted(files.items())
            },
        }
    )


def _archive(files: dict[str, bytes], manifest: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in sorted(files.items()):
            archive.writestr(name, content)
        archive.writestr(MANIFEST, manifest)
    return buffer.getvalue()


def dossier_seal(*, verification: Verification, actor: Actor) -> SealedDossier:
    """Write the dossier of an approved validation, store it privately and record its manifest's digest in the
    audit chain. Call it inside the transaction that approved (the order locked); once per approval."""
    verification = Verification.objects.select_related(
        "verifier",
        "validation__order__product",
        "validation__booking__agent",
        "validation__booking__started_by",
        "validation__recorded_by",
        "validation__face_capture__captured_by",
        "validation__biometric_match__queried_by",
        "validation__negative_list_check__checked_by",
    ).get(pk=verification.pk)
    order = verification.validation.order
    sealed_at = timezone.now()
    files = _pieces(verification)
    manifest = _manifest(order, files, sealed_at)
    archive = _archive(files, manifest)
    dossier = SealedDossier(
        order=order,
        verification=verification,
        size=len(archive),
        sha256=hashlib.sha256(archive).hexdigest(),
        manifest_sha256=hashlib.sha256(manifest).hexdigest(),
        files=len(files) + 1,
        sealed_at=sealed_at,
    )
    dossier.file.save("dossie.zip", ContentFile(archive), save=False)
    try:
        with transaction.atomic():
            dossier.save()
            audit_record(
                action="dossier.sealed",
                obj=order,
                actor=actor,
                after={
                    "dossier": dossier.pk,
                    "manifest_sha256": dossier.manifest_sha256,
                    "archive_sha256": dossier.sha256,
                    "files": dossier.files,
                    "verification": verification.pk,
                },
            )
    except BaseException:
        dossier.file.delete(save=False)  # no archive without its row and its place in the chain
        raise
    return dossier


def dossier_read_audit(*, order, actor: Actor, page: str) -> None:
    """Every staff read of a dossier (the holder's data, documents and history) is an audit entry: who, when, which.
    The files themselves are audited again when opened (`document.viewed`)."""
    audit_record(
        action="dossier.viewed",
        obj=order,
        actor=actor,
        after={"page": page, "superuser": bool(getattr(actor.user, "is_superuser", False))},
    )


def evidence_read_audit(*, order, actor: Actor, what: str, public_id) -> None:
    """Staff opened a face capture, the base's face or the accepted term: audited like a document."""
    audit_record(
        action="evidence.viewed",
        obj=order,
        actor=actor,
        after={"what": what, "id": str(public_id), "superuser": bool(getattr(actor.user, "is_superuser", False))},
    )


def dossier_download_audit(*, dossier: SealedDossier, actor: Actor) -> None:
    audit_record(
        action="dossier.downloaded",
        obj=dossier.order,
        actor=actor,
        after={"dossier": dossier.pk, "archive_sha256": dossier.sha256},
    )


def _sealed_digest(dossier: SealedDossier) -> str | None:
    """The manifest digest the audit chain holds for this dossier (the chain itself is verified beside this)."""
    event = (
        AuditEvent.objects.filter(
            action="dossier.sealed",
            object_type="orders.order",
            object_id=str(dossier.order_id),
            after__dossier=dossier.pk,
        )
        .order_by("id")
        .first()
    )
    return event.after.get("manifest_sha256") if event else None


def dossier_problems(dossier: SealedDossier) -> Iterator[str]:
    """Everything in one sealed dossier that does not agree with the chain, in Portuguese."""
    where = f"dossiê {dossier.pk} do pedido {dossier.order.number}"
    recorded = _sealed_digest(dossier)
    if recorded is None:
        yield f"{where}: não há o registro `dossier.sealed` na cadeia de auditoria"
        return
    try:
        with dossier.file.open("rb") as stored:
            archive = zipfile.ZipFile(io.BytesIO(stored.read()))
    except (FileNotFoundError, OSError, ValueError) as error:
        yield f"{where}: o arquivo não pôde ser lido ({error.__class__.__name__})"
        return
    except DecryptionFailed:
        yield f"{where}: o arquivo cifrado foi alterado ou a chave que o cifrou não está configurada"
        return
    except zipfile.BadZipFile:
        yield f"{where}: o arquivo não é mais um zip íntegro"
        return
    with archive:
        names = set(archive.namelist())
        if MANIFEST not in names:
            yield f"{where}: falta o {MANIFEST}"
            return
        manifest = archive.read(MANIFEST)
        if hashlib.sha256(manifest).hexdigest() != recorded:
            yield f"{where}: o {MANIFEST} foi alterado (o resumo não confere com o da cadeia de auditoria)"
            return
        listed = json.loads(manifest)["files"]
        for name, entry in sorted(listed.items()):
            if name not in names:
                yield f"{where}: falta o arquivo {name}"
            elif hashlib.sha256(archive.read(name)).hexdigest() != entry["sha256"]:
                yield f"{where}: o arquivo {name} foi alterado"
        for name in sorted(names - set(listed) - {MANIFEST}):
            yield f"{where}: o arquivo {name} não consta do manifesto"


def dossiers_verify() -> SealedFilesReport:
    """Every sealed dossier still kept, against the digest the audit chain holds (`manage.py verify_audit_log`)."""
    problems: list[str] = []
    dossiers = SealedDossier.objects.filter(purged_at__isnull=True).select_related("order").order_by("pk")
    checked = 0
    for dossier in dossiers.iterator(200):
        checked += 1
        problems.extend(dossier_problems(dossier))
    return SealedFilesReport(what="sealed dossiers", checked=checked, problems=problems)
