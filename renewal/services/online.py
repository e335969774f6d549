"""Online renewal (IN ITI 05/2021, items 2.1.6–2.1.7): a renewal request signed with the holder's current, valid
ICP-Brasil certificate, for a holder whose biometrics are on file, needs no new identification.

The portal writes the request (a short text naming the order, the certificate renewed and a fresh nonce, signed by the
portal so it cannot be forged or reused elsewhere); the local agent signs it with the current certificate's key — on
the token for A3, or from the customer's own PKCS#12 opened on the customer's machine for A1 — and the portal checks
the signature, the chain up to its root, the validity, the revocation status through its own OCSP responder and that
the subject is the same holder. Then the order skips documents and videoconference and goes to the verification
centre with that evidence (`OnlineRenewal`)."""

import base64
import binascii
import secrets
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone

from issuance.models import Certificate, CertificateAuthority
from issuance.services.handoff import issuance_submit
from issuance.services.publication import ocsp_respond
from orders.models import HolderBiometrics, Order, Product
from orders.services.transitions import order_transition
from tecnosign.audit.services import Actor, audit_record
from tecnosign.errors import DomainError

from ..models import OnlineRenewal

S = Order.Status
SALT = "renewal.online"
REQUEST_MAX_AGE_SECONDS = 15 * 60


class OnlineRenewalRefused(DomainError):
    code = "online_renewal_refused"


@dataclass(frozen=True)
class OnlineEligibility:
    allowed: bool
    reason: str = ""


def online_renewal_eligibility(order: Order) -> OnlineEligibility:
    """Whether this renewal order may be validated online, and if not, why (the page says it and offers booking)."""
    certificate = order.renews
    if certificate is None:
        return OnlineEligibility(False, "Este pedido não é a renovação de um certificado.")
    if order.status != S.PAID:
        return OnlineEligibility(False, "A renovação on-line é feita depois do pagamento confirmado.")
    if hasattr(order, "online_renewal"):
        return OnlineEligibility(False, "A renovação on-line deste pedido já foi enviada à central de verificação.")
    if certificate.status == Certificate.Status.REVOKED:
        return OnlineEligibility(False, "O certificado atual foi revogado: a renovação exige nova videoconferência.")
    if certificate.not_after <= timezone.now():
        return OnlineEligibility(False, "O certificado atual já venceu: a renovação exige nova videoconferência.")
    media = certificate.order.product.certificate_type
    if media == Product.CertificateType.A1 and not settings.RENEWAL_ONLINE_ALLOW_A1:
        return OnlineEligibility(
            False,
            "A renovação on-line exige um certificado A3 (token ou cartão) válido; o seu é A1. Agende a "
            "videoconferência.",
        )
    if not HolderBiometrics.objects.filter(cpf=order.person_cpf).exists():
        return OnlineEligibility(
            False,
            "A renovação on-line vale para quem já tem biometria cadastrada na ICP-Brasil. Agende a "
            "videoconferência: a biometria é coletada nela.",
        )
    return OnlineEligibility(True)


def online_renewal_request(order: Order) -> tuple[str, str]:
    """The text the holder signs: what is asked, for which order and certificate, with a nonce; signed by the portal
    (so the answer can be checked without keeping it) and valid for 15 minutes. Returns the token and the text."""
    certificate = order.renews
    text = "\n".join(
        [
            "TecnoSign - pedido de renovacao de certificado digital (IN ITI 05/2021, itens 2.1.6 e 2.1.7)",
            f"pedido: {order.number}",
            f"titular: {order.holder_document}",
            f"certificado renovado: {certificate.serial}",
            f"produto: {order.product.code}",
            f"nonce: {secrets.token_urlsafe(16)}",
        ]
    )
    return signing.dumps(text, salt=SALT, compress=True), text


def _refuse(message: str, code: str) -> OnlineRenewalRefused:
    return OnlineRenewalRefused(message, code=code)


def _request_text(order: Order, token: str) -> str:
    try:
        text = signing.loads(token, salt=SALT, max_age=REQUEST_MAX_AGE_SECONDS)
    except signing.SignatureExpired:
        raise _refuse("O pedido de renovação expirou (15 minutos). Assine de novo.", "request_expired") from None
    except signing.BadSignature:
        raise _refuse("Pedido de renovação inválido.", "request_invalid") from None
    if f"\npedido: {order.number}\n" not in text:
        raise _refuse("Este pedido de renovação é de outro pedido.", "request_invalid")
    return text


def _load_certificate(pem: str) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(pem.encode())
    except (ValueError, TypeError):
        raise _refuse("O certificado enviado pelo agente não pôde ser lido.", "certificate_unreadable") from None


def _authorities() -> list[tuple[CertificateAuthority, x509.Certificate]]:
    return [
        (row, x509.load_pem_x509_certificate(row.certificate_pem.encode()))
        for row in CertificateAuthority.objects.filter(role__in=["root", "issuing"])
    ]


def _chain_to_root(cert: x509.Certificate, now) -> x509.Certificate:
    """The issuing CA of `cert`, after checking each link up to a root of this portal's chain."""
    authorities = _authorities()
    roots = {row.pk: ca for row, ca in authorities if row.role == CertificateAuthority.Role.ROOT}
    for row, issuing in authorities:
        if row.role != CertificateAuthority.Role.ISSUING or issuing.subject != cert.issuer:
            continue
        root = roots.get(row.parent_id)
        try:
            cert.verify_directly_issued_by(issuing)
            if root is None:
                continue
            issuing.verify_directly_issued_by(root)
            root.verify_directly_issued_by(root)
        except (InvalidSignature, ValueError, TypeError):
            continue
        for link in (issuing, root):
            if not link.not_valid_before_utc <= now <= link.not_valid_after_utc:
                raise _refuse("A cadeia do certificado não está válida.", "chain_invalid")
        return issuing
    raise _refuse(
        "O certificado não foi emitido pela cadeia da ICP-Brasil desta Autoridade de Registro.", "chain_invalid"
    )


def _ocsp_status(cert: x509.Certificate, issuing: x509.Certificate):
    request = ocsp.OCSPRequestBuilder().add_certificate(cert, issuing, hashes.SHA256()).build()
    response = ocsp.load_der_ocsp_response(ocsp_respond(request.public_bytes(serialization.Encoding.DER)))
    if response.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
        raise _refuse("Não foi possível consultar a situação do certificado (OCSP). Tente de novo.", "ocsp_failed")
    return response.certificate_status


def _document_of(cert: x509.Certificate) -> str:
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    common_name = str(names[0].value) if names else ""
    return common_name.rpartition(":")[2]


def online_renewal_submit(*, order: Order, request_token: str, signature: str, certificate_pem: str, actor: Actor):
    """Check the signed renewal request; on success the order goes to the verification centre with the evidence.
    Any failure raises OnlineRenewalRefused with what is wrong, and nothing is written."""
    eligibility = online_renewal_eligibility(order)
    if not eligibility.allowed:
        raise _refuse(eligibility.reason, "not_eligible")
    text = _request_text(order, request_token)
    cert = _load_certificate(certificate_pem)
    now = timezone.now()
    if _document_of(cert) != order.holder_document:
        raise _refuse(
            "O pedido foi assinado com o certificado de outro titular. Use o seu certificado atual.", "other_holder"
        )
    if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
        raise _refuse(
            "O certificado usado para assinar está fora da validade (vencido). Agende a videoconferência.", "expired"
        )
    issuing = _chain_to_root(cert, now)
    public_key = cert.public_key()
    try:
        raw_signature = base64.b64decode(signature, validate=True)
        if not isinstance(public_key, rsa.RSAPublicKey):
            raise InvalidSignature
        public_key.verify(raw_signature, text.encode(), padding.PKCS1v15(), hashes.SHA256())
    except (binascii.Error, ValueError, InvalidSignature):
        raise _refuse("A assinatura do pedido de renovação não confere com o certificado.", "bad_signature") from None
    status = _ocsp_status(cert, issuing)
    if status == ocsp.OCSPCertStatus.REVOKED:
        raise _refuse("O certificado usado para assinar foi revogado. Agende a videoconferência.", "revoked")
    if status != ocsp.OCSPCertStatus.GOOD:
        raise _refuse("O certificado usado para assinar não é conhecido por esta Autoridade Certificadora.", "unknown")
    fingerprint = cert.fingerprint(hashes.SHA256()).hex()
    signer = (
        Certificate.objects.select_related("order__product")
        .filter(fingerprint_sha256=fingerprint, status=Certificate.Status.VALID)
        .first()
    )
    if signer is None:
        raise _refuse("O certificado usado para assinar não é conhecido por esta Autoridade Certificadora.", "unknown")
    if signer.order.product.certificate_type == Product.CertificateType.A1 and not settings.RENEWAL_ONLINE_ALLOW_A1:
        raise _refuse("A renovação on-line deve ser assinada com um certificado A3 (token ou cartão).", "not_a3")
    checks = {
        "signature": "sha256WithRSAEncryption ok",
        "chain": [cert.issuer.rfc4514_string(), issuing.issuer.rfc4514_string()],
        "valid_until": cert.not_valid_after_utc.isoformat(),
        "ocsp": "good",
        "holder_document": order.holder_document,
        "checked_at": now.isoformat(),
    }
    with transaction.atomic():
        evidence = OnlineRenewal.objects.create(
            order=order,
            signer_certificate=signer,
            signed_request=text,
            signature=signature,
            signer_certificate_pem=certificate_pem,
            checks=checks,
        )
        order_transition(
            order=order,
            to=S.VALIDATED,
            actor=actor,
            note=f"Renovação on-line assinada com o certificado {signer.serial}: à central de verificação",
        )
        audit_record(action="renewal.online_signed", obj=order, actor=actor, after=checks)
    return evidence


class OnlineRenewalDecisionRefused(DomainError):
    code = "online_renewal_decision_refused"


def online_renewal_decide(*, renewal: OnlineRenewal, approve: bool, actor: Actor, reason: str = "") -> OnlineRenewal:
    """The verification centre approves the evidence (→ the CA) or returns it: the holder then books a
    videoconference (the order goes to `rejected`, from where documents and booking follow)."""
    user = actor.user
    if user is None or not user.has_perm("scheduling.verify_dossier"):
        raise OnlineRenewalDecisionRefused("Só a central de verificação pode aprovar ou devolver renovações on-line.")
    if not approve and not reason.strip():
        raise OnlineRenewalDecisionRefused("Diga por que a renovação on-line está sendo devolvida.")
    with transaction.atomic():
        locked = OnlineRenewal.objects.select_for_update().select_related("order").get(pk=renewal.pk)
        if locked.status != OnlineRenewal.Status.PENDING:
            raise OnlineRenewalDecisionRefused("Esta renovação on-line já foi decidida.")
        locked.status = OnlineRenewal.Status.VERIFIED if approve else OnlineRenewal.Status.RETURNED
        locked.decided_at, locked.decided_by, locked.reason = timezone.now(), user, reason.strip()[:500]
        locked.save(update_fields=["status", "decided_at", "decided_by", "reason"])
        audit_record(
            action="renewal.online_decided",
            obj=locked.order,
            actor=actor,
            after={"status": locked.status},
            note=reason,
        )
        if approve:
            order = order_transition(
                order=locked.order, to=S.VERIFIED, actor=actor, note="Renovação on-line aprovada pela central"
            )
            issuance_submit(order, actor=actor)
        else:
            order_transition(
                order=locked.order,
                to=S.REJECTED,
                actor=actor,
                note=f"Renovação on-line devolvida: validação por videoconferência ({reason.strip()})",
            )
    return locked
