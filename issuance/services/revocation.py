"""Revoking a certificate at the CA. The revocation workflow (revocation/) decides and calls this."""

import logging

from django.db import transaction
from django.utils import formats, timezone

from tecnosign.audit.services import Actor, audit_record
from tecnosign.errors import DomainError
from tecnosign.queue import enqueue_task_on_commit

from ..backends import CaError, CaUnavailable, get_backend
from ..models import Certificate

logger = logging.getLogger(__name__)


class RevocationFailed(DomainError):
    code = "revocation_failed"


class AlreadyRevoked(DomainError):
    code = "already_revoked"


def certificate_revoke(*, certificate: Certificate, reason: int, actor: Actor, note: str = "") -> Certificate:
    """Revoke at the CA with an RFC 5280 reason, record it, audit it and republish the local CA's CRL after commit.

    The order's status is the caller's to move (orders.services.transitions).
    """
    try:
        reason = Certificate.Reason(reason)
    except ValueError as exc:
        raise RevocationFailed("Motivo de revogação inválido.", field="reason") from exc
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if locked.status == Certificate.Status.REVOKED:
            when = formats.date_format(timezone.localtime(locked.revoked_at), "d/m/Y H:i")
            raise AlreadyRevoked(f"Este certificado já foi revogado em {when} (Brasília).")
        now = timezone.now().replace(microsecond=0)
        try:
            get_backend(locked.backend).revoke(serial=locked.serial_number, reason=reason.value, revoked_at=now)
        except CaUnavailable as exc:
            logger.warning("revocation of %s: CA unavailable: %s", locked.serial, exc)
            raise RevocationFailed(
                "A Autoridade Certificadora não respondeu. Nada foi alterado; tente de novo em alguns minutos."
            ) from exc
        except CaError as exc:
            logger.error("revocation of %s refused by the CA: %s", locked.serial, exc)
            raise RevocationFailed(
                "A Autoridade Certificadora recusou a revogação. Nossa equipe foi avisada e vai verificar."
            ) from exc
        locked.status = Certificate.Status.REVOKED
        locked.revocation_reason = reason.value
        locked.revoked_at = now
        locked.save(update_fields=["status", "revocation_reason", "revoked_at"])
        audit_record(
            action="certificate.revoked",
            obj=locked,
            actor=actor,
            before={"status": Certificate.Status.VALID.value},
            after={"status": locked.status, "reason": reason.value, "revoked_at": now.isoformat()},
            note=note,
        )
        if locked.backend == "local":  # an external AC republishes its own CRL
            enqueue_task_on_commit("issuance.publish_crl")
    return locked
