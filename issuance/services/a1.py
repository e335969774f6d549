"""A1 issuance: with the issuance password, make the key pair, have the CA sign it, hand over one PKCS#12.

The private key exists only in this process's memory and in the PKCS#12 returned to the customer's browser;
it is never written to the database, a file, a log or a cache.
"""

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import formats, timezone
from django.utils.text import slugify

from orders.models import Order
from orders.services.passwords import secret_matches
from orders.services.transitions import order_transition
from tecnosign import ratelimit
from tecnosign.audit.services import Actor, audit_record
from tecnosign.errors import DomainError

from ..backends import CaError, get_backend
from ..models import Certificate, IssuanceRequest
from ..pki.names import common_name
from ..pki.pkcs12 import a1_bundle
from .handoff import delivery_kind, identity_from_order

# Guesses from one address across orders, on top of the per-order lock kept in the database.
IP_LIMIT = 30
IP_WINDOW = 15 * 60


class IssuanceUnavailable(DomainError):
    code = "issuance_unavailable"


class AlreadyIssued(DomainError):
    code = "already_issued"


class WrongIssuancePassword(DomainError):
    code = "wrong_issuance_password"


class IssuanceLocked(DomainError):
    code = "issuance_locked"


@dataclass(frozen=True)
class A1Delivery:
    pkcs12: bytes
    filename: str
    certificate: Certificate


def _brasilia(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "d/m/Y \\à\\s H:i")


def a1_check_issuable(order: Order) -> IssuanceRequest:
    """The order's issuance request, when the customer may issue now; otherwise the reason, in Portuguese."""
    request = IssuanceRequest.objects.filter(order=order).first()
    if order.status in (Order.Status.ISSUED, Order.Status.REVOKED):
        certificate = order.certificates.order_by("-issued_at").first()
        when = f" em {_brasilia(certificate.issued_at)} (Brasília)" if certificate else ""
        raise AlreadyIssued(
            f"O certificado deste pedido já foi emitido e baixado{when}. Por segurança o arquivo é entregue uma "
            "única vez e a chave privada não fica guardada conosco. Se o arquivo se perdeu ou corrompeu, "
            "veja as garantias de revogação e reemissão."
        )
    if delivery_kind(order.product) != "a1":
        raise IssuanceUnavailable(
            "Este certificado é A3: a emissão é feita na mídia (token ou cartão), não por download."
        )
    if order.status != Order.Status.RELEASED or request is None:
        raise IssuanceUnavailable(
            "O certificado ainda não foi liberado pela Autoridade Certificadora. Avisaremos por e-mail assim que "
            "puder ser emitido."
        )
    return request


def a1_issue(*, order: Order, password: str, actor: Actor) -> A1Delivery:
    """The customer's issuance: check the issuance password (attempts limited), then issue and package."""
    request = a1_check_issuable(order)
    now = timezone.now()
    if request.password_locked_until and request.password_locked_until > now:
        raise _locked(request.password_locked_until)
    ip = actor.ip or "unknown"
    if ratelimit.is_limited("a1-password-ip", ip, limit=IP_LIMIT):
        raise IssuanceLocked("Muitas tentativas a partir desta conexão. Aguarde 15 minutos e tente de novo.")
    if not secret_matches(password, order.issuance_password_hash):
        ratelimit.register_hit("a1-password-ip", ip, window=IP_WINDOW)
        raise _wrong_password(request, order, actor)
    return a1_issue_certificate(request=request, order=order, password=password, actor=actor)


def a1_issue_certificate(*, request: IssuanceRequest, order: Order, password: str, actor: Actor) -> A1Delivery:
    """Key pair, CA signature and PKCS#12, recorded in one transaction. Only after the password is checked."""
    now = timezone.now()
    key = rsa.generate_private_key(public_exponent=65537, key_size=settings.A1_KEY_SIZE)
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, order.number)]))
        .sign(key, hashes.SHA256())
    )
    with transaction.atomic():
        locked = IssuanceRequest.objects.select_for_update().get(pk=request.pk)
        current = Order.objects.select_related("product").get(pk=order.pk)
        a1_check_issuable(current)  # a concurrent click may have issued while this one made its key
        try:
            issued = get_backend(locked.backend).issue(reference=locked.external_reference, csr=csr)
        except CaError as exc:
            raise IssuanceUnavailable(
                "A Autoridade Certificadora não concluiu a emissão agora. Nada foi cobrado nem alterado; "
                "tente de novo em alguns minutos."
            ) from exc
        cert = issued.certificate
        der = cert.public_bytes(serialization.Encoding.DER)
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
            certificate_pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
            issued_at=now,
        )
        IssuanceRequest.objects.filter(pk=locked.pk).update(password_failures=0, password_locked_until=None)
        audit_record(
            action="certificate.issued",
            obj=record,
            actor=actor,
            after={"order": current.number, "serial": record.serial, "not_after": record.not_after.isoformat()},
        )
        order_transition(
            order=current, to=Order.Status.ISSUED, actor=actor, note=f"Certificado A1 nº de série {record.serial}"
        )
        # Built before commit: if packaging failed, nothing would be recorded as delivered.
        bundle = a1_bundle(
            key=key,
            certificate=cert,
            chain=issued.chain,
            password=password,
            friendly_name=common_name(identity_from_order(current)),
            kdf_rounds=settings.A1_PKCS12_KDF_ROUNDS,
        )
    filename = f"certificado-a1-{slugify(current.holder_name)[:40]}-{current.number}.pfx"
    return A1Delivery(pkcs12=bundle, filename=filename, certificate=record)


def _wrong_password(request: IssuanceRequest, order: Order, actor: Actor) -> DomainError:
    """Count the failure in the database (so the lock survives restarts); the error to show for it."""
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
        f"{_brasilia(until)} (Brasília). Se esqueceu a senha de emissão, fale com o nosso suporte."
    )
