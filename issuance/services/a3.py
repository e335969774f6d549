"""A3 issuance: the key pair is made on the holder's token or card, the CSR is signed there, the CA signs the key
the CSR proves, and the certificate goes back to the media. The private key never leaves the token.

Two ways in, one service: the customer's own browser on the order page (tokens.views_a3, after the issuance
password) and a registration agent's workstation job (tokens.operations, "a3_issue"). Both send the token's CSR to
`a3_issue_from_csr`, which refuses any CSR that does not belong to the order before the CA sees it.
"""

from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.db import transaction

from orders.models import Order
from tecnosign.audit.services import Actor, audit_record
from tecnosign.errors import DomainError

from ..backends import get_backend
from ..models import Certificate, CertificateAuthority, IssuanceRequest
from ..pki.names import common_name, subject_attributes
from .handoff import delivery_kind, identity_from_order
from .issue import AlreadyIssued, IssuanceUnavailable, brasilia, certificate_issue

# A PKCS#10 request with an RSA-4096 key and a full ICP-Brasil subject is under 3 KB.
MAX_CSR_BYTES = 16 * 1024
ACCEPTED_HASHES = (hashes.SHA256, hashes.SHA384, hashes.SHA512)


class MediaNotDelivered(IssuanceUnavailable):
    code = "media_not_delivered"


class CsrRefused(DomainError):
    """The CSR is not one the order may have certified. `code` says why (csr_invalid, csr_key_type, …)."""

    code = "csr_refused"

    def __init__(self, message: str, *, code: str):
        super().__init__(message, code=code, field="csr")


@dataclass(frozen=True)
class A3Issued:
    certificate: Certificate
    certificate_pem: str
    chain_pems: list[str]  # the issuing CA first, up to and including the root


def a3_check_issuable(order: Order) -> IssuanceRequest:
    """The order's issuance request when its certificate may be issued on a token now; else why not, in pt-BR."""
    request = IssuanceRequest.objects.filter(order=order).first()
    kind = delivery_kind(order.product)
    if kind == "a1":
        raise IssuanceUnavailable(
            "Este certificado é A1 (arquivo): ele é emitido e baixado na página do pedido com a senha de emissão, "
            "não gravado em token ou cartão."
        )
    if order.status == Order.Status.REVOKED:
        raise AlreadyIssued("O certificado deste pedido foi revogado. Um pedido revogado não é emitido de novo.")
    if order.status == Order.Status.ISSUED:
        certificate = order.certificates.order_by("-issued_at").first()
        when = f" em {brasilia(certificate.issued_at)} (Brasília)" if certificate else ""
        raise AlreadyIssued(
            f"O certificado deste pedido já foi emitido{when}; outro pedido de certificado (CSR) não é aceito. "
            "Se ele não ficou gravado na mídia, use “Gravar o certificado na mídia” na página de instalação, com "
            "a mesma mídia em que a chave foi gerada."
        )
    if order.status != Order.Status.RELEASED or request is None:
        if order.status == Order.Status.VERIFIED:
            raise IssuanceUnavailable(
                "O certificado ainda não foi liberado pela Autoridade Certificadora (prazo de até 24 horas). "
                "Avisaremos por e-mail assim que ele puder ser emitido."
            )
        raise IssuanceUnavailable(
            f"O pedido está em “{order.get_status_display()}”: a emissão só é possível depois da validação da "
            "identidade e da liberação pela Autoridade Certificadora."
        )
    if kind == "a3_delivery" and request.media_delivered_at is None:
        raise MediaNotDelivered(
            "A mídia (token ou cartão) deste pedido ainda não foi entregue: a emissão é feita nela, depois da "
            "entrega. Avisaremos por e-mail assim que registrarmos a entrega."
        )
    return request


def a3_csr_subject(order: Order) -> list[list[str]]:
    """The subject the token's CSR carries: the holder's DOC-ICP-04 DN, as [attribute, value] pairs for the agent.

    The CA writes the certificate's subject from the identity it received at hand-off; the CSR's CN must match
    it (a3_issue_from_csr checks), the rest is informative.
    """
    request = IssuanceRequest.objects.filter(order=order).first()
    backend = get_backend(request.backend if request else None)
    pairs = subject_attributes(
        identity_from_order(order), issuing_ca=backend.issuing_ca_name(), ar_cnpj=settings.ICP_AR_CNPJ
    )
    return [[attribute, value] for attribute, value in pairs]


def a3_key_label(order: Order) -> str:
    """How the key (and then the certificate) is named on the token, so people can tell it from others."""
    return f"TecnoSign {order.number}"


def a3_issue_from_csr(*, order: Order, csr_pem: str | bytes, actor: Actor) -> A3Issued:
    """Check that the token's CSR belongs to the order, have the CA sign its key, record it; the order is issued.

    Refused (CsrRefused, the order unchanged): not a PKCS#10 in PEM or DER, a signature that does not verify, a
    key that is not RSA of A3_KEY_SIZE bits, a subject CN that is not the order's holder; and (KeyAlreadyCertified,
    decided under the lock by certificate_issue and a unique constraint) a key certified before.
    """
    request = a3_check_issuable(order)
    try:
        csr = _checked_csr(csr_pem, order)
    except CsrRefused as refusal:
        with transaction.atomic():
            audit_record(action="issuance.a3_csr_refused", obj=order, actor=actor, after={"code": refusal.code})
        raise
    issued = certificate_issue(request=request, order=order, csr=csr, actor=actor, check=a3_check_issuable, kind="A3")
    return A3Issued(
        certificate=issued.record,
        certificate_pem=issued.record.certificate_pem,
        chain_pems=[cert.public_bytes(serialization.Encoding.PEM).decode() for cert in issued.chain],
    )


def a3_certificate_to_install(order: Order) -> Certificate:
    """The valid certificate of an issued A3 order, to write (again) on the token that holds its key."""
    certificate = (
        Certificate.objects.filter(order=order, status=Certificate.Status.VALID).order_by("-issued_at").first()
        if delivery_kind(order.product) != "a1" and order.status == Order.Status.ISSUED
        else None
    )
    if certificate is None:
        raise IssuanceUnavailable("Este pedido não tem um certificado A3 emitido e válido para gravar na mídia.")
    return certificate


# -- the CSR's checks ------------------------------------------------------------------------------------


def _checked_csr(data: str | bytes, order: Order) -> x509.CertificateSigningRequest:
    csr = _load(data)
    try:
        public_key = csr.public_key()
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise CsrRefused(
            "A chave do pedido de certificado (CSR) é de um tipo que não reconhecemos. Certificados A3 usam chave "
            f"RSA de {settings.A3_KEY_SIZE} bits gerada na mídia.",
            code="csr_key_type",
        ) from exc
    if not isinstance(public_key, RSAPublicKey):
        raise CsrRefused(
            f"A chave do pedido de certificado (CSR) não é RSA. Certificados A3 ICP-Brasil usam chave RSA de "
            f"{settings.A3_KEY_SIZE} bits gerada na mídia.",
            code="csr_key_type",
        )
    if public_key.key_size != settings.A3_KEY_SIZE:
        raise CsrRefused(
            f"A chave do pedido de certificado (CSR) tem {public_key.key_size} bits; para certificados A3 ela "
            f"deve ter exatamente {settings.A3_KEY_SIZE} bits. Gere a chave de novo na mídia.",
            code="csr_key_size",
        )
    if not _sha2_signed(csr):
        raise CsrRefused(
            "O pedido de certificado (CSR) foi assinado com um resumo (hash) fraco. Use SHA-256: gere o pedido de "
            "novo pela página do pedido.",
            code="csr_weak_hash",
        )
    if not _signature_verifies(csr):
        raise CsrRefused(
            "A assinatura do pedido de certificado (CSR) não confere com a chave dele: o pedido não foi assinado "
            "pela chave da mídia ou foi alterado no caminho. Gere a chave e o pedido de novo.",
            code="csr_signature_invalid",
        )
    expected = common_name(identity_from_order(order))
    names = [attribute.value for attribute in csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    if names != [expected]:
        given = names[0] if len(names) == 1 else ("vários nomes" if names else "nenhum nome")
        raise CsrRefused(
            f"O titular do pedido de certificado (CSR) não é o deste pedido: veio “{given}”, esperávamos "
            f"“{expected}”. Gere o pedido pela página do pedido, que já preenche o titular.",
            code="csr_subject_mismatch",
        )
    return csr


def _load(data: str | bytes) -> x509.CertificateSigningRequest:
    raw = data.encode("utf-8", errors="replace") if isinstance(data, str) else bytes(data or b"")
    if not raw.strip():
        raise CsrRefused("Envie o pedido de certificado (CSR) gerado na mídia.", code="csr_missing")
    if len(raw) > MAX_CSR_BYTES:
        raise CsrRefused("O pedido de certificado (CSR) enviado é grande demais.", code="csr_invalid")
    try:
        if b"-----BEGIN" in raw:
            return x509.load_pem_x509_csr(raw)
        return x509.load_der_x509_csr(raw)
    except ValueError as exc:
        raise CsrRefused(
            "O que foi enviado não é um pedido de certificado (CSR PKCS#10) válido, em PEM ou DER.", code="csr_invalid"
        ) from exc


def _sha2_signed(csr: x509.CertificateSigningRequest) -> bool:
    try:
        return isinstance(csr.signature_hash_algorithm, ACCEPTED_HASHES)
    except UnsupportedAlgorithm:
        return False


def _signature_verifies(csr: x509.CertificateSigningRequest) -> bool:
    try:
        return csr.is_signature_valid
    except (UnsupportedAlgorithm, InvalidSignature, ValueError):
        return False


def known_chain_pems(certificate: Certificate) -> list[str]:
    """The chain of a certificate the local CA signed, issuer first up to the root; empty for another CA's (its
    chain came with the issuance, and the customer's software can fetch it from the AIA address)."""
    issuer = x509.load_pem_x509_certificate(certificate.certificate_pem.encode()).issuer
    for authority in CertificateAuthority.objects.select_related("parent").exclude(role=CertificateAuthority.Role.OCSP):
        if x509.load_pem_x509_certificate(authority.certificate_pem.encode()).subject != issuer:
            continue
        chain = []
        while authority is not None:
            chain.append(authority.certificate_pem)
            authority = authority.parent
        return chain
    return []
