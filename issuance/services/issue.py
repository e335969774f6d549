"""What A1 and A3 issuance share: the issuance password, and the one step that has the CA sign the holder's key,
records the certificate and moves the order to `issued`."""

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import formats, timezone

from orders.models import Order
from orders.services.passwords import secret_matches
from orders.services.transitions import order_transition
from tecnosign import ratelimit
from tecnosign.audit.services import Actor, audit_record
from tecnosign.errors import DomainError

from ..backends import CaError, get_backend
from ..models import Certificate, IssuanceRequest
from .authority import CaNotReady

logger = logging.getLogger(__name__)

# Guesses from one address across orders, on top of the per-order lock kept in the database.
IP_LIMIT = 30
IP_WINDOW = 15 * 60


class IssuanceUnavailable(DomainError):
    code = "issuance_unavailable"


class CaFailed(IssuanceUnavailable):
    code = "ca_unavailable"


class AlreadyIssued(DomainError):
    code = "already_issued"


class KeyAlreadyCertified(DomainError):
    code = "csr_key_reused"


class WrongIssuancePassword(DomainError):
    code = "wrong_issuance_password"


class IssuanceLocked(DomainError):
    code = "issuance_locked"


@dataclass(frozen=True)
class IssuedCertificateRecord:
    record: Certificate
    certificate: x509.Certificate
    chain: list[x509.Certificate]  # the issuer first, up to and including the root
    order: Order


def brasilia(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "d/m/Y \\à\\s H:i")


def public_key_sha256(public_key) -> str:
    spki = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(spki).hexdigest()


def key_already_certified(kind: str) -> KeyAlreadyCertified:
    where = "na mídia" if kind == "A3" else "no navegador"
    return KeyAlreadyCertified(
        f"Esta chave já foi usada em outro certificado e não pode ser certificada de novo. Gere uma chave nova {where} "
        "e tente outra vez.",
        field="csr",
    )


# -- the issuance password -------------------------------------------------------------------------------


def issuance_password_check(*, request: IssuanceRequest, order: Order, password: str, actor: Actor) -> None:
    """The customer's proof that they may issue: the order's issuance password, attempts limited per order (in
    the database, so the lock survives restarts) and per address. Raises; a right password clears the count."""
    now = timezone.now()
    if request.password_locked_until and request.password_locked_until > now:
        raise _locked(request.password_locked_until)
    ip = actor.ip or "unknown"
    if ratelimit.is_limited("issuance-password-ip", ip, limit=IP_LIMIT):
        raise IssuanceLocked("Muitas tentativas a partir desta conexão. Aguarde 15 minutos e tente de novo.")
    if not secret_matches(password, order.issuance_password_hash):
        ratelimit.register_hit("issuance-password-ip", ip, window=IP_WINDOW)
        raise _wrong_password(request, order, actor)
    if request.password_failures:
        IssuanceRequest.objects.filter(pk=request.pk).update(password_failures=0, password_locked_until=None)


def _wrong_password(request: IssuanceRequest, order: Order, actor: Actor) -> DomainError:
    """Count the failure in the database; the error to show for it."""
    limit = settings.A1_PASSWORD_MAX_FAILURES
    now = timezone.now()
    with transaction.atomic():
        IssuanceRequest.objects.filter(pk=request.pk).update(password_failures=F("password_failures") + 1)
        until = now + timedelta(minutes=settings.A1_PASSWORD_LOCK_MINUTES)
        locked = IssuanceRequest.objects.filter(pk=request.pk, password_failures__gte=limit).update(
            password_failures=0, password_locked_until=until
        )
        failures = IssuanceRequest.objects.values_list("password_failures", flat=True).get(pk=request.pk)
        audit_record(
            action="issuance.password_locked" if locked else "issuance.password_wrong",
            obj=order,
            actor=actor,
            after={"locked_until": until.isoformat()} if locked else {"failures": failures},
        )
    if locked:
        return _locked(until)
    left = limit - failures
    return WrongIssuancePassword(
        "Senha de emissão incorreta. Use a senha criada no pedido (não a de revogação). "
        + (f"Restam {left} tentativas." if left > 1 else "Resta 1 tentativa antes do bloqueio temporário."),
        field="password",
    )


def _locked(until) -> IssuanceLocked:
    return IssuanceLocked(
        "A emissão foi bloqueada por excesso de tentativas com a senha errada. Tente de novo a partir de "
        f"{brasilia(until)} (Brasília). Se esqueceu a senha de emissão, fale com o nosso suporte."
    )


# -- the CA's signature, recorded ------------------------------------------------------------------------


def certificate_issue(
    *,
    request: IssuanceRequest,
    order: Order,
    csr: x509.CertificateSigningRequest,
    actor: Actor,
    check: Callable[[Order], object],
    kind: str,
) -> IssuedCertificateRecord:
    """Have the CA sign the key the CSR proves, record the certificate, audit, and move the order to `issued`.

    One transaction (nested in the caller's, if any): the request row is locked and `check` runs again on the
    fresh order, so of two concurrent issuances the second is refused and nothing of it is kept.
    """
    with transaction.atomic():
        locked = IssuanceRequest.objects.select_for_update().get(pk=request.pk)
        current = Order.objects.select_related("product").get(pk=order.pk)
        check(current)
        fingerprint = public_key_sha256(csr.public_key())
        if Certificate.objects.filter(public_key_sha256=fingerprint).exists():
            raise key_already_certified(kind)
        try:
            issued = get_backend(locked.backend).issue(reference=locked.external_reference, csr=csr)
        except (CaError, CaNotReady) as exc:
            if isinstance(exc, CaNotReady):
                # A deployment fault (no `ca_init`, wrong CA_KEY_PASSPHRASE), not the customer's: staff must act.
                logger.error("local CA not ready, issuance of order %s refused: %s", current.number, exc)
            raise CaFailed(
                "A Autoridade Certificadora não concluiu a emissão agora. Nada foi cobrado nem alterado; "
                "tente de novo em alguns minutos."
            ) from exc
        cert = issued.certificate
        der = cert.public_bytes(serialization.Encoding.DER)
        try:
            with transaction.atomic():
                record = Certificate.objects.create(
                    order=current,
                    request=locked,
                    backend=locked.backend,
                    issuer=cert.issuer.rfc4514_string(),
                    serial=format(cert.serial_number, "X"),
                    subject=cert.subject.rfc4514_string(),
                    not_before=cert.not_valid_before_utc,
                    not_after=cert.not_valid_after_utc,
                    fingerprint_sha256=hashlib.sha256(der).hexdigest(),
                    public_key_sha256=fingerprint,
                    certificate_pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
                    issued_at=timezone.now(),
                )
        except IntegrityError:
            # Another order had the same key certified in the meantime: the unique key fingerprint decided.
            if Certificate.objects.filter(public_key_sha256=fingerprint).exists():
                raise key_already_certified(kind) from None
            raise
        audit_record(
            action="certificate.issued",
            obj=record,
            actor=actor,
            after={
                "order": current.number,
                "serial": record.serial,
                "not_after": record.not_after.isoformat(),
                "kind": kind,
            },
        )
        current = order_transition(
            order=current, to=Order.Status.ISSUED, actor=actor, note=f"Certificado {kind} nº de série {record.serial}"
        )
    return IssuedCertificateRecord(record=record, certificate=cert, chain=list(issued.chain), order=current)
